"""The open data: every README example, exact shapes and figures, pagination, 400s and 404s."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.http import QueryDict

from decisions import search
from decisions.minutes import parse_minutes
from decisions.services import ingest_meeting
from decisions.views import api
from tests.conftest import ROOT, make_minutes

pytestmark = pytest.mark.django_db

HOST = "127.0.0.1:8000"  # `make run` serves here; the README's URLs use it.
EXAMPLE = re.compile(r"`GET (?P<path>/api/[^`]+)`(?: → (?P<status>\d{3}))?\n\n```json\n(?P<body>.*?)\n```", re.DOTALL)
CSV_EXAMPLE = re.compile(r"`GET (?P<path>/api/[^`]+\.csv)` \(first lines\)\n\n```csv\n(?P<body>.*?)\n```", re.DOTALL)
POSITIONS = {"for", "against", "abstain", "reservation", "absent"}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def readme_api_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Open data (JSON API)")
    end = readme.index("\n## ", start + 1)
    return readme[start:end]


def get(client, path: str, status: int = 200, **params):
    response = client.get(path, params, HTTP_HOST=HOST)
    assert response.status_code == status, (path, response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/json"
    return response.json()


@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_every_readme_example_is_the_real_answer(client, ingested):
    """Meeting ids in the README are those of a fresh database loaded in file-name order."""
    examples = list(EXAMPLE.finditer(readme_api_section()))
    assert len(examples) == 9
    for example in examples:
        expected = json.loads(example["body"])
        assert get(client, example["path"], int(example["status"] or 200)) == expected, example["path"]
    # "/api/meetings/4/ answers the same object on its own"
    listed = json.loads(examples[0]["body"])["results"][0]
    assert get(client, f"/api/meetings/{listed['id']}/") == listed
    (csv_example,) = CSV_EXAMPLE.finditer(readme_api_section())
    response = client.get(csv_example["path"], HTTP_HOST=HOST)
    body = b"".join(response.streaming_content).decode()
    assert body.replace("\r\n", "\n").startswith(csv_example["body"] + "\n")


@pytest.fixture
def fixtures(ingested):
    return ingested


def test_meeting_shape_and_the_amendment_vote(client, fixtures):
    page = get(client, "/api/meetings/", date="2019-03-05")
    assert (page["count"], page["next"]) == (1, None)
    (meeting,) = page["results"]
    assert set(meeting) == {
        "id",
        "municipality",
        "municipality_slug",
        "committee",
        "kind",
        "date",
        "start_time",
        "location",
        "term",
        "url",
        "absent",
        "items",
    }
    assert (meeting["date"], meeting["start_time"], meeting["term"]) == ("2019-03-05", "08:30", "2018-2021")
    assert (meeting["municipality"], meeting["municipality_slug"], meeting["kind"]) == (
        "Odense Kommune",
        "odense-kommune",
        "minutes",
    )
    assert [i["number"] for i in meeting["items"]] == list(range(1, 17))
    item = meeting["items"][0]
    assert set(item) == {
        "number",
        "title",
        "category",
        "closed",
        "case_number",
        "decision",
        "outcome",
        "earlier_decisions",
        "tallies",
        "attachments",
        "votes",
        "url",
    }
    assert (item["closed"], item["earlier_decisions"], item["tallies"]) == (False, [], [])
    assert set(item["votes"][0]) == {"person", "person_slug", "party", "position", "subject"}
    amendment = [v for v in item["votes"] if v["subject"] == "ændringsforslaget"]
    assert sum(v["position"] == "for" for v in amendment) == 2
    assert sum(v["position"] == "against" for v in amendment) == 5
    assert item["url"] == f"http://{HOST}/odense-kommune/meetings/beskaeftigelses-og-socialudvalget/2019-03-05/1/"
    assert get(client, f"/api/meetings/{meeting['id']}/") == meeting
    every = get(client, "/api/meetings/")
    assert [m["date"] for m in every["results"]] == ["2024-05-28", "2021-02-02", "2019-03-05", "2017-03-28"]
    for m in every["results"]:
        assert ISO_DATE.match(m["date"])
        for i in m["items"]:
            assert all(v["position"] in POSITIONS for v in i["votes"])
    committee = get(client, "/api/meetings/", committee="beskaeftigelses-og-socialudvalget")
    assert committee["count"] == 4


def test_case_and_people(client, fixtures):
    case = get(client, "/api/odense-kommune/cases/00.30.00-s00-11-19/")  # normalized on lookup
    assert case["case_number"] == "00.30.00-S00-11-19"
    assert [(i["meeting_date"], i["number"]) for i in case["items"]] == [("2019-03-05", 2), ("2019-03-05", 3)]
    reza = get(client, "/api/odense-kommune/people/reza-javid/")
    assert set(reza) == {"name", "slug", "municipality", "municipality_slug", "party", "aliases", "votes", "absences"}
    assert (reza["municipality"], reza["municipality_slug"]) == ("Odense Kommune", "odense-kommune")
    assert {
        "date": "2019-03-05",
        "committee": "Beskæftigelses- og Socialudvalget",
        "item_number": 7,
        "case_number": "00.00.00-G01-5270-17",
        "subject": "indstillingen",
        "position": "against",
    } in reza["votes"]
    tommy = get(client, "/api/people/", q="Hummelose")["results"]
    assert [(p["slug"], p["aliases"]) for p in tommy] == [("tommy-hummellose", ["Tommy Hummellose", "Tommy Hummelose"])]
    assert get(client, "/api/odense-kommune/people/christoffer-lilleholt/")["absences"] == [
        {"date": "2019-03-05", "committee": "Beskæftigelses- og Socialudvalget", "item_number": 9}
    ]
    assert get(client, "/api/odense-kommune/people/anne-mette-ebensgaard/")["absences"] == [
        {"date": "2024-05-28", "committee": "Beskæftigelses- og Socialudvalget", "item_number": None}
    ]
    assert all(
        v["position"] != "absent" for v in get(client, "/api/odense-kommune/people/christoffer-lilleholt/")["votes"]
    )


def test_pagination_has_results_and_next(client, fixtures, monkeypatch):
    monkeypatch.setattr(api, "PEOPLE_PER_PAGE", 4)
    first = get(client, "/api/people/")
    assert (first["count"], len(first["results"])) == (11, 4)
    assert first["next"] == f"http://{HOST}/api/people/?page=2"
    slugs, url = [], "/api/people/"
    while url:
        page = get(client, url)
        slugs += [p["slug"] for p in page["results"]]
        url = page["next"] and page["next"].removeprefix(f"http://{HOST}")
    assert len(slugs) == len(set(slugs)) == 11
    # Other parameters are kept in `next`.
    filtered = get(client, "/api/people/", q="e")
    assert filtered["next"] == f"http://{HOST}/api/people/?q=e&page=2"
    assert get(client, "/api/people/", 404, page="9") == {"error": "Side 9 findes ikke."}


def test_search_is_the_search_page_as_data(client, fixtures):
    for params in ({"q": "investeringsprojekterne"}, {"q": "ledighed", "year": "2024", "sort": "oldest"}, {}):
        answer = get(client, "/api/search/", **params)
        sort = params.get("sort", "relevance" if params.get("q") else "newest")
        results, _ = search.search_items(
            query=search.parse_query(params.get("q", "")), filter_data=QueryDict(mutable=True) | params, sort=sort
        )
        expected = list(results[: search.RESULTS_PER_PAGE])
        assert answer["count"] == results.count()
        assert [(r["meeting_date"], r["number"]) for r in answer["results"]] == [
            (i.meeting.date.isoformat(), i.number) for i in expected
        ]
    empty = get(client, "/api/search/")
    assert empty["count"] == 49 and empty["next"] == f"http://{HOST}/api/search/?page=2"
    assert all(r["snippet"] is None for r in empty["results"])
    hit = get(client, "/api/search/", q="ledighedsprocent")["results"]
    assert len(hit) == 3
    assert all("<mark>" not in r["snippet"] and "&amp;" not in r["snippet"] for r in hit)  # plain text
    assert "højeste ledighedsprocent på 4,0 %" in hit[0]["snippet"]
    assert set(hit[0]) == {
        "title",
        "url",
        "meeting_date",
        "municipality",
        "committee",
        "number",
        "case_number",
        "outcome",
        "snippet",
    }


@pytest.mark.parametrize(
    ("path", "params", "parameter"),
    [
        ("/api/search/", {"year": "abc"}, "year"),
        ("/api/search/", {"category": "Z"}, "category"),
        ("/api/search/", {"committee": "nope"}, "committee"),
        ("/api/search/", {"sort": "best"}, "sort"),
        ("/api/search/", {"page": "-1"}, "page"),
        ("/api/search/", {"page": "0"}, "page"),
        ("/api/meetings/", {"date": "abc"}, "date"),
        ("/api/meetings/", {"date": "2019-02-30"}, "date"),
        ("/api/meetings/", {"committee": "nope"}, "committee"),
        ("/api/meetings/", {"page": "x"}, "page"),
        ("/api/people/", {"page": "1.5"}, "page"),
    ],
)
def test_malformed_parameters_are_400_json(client, fixtures, path, params, parameter):
    body = get(client, path, 400, **params)
    assert body["parameter"] == parameter
    assert body["error"]


def test_unknown_objects_are_404_json_with_suggestions(client, fixtures):
    assert get(client, "/api/odense-kommune/cases/00.30.00-S00-11-18/", 404)["suggestions"][0] == "00.30.00-S00-11-19"
    assert get(client, "/api/odense-kommune/people/reza-javi/", 404) == {
        "error": "Ingen person har det korte navn reza-javi.",
        "suggestions": ["reza-javid"],
    }
    assert get(client, "/api/meetings/999999/", 404) == {"error": "Intet møde har id 999999."}


def test_votes_csv_has_every_vote(client, fixtures):
    response = client.get("/api/votes.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 22
    assert list(rows[0]) == [
        "date",
        "municipality",
        "committee",
        "item_number",
        "case_number",
        "person",
        "party",
        "position",
        "subject",
    ]
    assert {r["position"] for r in rows} == {"reservation", "for", "against", "absent"}
    assert rows[-1] == {
        "date": "2021-02-02",
        "municipality": "Odense Kommune",
        "committee": "Beskæftigelses- og Socialudvalget",
        "item_number": "1",
        "case_number": "00.15.00-G01-1-21",
        "person": "Michael Eskamp Witek",
        "party": "",
        "position": "absent",
        "subject": "",
    }


def test_api_uses_a_bounded_number_of_queries(client, fixtures, django_assert_max_num_queries):
    # Each with one more: the archive generation, read once a request (its ETag, decisions/caching.py).
    budgets = {
        "/api/meetings/": 7,  # count, meetings, items, votes with people, attachments, absences
        "/api/meetings/?date=2019-03-05": 7,
        "/api/odense-kommune/cases/00.30.00-S00-1-24/": 5,
        "/api/people/": 6,  # count, people, aliases, votes, meeting absences
        "/api/odense-kommune/people/reza-javid/": 5,
        # a capped match count, the newest matches' ids, count, page, snippets; and enable_seqscan in a
        # savepoint, restored after (in a test's transaction).
        "/api/search/?q=ledighed": 11,
    }
    for url, budget in budgets.items():
        with django_assert_max_num_queries(budget):
            assert client.get(url).status_code == 200, url
    with django_assert_max_num_queries(2):  # the generation, the rows
        b"".join(client.get("/api/votes.csv").streaming_content)


def test_control_characters_in_input_are_not_errors(client, fixtures):
    assert [p["slug"] for p in get(client, "/api/people/", q="Reza\x1f")["results"]] == ["reza-javid"]
    assert get(client, "/api/odense-kommune/cases/a\x1fb/", 404)["suggestions"] == []
    # NUL, which PostgreSQL's text cannot hold, is refused before any view (tests/test_hardening.py).
    assert get(client, "/api/meetings/", 400, date="\x00")["parameter"] == "date"


# Security review finding 5: a title or subject read from the minutes that a spreadsheet would
# run as a formula. The vote grammar reads the subject from the sentence itself.
FORMULA_TITLE = '=HYPERLINK("http://x","klik")'
FORMULA_SUBJECT = "=SUM(1+1)*cmd|' /C calc'!A0"


def ingest_formula_meeting() -> None:
    text = make_minutes((1, FORMULA_TITLE, f"Reza Javid (Ø) stemmer for {FORMULA_SUBJECT}."))
    ingest_meeting(parse_minutes(text), source_name="formel.txt", source_text=text, sha256="f" * 64)


def test_votes_csv_quotes_cells_a_spreadsheet_would_run(client, fixtures):
    ingest_formula_meeting()
    body = b"".join(client.get("/api/votes.csv").streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert len(rows) == 1 + 23
    # The new meeting is the newest: its vote is the last row. Date and item number as they were.
    assert rows[-1] == [
        "2022-02-01",
        "Odense Kommune",
        "Testudvalget",
        "1",
        "00.01.00-A00-1-22",
        "Reza Javid",
        "Ø",
        "for",
        "'=SUM(1+1)*cmd|' /C calc'!A0",
    ]
    assert "\n2022-02-01,Odense Kommune,Testudvalget,1,00.01.00-A00-1-22," in body.replace("\r\n", "\n")
    # Every other row is as before: no fixture cell starts like a formula.
    assert rows[-2] == [
        "2021-02-02",
        "Odense Kommune",
        "Beskæftigelses- og Socialudvalget",
        "1",
        "00.15.00-G01-1-21",
        "Michael Eskamp Witek",
        "",
        "absent",
        "",
    ]
