"""The findings of the security and reliability review (issue "Hardening"), one section each,
against the real fixtures: costly searches, the archive generation, control characters, NUL
bytes in requests, and the security headers."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver

from decisions import search
from decisions.models import AgendaItem, Meeting, Vote
from decisions.services import ingest_file
from tests.conftest import ODENSE, ROOT, make_minutes

pytestmark = pytest.mark.django_db

BSU = "beskaeftigelses-og-socialudvalget"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def fixtures(ingested):
    return ingested


# --- 1. searches whose cost grows with the archive ------------------------------------------


ONLY_EXCLUSIONS = "Søgningen har kun ord med minus foran, og de udelukker kun."


@pytest.mark.parametrize(
    "q",
    [
        "-q6216x",
        "-udva -besk -sage -inds -godk -bevi -forv -kommu -plan -budg -tils -reng -skol -born -ældr -q1234",
        '-"socialt bedrageri"',
        "-ledighed or -bedrageri",
    ],
)
def test_a_query_of_exclusions_only_is_refused_everywhere(client, fixtures, q):
    # It read every item's vector: 0.4-0.5 s at 100 000 items, and more as the archive grows.
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/search/", {"q": q})
    assert [query["sql"] for query in queries if "decisions_agendaitem" in query["sql"]] == []
    assert page.status_code == 400
    body = page.content.decode()
    assert "<h1>Søgningen kan ikke udføres</h1>" in body
    assert ONLY_EXCLUSIONS in body
    assert 'name="q"' in body  # the search form, to try again
    api = client.get("/api/search/", {"q": q})
    assert (api.status_code, api.json()["parameter"]) == (400, "q")
    assert api.json()["error"].startswith(ONLY_EXCLUSIONS)
    feed = client.get("/search/feed/", {"q": q})
    assert feed.status_code == 400
    assert ONLY_EXCLUSIONS in feed.content.decode()


def test_an_exclusion_with_a_word_to_find_is_answered(client, fixtures):
    found = client.get("/api/search/", {"q": "magtanvendelse -børn", "sort": "newest"}).json()
    with_children = client.get("/api/search/", {"q": "magtanvendelse", "sort": "newest"}).json()
    assert (found["count"], with_children["count"]) == (1, 2)


def test_exclusions_beyond_five_are_left_out_and_the_page_says_so(client, fixtures):
    # Each excluded prefix is read from the index for every match: a common word with 15 of
    # them took 0.1 s at 100 000 items.
    query = search.parse_query("magtanvendelse -a1 -b2 -c3 -d4 -børn -f6 -g7")
    assert [t.words for group in query.groups for t in group if t.negated] == [
        ("a1",),
        ("b2",),
        ("c3",),
        ("d4",),
        ("børn",),
    ]
    assert (query.exclusions_dropped, query.dropped) == (True, False)
    body = client.get("/search/", {"q": "magtanvendelse -a1 -b2 -c3 -d4 -børn -f6 -g7"}).content.decode()
    assert "Højst fem ord kan udelukkes med minus; de øvrige er ikke brugt." in body
    assert "1 resultat" in body


@pytest.fixture
def analyzed(fixtures):
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE decisions_agendaitem")


PHRASE = '"barnet eller den unge"'  # two stop words apart: no word pairs to find it by


def test_a_phrase_of_words_far_apart_is_found_while_its_candidates_are_few(client, analyzed):
    assert search.unpaired_phrases(search.parse_query(PHRASE)) == [search.Term(("barnet", "eller", "den", "unge"))]
    found = client.get("/api/search/", {"q": PHRASE, "sort": "newest"}).json()
    assert [(r["meeting_date"], r["number"]) for r in found["results"]] == [("2024-05-28", 3)]


def test_a_phrase_checked_against_too_many_items_is_refused(client, analyzed, monkeypatch):
    # At 100 000 items `"udvalget har til at af godkende"` was checked against 22 000 items'
    # vectors (0.36 s). The bound is lowered here to what the fixtures can exceed (the planner
    # estimates one row at the least).
    monkeypatch.setattr(search, "UNPAIRED_PHRASE_CANDIDATES", 0)
    message = (
        "Sætningen »barnet eller den unge« har flere småord mellem ordene, og ordene står i for mange punkter til, "
        "at den kan findes som sætning. Søg på ordene uden anførselstegn, eller afgræns med år eller udvalg."
    )
    for q in (PHRASE, f"{PHRASE} or ledighed"):
        page = client.get("/search/", {"q": q})
        assert page.status_code == 400
        assert message in page.content.decode()
        api = client.get("/api/search/", {"q": q})
        assert (api.status_code, api.json()) == (400, {"error": message, "parameter": "q"})


def test_one_time_budget_for_all_the_statements_of_a_search(client, fixtures, monkeypatch, settings):
    # Two statements of 0.2 s each, each within the budget of 0.3 s; together past it. A limit per
    # statement let such a page run on (two 0.5-0.6 s statements past a limit of 0.8 s).
    settings.ARCHIVE_SEARCH_SECONDS = 0.3
    monkeypatch.setattr(
        search, "_RANKED_SQL", search._RANKED_SQL.replace("FROM (", "FROM (SELECT pg_sleep(0.2)) AS s, (")
    )
    monkeypatch.setattr(
        search, "_SNIPPET_SQL", search._SNIPPET_SQL.replace("FROM (", "FROM (SELECT pg_sleep(0.2)) AS s, (", 1)
    )
    response = client.get("/search/", {"q": "bedrageri"})
    assert response.status_code == 503
    assert "Søgningen tog for lang tid og blev afbrudt." in response.content.decode()
    api = client.get("/api/search/", {"q": "bedrageri"})
    assert api.status_code == 503
    settings.ARCHIVE_SEARCH_SECONDS = 4
    assert client.get("/api/search/", {"q": "bedrageri"}).json()["count"] == 2


# --- 2. the archive generation ------------------------------------------------------------


def age_the_cache(seconds: int) -> None:
    """As if `seconds` had passed for every entry of the cache (a table in the database)."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE archive_cache SET expires = expires - make_interval(secs => %s)", [seconds])


