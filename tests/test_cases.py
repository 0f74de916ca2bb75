"""Case pages and the case index on the real fixtures: which items, which votes, which links."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.urls import resolve, reverse

from decisions import records
from decisions.minutes import parse_minutes
from decisions.services import ingest_meeting
from tests.conftest import ODENSE, make_minutes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fixtures(ingested):
    """Every test here reads the four real fixtures."""


def text(response) -> str:
    """The visible text of an HTML answer, whitespace collapsed."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def treatments(page: records.CasePage) -> list[tuple[dt.date, int]]:
    return [(e.item.meeting.date, e.item.number) for e in page.entries]


def test_case_shows_both_items_of_5_march_2019(client):
    page = records.case_page(municipality=ODENSE, number="00.30.00-S00-11-19")
    assert treatments(page) == [(dt.date(2019, 3, 5), 2), (dt.date(2019, 3, 5), 3)]
    response = client.get("/odense-kommune/cases/00.30.00-S00-11-19/")
    assert response.status_code == 200
    assert response.templates[0].name == "decisions/case_detail.html"
    body = response.content.decode()
    for number in (2, 3):
        assert f'href="/odense-kommune/meetings/beskaeftigelses-og-socialudvalget/2019-03-05/{number}/"' in body
    shown = text(response)
    assert "Opfølgning på investeringsprojekter på beskæftigelsesområdet pr. 31/12 2018" in shown
    assert "Behandling af årsberetning for 2018" in shown
    assert "KLE-emne 00.30.00 Handlingsfacet S00 Løbenummer 11 År 19" in shown
    assert "2 dagsordenspunkter, 5. marts 2019" in shown
    assert shown.count("Beskæftigelses- og Socialudvalget anbefaler indstillingen.") == 2


def test_case_across_meetings_is_oldest_first():
    assert treatments(records.case_page(municipality=ODENSE, number="00.30.00-S00-1-24")) == [
        (dt.date(2024, 5, 28), n) for n in (2, 5, 8, 9, 10)
    ]
    assert treatments(records.case_page(municipality=ODENSE, number="15.00.00-G01-139-17")) == [
        (dt.date(2017, 3, 28), 9),
        (dt.date(2017, 3, 28), 11),
    ]


def test_amendment_vote_shows_2_for_5_against_and_rejected(client):
    page = records.case_page(municipality=ODENSE, number="81.00.10-A00-2-18")
    (entry,) = page.entries
    assert [(t.subject, t.for_count, t.against_count, t.outcome) for t in entry.tallies] == [
        ("ændringsforslaget", 2, 5, "rejected")
    ]
    shown = text(client.get("/odense-kommune/cases/81.00.10-A00-2-18/"))
    assert "Ændringsforslaget : 2 for, 5 imod – forkastet" in shown
    # Every named vote is a row that links its person.
    body = client.get("/odense-kommune/cases/81.00.10-A00-2-18/").content.decode()
    for slug in ("christoffer-lilleholt", "tommy-hummellose", "michael-eskamp-witek", "reza-javid"):
        assert f'href="/odense-kommune/people/{slug}/"' in body


def test_item_level_absence_is_listed_on_the_case(client):
    shown = text(client.get("/odense-kommune/cases/15.00.00-P20-1-19/"))
    assert "Deltog ikke i behandlingen: Christoffer Lilleholt" in shown


