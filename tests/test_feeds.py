"""Atom feeds for a case, a person, a committee and a search: valid Atom, the right entries, linked."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from decisions.minutes import parse_minutes
from decisions.services import ingest_meeting
from tests.conftest import make_minutes

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
COMMITTEE = "beskaeftigelses-og-socialudvalget"


@pytest.fixture(autouse=True)
def _fixtures(ingested):
    """Every test here reads the four real fixtures."""


def atom(client, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{tag}").text, tag
    assert root.find(f"{ATOM}link[@rel='alternate']").get("href").startswith("http://testserver/")
    entries = root.findall(f"{ATOM}entry")
    for entry in entries:
        for tag in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{tag}").text, tag
        link = entry.find(f"{ATOM}link")
        assert link.get("href").startswith("http://testserver/")
        assert entry.find(f"{ATOM}id").text == link.get("href")
    return root


def links(root: ET.Element) -> list[str]:
    return [e.find(f"{ATOM}link").get("href").removeprefix("http://testserver") for e in root.findall(f"{ATOM}entry")]


def test_case_feed_has_each_treatment_newest_first(client):
    root = atom(client, "/odense-kommune/cases/00.30.00-S00-1-24/feed/")
    assert root.find(f"{ATOM}title").text == "Sag 00.30.00-S00-1-24"
    assert links(root) == [f"/odense-kommune/meetings/{COMMITTEE}/2024-05-28/{n}/" for n in (2, 5, 8, 9, 10)]
    entry = root.find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}published").text == "2024-05-28T08:30:00+02:00"
    summary = entry.find(f"{ATOM}summary")
    assert summary.get("type") == "html"
    assert "anbefalet til byrådet" in summary.text
    amendment = atom(client, "/odense-kommune/cases/81.00.10-A00-2-18/feed/").find(f"{ATOM}entry/{ATOM}summary").text
    assert "Ændringsforslaget: 2 for, 5 imod – forkastet" in amendment


def test_person_feed_has_votes_and_absences(client):
    root = atom(client, "/odense-kommune/people/christoffer-lilleholt/feed/")
    assert links(root) == [f"/odense-kommune/meetings/{COMMITTEE}/2019-03-05/{n}/" for n in (1, 7, 9)]
    assert "Christoffer Lilleholt (V)" in root.find(f"{ATOM}title").text
    assert links(atom(client, "/odense-kommune/people/anne-mette-ebensgaard/feed/")) == [
        f"/odense-kommune/meetings/{COMMITTEE}/2024-05-28/"
    ]
    summary = atom(client, "/odense-kommune/people/reza-javid/feed/").findall(f"{ATOM}entry/{ATOM}summary")[1].text
    assert "imod beslutningen" in summary and "Reza Javid (Ø) stemmer imod indstillingen." in summary


def test_committee_feed_has_its_meetings(client):
    root = atom(client, f"/odense-kommune/meetings/{COMMITTEE}/feed/")
    assert links(root) == [
        f"/odense-kommune/meetings/{COMMITTEE}/{d}/" for d in ("2024-05-28", "2021-02-02", "2019-03-05", "2017-03-28")
    ]
    assert "Indsatser til at nedbringe ledigheden – godkendt" in root.find(f"{ATOM}entry/{ATOM}summary").text


def test_search_feed_takes_the_search_page_query_string(client):
    root = atom(client, "/search/feed/?q=ledighedsprocent")
    assert links(root) == [
        f"/odense-kommune/meetings/{COMMITTEE}/2024-05-28/5/",
        f"/odense-kommune/meetings/{COMMITTEE}/2019-03-05/2/",
        f"/odense-kommune/meetings/{COMMITTEE}/2019-03-05/3/",
    ]
    assert root.find(f"{ATOM}link[@rel='alternate']").get("href") == "http://testserver/search/?q=ledighedsprocent"
    filtered = atom(client, "/search/feed/?q=ledighedsprocent&year=2019&sort=oldest")
    assert links(filtered) == [f"/odense-kommune/meetings/{COMMITTEE}/2019-03-05/{n}/" for n in (2, 3)]
    assert len(links(atom(client, "/search/feed/"))) == 49
    for bad in ("year=abc", "sort=best", "outcome=maybe"):
        response = client.get(f"/search/feed/?q=x&{bad}")
        assert response.status_code == 400, bad
        assert response.templates[0].name == "decisions/bad_request.html"


def test_unknown_feed_objects_are_404(client):
    assert client.get("/odense-kommune/cases/00.30.00-S00-11-18/feed/").status_code == 404
    assert client.get("/odense-kommune/people/nobody/feed/").status_code == 404
    assert client.get("/odense-kommune/meetings/no-such-committee/feed/").status_code == 404


def test_minutes_text_is_escaped_in_feeds(client):
    minutes = make_minutes((1, "Tal <img src=x>", "<script>alert(1)</script> Udvalget godkender indstillingen."))
    ingest_meeting(parse_minutes(minutes), source_name="x.txt", source_text=minutes, sha256="d" * 64)
    root = atom(client, "/odense-kommune/cases/00.01.00-A00-1-22/feed/")
    summary = root.find(f"{ATOM}entry/{ATOM}summary").text
    # The summary is HTML: the minutes text inside it is escaped once more.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in summary and "<script>" not in summary
    assert root.find(f"{ATOM}entry/{ATOM}title").text.endswith("punkt 1: Tal <img src=x>")  # plain text title


@pytest.mark.parametrize(
    ("page", "feed"),
    [
        ("/odense-kommune/cases/00.30.00-S00-11-19/", "/odense-kommune/cases/00.30.00-S00-11-19/feed/"),
        ("/odense-kommune/people/reza-javid/", "/odense-kommune/people/reza-javid/feed/"),
        (f"/odense-kommune/meetings/{COMMITTEE}/members/", f"/odense-kommune/meetings/{COMMITTEE}/feed/"),
    ],
)
def test_pages_link_their_feeds(client, page, feed):
    head = client.get(page).content.decode().split("</head>")[0]
    assert re.search(
        rf'<link rel="alternate" type="application/atom\+xml" title="[^"]+" href="{re.escape(feed)}">', head
    )


def test_feeds_use_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    # Each with one more: the archive generation, read once a request (its ETag, decisions/caching.py).
    budgets = {
        "/odense-kommune/cases/00.30.00-S00-1-24/feed/": 5,
        "/odense-kommune/people/christoffer-lilleholt/feed/": 6,
        f"/odense-kommune/meetings/{COMMITTEE}/feed/": 4,
        "/search/feed/?q=ledighed": 7,  # items, votes; enable_seqscan set and restored in a savepoint
    }
    for url, budget in budgets.items():
        with django_assert_max_num_queries(budget):
            assert client.get(url).status_code == 200


def test_search_feed_with_control_characters_in_the_query(client):
    root = atom(client, "/search/feed/?q=ledighedsprocent%1F%0C")
    assert root.find(f"{ATOM}title").text == "Søgning: ledighedsprocent"
