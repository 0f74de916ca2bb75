"""The real fixtures committed for other processes (gunicorn, pg_dump) to read, once for a test
module, in a database of its own: a copy of the migrated test database, <test db>_<suffix>,
dropped after.

Not the test database itself: its rows would have to be flushed afterwards, which also takes
what the migrations put there (groups, municipalities) from the plain `db` tests that
pytest-django runs after these. A module using this marks its tests `django_db`, so that
pytest-django sets up the test database to copy even when the module runs alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from tests.conftest import ALL_MINUTES, ROOT


def database_url(name: str) -> str:
    """The URL of database `name` on the test database's server, for a child's DATABASE_URL."""
    from django.db import connection

    db = connection.settings_dict
    user, password, host = quote(db["USER"]), quote(db["PASSWORD"]), quote(db["HOST"])
    return f"postgresql://{user}:{password}@:{db['PORT']}/{quote(name)}?host={host}"


def connect(name: str):
    """psycopg, autocommit, to database `name` on the test database's server."""
    import psycopg
    from django.db import connection

    db = connection.settings_dict
    return psycopg.connect(
        dbname=name,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        autocommit=True,
    )


def drop_database(name: str) -> None:
    with connect("postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def committed_fixtures(media_root: Path, suffix: str) -> Iterator[str]:
    """The four real minutes ingested (`manage.py ingest`) into <test db>_<suffix>, their
    original files in `media_root`; yields that database's name."""
    from django.db import connection, connections

    test_database = connection.settings_dict["NAME"]
    name = f"{test_database}_{suffix}"
    # A database is copied only while nobody is connected to it: this process's connections go.
    connections.close_all()
    drop_database(name)  # a run stopped halfway may have left it
    with connect("postgres") as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{test_database}"')
    try:
        env = {**os.environ, "DATABASE_URL": database_url(name), "ARCHIVE_MEDIA_ROOT": str(media_root)}
        env["ARCHIVE_ALLOW_EPHEMERAL_KEY"] = "1"
        env.pop("DATABASE_REPLICA_URLS", None)
        command = [sys.executable, "manage.py", "ingest", *map(str, ALL_MINUTES)]
        ingested = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert ingested.returncode == 0, ingested.stderr[-3000:]
        yield name
    finally:
        drop_database(name)
