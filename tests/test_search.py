"""Search on the real fixtures: which items, in which order, with which highlights."""

from __future__ import annotations

import random
import re

import pytest
from django.http import QueryDict

from decisions import search
from decisions.search import Term, parse_query
from tests.conftest import make_minutes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fixtures(ingested):
    """Every test here searches the four real fixtures."""


MEETINGS = {"2017-03-28": "2017", "2019-03-05": "2019", "2024-05-28": "2024", "2021-02-02": "2021"}
MEETINGS["2022-02-01"] = "2022"  # make_minutes' default date, for tests that add minutes


def found(raw: str, sort: str = "relevance", **filters) -> list[tuple[str, int]]:
    """(meeting year, item number) of every result, in result order."""
    data = QueryDict(mutable=True)
    data.update(filters)
    results, _ = search.search_items(query=parse_query(raw), filter_data=data, sort=sort)
    return [(MEETINGS[item.meeting.date.isoformat()], item.number) for item in results]


@pytest.mark.parametrize(
    ("raw", "groups"),
    [
        ("ledighed", ((Term(("ledighed",)),),)),
        ('"socialt bedrageri"', ((Term(("socialt", "bedrageri")),),)),
        ("bander -domsanbringelser", ((Term(("bander",)),), (Term(("domsanbringelser",), negated=True),))),
        ("magtanvendelse or sanktioner", ((Term(("magtanvendelse",)), Term(("sanktioner",))),)),
        # tsquery operators are dropped; "|" reads as "or".
        ("a:* & b | !c ( ) ' \\", ((Term(("a",)),), (Term(("b",)), Term(("c",))))),
        ("26/6", ((Term(("26", "6")),),)),
        ("", ()),
        ("or", ()),
    ],
)
def test_query_syntax_reduces_to_safe_terms(raw, groups):
    assert parse_query(raw).groups == groups


def test_long_queries_are_cut():
    query = parse_query("ord " * 200)
    assert query.dropped
    assert len(query.groups) == search.MAX_TERMS


def test_stemming_finds_inflections():
    # "investeringsprojekterne" stems to investeringsprojek; these are exactly the items whose
    # text contains a form of "investeringsprojekt" (checked with grep on the fixtures).
    assert sorted(found("investeringsprojekterne")) == sorted(
        [("2017", 1), ("2019", 2), ("2019", 3), ("2024", 2), ("2024", 5), ("2024", 8), ("2024", 9), ("2021", 2)]
    )


def test_ranking_puts_title_matches_first_then_recency():
    results = found("investeringsprojekterne")
    # The three items with the word in their title (weight A) come first.
    assert results[:3] == [("2017", 1), ("2019", 2), ("2024", 2)]


def test_compound_prefix_matching():
    # "ledighedsprocent" appears only inside these three items.
    assert sorted(found("ledighedsprocent")) == [("2019", 2), ("2019", 3), ("2024", 5)]
    # "ledighedsprocen" is a prefix of the compound, not a word of its own.
    assert sorted(found("ledighedsprocen")) == [("2019", 2), ("2019", 3), ("2024", 5)]


def test_phrase_exclusion_and_or():
    assert found('"socialt bedrageri"') == [("2019", 8), ("2017", 5)]
    assert sorted(found("bander")) == [("2017", 5), ("2017", 10), ("2019", 1)]
    # Vollsmose is named only in the 2019 minutes.
    assert sorted(found("bander -vollsmose")) == [("2017", 5), ("2017", 10)]
    # An excluded phrase is matched by PostgreSQL's phrase match, not through its pairs.
    assert search.alternative_pairs(parse_query('-"socialt bedrageri"').groups[0]) is None
    assert sorted(found('bander -"socialt bedrageri"')) == [("2017", 10), ("2019", 1)]
    assert sorted(found("magtanvendelse or sanktioner")) == [
        ("2017", 2),
        ("2017", 5),
        ("2019", 8),
        ("2024", 3),
        ("2024", 4),
    ]