def against_figure(client, **params) -> str:
    body = client.get(f"/{ODENSE}/people/reza-javid/", params).content.decode()
    return re.search(r'data-figure="against">(\d+)<', body).group(1)


def test_a_correction_stays_on_the_page_after_every_cache_timeout(client, fixtures, admin_client):
    # The generation lived in the cache, saved back by `cache.incr` with the default 300 s
    # timeout: once it expired it started again at 1, and a page cached under 1 came back.
    age_the_cache(301)
    assert against_figure(client) == "2"
    vote = Vote.objects.get(person__slug="reza-javid", item__number=7)
    url = f"/admin/decisions/vote/{vote.pk}/change/"
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    assert admin_client.post(url, {**data, "position": "for"}).status_code == 302
    assert against_figure(client, year="2019") == "1"  # a page not cached before the change
    for _ in range(13):  # past every timeout of the cache (the longest is an hour)
        age_the_cache(301)
        assert against_figure(client) == "1"


@pytest.mark.django_db(transaction=True)
def test_two_changes_at_the_same_time_both_count():
    start = search.archive_generation()
    first_bumped = threading.Event()

    def first() -> None:
        try:
            from django.db import transaction

            with transaction.atomic():
                search.bump_archive_generation()
                first_bumped.set()
                # The second change starts meanwhile and waits for this one to commit.
                connection.cursor().execute("SELECT pg_sleep(0.3)")
        finally:
            connections.close_all()

    def second() -> None:
        try:
            first_bumped.wait(5)
            search.bump_archive_generation()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert search.archive_generation() == start + 2


def test_a_change_rolled_back_leaves_the_generation_as_it_was(fixtures):
    from django.db import transaction

    start = search.archive_generation()
    with pytest.raises(RuntimeError), transaction.atomic():
        Meeting.objects.filter(date=dt.date(2019, 3, 5)).first().save()
        assert search.archive_generation() == start + 1
        raise RuntimeError
    assert search.archive_generation() == start


# --- 3. control characters ----------------------------------------------------------------