def test_party_bloc_votes_are_shown_on_their_treatment_only(client):
    minutes = make_minutes(
        (1, "Plan", "Et flertal bestående af A og F stemmer for indstillingen.\n\nIndstillingen godkendes."),
        (2, "Regler", "Udvalget godkender indstillingen."),
    )
    ingest_meeting(parse_minutes(minutes), source_name="blocs.txt", source_text=minutes, sha256="b" * 64)
    page = records.case_page(municipality=ODENSE, number="00.01.00-A00-1-22")
    assert [(b.label, b.parties, b.position) for e in page.entries for b in e.blocs] == [("flertal", ["A", "F"], "for")]
    assert records.case_page(municipality=ODENSE, number="00.01.00-A00-2-22").entries[0].blocs == []
    blocs = re.findall(
        r'<ul class="bloc-votes">(.*?)</ul>', client.get("/odense-kommune/cases/00.01.00-A00-1-22/").content.decode()
    )
    assert len(blocs) == 1
    assert re.sub(r"<[^>]+>|\s+", "", blocs[0]) == "FlertalA,F:forindstillingen"


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("00.30.00-s00-11-19", "00.30.00-S00-11-19"),
        ("%2000.30.00-S00-11-19%20", "00.30.00-S00-11-19"),
        ("15.20.36-ø34-1-17", "15.20.36-Ø34-1-17"),
    ],
)
def test_case_numbers_are_normalized_by_redirect(client, typed, canonical):
    response = client.get(f"/odense-kommune/cases/{typed}/")
    assert response.status_code == 301
    assert response["Location"] == reverse("decisions:case-detail", args=[ODENSE, canonical])
    assert client.get(response["Location"]).status_code == 200


def test_unknown_case_is_404_with_close_matches(client):
    response = client.get("/odense-kommune/cases/00.30.00-S00-11-18/")
    assert response.status_code == 404
    assert response.templates[0].name == "decisions/not_found.html"
    assert response.context["suggestions"][0] == (
        "odense-kommune",
        "00.30.00-S00-11-19",
        "00.30.00-S00-11-19 (Odense Kommune)",
    )
    assert 'href="/odense-kommune/cases/00.30.00-S00-11-19/"' in response.content.decode()
    assert "Sagen findes ikke i arkivet" in text(response)


def test_nonsense_case_number_is_a_404_not_a_500(client):
    for number in ("abc", "%3Cscript%3E", "1" * 300):
        response = client.get(f"/odense-kommune/cases/{number}/")
        assert response.status_code == 404
    assert "<script>" not in client.get("/odense-kommune/cases/%3Cscript%3E/").content.decode()


def test_case_index_browses_by_prefix(client):
    response = client.get("/cases/", {"prefix": "00.30"})
    assert response.status_code == 200
    index = response.context["index"]
    assert [c.number for c in index.cases] == ["00.30.00-S00-1-24", "00.30.00-S00-11-19"]
    first = {c.number: (c.item_count, c.first_date, c.first_title) for c in index.cases}
    assert first["00.30.00-S00-1-24"] == (
        5,
        dt.date(2024, 5, 28),
        "Investeringsprojekt: Flere seniorer i beskæftigelse",
    )
    assert index.groups == [("00.30.00", 2)]
    top = client.get("/cases/").context["index"]
    assert top.groups == [("00", 10), ("15", 23), ("24", 1), ("27", 6), ("54", 1), ("81", 1), ("85", 1)]
    assert sum(n for _, n in top.groups) == 43
    # Typed prefixes are normalized like case numbers.
    lower = client.get("/cases/", {"prefix": " 15.20.36-ø "}).context["index"]
    assert [c.number for c in lower.cases] == ["15.20.36-Ø34-1-17"]


