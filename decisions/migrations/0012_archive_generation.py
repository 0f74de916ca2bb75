import django.utils.timezone
from django.db import migrations, models


def first_generation(apps, schema_editor):
    """The one row; and an empty cache, whose values were stored under generations counted
    in the cache, which this count does not continue."""
    from django.conf import settings

    apps.get_model("decisions", "ArchiveGeneration").objects.create(id=1, value=1)
    for alias, config in settings.CACHES.items():
        if config["BACKEND"].endswith("db.DatabaseCache"):
            table = config["LOCATION"]
            if table in schema_editor.connection.introspection.table_names():
                schema_editor.execute(f"DELETE FROM {schema_editor.quote_name(table)}")


class Migration(migrations.Migration):

    dependencies = [
        ('decisions', '0011_municipalities'),
    ]

    operations = [
        migrations.CreateModel(
            name='ArchiveGeneration',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('value', models.BigIntegerField(default=1)),
                ('changed_at', models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                'verbose_name': 'arkivets generation',
                'constraints': [models.CheckConstraint(condition=models.Q(('id', 1)), name='archive_generation_one_row')],
            },
        ),
        migrations.RunPython(first_generation, migrations.RunPython.noop),
    ]