def test_sort_orders_and_empty_query_browses_newest_first():
    assert found("", sort="newest")[:3] == [("2024", 1), ("2024", 2), ("2024", 3)]
    assert found("", sort="oldest")[:2] == [("2017", 1), ("2017", 2)]
    assert len(found("", sort="newest")) == 49
    assert found('"socialt bedrageri"', sort="oldest") == [("2017", 5), ("2019", 8)]


def test_filters_combine():
    assert found("", sort="oldest", year="2024", category="B") == [("2024", 5), ("2024", 6), ("2024", 7)]
    assert found("", sort="oldest", outcome="rejected") == []
    assert found("", sort="oldest", votes="true") == [("2017", 1), ("2019", 1), ("2019", 7)]
    assert found("", sort="oldest", committee="beskaeftigelses-og-socialudvalget", year="2021") == [
        ("2021", 1),
        ("2021", 2),
        ("2021", 3),
        ("2021", 4),
    ]


def test_unknown_filter_values_are_ignored():
    assert len(found("", year="abc", category="Z", outcome="nope", committee="x")) == 49


def test_facet_counts_exclude_their_own_filter():
    data = QueryDict("year=2024")
    facets = search.facet_counts(query=parse_query(""), filter_data=data)
    assert facets["year"] == [("2024", "2024", 16), ("2021", "2021", 4), ("2019", "2019", 16), ("2017", "2017", 13)]
    assert [(v, n) for v, _, n in facets["category"]] == [("B", 3), ("C", 4), ("D", 5)]
    assert [(v, n) for v, _, n in facets["outcome"]] == [
        ("approved", 4),
        ("discussed", 4),
        ("noted", 5),
        ("recommended", 3),
    ]
    assert facets["committee"] == [("beskaeftigelses-og-socialudvalget", "Beskæftigelses- og Socialudvalget", 16)]
    assert facets["votes"] == []
    everything = search.facet_counts(query=parse_query("investeringsprojekterne"), filter_data=QueryDict(""))
    assert dict((v, n) for v, _, n in everything["year"]) == {"2017": 1, "2019": 2, "2021": 1, "2024": 4}
    assert everything["votes"] == [("true", "", 1)]


def test_facets_of_very_many_matches_count_the_newest(monkeypatch, client):
    # Eight items match, four of them from 2024-05-28 (the newest meeting); with facets
    # counted exactly only up to 0 matches and a cap of 3, they count the newest three.
    exact = search.facet_counts(query=parse_query("investeringsprojekterne"), filter_data=QueryDict(""))
    assert exact["newest_only"] is False
    monkeypatch.setattr(search, "FACETS_EXACT_UP_TO", 0)
    monkeypatch.setattr(search, "COUNT_CAP", 3)
    search.bump_archive_generation()  # the exact counts are cached
    newest = search.facet_counts(query=parse_query("investeringsprojekterne"), filter_data=QueryDict(""))
    assert newest["newest_only"] is True
    assert newest["year"] == [("2024", "2024", 3)]
    assert sum(n for _, _, n in newest["committee"]) == 3
    html = client.get("/search/", {"q": "investeringsprojekterne", "sort": "newest"}).content.decode()
    assert "Tallene gælder de 3 nyeste resultater." in html


def test_snippets_highlight_stemmed_and_compound_words():
    results, _ = search.search_items(query=parse_query("ledighedsprocent"), filter_data=QueryDict(""))
    item = results.get(meeting__date="2019-03-05", number=2)
    snippet = search.snippets([item.pk], parse_query("ledighedsprocent"))[item.pk]
    assert re.findall(r"<mark>(.*?)</mark>", snippet) == ["ledighedsprocenten"]
    stemmed = search.snippets([item.pk], parse_query("investeringsprojekterne"))[item.pk]
    assert set(re.findall(r"<mark>(.*?)</mark>", stemmed)) <= {
        "investeringsprojekter",
        "investeringsprojekterne",
        "investeringsprojekternes",
        "investeringsprojektet",
        "Investeringsprojekterne",
        "investeringsprojekt",
        "Investeringsprojekt",
    }
    assert "<mark>" in stemmed