def test_case_numbers_by_prefix_in_number_order(db):
    from decisions.models import Case
    from decisions.services import default_municipality

    odense = default_municipality()
    assert list(Case.objects.with_number_prefix("15.00.00-A").in_number_order().values_list("number", flat=True)) == [
        "15.00.00-A00-15-19",
        "15.00.00-A00-16-16",
        "15.00.00-A00-18-16",
        "15.00.00-A00-45-16",
    ]
    # Character by character, whatever the database's collation: a letter facet after the
    # digits' punctuation, Å Æ Ø after Z (code point order), a shorter serial not by value.
    for number in ("99.00.00-Ø00-1-20", "99.00.00-Å00-1-20", "99.00.00-Z00-1-20", "99.00.00-A00-10-20"):
        Case.objects.create(municipality=odense, number=number, kle="99.00.00", facet=number[9:12], serial=1, year="20")
    Case.objects.create(
        municipality=odense, number="99.00.00-A00-2-20", kle="99.00.00", facet="A00", serial=2, year="20"
    )
    assert list(Case.objects.with_number_prefix("99.").in_number_order().values_list("number", flat=True)) == [
        "99.00.00-A00-10-20",
        "99.00.00-A00-2-20",
        "99.00.00-Z00-1-20",
        "99.00.00-Å00-1-20",
        "99.00.00-Ø00-1-20",
    ]
    # A prefix is text, not a pattern: LIKE's wildcards in it match themselves only.
    assert not Case.objects.with_number_prefix("99.00.00-_00").exists()


def test_case_index_rejects_malformed_input(client):
    response = client.get("/cases/", {"prefix": "15%'; drop"})
    assert response.status_code == 400
    assert response.templates[0].name == "decisions/bad_request.html"
    assert "prefix" in text(response)
    assert client.get("/cases/", {"page": "-1"}).status_code == 400
    assert client.get("/cases/", {"page": "abc"}).status_code == 400
    assert client.get("/cases/", {"page": "99"}).status_code == 404


def test_minutes_text_is_escaped_on_the_case_page(client):
    minutes = make_minutes(
        (1, "Tal <img src=x onerror=alert(1)>", "<script>alert(1)</script> Keld Hansen (A) stemmer for indstillingen."),
        date="03-03-2022",
    )
    ingest_meeting(parse_minutes(minutes), source_name="x.txt", source_text=minutes, sha256="b" * 64)
    body = client.get("/odense-kommune/cases/00.01.00-A00-1-22/").content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "Tal &lt;img src=x onerror=alert(1)&gt;" in body
    assert "<img" not in body


def test_item_page_vote_rows_link_the_person(client):
    body = client.get("/odense-kommune/meetings/beskaeftigelses-og-socialudvalget/2019-03-05/7/").content.decode()
    assert '<a href="/odense-kommune/people/reza-javid/">Reza Javid</a>' in body
    assert '<a href="/odense-kommune/people/tommy-hummellose/">Tommy Hummellose</a>' in body


def test_header_links_cases_and_people(client):
    body = client.get("/").content.decode()
    assert '<a href="/cases/">Sager</a>' in body
    assert '<a href="/people/">Personer</a>' in body


def test_routes_resolve_as_named():
    assert resolve("/cases/").url_name == "case-index"
    assert resolve("/odense-kommune/cases/00.30.00-S00-11-19/feed/").url_name == "case-feed"
    assert resolve("/odense-kommune/meetings/beskaeftigelses-og-socialudvalget/feed/").url_name == "committee-feed"
    assert (
        resolve("/odense-kommune/meetings/beskaeftigelses-og-socialudvalget/2019-03-05/").url_name == "meeting-detail"
    )


def test_case_pages_use_a_bounded_number_of_queries(client, django_assert_max_num_queries, django_assert_num_queries):
    # The case with its items; votes (with people) and bloc votes only for items that have them;
    # and first, the archive generation (the answer's ETag, decisions/caching.py).
    with django_assert_num_queries(1 + 1):  # five treatments, none with named votes
        assert client.get("/odense-kommune/cases/00.30.00-S00-1-24/").status_code == 200
    with django_assert_num_queries(1 + 2):  # named votes on the 2017 item
        assert client.get("/odense-kommune/cases/15.00.00-G01-193-17/").status_code == 200
    with django_assert_max_num_queries(1 + 4):  # prefix groups, count, the page's ids, the page annotated
        assert client.get("/cases/").status_code == 200
    with django_assert_max_num_queries(1 + 4):  # no items, no case, then suggestions
        assert client.get("/odense-kommune/cases/00.30.00-S00-11-18/").status_code == 404