def test_control_characters_in_minutes_are_dropped_and_the_feeds_answer(client, db, write_minutes):
    text = make_minutes(
        (1, "Ledighed\x0c på \x1b[31mtværs", "Udvalget godkender\x0b indstillingen.\x0cSide 2"),
        date="01-02-2022",
    )
    ingest_file(write_minutes("kontroltegn.txt", text))
    meeting = Meeting.objects.get(date=dt.date(2022, 2, 1))
    item = meeting.items.get()
    stored = [meeting.source_text, item.title, *(section["text"] for section in item.sections)]
    assert [s for s in stored if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", s)] == []
    assert item.title == "Ledighed  på  [31mtværs"
    for url in ("/search/feed/?q=ledighed", "/search/feed/", "/odense-kommune/meetings/testudvalget/feed/"):
        response = client.get(url)
        assert response.status_code == 200, url
        ET.fromstring(response.content)


def test_feeds_never_fail_on_control_characters_already_stored(client, fixtures):
    # Minutes loaded before the readers dropped them still hold them.
    item = AgendaItem.objects.get(meeting__date=dt.date(2019, 3, 5), number=8)
    AgendaItem.objects.filter(pk=item.pk).update(title="Socialt\x0c bedrageri\x1b\x0b")
    for url in (
        "/search/feed/?q=bedrageri",
        f"/{ODENSE}/meetings/{BSU}/feed/",
        f"/{ODENSE}/cases/{item.case_number}/feed/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        # An item's title, or a meeting's list of its items' titles (the committee's feed).
        entries = ET.fromstring(response.content).iter(f"{ATOM}entry")
        texts = [entry.find(f"{ATOM}title").text + (entry.find(f"{ATOM}summary").text or "") for entry in entries]
        assert [t for t in texts if "Socialt bedrageri" in t], url


# --- 4. a NUL byte in any parameter of any route ------------------------------------------


def _route_names(patterns, prefix: str = "") -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "decisions":
                names |= _route_names(pattern.url_patterns, "decisions:")
        elif isinstance(pattern, URLPattern) and pattern.name and prefix:
            names.add(prefix + pattern.name)
    return names


# One real URL for every public route.
ROUTES = {
    "decisions:home": "/",
    "decisions:search": "/search/",
    "decisions:search-feed": "/search/feed/",
    "decisions:case-index": "/cases/",
    "decisions:person-index": "/people/",
    "decisions:party-detail": "/parties/Ø/",
    "decisions:api-meetings": "/api/meetings/",
    "decisions:api-meeting-detail": "/api/meetings/{meeting}/",
    "decisions:api-people": "/api/people/",
    "decisions:api-search": "/api/search/",
    "decisions:api-votes-csv": "/api/votes.csv",
    "decisions:api-case-detail": f"/api/{ODENSE}/cases/15.00.00-G01-193-17/",
    "decisions:api-person-detail": f"/api/{ODENSE}/people/reza-javid/",
    "decisions:municipality-detail": f"/{ODENSE}/",
    "decisions:committee-detail": f"/{ODENSE}/meetings/{BSU}/",
    "decisions:committee-feed": f"/{ODENSE}/meetings/{BSU}/feed/",
    "decisions:committee-members": f"/{ODENSE}/meetings/{BSU}/members/",
    "decisions:meeting-detail": f"/{ODENSE}/meetings/{BSU}/2019-03-05/",
    "decisions:meeting-source": f"/{ODENSE}/meetings/{BSU}/2019-03-05/referat.txt",
    "decisions:item-detail": f"/{ODENSE}/meetings/{BSU}/2019-03-05/8/",
    "decisions:case-feed": f"/{ODENSE}/cases/15.00.00-G01-193-17/feed/",
    "decisions:case-detail": f"/{ODENSE}/cases/15.00.00-G01-193-17/",
    "decisions:person-detail": f"/{ODENSE}/people/reza-javid/",
    "decisions:person-csv": f"/{ODENSE}/people/reza-javid/votes.csv",
    "decisions:person-feed": f"/{ODENSE}/people/reza-javid/feed/",
    # The alerts' pages; their tokens are a real subscription's (_alert_tokens).
    "decisions:alert-subscribe": f"/alerts/subscribe/?kind=person&municipality={ODENSE}&person=reza-javid",
    "decisions:alert-sent": "/alerts/sent/",
    "decisions:alert-confirm": "/alerts/confirm/{confirm}/",
    "decisions:alert-unsubscribe": "/alerts/unsubscribe/{unsubscribe}/",
    "decisions:alert-end-all": "/alerts/end-all/{end_all}/",
    "decisions:alert-request-link": "/alerts/manage/",
    "decisions:alert-manage": "/alerts/manage/{manage}/",
}
# Every parameter a view reads (grep `request.GET`), the search filters, and one no view reads.
PARAMETERS = (
    "q",
    "page",
    "sort",
    "year",
    "committee",
    "municipality",
    "category",
    "outcome",
    "votes",
    "position",
    "prefix",
    "date",
    "term",
    "ids",
    "anything",
)


def test_every_public_route_is_in_the_table():
    assert _route_names(get_resolver().url_patterns) == set(ROUTES)


def _alert_tokens() -> dict[str, str]:
    """Signed links of a real subscription (of an address that follows Reza Javid)."""
    from decisions.alerts import subscriptions
    from decisions.alerts.targets import target_from_data

    target = target_from_data({"kind": "person", "municipality": ODENSE, "person": "reza-javid"})
    subscription = subscriptions.subscribe(email="laeser@example.dk", target=target, schedule="daily").subscription
    return {
        "confirm": subscriptions.confirm_token(subscription),
        "unsubscribe": subscriptions.unsubscribe_token(subscription),
        "end_all": subscriptions.end_all_token(subscription.address),
        "manage": subscriptions.manage_token(subscription.address),
    }


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_a_nul_byte_in_any_parameter_is_a_400(client, fixtures, route):
    # `/api/meetings/?committee=%00` was a 500 (PostgreSQL's text cannot hold NUL), in HTML.
    meeting = Meeting.objects.get(date=dt.date(2019, 3, 5)).pk
    url = ROUTES[route].format(meeting=meeting, **(_alert_tokens() if "{" in ROUTES[route] else {}))
    assert client.get(url).status_code == 200, url
    for parameter in PARAMETERS:
        response = client.get(url, {parameter: "a\x00b"})
        assert response.status_code == 400, (url, parameter)
        if url.startswith("/api/"):
            assert response["Content-Type"] == "application/json"
            assert response.json() == {
                "error": "Teksten indeholder et tegn (NUL), som ikke kan bruges.",
                "parameter": parameter,
            }
        else:
            assert response["Content-Type"] == "text/html; charset=utf-8"
            assert f"Parameteren <code>{parameter}</code> kan ikke bruges" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        f"/{ODENSE}/cases/12%00/",
        f"/api/{ODENSE}/cases/12%00/",
        f"/{ODENSE}/people/reza%00/",
        "/parties/%00/",
        "/search/?q%00=x",
    ],
)
def test_a_nul_byte_in_a_path_or_a_parameters_name_is_a_400(client, fixtures, url):
    response = client.get(url)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json" if url.startswith("/api/") else "text/html")


