"""The public pages on the real fixtures: content, URLs, escaping, bad input, query budgets."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import NoReverseMatch, reverse

from decisions.minutes import parse_minutes
from decisions.services import ingest_meeting
from decisions.templatetags.archive import fast_url, long_date, short_date
from tests.conftest import ODENSE, make_minutes

pytestmark = pytest.mark.django_db

BSU = "beskaeftigelses-og-socialudvalget"


@pytest.fixture(autouse=True)
def _fixtures(ingested):
    """Every test here browses the four real fixtures."""


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_url_scheme_is_human_readable():
    assert (
        reverse("decisions:meeting-detail", args=[ODENSE, BSU, "2019-03-05"])
        == f"/odense-kommune/meetings/{BSU}/2019-03-05/"
    )
    assert (
        reverse("decisions:item-detail", args=[ODENSE, BSU, "2019-03-05", 7])
        == f"/odense-kommune/meetings/{BSU}/2019-03-05/7/"
    )
    assert reverse("decisions:committee-detail", args=[ODENSE, BSU]) == f"/odense-kommune/meetings/{BSU}/"


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("decisions:item-detail", [ODENSE, BSU, dt.date(2019, 3, 5), 7]),
        ("decisions:item-detail", [ODENSE, BSU, "2019-03-05", 0]),
        ("decisions:meeting-detail", [ODENSE, BSU, dt.date(2024, 5, 28)]),
        ("decisions:committee-detail", [ODENSE, BSU]),
        ("decisions:committee-members", [ODENSE, "okonomiudvalget"]),
        ("decisions:case-detail", [ODENSE, "15.00.00-G01-193-17"]),
        ("decisions:case-detail", [ODENSE, "15.20.36-Ø34-1-17"]),  # quoted: %C3%98
        ("decisions:case-detail", [ODENSE, "12/27845"]),  # Syddjurs writes them with a slash
        ("decisions:case-detail", [ODENSE, "50% & ?#"]),  # not a case number, but reverse() takes it
        ("decisions:case-feed", [ODENSE, "2012-28504"]),
        ("decisions:person-detail", [ODENSE, "brian-dybro"]),
        ("decisions:party-detail", ["Ø"]),
        ("decisions:case-index", []),
        ("decisions:home", []),
        ("decisions:case-feed", [ODENSE, "15.20.36-Ø34-1-17"]),
        ("decisions:api-case-detail", [ODENSE, "15.00.00-G01-193-17"]),
        ("decisions:committee-feed", [ODENSE, BSU]),
        ("decisions:person-csv", [ODENSE, "brian-dybro"]),
        ("decisions:meeting-source", [ODENSE, BSU, dt.date(2019, 3, 5)]),
        ("decisions:committee-members", [ODENSE, BSU]),
        ("decisions:api-meeting-detail", [7]),  # not a fast route: reverse() itself
    ],
)
def test_fast_links_are_the_links_reverse_builds(name, args):
    assert fast_url(name, *args) == reverse(name, args=args)


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize(("ours", "format"), [("long_date", "j. F Y"), ("short_date", "j. M Y")])
def test_dates_are_what_the_date_filter_gives(language, ours, format):
    from django.template import Context, Template
    from django.utils import translation

    both = Template(f"{{% load archive %}}{{{{ v|{ours} }}}}|{{{{ v|date:'{format}' }}}}")
    with translation.override(language):
        for month in range(1, 13):
            mine, django = both.render(Context({"v": dt.date(2019, month, 5 if month % 2 else 28)})).split("|")
            assert mine == django
        # A datetime is shown in local time (Copenhagen), as the date filter shows it.
        moment = dt.datetime(2019, 3, 5, 23, 30, tzinfo=dt.UTC)
        mine, django = both.render(Context({"v": moment})).split("|")
        assert mine == django and mine.startswith("6. ")
        assert both.render(Context({"v": None})) == "|"


@pytest.mark.parametrize(
    ("language", "long", "short"),
    [
        ("da", ["5. marts 2019", "28. maj 2019", "5. september 2019"], ["5. Mar 2019", "28. Maj 2019", "5. Sept 2019"]),
        ("en", ["5. March 2019", "28. May 2019", "5. September 2019"], ["5. Mar 2019", "28. May 2019", "5. Sep 2019"]),
    ],
)
def test_dates_in_words(language, long, short):
    from django.utils import translation

    days = [dt.date(2019, 3, 5), dt.date(2019, 5, 28), dt.date(2019, 9, 5)]
    with translation.override(language):
        assert [long_date(day) for day in days] == long
        assert [short_date(day) for day in days] == short


def test_fast_links_follow_the_script_prefix():
    # Served under a path (SCRIPT_NAME), as reverse() does for each request.
    from django.urls import get_script_prefix, set_script_prefix

    before = get_script_prefix()
    try:
        set_script_prefix("/arkiv/")
        assert (
            fast_url("decisions:case-detail", ODENSE, "15.00.00-G01-193-17")
            == "/arkiv/odense-kommune/cases/15.00.00-G01-193-17/"
        )
        assert fast_url("decisions:person-detail", ODENSE, "brian-dybro") == reverse(
            "decisions:person-detail", args=[ODENSE, "brian-dybro"]
        )
    finally:
        set_script_prefix(before)
    assert (
        fast_url("decisions:case-detail", ODENSE, "15.00.00-G01-193-17") == "/odense-kommune/cases/15.00.00-G01-193-17/"
    )


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("decisions:item-detail", [ODENSE, BSU, "5. marts 2019", 7]),
        ("decisions:item-detail", [ODENSE, BSU, dt.date(2019, 3, 5), -1]),
        ("decisions:person-detail", [ODENSE, "brian dybro"]),
        ("decisions:person-detail", [ODENSE, ""]),
    ],
)
def test_fast_links_refuse_what_reverse_refuses(name, args):
    with pytest.raises(NoReverseMatch):
        reverse(name, args=args)
    with pytest.raises(NoReverseMatch):
        fast_url(name, *args)


def test_home_lists_meetings_committees_and_counts(client, django_assert_max_num_queries):
    client.get("/")  # cold: counts and committees are computed and cached
    with django_assert_max_num_queries(5):  # warm: the cache reads and the latest meetings
        response = client.get("/")
    html = response.content.decode()
    assert '<html lang="da">' in html
    assert "4 møder, 49 dagsordenspunkter og 20 navngivne stemmer" in text_of(html)
    dates = re.findall(r'href="/odense-kommune/meetings/' + BSU + r'/(\d{4}-\d{2}-\d{2})/"', html)
    assert dates == ["2024-05-28", "2021-02-02", "2019-03-05", "2017-03-28"]
    assert "Beskæftigelses- og Socialudvalget" in html


def test_home_counts_follow_the_archive():
    from django.test import Client

    from decisions.models import Meeting

    client = Client()
    assert "4 møder, 49 dagsordenspunkter" in text_of(client.get("/").content.decode())
    Meeting.objects.get(date="2021-02-02").delete()  # a new archive generation (decisions.signals)
    html = client.get("/").content.decode()
    assert "3 møder, " in text_of(html)
    assert "2021-02-02" not in html


def test_committee_page_groups_meetings_by_year(client):
    html = client.get(f"/odense-kommune/meetings/{BSU}/").content.decode()
    assert re.findall(r'<h2 id="year-(\d+)">', html) == ["2024", "2021", "2019", "2017"]


def test_meeting_page(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        response = client.get(f"/odense-kommune/meetings/{BSU}/2019-03-05/")
    html = response.content.decode()
    text = text_of(html)
    assert "tirsdag 5. marts 2019 kl. 08:30" in text
    assert "Salen, Ørbækvej 100, 5220 Odense SØ" in text
    assert "2018-2021" in text
    items = re.findall(rf'href="/odense-kommune/meetings/{BSU}/2019-03-05/(\d+)/">([^<]+)</a>', html)
    assert len(items) == 16
    assert items[0] == ("1", "Flytning af trygheds- og gadeplansmedarbejdere")
    assert items[6] == ("7", "Årlig godkendelse af sagsbehandlingstider, Beskæftigelses- og Socialforvaltningen 2019")
    assert "Beskæftigelses- og Socialudvalget anbefaler indstillingen." in text
    assert f'href="/odense-kommune/meetings/{BSU}/2019-03-05/referat.txt"' in html


def test_original_minutes_are_served_as_plain_text(client):
    response = client.get(f"/odense-kommune/meetings/{BSU}/2021-02-02/referat.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode().startswith("\n\nREFERAT Beskæftigelses- og Socialudvalget 2018-2021 d. 02-02-2021")


def test_item_page_shows_sections_votes_and_navigation(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = client.get(f"/odense-kommune/meetings/{BSU}/2019-03-05/1/")
    html = response.content.decode()
    assert re.findall(r'<h2 id="section-\d+">([^<]+)</h2>', html) == [
        "Resume",
        "Effekt",
        "INDSTILLING",
        "Beslutning",
        "Sagsfremstilling",
        "Økonomi",
    ]
    rows = re.findall(
        r'<tr class="position-(\w+)"><td>(?:<a [^>]*>)?([^<]+?)(?:</a>)?'
        r'(?: <span class="role">[^<]*</span>)?</td><td>(\w)</td>',
        html,
    )
    assert rows == [
        ("for", "Christoffer Lilleholt", "V"),
        ("for", "Tommy Hummellose", "C"),
        ("against", "Michael Eskamp Witek", "A"),
        ("against", "Nazim Gürkan", "A"),
        ("against", "Keld Hansen", "A"),
        ("against", "Brian Dybro", "F"),
        ("against", "Reza Javid", "Ø"),
    ]
    assert 'href="/odense-kommune/cases/81.00.10-A00-2-18/"' in html
    assert f'rel="next" href="/odense-kommune/meetings/{BSU}/2019-03-05/2/"' in html
    assert 'rel="prev"' not in html
    # 001 lines 90-93: "- " lines become a list; 110-113: a tab-separated table.
    assert "<ul><li>Spor 1 der dækker over de fysiske rammer" in html
    assert '<th scope="col">Budgettilretning - 2019 priser</th><th scope="col">2019 og frem</th>' in html


def test_item_page_rejoins_a_paragraph_split_by_a_page_break(client):
    html = client.get(f"/odense-kommune/meetings/{BSU}/2019-03-05/9/").content.decode()
    # 001 lines 954/956: "... kan risikere at blive admi" / "tung og meget ressourcekrævende ..."
    assert "<p>En tredje risici er forbundet med" in html
    assert "kan risikere at blive administrativ tung og meget ressourcekrævende for forvaltningen" in html
    assert "Udvalgsmedlem Christoffer Lilleholt deltog ikke i behandlingen af dette punkt." in html
    assert "Deltog ikke i behandlingen: Christoffer Lilleholt" in text_of(html)


def test_item_page_shows_meeting_absence_and_other_committee(client):
    text = text_of(client.get(f"/odense-kommune/meetings/{BSU}/2024-05-28/3/").content.decode())
    assert "Fraværende fra hele mødet: Anne-Mette Ebensgaard" in text
    assert "B-sag" not in text
    item5 = text_of(client.get(f"/odense-kommune/meetings/{BSU}/2024-05-28/5/").content.decode())
    assert "B-sag" in item5


def test_item_page_lists_attachments(client):
    html = client.get(f"/odense-kommune/meetings/{BSU}/2017-03-28/1/").content.decode()
    assert re.findall(r'<ul class="attachments">(.*?)</ul>', html, re.S)[0].count("<li>") == 3
    assert "<li>Business case - Flere samtaler</li>" in html


def test_hostile_minutes_text_renders_inert(client):
    text = make_minutes(
        (1, "<script>alert('titel')</script>", "Udvalget godkender <img src=x onerror=alert(1)> indstillingen."),
        committee="Testudvalget",
    )
    ingest_meeting(parse_minutes(text), source_name="evil.txt", source_text=text, sha256="b" * 64)
    for url in [
        "/odense-kommune/meetings/testudvalget/2022-02-01/1/",
        "/odense-kommune/meetings/testudvalget/2022-02-01/",
        "/search/?q=onerror",
    ]:
        html = client.get(url).content.decode()
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;alert(&#x27;titel&#x27;)&lt;/script&gt;" in html
    assert (
        "&lt;img src=x onerror=alert(1)&gt;"
        in client.get("/odense-kommune/meetings/testudvalget/2022-02-01/1/").content.decode()
    )


def test_search_page_results_highlights_and_facets(client, django_assert_max_num_queries):
    # Cold: count, page, snippets, facets in one scan, plus the cache table's reads and writes,
    # the match count that picks the candidates' plan, and SET LOCAL enable_seqscan in a savepoint
    # (in a test's transaction).
    with django_assert_max_num_queries(22):
        client.get("/search/", {"q": "ledighedsprocent"})
    # Warm: the facet counts come from the cache.
    with django_assert_max_num_queries(12):
        response = client.get("/search/", {"q": "ledighedsprocent"})
    html = response.content.decode()
    assert "3 resultater" in html
    titles = re.findall(r'<h3><a href="(/odense-kommune/meetings/[^"]+)">', html)
    assert titles == [
        f"/odense-kommune/meetings/{BSU}/2024-05-28/5/",
        f"/odense-kommune/meetings/{BSU}/2019-03-05/3/",
        f"/odense-kommune/meetings/{BSU}/2019-03-05/2/",
    ]
    # Inflected forms of the compound are highlighted (the snippets come from resume and decision first).
    marked = {word.lower() for word in re.findall(r"<mark>(.*?)</mark>", html)}
    assert marked == {"ledighedsprocent", "ledighedsprocenten"}
    assert re.search(r'year=2019[^"]*">2019</a> <span class="count">\(2\)</span>', html)


def test_facet_links_keep_the_query_and_mark_the_chosen_value(client):
    html = client.get(
        "/search/", {"q": "ledighedsprocent", "year": "2019", "sort": "oldest", "page": "1"}
    ).content.decode()
    years = re.findall(
        r'<li><a href="\?([^"]*)"( aria-current="true")?>(\d{4})</a> <span class="count">\((\d+)\)</span>', html
    )
    # Every year of the matches is offered (the year facet ignores the chosen year), the page
    # number is dropped, the other parameters stay where they were (& escaped), and 2019 is marked.
    assert years == [
        ("q=ledighedsprocent&amp;year=2024&amp;sort=oldest", "", "2024", "1"),
        ("q=ledighedsprocent&amp;year=2019&amp;sort=oldest", ' aria-current="true"', "2019", "2"),
    ]


def test_search_redirects_an_exact_case_number_and_lists_partial_ones(client):
    response = client.get("/search/", {"q": " 15.00.00-g01-193-17 "})
    assert response.status_code == 302
    assert response["Location"] == "/odense-kommune/cases/15.00.00-G01-193-17/"
    html = client.get("/search/", {"q": "193-17"}).content.decode()
    assert re.findall(r'<section class="case-matches".*?</section>', html, re.S)[0].count("<li>") == 1
    assert 'href="/odense-kommune/cases/15.00.00-G01-193-17/"' in html


def test_search_without_results_suggests_titles(client):
    html = client.get("/search/", {"q": "ungeanalysn"}).content.decode()
    assert "0 resultater" in html
    assert "Mente du:" in html
    assert ">Præsentation af ungeanalysen</a>" in html


@pytest.mark.parametrize(
    "params",
    [
        {"q": ":* & | ! ( ) ' \\"},
        {"q": "'; DROP TABLE decisions_agendaitem; --"},
        {"q": "x" * 5000},
        {"q": "ledighed " * 300},
        {"q": '"unclosed phrase'},
        {"q": "-"},
        {"q": "\x1b\ufffd"},
        {"q": "", "year": "abc", "committee": "nope", "outcome": "x", "category": "Q", "votes": "maybe"},
        {"q": "ledighed", "page": "9999"},
        {"q": "ledighed", "page": "-1"},
        {"q": "ledighed", "sort": "evil"},
    ],
)
def test_any_query_string_answers_with_a_page(client, params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    assert "<h1>Søg i beslutningerne</h1>" in response.content.decode()


def test_unknown_pages_are_404_with_a_friendly_page(client):
    for url in [
        f"/odense-kommune/meetings/{BSU}/2019-02-30/",
        f"/odense-kommune/meetings/{BSU}/2019-03-06/",
        f"/odense-kommune/meetings/{BSU}/2019-03-05/99/",
        "/odense-kommune/meetings/x/",
    ]:
        response = client.get(url)
        assert response.status_code == 404
        assert "Siden findes ikke" in response.content.decode()


def test_a_capped_search_says_which_results_are_ranked(client, monkeypatch):
    from decisions import search

    monkeypatch.setattr(search, "COUNT_CAP", 2)
    html = text_of(client.get("/search/", {"q": "ledighed"}).content.decode())
    assert "Mere end 2 resultater" in html
    assert "De 2 nyeste er sorteret efter relevans." in html
    newest = text_of(client.get("/search/", {"q": "ledighed", "sort": "newest"}).content.decode())
    assert "Mere end 2 resultater" in newest and "sorteret efter relevans" not in newest
    two = text_of(client.get("/search/", {"q": '"socialt bedrageri"'}).content.decode())  # exactly 2 matches
    assert "2 resultater" in two and "sorteret efter relevans" not in two


def test_cached_translate_tags_render_as_django_s_in_every_language():
    from django.template import Context, Template
    from django.utils import translation

    body = (
        "{% translate 'January' %}|{% trans \"Monday\" %}|{% translate word %}"
        "|{% translate 'May' context 'abbrev. month' %}"
        "|{% translate 'March' noop %}|{% translate 'April' as m %}{{ m }}|{% translate 'June'|upper %}"
        "|{% blocktranslate count n=n %}{{ n }} year{% plural %}{{ n }} years{% endblocktranslate %}"
    )
    ours, django = Template("{% load i18n_cached %}" + body), Template("{% load i18n %}" + body)
    seen = []
    for language in ("da", "en", "da", "en"):  # a literal kept for one language is not shown in another
        for autoescape in (True, False):
            context = {"word": "February", "n": 2}
            with translation.override(language):
                mine = ours.render(Context(context, autoescape=autoescape))
                assert mine == django.render(Context(context, autoescape=autoescape))
            seen.append(mine)
    # Django's own catalogs: the Danish names of months and days.
    assert seen[0] == "januar|mandag|februar|maj|March|april|JUNI|2 years"
    assert seen[2] == "January|Monday|February|May|March|April|JUNE|2 years"
    assert seen[4] == seen[0] and seen[6] == seen[2]


@pytest.mark.parametrize(
    "query",
    [
        "q=ledighedsprocent",
        "q=ledighedsprocent&year=2019&sort=oldest&page=2",
        "year=2019&q=ledighedsprocent&year=2024",
        "sort=newest&q=budget&committee=%C3%B8konomiudvalget&votes=true",
    ],
)
def test_facet_links_are_the_query_with_one_value_changed(query):
    """facet_links encodes the unchanged parameters once per facet; each link must still be what
    query_with builds for that one change (page dropped, the facet's place kept or appended)."""
    import html

    from django.http import QueryDict
    from django.template import Context, Template
    from django.test import RequestFactory

    from decisions.templatetags.archive import _changed_query

    request = RequestFactory().get(f"/search/?{query}")
    values = [("2019", "2019", 2), ("2024", "2024", 1), ("", "tom", 0)]
    for name in ("year", "committee", "q"):
        rendered = Template("{% load archive %}{% facet_links name values %}").render(
            Context({"request": request, "name": name, "values": values})
        )
        hrefs = [html.unescape(href) for href in re.findall(r'href="\?([^"]*)"', rendered)]
        assert hrefs == [_changed_query(QueryDict(query), {name: value}) for value, _label, _n in values], name