def test_snippet_text_is_escaped_before_highlighting():
    assert (
        search.highlight("a <script>x</script> \ue000b\ue001 & c")
        == "a &lt;script&gt;x&lt;/script&gt; <mark>b</mark> &amp; c"
    )
    assert search.highlight("\ue000unbalanced <p>") == "unbalanced &lt;p&gt;"
    # Stray conversion markup is dropped from snippets.
    assert search.highlight("**fed** <i>kursiv</i>") == "fed kursiv"


@pytest.mark.parametrize(
    ("raw", "exact", "partial"),
    [
        ("15.00.00-G01-193-17", "15.00.00-G01-193-17", []),
        ("  15.20.36-ø34-1-17 ", "15.20.36-Ø34-1-17", []),
        ("193-17", None, ["15.00.00-G01-193-17"]),
        ("G01-193", None, ["15.00.00-G01-193-17"]),
        ("00.30.00", None, ["00.30.00-S00-1-24", "00.30.00-S00-11-19"]),
        ("15.00.00-G01-999-17", None, []),
        ("ledighed", None, []),
    ],
)
def test_case_numbers_typed_into_search(raw, exact, partial):
    matches = search.find_cases(raw)
    assert (matches.exact.number if matches.exact else None) == exact
    assert [c.number for c in matches.partial] == partial


def test_did_you_mean_from_titles(monkeypatch):
    assert search.suggestions("ungeanalysn") == ["Præsentation af ungeanalysen"]
    assert search.suggestions("zzqqxx") == []
    # Most similar first, ties by title; "Aktuelle sager" is the title of four items, shown once.
    assert search.suggestions("orienteringer", limit=3) == [
        "Orientering om den aktuelle bandesituation i Odense Kommune",
        "Orientering om udvikling af nye tilbud i Alkoholbehandlingen",
    ]
    assert search.suggestions("aktuele sager") == ["Aktuelle sager"]
    # Only the first candidates are ranked (SUGGESTION_CANDIDATES): with one, one title.
    monkeypatch.setattr(search, "SUGGESTION_CANDIDATES", 1)
    assert len(search.suggestions("orienteringer", limit=3)) == 1


def test_capped_count():
    results, _ = search.search_items(query=parse_query(""), filter_data=QueryDict(""))
    capped = search.CappedResults(results, cap=10)
    assert capped.count() == 11
    assert capped.capped
    assert not search.CappedResults(results, cap=100).capped


def test_a_relevance_page_is_fetched_by_its_own_ids_only():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    results, _ = search.search_items(query=parse_query("investeringsprojekterne"), filter_data=QueryDict(""))
    pages = search.CappedResults(results)
    assert len(pages.ranked) == 8
    with CaptureQueriesContext(connection) as queries:
        page = list(pages[2:5])
    assert [item.pk for item in page] == pages.ranked[2:5]
    (query,) = queries.captured_queries
    # The page's three ids (filter and order), not the eight ranked ones.
    assert query["sql"].count(search.id_array(pages.ranked[2:5])) == 2
    assert search.id_array(pages.ranked) not in query["sql"]


def test_relevance_ranks_the_newest_matches_beyond_the_cap(monkeypatch):
    # Eight items match (test_stemming_finds_inflections); with the cap at 3, the newest 3 + 1
    # are ranked, which are exactly the four from 2024-05-28, in the same order as uncapped.
    uncapped = found("investeringsprojekterne")
    monkeypatch.setattr(search, "COUNT_CAP", 3)
    capped = found("investeringsprojekterne")
    assert sorted(capped) == [("2024", 2), ("2024", 5), ("2024", 8), ("2024", 9)]
    assert capped == [result for result in uncapped if result in capped]
    assert found("investeringsprojekterne", sort="oldest")[:2] == [("2017", 1), ("2019", 2)]


