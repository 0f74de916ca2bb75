"""HTTP caching keyed by the archive generation (decisions/caching.py), and the health checks."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from decisions.models import AgendaItem
from decisions.services import ingest_file
from tests.conftest import ODENSE, make_minutes

pytestmark = pytest.mark.django_db

PUBLIC = (
    "/",
    "/search/?q=ledighed",
    f"/{ODENSE}/people/reza-javid/",
    f"/{ODENSE}/cases/15.00.00-G01-193-17/",
    f"/{ODENSE}/cases/15.00.00-G01-193-17/feed/",
    "/api/meetings/",
    "/api/search/?q=bedrageri",
)


@pytest.fixture
def fixtures(ingested):
    return ingested


def kept_pages() -> int:
    """How many pages this process's page cache holds (a LocMemCache: its own dict)."""
    from django.core.cache import caches

    return len(caches["pages"]._cache)


@pytest.mark.parametrize("url", PUBLIC)
def test_a_second_request_answers_304_without_running_the_view(client, fixtures, url):
    first = client.get(url)
    assert first.status_code == 200
    assert first["Cache-Control"] == "public, max-age=60"
    assert re.fullmatch(r'"[0-9a-f]{20}-\d+"', first["ETag"])
    assert first["Last-Modified"].endswith(" GMT")
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert (again.status_code, again.content) == (304, b"")
    assert again["ETag"] == first["ETag"]
    assert [q["sql"] for q in queries] == ["SELECT value, changed_at FROM decisions_archivegeneration WHERE id = 1"]
    since = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304


def test_each_query_string_and_host_has_its_own_etag(client, fixtures):
    etags = {
        client.get("/search/?q=ledighed")["ETag"],
        client.get("/search/?q=bedrageri")["ETag"],
        client.get("/search/?q=ledighed&sort=newest")["ETag"],
        client.get("/search/?q=ledighed", HTTP_HOST="localhost")["ETag"],
    }
    assert len(etags) == 4


def test_an_ingest_changes_the_etag_and_the_old_one_gets_the_new_page(client, fixtures, write_minutes):
    old = client.get("/")
    text = make_minutes((1, "Ny skolestruktur", "Udvalget godkender indstillingen."), date="01-02-2022")
    ingest_file(write_minutes("ny.txt", text))
    new = client.get("/", HTTP_IF_NONE_MATCH=old["ETag"])
    assert new.status_code == 200
    assert new["ETag"] != old["ETag"]
    assert "Testudvalget" in new.content.decode()


def test_a_page_is_kept_whole_per_query_string_until_the_archive_changes(client, fixtures, page_cache):
    item = AgendaItem.objects.get(meeting__date=dt.date(2019, 3, 5), number=8)
    assert "socialt bedrageri" in client.get("/search/?q=bedrageri").content.decode()
    assert "socialt bedrageri" in client.get("/search/?q=bedrageri&sort=newest").content.decode()
    assert kept_pages() == 2
    # A change that starts no new generation (QuerySet.update sends no signal) shows that the
    # answers now come from the page cache, each query string's its own, without the view.
    AgendaItem.objects.filter(pk=item.pk).update(title="Omdøbt punkt")
    with CaptureQueriesContext(connection) as queries:
        cached = client.get("/search/?q=bedrageri").content.decode()
    assert "socialt bedrageri" in cached
    assert len(queries) == 1  # the generation; the page from this process's page cache
    assert "socialt bedrageri" in client.get("/search/?q=bedrageri&sort=newest").content.decode()
    assert "Omdøbt punkt" in client.get("/search/?q=bedrageri&sort=oldest").content.decode()  # not cached yet
    # A real change (an editor's, an ingest) starts a new generation: every cached page is stale.
    item.refresh_from_db()
    item.save()
    assert "Omdøbt punkt" in client.get("/search/?q=bedrageri").content.decode()
    assert "Omdøbt punkt" in client.get("/search/?q=bedrageri&sort=newest").content.decode()


def test_errors_and_redirects_are_not_kept(client, fixtures, page_cache):
    for url, status in (
        ("/no-such-page/", 404),
        ("/search/?q=-ledighed", 400),
        ("/search/?q=15.00.00-G01-193-17", 302),
    ):
        response = client.get(url)
        assert response.status_code == status, url
        assert not response.has_header("ETag"), url
    assert kept_pages() == 0


def test_no_admin_page_and_no_page_with_a_session_is_ever_cached(client, admin_client, fixtures, page_cache):
    for url in ("/admin/login/", "/healthz", "/readyz"):
        response = client.get(url)
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"], url
        assert not response.has_header("ETag"), url
    for url in ("/admin/", "/admin/decisions/meeting/", "/", "/search/?q=ledighed", f"/{ODENSE}/people/reza-javid/"):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert {"no-store", "private"} <= set(response["Cache-Control"].replace(" ", "").split(",")), url
        assert not response.has_header("ETag"), url
    assert kept_pages() == 0


def test_health_checks(client, db):
    healthz = client.get("/healthz")
    assert (healthz.status_code, healthz.json()) == (200, {"status": "ok"})
    readyz = client.get("/readyz")
    assert (readyz.status_code, readyz.json()) == (200, {"status": "ok"})


def test_readyz_names_a_pending_migration(client, db, monkeypatch):
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.recorder import MigrationRecorder

    from archive import health

    # As after deploying code whose newest migration has not run yet.
    app, name = MigrationLoader(connection).graph.leaf_nodes("decisions")[0]
    monkeypatch.setattr(health, "_migrated", False)
    MigrationRecorder(connection).record_unapplied(app, name)
    response = client.get("/readyz")
    assert (response.status_code, response.json()) == (
        503,
        {"status": "migrations pending", "pending": [f"decisions.{name}"]},
    )
    MigrationRecorder(connection).record_applied(app, name)
    assert client.get("/readyz").status_code == 200
