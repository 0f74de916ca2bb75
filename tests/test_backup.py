"""The restore drill (`make backup`, `make restore`): the real fixtures committed, dumped by
`python -m archive.backup dump`, restored into a new database, and every table compared.

Both databases are named after the test database (<test db>_backup, <test db>_backup_restored)
and dropped after.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tests.committed import committed_fixtures, connect, database_url, drop_database

ROOT = Path(__file__).resolve().parent.parent
# Whose rows a backup leaves out (archive/backup.py): sessions and the cache.
LEFT_OUT = {"django_session", "archive_cache"}
# Rows compared one by one, beside every table's digest: meetings, items, votes, the generation.
COMPARED = ("decisions_meeting", "decisions_agendaitem", "decisions_vote", "decisions_archivegeneration")

# The fixtures are committed to a copy of the test database (tests/committed.py).
pytestmark = pytest.mark.django_db


def backup(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "archive.backup", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def drill(django_db_setup, tmp_path_factory):
    """The fixtures backed up and restored into <their database>_restored, media into a folder
    of its own."""
    tmp = tmp_path_factory.mktemp("backup")
    media, restored_media, backups = tmp / "media", tmp / "restored-media", tmp / "backups"
    with committed_fixtures(media, "backup") as original:
        restored = f"{original}_restored"
        # What a backup leaves out: a session, and an upload still awaiting confirmation.
        with connect(original) as conn:
            conn.execute(
                "INSERT INTO django_session (session_key, session_data, expire_date) "
                "VALUES (%s, 'editor', now() + interval '1 day')",
                ["k" * 32],
            )
        pending = media / "pending" / "token" / "minutes.txt"
        pending.parent.mkdir(parents=True)
        pending.write_text("not yet the archive's")

        env = {**os.environ, "DATABASE_URL": database_url(original), "ARCHIVE_MEDIA_ROOT": str(media)}
        env.pop("DATABASE_REPLICA_URLS", None)
        dumped = backup(env, "dump", "--out", str(backups))
        assert dumped.returncode == 0, dumped.stderr[-3000:]
        drop_database(restored)  # a run stopped halfway may have left it
        try:
            [dump_file] = backups.glob("archive-*.dump")
            restored_run = backup(
                env, "restore", str(dump_file), "--database", restored, "--media", str(restored_media)
            )
            assert restored_run.returncode == 0, restored_run.stderr[-3000:]
            yield {
                "original": original,
                "restored": restored,
                "dump": dump_file,
                "media": media,
                "restored_media": restored_media,
                "env": env,
                "output": restored_run.stdout,
            }
        finally:
            drop_database(restored)


def _tables(conn) -> list[str]:
    rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    return [name for (name,) in rows]


def _digest(conn, table: str) -> tuple[int, str]:
    """The table's row count and a digest of all its rows, in a fixed order."""
    return conn.execute(
        f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM \"{table}\" t"
    ).fetchone()


def test_the_restored_database_has_the_same_rows(drill):
    with connect(drill["original"]) as original, connect(drill["restored"]) as restored:
        tables = _tables(original)
        assert _tables(restored) == tables and set(COMPARED) | LEFT_OUT <= set(tables)
        for table in tables:
            if table in LEFT_OUT:
                continue
            assert _digest(restored, table) == _digest(original, table), table
        # The exact rows, not only their digest; and the fixtures really are there.
        for table in COMPARED:
            rows = original.execute(f'SELECT * FROM "{table}" ORDER BY id').fetchall()
            assert rows, table
            assert restored.execute(f'SELECT * FROM "{table}" ORDER BY id').fetchall() == rows, table
        assert original.execute("SELECT count(*) FROM decisions_meeting").fetchone()[0] == 4
        assert original.execute("SELECT value FROM decisions_archivegeneration").fetchone()[0] > 1
        # Sessions and the cache: their tables restored, empty.
        assert original.execute("SELECT count(*) FROM django_session").fetchone()[0] == 1
        for table in LEFT_OUT:
            assert restored.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] == 0, table
        # Sequences go on where they were: the next ingest into the restored archive collides with nothing.
        sequences = "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1"
        assert restored.execute(sequences).fetchall() == original.execute(sequences).fetchall()
        # The restored tables belong to the role that restored them, as the app's role must.
        owners = "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"
        assert {owner for (owner,) in restored.execute(owners)} == {restored.info.user}
    assert "4 meetings" in drill["output"] and f"into {drill['restored']}" in drill["output"]


def test_the_media_files_are_restored_without_pending_uploads(drill):
    def files(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}

    original = {name: data for name, data in files(drill["media"]).items() if not name.startswith("pending/")}
    assert len(original) == 4  # each fixture's original minutes
    assert files(drill["restored_media"]) == original


def test_a_backup_is_readable_by_its_owner_only(drill):
    media_file = drill["dump"].with_name(drill["dump"].name.replace(".dump", ".media.tar"))
    for path in (drill["dump"], media_file):
        assert path.stat().st_mode & 0o777 == 0o600, path
    assert drill["dump"].parent.stat().st_mode & 0o777 == 0o700
    assert not list(drill["dump"].parent.glob("*.partial"))


def test_restore_never_writes_over_a_database_with_tables(drill):
    with connect(drill["restored"]) as restored:
        before = restored.execute("SELECT count(*) FROM decisions_agendaitem").fetchone()[0]
    # Neither a named database that is no longer empty, nor the configured one (the test database).
    for args in (("--database", drill["restored"]), ()):
        refused = backup(drill["env"], "restore", str(drill["dump"]), *args)
        assert refused.returncode != 0
        assert "is not empty" in refused.stderr
    with connect(drill["restored"]) as restored:
        assert restored.execute("SELECT count(*) FROM decisions_agendaitem").fetchone()[0] == before


def test_restoring_media_keeps_files_already_there_and_stays_inside(tmp_path):
    from archive.backup import untar_media

    archive = tmp_path / "media.tar"
    with tarfile.open(archive, "w") as tar:
        for name, data in (("minutes/a.txt", b"from the backup"), ("../outside.txt", b"escape"), ("b.txt", b"new")):
            member = tarfile.TarInfo(name)
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
    root = tmp_path / "media"
    (root / "minutes").mkdir(parents=True)
    (root / "minutes" / "a.txt").write_bytes(b"already here")
    assert untar_media(archive, root) == (1, 1)
    assert (root / "minutes" / "a.txt").read_bytes() == b"already here"
    assert (root / "b.txt").read_bytes() == b"new"
    assert not (tmp_path / "outside.txt").exists()


def test_prune_keeps_the_newest_backups(tmp_path):
    from archive.backup import prune

    stamps = ["20260101-030000", "20260102-030000", "20260103-030000"]
    for stamp in stamps:
        for suffix in (".dump", ".media.tar"):
            (tmp_path / f"archive-{stamp}{suffix}").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("not a backup")
    prune(tmp_path, 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "archive-20260102-030000.dump",
        "archive-20260102-030000.media.tar",
        "archive-20260103-030000.dump",
        "archive-20260103-030000.media.tar",
        "notes.txt",
    ]