# --- 9. security headers ------------------------------------------------------------------


def test_pages_have_a_content_security_policy_without_scripts_and_a_permissions_policy(client, fixtures):
    for url in ("/", "/search/?q=ledighed", "/api/meetings/", f"/{ODENSE}/people/reza-javid/", "/no-such-page/"):
        response = client.get(url)
        assert response["Content-Security-Policy"] == (
            "default-src 'self'; base-uri 'none'; object-src 'none'; form-action 'self'; frame-ancestors 'none'"
        ), url
        assert response["Permissions-Policy"] == "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
    # No inline script or style on the public pages, which the policy would block.
    for url in ("/", "/search/?q=ledighed", f"/{ODENSE}/meetings/{BSU}/2019-03-05/8/"):
        body = client.get(url).content.decode()
        assert re.findall(r"<script|<style|\sstyle=|\son[a-z]+=", body) == [], url


def _deploy_check(https: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "SECRET_KEY": "k" * 20 + "-production-like-secret-key-with-enough-entropy-0123456789",
        "ARCHIVE_HTTPS": https,
        "ARCHIVE_DEBUG": "0",
    }
    for name in ("ARCHIVE_ALLOW_EPHEMERAL_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"):  # the browser tests set the second
        env.pop(name, None)
    command = [sys.executable, "manage.py", "check", "--deploy"]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)


def test_production_settings_without_https_fail_the_deploy_check():
    # Session and CSRF cookies without Secure were only Django's warnings, which pass the check.
    proc = _deploy_check("0")
    assert proc.returncode == 1
    assert "archive.E001" in proc.stderr
    assert "ARCHIVE_HTTPS is not set: the session and CSRF cookies are sent without Secure." in proc.stderr
    assert _deploy_check("1").returncode == 0


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="the role of a DATABASE_URL is its owner's choice")
def test_the_application_connects_as_its_own_role_without_superuser_rights():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, rolsuper, rolcreaterole, pg_get_userbyid(datdba) = current_user "
            "FROM pg_roles, pg_database WHERE rolname = current_user AND datname = current_database()"
        )
        assert cursor.fetchone() == ("archive", False, False, True)
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner <> current_user")
        assert cursor.fetchone() == (0,)  # migrations made it all as the application's role


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="only the embedded server is set up by the archive")
def test_a_database_made_by_the_superuser_is_given_to_the_application_role():
    import psycopg

    from archive import db

    name = "test_adopted_by_archive"
    superuser = db._embedded_server().get_uri()
    with psycopg.connect(superuser, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        with psycopg.connect(db._embedded_server().get_uri(name), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION pg_trgm")
            conn.execute("CREATE TABLE kept (id bigserial PRIMARY KEY, title text)")
            conn.execute("CREATE FUNCTION twice(integer) RETURNS integer LANGUAGE sql AS 'SELECT $1 * 2'")
        url = db.embedded_url(name)
        with psycopg.connect(url, autocommit=True) as conn:
            assert conn.execute("SELECT current_user").fetchone() == ("archive",)
            owners = conn.execute(
                "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname IN ('kept', 'kept_id_seq') "
                "UNION ALL SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE proname = 'twice'"
            ).fetchall()
            assert owners == [("archive",)] * 3
            conn.execute("ALTER TABLE kept ADD COLUMN added integer")  # what a migration does
            assert conn.execute("SELECT twice(21)").fetchone() == (42,)
    finally:
        with psycopg.connect(superuser, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
