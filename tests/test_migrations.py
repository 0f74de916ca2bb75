"""Migration 0011 on an archive loaded before municipalities: everything it holds becomes the
default municipality's, with its official code, and the constraints hold."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("decisions", "0010_person_slug_redirect")]
AFTER = [("decisions", "0011_municipalities")]


@pytest.mark.django_db(transaction=True)
def test_an_odense_archive_becomes_odense_kommunes():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    committee = old.get_model("decisions", "Committee").objects.create(
        name="Beskæftigelses- og Socialudvalget", slug="beskaeftigelses-og-socialudvalget"
    )
    old.get_model("decisions", "Case").objects.create(
        number="15.00.00-G01-193-17", kle="15.00.00", facet="G01", serial=193, year="17"
    )
    person = old.get_model("decisions", "Person").objects.create(name="Reza Javid", slug="reza-javid", party="Ø")
    old.get_model("decisions", "PersonSlugRedirect").objects.create(old_slug="reza-javi", person=person)
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps
        Municipality = new.get_model("decisions", "Municipality")
        assert list(Municipality.objects.values_list("name", "slug", "code")) == [
            ("Odense Kommune", "odense-kommune", 461)
        ]
        odense = Municipality.objects.get()
        assert new.get_model("decisions", "Committee").objects.get(pk=committee.pk).municipality_id == odense.pk
        for model in ("Case", "Person", "PersonSlugRedirect"):
            assert set(new.get_model("decisions", model).objects.values_list("municipality_id", flat=True)) == {
                odense.pk
            }
    finally:
        MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_migrate_is_all_a_new_database_needs(db, tmp_path):
    # After `migrate` alone, `ingest` stopped at `relation "archive_cache" does not exist`: only
    # `make run` ran `createcachetable`. Now a migration makes the cache's table.
    import os
    import subprocess
    import sys
    from urllib.parse import quote

    import psycopg

    from tests.conftest import MINUTES_2019, ROOT

    settings = connection.settings_dict
    name = "test_new_archive_from_migrate"
    server = f"postgresql://{quote(settings['USER'])}:{quote(settings['PASSWORD'])}@:{settings['PORT']}"
    host = f"?host={quote(settings['HOST'])}" if settings["HOST"] else ""
    with psycopg.connect(f"{server}/postgres{host}", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": f"{server}/{name}{host}", "ARCHIVE_MEDIA_ROOT": str(tmp_path)}
    env["ARCHIVE_PLAIN_STATIC"] = "1"  # no collectstatic here
    env.pop("DJANGO_SETTINGS_MODULE", None)

    def manage(*args: str) -> str:
        proc = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc.stdout

    try:
        manage("migrate", "--noinput")
        assert "meetings created 1," in manage("ingest", str(MINUTES_2019))
        page = manage(
            "shell",
            "--verbosity=0",
            "-c",
            "from django.test import Client; r = Client(HTTP_HOST='127.0.0.1').get('/search/?q=bedrageri'); "
            "print(r.status_code, 'bekæmpelse af socialt bedrageri' in r.content.decode())",
        )
        assert page.split() == ["200", "True"]
    finally:
        with psycopg.connect(f"{server}/postgres{host}", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
