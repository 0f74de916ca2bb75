from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    """The cache is a table in the archive's database (settings.CACHES): made here, so that
    `migrate` is all a new database needs (`ingest` stopped at `relation "archive_cache" does
    not exist` when only `make run` ran `createcachetable`). It does nothing if the table exists."""
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):

    dependencies = [
        ('decisions', '0013_party_letters'),
    ]

    operations = [
        migrations.RunPython(create_cache_table, migrations.RunPython.noop),
    ]
