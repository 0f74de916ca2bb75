"""People, voting records, parties and committee members, with exact figures from the fixtures."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest

from decisions import records, services
from decisions.minutes import parse_minutes
from decisions.models import Person, PersonAlias, PersonSlugRedirect
from decisions.services import ingest_meeting
from tests.conftest import ODENSE, make_minutes
from tests.test_api import FORMULA_SUBJECT, FORMULA_TITLE, ingest_formula_meeting
from tests.test_cases import text

pytestmark = pytest.mark.django_db

COMMITTEE = "beskaeftigelses-og-socialudvalget"
MARCH_2019 = dt.date(2019, 3, 5)


@pytest.fixture(autouse=True)
def _fixtures(ingested):
    """Every test here reads the four real fixtures."""


@pytest.fixture
def synthetic():
    """A meeting of another committee: a split party (A) with a vote no outcome was printed
    for, and an item decided with party-bloc votes only."""
    minutes = make_minutes(
        (
            1,
            "Budget",
            "Keld Jensen (A) og Anna Berg (A) stemmer for forslaget.\n\n"
            "Ole Ny (A) stemmer imod forslaget.\n\nSara Lund (V) stemmer for forslaget.",
        ),
        (
            2,
            "Plan",
            "Et flertal bestående af A, F og Ø stemmer for indstillingen.\n\n"
            "Et mindretal bestående af V og C stemmer imod indstillingen.\n\nIndstillingen godkendes.",
        ),
        (3, "Regler", "Udvalget godkender indstillingen."),
    )
    ingest_meeting(parse_minutes(minutes), source_name="synthetic.txt", source_text=minutes, sha256="c" * 64)


def person(slug: str) -> Person:
    return Person.objects.get(slug=slug)


def figures(slug: str, **filters) -> dict[str, int]:
    f = records.person_page(municipality=ODENSE, slug=slug, **filters).figures
    return {
        "named": f.named,
        "for": f.for_count,
        "against": f.against,
        "abstain": f.abstain,
        "reservation": f.reservation,
        "absent_items": f.absent_items,
        "absent_meetings": f.absent_meetings,
        "dissent": f.dissent,
        "party_dissent": f.party_dissent,
        "implied": f.implied,
    }


def zero(**changes) -> dict[str, int]:
    base = dict.fromkeys(
        (
            "named",
            "for",
            "against",
            "abstain",
            "reservation",
            "absent_items",
            "absent_meetings",
            "dissent",
            "party_dissent",
            "implied",
        ),
        0,
    )
    return {**base, **changes}


def test_reza_javid_voted_against_the_approved_indstilling_and_it_is_dissent(client):
    rows = records.person_record(person=person("reza-javid"))
    summary = [
        (r.vote.item.meeting.date, r.vote.item.number, r.vote.subject, r.vote.position, r.outcome, r.dissent)
        for r in rows
    ]
    assert summary == [
        (MARCH_2019, 1, "ændringsforslaget", "against", "rejected", False),
        (MARCH_2019, 7, "indstillingen", "against", "approved", True),
    ]
    assert rows[1].vote.sentence == "Reza Javid (Ø) stemmer imod indstillingen."
    assert figures("reza-javid") == zero(named=2, against=2, dissent=1, implied=6)
    response = client.get("/odense-kommune/people/reza-javid/")
    assert response.status_code == 200
    body = response.content.decode()
    assert re.search(r'data-figure="dissent">1<', body)
    assert re.search(r'data-figure="against">2<', body)
    row = re.search(r'<tr class="position-against dissent">(.*?)</tr>', body, re.S).group(1)
    assert "/odense-kommune/meetings/beskaeftigelses-og-socialudvalget/2019-03-05/7/" in row
    assert "indstillingen" in row and "godkendt" in row and "imod beslutningen" in row
    assert "Reza Javid (Ø) stemmer imod indstillingen." in row
    # The party letter links the party page.
    assert 'href="/parties/%C3%98/"' in body


def test_tommy_hummellose_is_one_person_with_both_spellings(client):
    tommy = person("tommy-hummellose")
    assert sorted(a.name for a in tommy.aliases.all()) == ["Tommy Hummellose", "Tommy Hummelose"]
    assert [(r.vote.item.number, r.vote.position, r.dissent) for r in records.person_record(person=tommy)] == [
        (1, "for", True),
        (7, "for", False),
    ]
    assert "Stavemåder Tommy Hummellose, Tommy Hummelose" in text(
        client.get("/odense-kommune/people/tommy-hummellose/")
    )
    found = client.get("/people/", {"q": "hummelose"}).context["page"].object_list
    assert [p.slug for p in found] == ["tommy-hummellose"]


def test_absences_item_level_and_whole_meeting_are_counted_apart(client):
    assert figures("christoffer-lilleholt") == zero(named=2, **{"for": 2}, absent_items=1, dissent=1, implied=6)
    assert figures("anne-mette-ebensgaard") == zero(absent_meetings=1)
    lilleholt = records.person_page(municipality=ODENSE, slug="christoffer-lilleholt")
    absent = [r for r in lilleholt.rows if r.vote.position == "absent"]
    assert [(r.vote.item.meeting.date, r.vote.item.number) for r in absent] == [(MARCH_2019, 9)]
    assert lilleholt.meeting_absences == []
    ebensgaard = records.person_page(municipality=ODENSE, slug="anne-mette-ebensgaard")
    assert [a.meeting.date for a in ebensgaard.meeting_absences] == [dt.date(2024, 5, 28)]
    assert list(ebensgaard.rows) == []
    shown = text(client.get("/odense-kommune/people/anne-mette-ebensgaard/"))
    assert "Fravær fra hele møder 2024-05-28 Beskæftigelses- og Socialudvalget" in shown


def test_other_records():
    assert figures("michael-eskamp-witek") == zero(named=2, **{"for": 1}, against=1, absent_items=1, implied=5)
    assert figures("tim-vermund") == zero(named=2, reservation=2, implied=4)
    assert figures("tommy-hummellose") == zero(named=2, **{"for": 2}, dissent=1, implied=6)


def test_implied_positions_are_apart_from_named_votes(client):
    implied = records.implied_positions(person=person("christoffer-lilleholt"))
    assert [(i.meeting.date, i.number) for i in implied] == [
        *((MARCH_2019, n) for n in (2, 3, 4, 5, 6)),
        (dt.date(2021, 2, 2), 1),
    ]
    # Absent from 2021 item 1, so nothing implied there.
    michael = records.implied_positions(person=person("michael-eskamp-witek"))
    assert [(i.meeting.date, i.number) for i in michael] == [(MARCH_2019, n) for n in (2, 3, 4, 5, 6)]
    # 2017 item 1 has reservations (named votes): nothing implied there.
    tim = records.implied_positions(person=person("tim-vermund"))
    assert [(i.meeting.date, i.number) for i in tim] == [(dt.date(2017, 3, 28), n) for n in (2, 3, 4, 5)]
    page = records.person_page(municipality=ODENSE, slug="christoffer-lilleholt")
    assert all(r.vote.item.number in (1, 7, 9) for r in page.rows)  # never mixed in
    body = client.get("/odense-kommune/people/christoffer-lilleholt/").content.decode()
    implied_section = body[body.index('id="implied-heading"') :]
    record_section = body[body.index('id="record-heading"') : body.index('id="implied-heading"')]
    assert implied_section.count("underforstået</span>") == 6
    assert "underforstået" not in record_section
    assert "/2019-03-05/2/" in implied_section and "/2019-03-05/2/" not in record_section


def test_bloc_votes_are_recorded_dissent_so_nothing_is_implied(synthetic):
    implied = records.implied_positions(person=person("sara-lund"))
    assert [i.title for i in implied] == ["Regler"]


def test_dissent_by_majority_when_no_outcome_is_printed_and_party_dissent(synthetic):
    rows = {r.vote.person.name: r for r in records.person_record(person=person("ole-ny"))}
    ole = rows["Ole Ny"]
    assert (ole.outcome, ole.side, ole.dissent, ole.party_dissent) == ("", "for", True, True)
    assert ole.decided_label == "flertal for (optalt)"
    (anna,) = records.person_record(person=person("anna-berg"))
    assert (anna.dissent, anna.party_dissent) == (False, False)
    # One V member voted: no party majority to break with.
    (sara,) = records.person_record(person=person("sara-lund"))
    assert (sara.dissent, sara.party_dissent) == (False, False)
    assert figures("ole-ny") == zero(named=1, against=1, dissent=1, party_dissent=1, implied=1)


@pytest.mark.parametrize("slug", ["reza-javid", "michael-eskamp-witek", "ole-ny", "anna-berg"])
def test_the_cached_summary_gives_back_the_record_row_for_row(synthetic, slug):
    # The summary keeps the rows as columns of numbers (ids, position codes, kinds of flags);
    # a page's rows must be the record's own, in order, with the same decision and dissent.
    def key(row: records.RecordRow) -> tuple:
        return (row.vote.pk, row.vote.position, row.outcome, row.side, row.dissent, row.party_dissent)

    record = records.person_record(person=person(slug))
    assert [key(r) for r in records.person_page(municipality=ODENSE, slug=slug).rows] == [key(r) for r in record]
    against = records.person_page(municipality=ODENSE, slug=slug, position="against").rows
    assert [key(r) for r in against] == [key(r) for r in record if r.vote.position == "against"]
    assert [key(r) for r in against[1:3]] == [key(r) for r in record if r.vote.position == "against"][1:3]


def test_filters_by_year_committee_and_position(client):
    assert figures("michael-eskamp-witek", year=2021) == zero(absent_items=1)
    assert figures("michael-eskamp-witek", year=2019) == zero(named=2, **{"for": 1}, against=1, implied=5)
    assert figures("michael-eskamp-witek", committee=COMMITTEE)["named"] == 2
    page = records.person_page(municipality=ODENSE, slug="reza-javid", position="against")
    assert len(page.rows) == 2 and page.implied == []
    assert page.figures.implied == 6  # figures follow year and committee only
    response = client.get("/odense-kommune/people/reza-javid/", {"position": "for"})
    assert response.context["rows"].object_list == []
    assert len(response.context["page"].implied) == 6
    response = client.get("/odense-kommune/people/michael-eskamp-witek/", {"year": "2021", "committee": COMMITTEE})
    assert [r.vote.item.number for r in response.context["rows"].object_list] == [1]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"year": "abc"}, "year"),
        ({"year": "19"}, "year"),
        ({"position": "maybe"}, "position"),
        ({"committee": "no-such-committee"}, "committee"),
        ({"page": "-1"}, "page"),
        ({"page": "x"}, "page"),
    ],
)
def test_malformed_filters_are_400_with_a_clear_message(client, params, parameter):
    response = client.get("/odense-kommune/people/reza-javid/", params)
    assert response.status_code == 400
    assert response.templates[0].name == "decisions/bad_request.html"
    assert response.context["parameter"] == parameter
    assert f"Parameteren {parameter} kan ikke bruges" in text(response)
    if parameter != "page":  # the CSV is not paginated
        assert client.get("/odense-kommune/people/reza-javid/votes.csv", params).status_code == 400


def test_record_as_csv(client):
    response = client.get("/odense-kommune/people/reza-javid/votes.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="reza-javid-stemmer.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [
        (r["date"], r["item_number"], r["subject"], r["position"], r["subject_decided"], r["dissent"]) for r in rows
    ] == [
        ("2019-03-05", "1", "ændringsforslaget", "against", "rejected", "no"),
        ("2019-03-05", "7", "indstillingen", "against", "approved", "yes"),
    ]
    assert rows[1]["sentence"] == "Reza Javid (Ø) stemmer imod indstillingen."
    assert rows[1]["url"] == "http://testserver/odense-kommune/meetings/beskaeftigelses-og-socialudvalget/2019-03-05/7/"
    assert rows[1]["case_number"] == "00.00.00-G01-5270-17"
    filtered = client.get(
        "/odense-kommune/people/christoffer-lilleholt/votes.csv", {"position": "absent"}
    ).content.decode()
    assert [r["item_number"] for r in csv.DictReader(io.StringIO(filtered))] == ["9"]
    # The page links the CSV with its filters.
    body = client.get("/odense-kommune/people/reza-javid/", {"year": "2019"}).content.decode()
    assert 'href="/odense-kommune/people/reza-javid/votes.csv?year=2019"' in body


def test_bar_chart_is_server_side_svg(client):
    body = client.get("/odense-kommune/people/christoffer-lilleholt/").content.decode()
    svg = body[body.index("<svg") : body.index("</svg>")]
    assert 'class="bar bar-for"' in svg and 'width="230"' in svg  # 2 of max 2
    assert re.search(r'width="115" class="bar bar-absent"', svg)  # 1 of max 2
    assert "<script" not in body


def test_unknown_person_is_404_with_close_matches(client):
    response = client.get("/odense-kommune/people/reza-javi/")
    assert response.status_code == 404
    assert response.templates[0].name == "decisions/not_found.html"
    assert response.context["suggestions"] == [(ODENSE, "reza-javid", "Reza Javid (Ø)")]
    assert 'href="/odense-kommune/people/reza-javid/"' in response.content.decode()
    spelled = client.get("/odense-kommune/people/tommy-hummelose/")
    assert spelled.status_code == 404
    assert spelled.context["suggestions"][0][1] == "tommy-hummellose"
    assert client.get("/odense-kommune/people/zzzzzz/").context["suggestions"] == []


def test_people_index(client):
    response = client.get("/people/")
    people = list(response.context["page"].object_list)
    assert len(people) == 11
    lilleholt = next(p for p in people if p.slug == "christoffer-lilleholt")
    assert (lilleholt.named_votes, lilleholt.absent_items, lilleholt.absent_meetings) == (2, 1, 0)
    assert [str(m.committee) + " " + m.term for m in lilleholt.memberships.all()] == [
        "Beskæftigelses- og Socialudvalget 2018-2021"
    ]
    nobody = client.get("/people/", {"q": "Reza Javd"})
    assert list(nobody.context["page"].object_list) == []
    assert nobody.context["suggestions"] == [(ODENSE, "reza-javid", "Reza Javid (Ø)")]
    assert client.get("/people/", {"page": "0"}).status_code == 400


def test_party_pages(client, synthetic):
    response = client.get("/parties/Ø/")
    assert response.status_code == 200
    party = response.context["party"]
    assert (party.letter, party.name) == ("Ø", "Enhedslisten")
    assert [p.slug for p in party.members] == ["reza-javid"]
    assert [(r.item.number, r.subject, r.counts, r.outcome) for r in response.context["rows"]] == [
        (1, "ændringsforslaget", {"against": 1}, "rejected"),
        (7, "indstillingen", {"against": 1}, "approved"),
    ]
    a = client.get("/parties/A/")
    assert [p.name for p in a.context["party"].members] == [
        "Anna Berg",
        "Keld Hansen",
        "Keld Jensen",
        "Michael Eskamp Witek",
        "Nazim Gürkan",
        "Ole Ny",
    ]
    rows = [(r.item.meeting.date, r.item.number, r.subject, r.counts, r.majority, r.split) for r in a.context["rows"]]
    assert rows == [
        (dt.date(2022, 2, 1), 1, "forslaget", {"for": 2, "against": 1}, "for", True),
        (MARCH_2019, 1, "ændringsforslaget", {"against": 3}, "against", False),
        (MARCH_2019, 7, "indstillingen", {"for": 3}, "for", False),
    ]
    assert [(b.label, b.parties, b.position) for b in a.context["party"].blocs] == [("flertal", ["A", "F", "Ø"], "for")]
    assert "Et flertal bestående af A, F og Ø stemmer for indstillingen." in text(a)
    for letter, name in (("Æ", "Danmarksdemokraterne"), ("Å", "Alternativet"), ("C", "Det Konservative Folkeparti")):
        assert name in text(client.get(f"/parties/{letter}/"))


def test_party_letters_are_validated(client):
    lower = client.get("/parties/ø/")
    assert (lower.status_code, lower["Location"]) == (301, "/parties/%C3%98/")
    assert client.get("/parties/æ/")["Location"] == "/parties/%C3%86/"
    for bad in ("Q", "AB", "1", "%3Cb%3E"):
        response = client.get(f"/parties/{bad}/")
        assert response.status_code == 404, bad
        assert response.templates[0].name == "decisions/not_found.html"
        assert "Enhedslisten" in text(response)  # the list of parties
    venstre = client.get("/parties/venstre/")
    assert venstre.context["suggestions"][0] == ("", "V", "V – Venstre")


def test_committee_members_per_term_with_attendance(client):
    response = client.get(f"/odense-kommune/meetings/{COMMITTEE}/members/")
    assert response.status_code == 200
    terms = response.context["members"].terms
    assert [(t.term, t.meetings, len(t.memberships)) for t in terms] == [
        ("2022-2025", 1, 1),
        ("2018-2021", 2, 7),
        ("2014-2017", 1, 3),
    ]
    by_name = {m.person.name: m for m in terms[1].memberships}
    assert (by_name["Christoffer Lilleholt"].item_absences, by_name["Christoffer Lilleholt"].named_votes) == (1, 2)
    assert terms[0].memberships[0].meeting_absences == 1
    assert all(m.derived for t in terms for m in t.memberships)
    assert "afledt" in text(response)
    only = client.get(f"/odense-kommune/meetings/{COMMITTEE}/members/", {"term": "2014-2017"}).context["members"].terms
    assert [t.term for t in only] == ["2014-2017"]
    assert client.get(f"/odense-kommune/meetings/{COMMITTEE}/members/", {"term": "abc"}).status_code == 400
    assert client.get("/odense-kommune/meetings/no-such-committee/members/").status_code == 404


def test_people_pages_use_a_bounded_number_of_queries(client, django_assert_max_num_queries, synthetic):
    # Cold: the record summary is computed and cached; warm: a page of rows from the cache.
    with django_assert_max_num_queries(20):
        assert client.get("/odense-kommune/people/christoffer-lilleholt/").status_code == 200
    # Warm: the archive generation (read once a request, for the ETag too), the person, the
    # cached summary (figures, order, absences, memberships, aliases, implied positions), and
    # the page's rows. Every page reads the generation first (decisions/caching.py).
    with django_assert_max_num_queries(4):
        assert client.get("/odense-kommune/people/christoffer-lilleholt/").status_code == 200
    with django_assert_max_num_queries(4):
        assert client.get("/odense-kommune/people/christoffer-lilleholt/votes.csv").status_code == 200
    with django_assert_max_num_queries(1 + 4):
        assert client.get("/people/").status_code == 200
    with django_assert_max_num_queries(1 + 6):
        assert client.get("/parties/A/").status_code == 200
    with django_assert_max_num_queries(1 + 3):
        assert client.get(f"/odense-kommune/meetings/{COMMITTEE}/members/").status_code == 200


def test_queries_do_not_grow_with_the_record(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    urls = (
        "/odense-kommune/people/christoffer-lilleholt/",
        "/people/",
        "/parties/V/",
        f"/odense-kommune/meetings/{COMMITTEE}/members/",
    )

    def counts() -> list[int]:
        result = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result.append(len(queries))
        return result

    # Compare warm pages (the person's record summary is cached per archive generation).
    counts()
    before = counts()
    for n, date in enumerate(("01-03-2021", "02-03-2021", "03-03-2021"), 1):
        minutes = make_minutes(
            *(
                (
                    i,
                    f"Sag {i}",
                    f"Christoffer Lilleholt (V) og Ny Person{n} (V) stemmer for indstillingen.\n\n"
                    "Indstillingen godkendes.",
                )
                for i in range(1, 6)
            ),
            committee=f"Udvalg {n}",
            date=date,
            term="2018-2021",
        )
        ingest_meeting(parse_minutes(minutes), source_name=f"{n}.txt", source_text=minutes, sha256=f"{n}" * 64)
    assert records.person_page(municipality=ODENSE, slug="christoffer-lilleholt").figures.named == 17
    counts()
    assert counts() == before


def test_control_characters_in_input_are_not_errors(client):
    assert client.get("/people/", {"q": "Reza\x1f"}).status_code == 200
    assert client.get("/odense-kommune/people/\x1f/").status_code == 404
    assert client.get("/parties/\x1f/").status_code == 404
    assert client.get("/odense-kommune/cases/a\x1fb/").status_code == 404
    assert client.get("/cases/", {"prefix": "\x1f"}).status_code == 200  # ignored, like an empty prefix


# --- a merged person's old URLs ----------------------------------------------------------------


def merge(keep: str, other: str) -> None:
    services.merge_persons(keep=person(keep), other=person(other))


def redirects() -> list[tuple[str, str]]:
    return sorted(PersonSlugRedirect.objects.values_list("old_slug", "person__slug"))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            "/odense-kommune/people/tim-vermund/?page=2&position=against",
            "/odense-kommune/people/anne-mette-ebensgaard/?page=2&position=against",
        ),
        ("/odense-kommune/people/tim-vermund/", "/odense-kommune/people/anne-mette-ebensgaard/"),
        (
            "/odense-kommune/people/tim-vermund/votes.csv?year=2017",
            "/odense-kommune/people/anne-mette-ebensgaard/votes.csv?year=2017",
        ),
        (
            "/odense-kommune/people/tim-vermund/feed/?utm_source=x",
            "/odense-kommune/people/anne-mette-ebensgaard/feed/?utm_source=x",
        ),
        (
            "/api/odense-kommune/people/tim-vermund/?format=json",
            "/api/odense-kommune/people/anne-mette-ebensgaard/?format=json",
        ),
    ],
)
def test_a_merged_persons_old_urls_redirect_permanently_to_the_kept_person(client, old, new):
    merge("anne-mette-ebensgaard", "tim-vermund")
    assert redirects() == [("tim-vermund", "anne-mette-ebensgaard")]
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"] == new


def test_the_redirect_leads_to_the_kept_persons_record(client):
    merge("anne-mette-ebensgaard", "tim-vermund")
    response = client.get("/odense-kommune/people/tim-vermund/", {"position": "reservation"}, follow=True)
    assert response.redirect_chain == [("/odense-kommune/people/anne-mette-ebensgaard/?position=reservation", 301)]
    assert response.context["person"].slug == "anne-mette-ebensgaard"
    # Tim Vermund's two reservations are now on the kept person's record.
    assert [r.vote.position for r in response.context["rows"]] == ["reservation", "reservation"]
    api = client.get("/api/odense-kommune/people/tim-vermund/", follow=True).json()
    assert (api["slug"], api["aliases"]) == ("anne-mette-ebensgaard", ["Anne-Mette Ebensgaard", "Tim Vermund"])


def test_merging_again_redirects_old_slugs_straight_to_the_last_person(client):
    merge("anne-mette-ebensgaard", "tim-vermund")
    merge("reza-javid", "anne-mette-ebensgaard")
    # No chain tim-vermund → anne-mette-ebensgaard → reza-javid: one hop each.
    assert redirects() == [("anne-mette-ebensgaard", "reza-javid"), ("tim-vermund", "reza-javid")]
    assert (
        client.get("/odense-kommune/people/tim-vermund/?year=2019")["Location"]
        == "/odense-kommune/people/reza-javid/?year=2019"
    )
    assert (
        client.get("/odense-kommune/people/anne-mette-ebensgaard/feed/")["Location"]
        == "/odense-kommune/people/reza-javid/feed/"
    )
    assert client.get("/api/odense-kommune/people/tim-vermund/")["Location"] == "/api/odense-kommune/people/reza-javid/"


def test_a_person_split_off_under_the_old_slug_is_served_not_redirected(client):
    merge("anne-mette-ebensgaard", "tim-vermund")
    tim = services.split_alias(PersonAlias.objects.get(name="Tim Vermund"))
    assert tim.slug == "tim-vermund"
    assert redirects() == []  # the live person's page wins
    response = client.get("/odense-kommune/people/tim-vermund/")
    assert response.status_code == 200
    assert response.context["person"] == tim
    assert client.get("/odense-kommune/people/tim-vermund/feed/").status_code == 200
    assert client.get("/api/odense-kommune/people/tim-vermund/").json()["slug"] == "tim-vermund"


def test_a_new_person_with_the_old_slug_takes_it_over(client):
    merge("anne-mette-ebensgaard", "tim-vermund")
    other = services.create_person(
        "Tim Vermund", "F", municipality=services.default_municipality()
    )  # someone else by the same name
    assert other.slug == "tim-vermund" and redirects() == []
    assert client.get("/odense-kommune/people/tim-vermund/").context["person"] == other


def test_a_live_persons_slug_is_looked_up_before_old_slugs(client):
    # Not made by the services (they drop such a redirect), but the lookup must not depend on it.
    PersonSlugRedirect.objects.create(
        municipality=person("tim-vermund").municipality, old_slug="reza-javid", person=person("tim-vermund")
    )
    assert client.get("/odense-kommune/people/reza-javid/").context["person"].slug == "reza-javid"
    assert client.get("/api/odense-kommune/people/reza-javid/").json()["slug"] == "reza-javid"


def test_old_slugs_go_with_the_kept_person_when_it_is_deleted(client):
    keep, other = (
        services.create_person("Ny Person", "A", municipality=services.default_municipality()),
        services.create_person("Ny Persson", "A", municipality=services.default_municipality()),
    )
    services.merge_persons(keep=keep, other=other)
    assert redirects() == [("ny-persson", "ny-person")]
    keep.delete()
    assert redirects() == []
    assert client.get("/odense-kommune/people/ny-persson/").status_code == 404


def test_a_slug_that_never_existed_is_still_404_with_close_matches(client):
    merge("anne-mette-ebensgaard", "tim-vermund")
    response = client.get("/odense-kommune/people/tim-vermun/")
    assert response.status_code == 404
    assert response.templates[0].name == "decisions/not_found.html"
    # Found through the spelling "Tim Vermund", which the kept person has now.
    assert response.context["suggestions"] == [(ODENSE, "anne-mette-ebensgaard", "Anne-Mette Ebensgaard")]
    api = client.get("/api/odense-kommune/people/tim-vermun/")
    assert api.status_code == 404
    assert api.json() == {
        "error": "Ingen person har det korte navn tim-vermun.",
        "suggestions": ["anne-mette-ebensgaard"],
    }
    assert client.get("/odense-kommune/people/tim-vermun/feed/").status_code == 404
    assert client.get("/odense-kommune/people/tim-vermun/votes.csv").status_code == 404


def test_a_record_row_shows_hostile_minutes_text_inert(client):
    # The record table's rows are built in one pass by a template tag (journalism.record_rows):
    # the title, the subject and the source sentence are still escaped there.
    minutes = make_minutes(
        (
            1,
            "<script>alert('titel')</script>",
            "Reza Javid (Ø) stemmer imod indstillingen <img src=x onerror=alert(1)>.",
        ),
    )
    ingest_meeting(parse_minutes(minutes), source_name="evil.txt", source_text=minutes, sha256="e" * 64)
    body = client.get("/odense-kommune/people/reza-javid/").content.decode()
    row = re.search(r'<tr class="position-against">\s*<td><span class="date">2022-02-01</span>(.*?)</tr>', body, re.S)
    assert "<script>" not in row.group(1) and "<img" not in row.group(1)
    assert "1. &lt;script&gt;alert(&#x27;titel&#x27;)&lt;/script&gt;</a>" in row.group(1)
    assert "Reza Javid (Ø) stemmer imod indstillingen &lt;img src=x onerror=alert(1)&gt;." in row.group(1)
    assert 'href="/odense-kommune/meetings/testudvalget/2022-02-01/1/"' in row.group(1)
    assert '(<a class="party" href="/parties/%C3%98/">Ø</a>)' in row.group(1)


def test_a_persons_csv_quotes_cells_a_spreadsheet_would_run(client):
    # Security review finding 5, in the record's CSV: the item title and the subject are quoted
    # with ', the date, the item number and the sentence (it starts with the name) are not.
    ingest_formula_meeting()
    response = client.get("/odense-kommune/people/reza-javid/votes.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    (row,) = [r for r in rows if r[0] == "2022-02-01"]
    assert row == [
        "2022-02-01",
        "Testudvalget",
        "1",
        "'" + FORMULA_TITLE,
        "00.01.00-A00-1-22",
        "Ø",
        "",
        "for",
        "'" + FORMULA_SUBJECT,
        "majority_for",
        "no",
        "no",
        f"Reza Javid (Ø) stemmer for {FORMULA_SUBJECT}.",
        "http://testserver/odense-kommune/meetings/testudvalget/2022-02-01/1/",
    ]
    assert FORMULA_TITLE == '=HYPERLINK("http://x","klik")' and FORMULA_SUBJECT == "=SUM(1+1)*cmd|' /C calc'!A0"