@pytest.fixture
def analyzed():
    """Planner statistics for the fixtures, so that estimates follow the real frequencies."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE decisions_agendaitem")


@pytest.mark.parametrize(
    ("raw", "filters", "way", "changes"),
    [
        # Eight matches (test_stemming_finds_inflections): with three candidates, more than twice
        # as many as needed, so walked when a lone word counts as common, else sliced by date
        # (the fixtures' estimates are far below SORT_UP_TO_ESTIMATE, which is set to 0 here).
        ("investeringsprojekterne", {}, "sort", {}),
        ("investeringsprojekterne", {}, "walk", {"COUNT_CAP": 2, "WALK_FROM_SHARE": 0}),
        ("investeringsprojekterne", {}, "slices", {"COUNT_CAP": 2}),
        ("investeringsprojekterne", {}, "slices", {"COUNT_CAP": 2, "MIN_SLICE_DAYS": 1}),
        ("ledighed or magtanvendelse", {}, "slices", {"COUNT_CAP": 1, "WALK_FROM_SHARE": 0}),
        ("ledighed", {"year": "2024"}, "slices", {"COUNT_CAP": 1}),
        ('"socialt bedrageri"', {}, "sort", {}),
        # A phrase of one word and a stop word is that word, and found as a word.
        ('"investeringsprojekterne efter"', {}, "walk", {"COUNT_CAP": 2, "WALK_FROM_SHARE": 0}),
        # Phrases by their word pairs: 19 items have "kommunens kassebeholdning" (a pair, so the
        # estimate is the pair's), 13 "sagen har ikke økonomiske konsekvenser" (three words and
        # one pair, then checked: the estimate divides out the share of items with the words).
        ('"kommunens kassebeholdning"', {}, "slices", {"COUNT_CAP": 2}),  # in 39 %, never walked
        ('"kommunens kassebeholdning"', {}, "slices", {"COUNT_CAP": 2, "WALK_FROM_SHARE": 1}),
        ('"sagen har ikke økonomiske konsekvenser"', {}, "slices", {"COUNT_CAP": 2, "WALK_FROM_SHARE": 1}),
        # Alternatives found by their pairs (21 items), in slices like a phrase.
        ('"kommunens kassebeholdning" or "socialt bedrageri"', {}, "slices", {"COUNT_CAP": 2}),
        # With a longer phrase among them (14 items), checked in each slice.
        ('"sagen har ikke økonomiske konsekvenser" or bedrageri', {}, "slices", {"COUNT_CAP": 2}),
    ],
)
def test_the_newest_matches_are_found_alike_every_way(monkeypatch, analyzed, raw, filters, way, changes):
    from django.db import connection

    from decisions.filters import ItemFilter
    from decisions.models import AgendaItem

    monkeypatch.setattr(search, "SORT_UP_TO_ESTIMATE", 0)  # the fixtures are few
    for name, value in changes.items():
        monkeypatch.setattr(search, name, value)
    query = parse_query(raw)
    data = QueryDict(mutable=True)
    data.update(filters)
    matches = ItemFilter(data, queryset=search.matching(AgendaItem.objects.all(), query)).qs
    with connection.cursor() as cursor:
        assert search.candidate_plan(query, matches, cursor).way == way
    newest = list(matches.order_by("-meeting_date", "-pk").values_list("pk", flat=True))
    assert len(newest) > search.COUNT_CAP + 1 or way == "sort"
    assert search.newest_matches(query, matches) == newest[: search.COUNT_CAP + 1]
    # Ranked as PostgreSQL orders them, the ranks computed with the newest matches.
    tsquery, params = search.TsQuery(query).as_sql(None, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM decisions_agendaitem WHERE id = ANY(%s) "
            f"ORDER BY ts_rank(search_vector, {tsquery}) DESC, meeting_date DESC, number, id",
            [newest[: search.COUNT_CAP + 1], *params],
        )
        assert search.ranked_candidates(query, matches) == [pk for (pk,) in cursor.fetchall()]
    # Still indexes only outside the slices.
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_indexscan")
        assert cursor.fetchone()[0] == "on"


def test_date_slices_double_until_enough_matches_are_found(monkeypatch, django_assert_num_queries):
    # A planner that expects far more matches than there are (as for several words that rarely
    # meet) starts with a week-long slice; the slices then double back to the oldest meeting.
    from decisions.models import AgendaItem

    monkeypatch.setattr(search, "COUNT_CAP", 4)
    monkeypatch.setattr(search, "_estimated_rows", lambda queryset, cursor: 30_000)
    monkeypatch.setattr(search, "WALK_FROM_SHARE", 10**6)  # never walked
    query = parse_query("investeringsprojekterne")
    matches = search.matching(AgendaItem.objects.all(), query)
    newest = list(matches.order_by("-meeting_date", "-pk").values_list("pk", flat=True))
    search.newest_matches(query, matches)  # the archive's extent is cached
    # The newest meeting, 2024-05-28, has four; the fifth is from 2021-02-02. So: the archive
    # generation and the cached extent (2), the setting off and back (2), and eight slices (7,
    # 14, 28, ... 896 days), the last reaching back to July 2019.
    with django_assert_num_queries(2 + 2 + 8):
        assert search.newest_matches(query, matches) == newest[:5]


def _planned_rows(tsquery: str) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN (FORMAT JSON) SELECT id FROM decisions_agendaitem WHERE search_vector @@ %s::tsquery", [tsquery]
        )
        return cursor.fetchone()[0][0]["Plan"]["Plan Rows"]


@pytest.mark.parametrize(
    ("word", "alone", "both"),
    [
        # "udvalg" is its own stem: its prefix finds all it finds (36 items, 33 by the word).
        ("udvalg", "'udvalg':*", None),
        # "budget" is stemmed to "budg": the word (9 items) and the prefix (12) are both needed (14).
        ("budget", None, "'budg' | 'budget':*"),
    ],
)
def test_a_word_is_estimated_as_the_matches_it_finds(analyzed, word, alone, both):
    from django.db import connection

    from decisions.models import AgendaItem

    query = parse_query(word)
    matches = search.matching(AgendaItem.objects.all(), query)
    with connection.cursor() as cursor:
        estimate = search.estimated_matches(query, matches, cursor)
    if alone:
        # Not the word and its prefix as if independent (the planner then adds them up).
        assert estimate == _planned_rows(alone)
        assert estimate < _planned_rows(f"'{word}' | {alone}")
    else:
        assert estimate == _planned_rows(both)
    # Matching and ranking still use the word and its prefix (the estimate only is folded).
    sql, params = matches.query.sql_with_params()
    assert f"'{word}':*" in params and "CASE" not in sql


def test_a_request_reads_the_generation_once(django_assert_num_queries):
    computed = []

    def compute() -> int:
        computed.append(1)
        return len(computed)

    assert search.cached_per_generation("test-value", compute, 60) == 1
    assert search.cached_per_generation("other-value", compute, 60) == 2
    with django_assert_num_queries(2):  # the generation's row, the cached value
        assert search.cached_per_generation("test-value", compute, 60) == 1
    with search.generation_scope():  # one request (decisions.middleware)
        search.archive_generation()
        with django_assert_num_queries(2):  # the two cached values only
            assert search.cached_per_generation("test-value", compute, 60) == 1
            assert search.cached_per_generation("other-value", compute, 60) == 2
        search.bump_archive_generation()  # a change within the request: read anew
        assert search.cached_per_generation("test-value", compute, 60) == 3
    assert search.cached_per_generation("test-value", compute, 60) == 3


def test_search_settings_hold_only_inside_the_block():
    from django.db import connection

    def settings() -> tuple[str, str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('enable_seqscan'), current_setting('work_mem')")
            return cursor.fetchone()

    before = settings()
    assert before[0] == "on" and before[1] != "64MB"
    with search.index_matching():
        assert settings() == ("off", "64MB")
    assert settings() == before


@pytest.mark.parametrize("raw", ['"socialt bedrageri"', "ledighed", "investeringsprojekterne", "magtanvendelse"])
def test_every_snippet_shows_a_match_even_far_into_the_text(raw):
    # The snippet window starts at the first occurrence of the longest word's stem; where that
    # is not a match (a phrase, another word first) the whole text is used instead.
    query = parse_query(raw)
    results, _ = search.search_items(query=query, filter_data=QueryDict(""))
    ids = list(results.values_list("pk", flat=True))
    snippets = search.snippets(ids, query)
    assert sorted(snippets) == sorted(ids)
    assert [pk for pk, snippet in snippets.items() if "<mark>" not in snippet] == []


def _pairs(text: str) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT tsvector_to_array(archive_word_pairs(to_tsvector('danish', %s)))", [text])
        return cursor.fetchone()[0]


def test_word_pairs_of_a_sentence_from_the_minutes():
    # From the 2024 minutes; `har`, `ikke` and `for` are stop words: a pair over one of them
    # keeps its place as `_`, and over two (`har`, and `dermed` after it is no stop word) none.
    sentence = "Sagen har dermed ikke konsekvenser for kommunens kassebeholdning."
    assert _pairs(sentence) == ["dermed _ konsekvens", "kommun kassebeholdning", "konsekvens _ kommun", "sag _ dermed"]


def test_the_planner_is_told_what_word_pairs_cost():
    # Migration 0009: at the default cost the planner computed the pairs of every item of a
    # date slice rather than read them from their index (2.5 s against 44 ms at 1M items).
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT procost FROM pg_proc WHERE proname = 'archive_word_pairs'")
        assert cursor.fetchone()[0] == 50_000


def _phrase_match(phrase: str) -> set[int]:
    """What PostgreSQL's phrase match alone finds, reading every item's vector."""
    from django.db.models import F

    from decisions.models import AgendaItem

    query = search.TsQuery(parse_query(f'"{phrase}"'))
    return set(AgendaItem.objects.filter(search.Matches(F("search_vector"), query)).values_list("pk", flat=True))


def _matching(raw: str) -> set[int]:
    from decisions.models import AgendaItem

    return set(search.matching(AgendaItem.objects.all(), parse_query(raw)).values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("phrase", "pairs", "items"),
    [
        ("socialt bedrageri", "'socialt bedrageri'", 2),  # two words: the pair alone decides
        ("kommunens kassebeholdning", "'kommun kassebeholdning'", 19),
        ("børn og unge", "'børn _ ung'", 6),  # over a stop word
        ("det specialiserede socialområde", "'specialis socialområd'", 3),  # a stop word first
        ("personer med ordinære løntimer", "'ordinær løntim' & 'person _ ordinær'", 1),  # then checked
        ("bekæmpelse af socialt bedrageri", "'bekæmp _ socialt' & 'socialt bedrageri'", 1),
        # The 2024 minutes have "ikke økonomiske konsekvenser" and "konsekvenser for kommunens
        # kassebeholdning", so one item has all three pairs, but not as one phrase.
        (
            "økonomiske konsekvenser for kommunens kassebeholdning",
            "'kommun kassebeholdning' & 'konsekvens _ kommun' & 'økonomisk konsekvens'",
            0,
        ),
        ("til orientering", None, 14),  # one word after a stop word: no pairs
    ],
)
def test_phrases_found_by_their_word_pairs_match_as_postgresql_does(phrase, pairs, items):
    query = parse_query(f'"{phrase}"')
    assert [p.tsquery for p in search.phrase_pairs(query)] == ([pairs] if pairs else [])
    assert len(_phrase_match(phrase)) == items
    assert _matching(f'"{phrase}"') == _phrase_match(phrase)
    # With another word, and with an exclusion, the phrase still narrows as before.
    assert _matching(f'"{phrase}" bedrageri') == _phrase_match(phrase) & _matching("bedrageri")
    assert _matching(f'"{phrase}" -bedrageri') == _phrase_match(phrase) - _matching("bedrageri")


@pytest.mark.parametrize(
    ("raw", "pairs"),
    [
        ('"socialt bedrageri" or kassebeholdning', ["'socialt bedrageri'"]),
        ('"socialt bedrageri" or "børn og unge"', ["'socialt bedrageri'", "'børn _ ung'"]),
        ('"til orientering" or "socialt bedrageri"', ["'socialt bedrageri'"]),  # a word and a pair
        # A longer phrase by all its pairs (then checked against the vector).
        (
            '"personer med ordinære løntimer" or "socialt bedrageri"',
            ["'ordinær løntim' & 'person _ ordinær'", "'socialt bedrageri'"],
        ),
        # "sagen" is two stop words before the rest: in no pair, and left to the check.
        ('"sagen har ikke økonomiske konsekvenser" or bedrageri', ["'økonomisk konsekvens'"]),
        ('"socialt bedrageri"', ["'socialt bedrageri'"]),  # one phrase alone, the same way
        ('"personer med ordinære løntimer"', None),  # alone: all its pairs, then checked
        ("bedrageri or kassebeholdning", None),  # no phrase
    ],
)
def test_alternatives_with_phrases_are_found_by_their_pairs(raw, pairs):
    query = parse_query(raw)
    alternatives = search.alternative_pairs(query.groups[0])
    assert (alternatives and [p.tsquery for p in alternatives]) == pairs
    # Whichever way, the same items as PostgreSQL's own match of the alternatives.
    union = set()
    for term in query.groups[0]:
        union |= _phrase_match(" ".join(term.words)) if len(term.words) > 1 else _matching(term.words[0])
    assert _matching(raw) == union
    assert _matching(f"{raw} kommunen") == union & _matching("kommunen")
    assert _matching(f"{raw} -kommunen") == union - _matching("kommunen")


def test_alternatives_by_pairs_in_numbers():
    # Exact facts behind the table above: 2 items with "socialt bedrageri", 19 with "kommunens
    # kassebeholdning", one of them with both; 6 with "børn og unge", none also with the first.
    both = found('"socialt bedrageri" "kommunens kassebeholdning"')
    assert len(both) == 1
    assert len(found('"socialt bedrageri" or "kommunens kassebeholdning"')) == 2 + 19 - 1
    assert sorted(found('"socialt bedrageri" or "børn og unge"')) == sorted(
        found('"socialt bedrageri"') + found('"børn og unge"')
    )
    assert len(found('"socialt bedrageri" or "børn og unge"')) == 8
    # A longer phrase among alternatives: 13 items with "sagen har ikke økonomiske
    # konsekvenser", 2 with "bedrageri", and 2019 item 8 has both.
    assert len(found('"sagen har ikke økonomiske konsekvenser"')) == 13
    assert sorted(found("bedrageri")) == [("2017", 5), ("2019", 8)]
    assert ("2019", 8) in found('"sagen har ikke økonomiske konsekvenser"')
    assert len(found('"sagen har ikke økonomiske konsekvenser" or bedrageri')) == 13 + 2 - 1


def test_a_stop_word_in_a_phrase_holds_the_place_of_a_stop_word_only():
    from decisions.minutes.parser import parse_minutes
    from decisions.services import ingest_meeting

    minutes = make_minutes(
        (1, "Ansøgning om midler til legepladser", "Udvalget godkender indstillingen."),
        (2, "Ansøgning nye midler til legepladser", "Udvalget godkender indstillingen."),
    )
    ingest_meeting(parse_minutes(minutes), source_name="pairs.txt", source_text=minutes, sha256="c" * 64)
    # PostgreSQL's `ansøgning <2> midl` takes any word in between; the pair `ansøgning _ midl`
    # takes only a stop word.
    # The 2017 minutes' item 4 is "Ansøgning om midler til et projekt om fastholdelse …".
    assert sorted(found('"ansøgning om midler"')) == [("2017", 4), ("2022", 1)]
    assert len(_phrase_match("ansøgning om midler")) == 3
    assert sorted(found('"ansøgning til midler"')) == [("2017", 4), ("2022", 1)]  # another stop word
    assert sorted(found('"midler til legepladser"')) == [("2022", 1), ("2022", 2)]
    # The same among alternatives.
    assert sorted(found('"ansøgning om midler" or "socialt bedrageri"')) == [
        ("2017", 4),
        ("2017", 5),
        ("2019", 8),
        ("2022", 1),
    ]


def test_an_item_with_too_many_pairs_is_checked_against_its_vector():
    from decisions.minutes.parser import parse_minutes
    from decisions.models import AgendaItem
    from decisions.services import ingest_meeting

    # 16 000 long words drawn from 3 000: their pairs (about 1.2 MB) do not fit in one
    # tsvector (1 MB), while the vector of the words themselves (0.2 MB) does. PostgreSQL
    # counts positions up to 16 383 only, so a phrase is placed early.
    rng = random.Random(7)
    vocabulary = [f"bilagsord{n:04d}" + "x" * 24 for n in range(3000)]
    words = [rng.choice(vocabulary) for _ in range(16_000)]
    words[1000:1000] = ["socialt", "bedrageri"]
    minutes = make_minutes((1, "Et langt bilag", "Bilaget siger: " + " ".join(words) + "."))
    ingest_meeting(parse_minutes(minutes), source_name="long.txt", source_text=minutes, sha256="d" * 64)
    long_item = AgendaItem.objects.get(meeting__date="2022-02-01")
    overflowed = AgendaItem.objects.filter(search._pairs_match("'*'")).values_list("pk", flat=True)
    assert list(overflowed) == [long_item.pk]
    assert sorted(found('"socialt bedrageri"')) == [("2017", 5), ("2019", 8), ("2022", 1)]
    assert found('"bedrageri socialt"') == []
    assert found(f'"{words[100]} {words[101]}"') == [("2022", 1)]


@pytest.mark.parametrize(
    ("url", "content_type"),
    [("/search/?q=bedrageri", "text/html"), ("/api/search/?q=bedrageri", "application/json")],
)
def test_a_search_that_runs_out_of_time_is_stopped_and_says_so(client, monkeypatch, settings, url, content_type):
    from django.db import connection

    # A statement slower than the search's time limit, in place of the ranking query (the
    # fixtures are too small for a real search to be slow); PostgreSQL cancels it.
    settings.ARCHIVE_SEARCH_SECONDS = 0.05
    real_rank_sql = search._RANKED_SQL
    slow = real_rank_sql.replace("FROM (", "FROM (SELECT pg_sleep(1)) AS s, (")
    monkeypatch.setattr(search, "_RANKED_SQL", slow)
    response = client.get(url)
    assert response.status_code == 503
    assert response["Content-Type"].startswith(content_type)
    assert "Søgningen tog for lang tid og blev afbrudt." in response.content.decode()
    # The settings ended with the search, and the next search is answered.
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"
    monkeypatch.setattr(search, "_RANKED_SQL", real_rank_sql)
    settings.ARCHIVE_SEARCH_SECONDS = 4
    assert client.get(url).status_code == 200
