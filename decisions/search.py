"""Full-text search over agenda items: query syntax, ranking, snippets, case numbers.

Web-search syntax: words, "quoted phrases", -excluded, and `or` between two terms
(`or` binds tighter than the implicit `and`, as in web search engines: `a b or c`
means a and (b or c)). Every word matches its inflections (Danish stemming) and,
from four letters on, Danish compounds that start with it (`ledighed` also finds
`ledighedsydelse`): the prefix is matched against the stored lexemes as typed,
lower-cased, not stemmed, because stemming `ledighed` to `led` would also find `leder`.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import hashlib
import html
import json
import math
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.postgres.search import SearchQueryField
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import OperationalError, connection, connections, router, transaction
from django.db.models import BooleanField, Expression, F, Func, IntegerField, Max, Min, QuerySet, Value
from django.db.models.functions import Cast
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from psycopg.errors import QueryCanceled

from decisions.filters import NAMED_POSITIONS, ItemFilter, filter_choices
from decisions.minutes.parser import CASE_NUMBER, normalize_case_number
from decisions.models import (
    LISTED_ITEM_DEFERRED,
    SEARCH_CONFIG,
    AgendaItem,
    Case,
    Category,
    Meeting,
    Outcome,
    WordPairs,
)
from decisions.records import InvalidParameter

T = TypeVar("T")
MAX_QUERY_CHARS = 300
MAX_TERMS = 16
# Each exclusion's lexemes (a prefix's: every lexeme it begins) are read from the GIN index for
# every match, once per date slice: a common word with 15 excluded prefixes took 0.1 s at 100k
# items, with 4 half that. Exclusions beyond these are left out, and the page says so.
MAX_EXCLUSIONS = 5
PREFIX_MIN_LENGTH = 4
_TOKEN = re.compile(r'(?P<neg>-)?"(?P<phrase>[^"]*)"?|(?P<neg2>-)?(?P<word>[^\s"]+)')
_WORD = re.compile(r"\w+")
# A typed case number or a recognisable part of one: 15.00.00, G01-193, 193-17, 15.00.00-G01-193-17.
# A typed (part of a) case number: digits with a separator (193-17, 12/278, 15.00), or a bare
# number of five or more digits (299835), which some municipalities use.
_CASE_PART = re.compile(r"^(?:(?=.*\d)(?=.*[./\-])[\dA-ZÆØÅ./\-]{3,40}|\d{5,12})$")
# Sentinels that cannot survive escaping; replaced by <mark> after the text is escaped.
_START, _STOP = "\ue000", "\ue001"
_MARKED = re.compile(f"{_START}(.*?){_STOP}", re.DOTALL)
_MARKUP = re.compile(r"\*\*|</?(?:i|b|em|strong|u)>", re.IGNORECASE)


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # one word, or several for a phrase
    negated: bool = False


@dataclass(frozen=True)
class ParsedQuery:
    """A search query as the user typed it, reduced to safe terms: a conjunction of disjunctions."""

    groups: tuple[tuple[Term, ...], ...] = ()
    dropped: bool = False  # the query was cut to MAX_QUERY_CHARS / MAX_TERMS
    exclusions_dropped: bool = False  # exclusions beyond MAX_EXCLUSIONS were left out

    @property
    def is_empty(self) -> bool:
        return not any(not t.negated for group in self.groups for t in group)

    @property
    def only_exclusions(self) -> bool:
        """Terms, but none to find: `-ord` alone."""
        return bool(self.groups) and self.is_empty

    @property
    def words(self) -> list[str]:
        return [w for group in self.groups for t in group if not t.negated for w in t.words]


def parse_query(raw: str) -> ParsedQuery:
    """Parse web-search syntax; anything that is not a word character is dropped, so no
    tsquery syntax (: * & | ! ( ) ' \\) ever reaches PostgreSQL from the user."""
    text = (raw or "")[:MAX_QUERY_CHARS]
    dropped = len(raw or "") > MAX_QUERY_CHARS
    groups: list[list[Term]] = []
    pending_or = False
    count = exclusions = 0
    exclusions_dropped = False
    for match in _TOKEN.finditer(text):
        if match["phrase"] is not None:
            words = tuple(w.lower() for w in _WORD.findall(match["phrase"]))
            negated = bool(match["neg"])
        else:
            token = match["word"]
            if token.lower() == "or" or token == "|":
                pending_or = bool(groups)
                continue
            words = tuple(w.lower() for w in _WORD.findall(token))
            # A token with inner punctuation ("26/6", "SSP-indsatsen") becomes a phrase of its parts.
            negated = bool(match["neg2"])
        if not words:
            continue
        if count >= MAX_TERMS:
            dropped = True
            break
        if negated and exclusions >= MAX_EXCLUSIONS:
            exclusions_dropped = True
            pending_or = False
            continue
        count += 1
        exclusions += negated
        term = Term(words, negated)
        if pending_or and groups and not negated and not any(t.negated for t in groups[-1]):
            groups[-1].append(term)
        else:
            groups.append([term])
        pending_or = False
    return ParsedQuery(tuple(tuple(g) for g in groups), dropped, exclusions_dropped)


# Set while a query is compiled for the planner's estimate only (TsQuery).
_estimating: contextvars.ContextVar[bool] = contextvars.ContextVar("search_estimating", default=False)


class TsQuery(Expression):
    """The tsquery for a ParsedQuery, built from quoted lexemes passed as parameters."""

    output_field = SearchQueryField()

    def __init__(self, query: ParsedQuery):
        super().__init__()
        self.query = query

    def _term_sql(self, term: Term) -> tuple[str, list[str]]:
        if len(term.words) > 1:
            sql, params = "phraseto_tsquery(%s::regconfig, %s)", [SEARCH_CONFIG, " ".join(term.words)]
        else:
            word = term.words[0]
            sql, params = "to_tsquery(%s::regconfig, %s)", [SEARCH_CONFIG, f"'{word}'"]
            if len(word) >= PREFIX_MIN_LENGTH and _estimating.get():
                # A word that is its own stem is found by its prefix alone, and the planner
                # estimates `'w' | 'w':*` as if the two were independent: twice the matches
                # (5 288 for 2 680). Folded to a constant while planning, so it is estimated.
                sql = (
                    "CASE WHEN to_tsquery(%s::regconfig, %s) = %s::tsquery THEN %s::tsquery "
                    "ELSE to_tsquery(%s::regconfig, %s) || %s::tsquery END"
                )
                params = [SEARCH_CONFIG, f"'{word}'", f"'{word}'", f"'{word}':*", *params, f"'{word}':*"]
            elif len(word) >= PREFIX_MIN_LENGTH:
                sql = f"({sql} || %s::tsquery)"
                params.append(f"'{word}':*")
        return (f"!!({sql})" if term.negated else sql), params

    def as_sql(self, compiler, connection):
        parts, params = [], []
        for group in self.query.groups:
            sqls = []
            for term in group:
                sql, term_params = self._term_sql(term)
                sqls.append(sql)
                params += term_params
            parts.append(sqls[0] if len(sqls) == 1 else "(" + " || ".join(sqls) + ")")
        if not parts:
            return "''::tsquery", []
        return "(" + " && ".join(parts) + ")", params


@dataclass
class CaseMatches:
    exact: Case | None = None
    partial: list = field(default_factory=list)


def case_number_query(raw: str) -> str | None:
    """The query as a (partial) case number, or None if it does not look like one."""
    candidate = normalize_case_number(raw or "")
    return candidate if _CASE_PART.match(candidate) else None


def find_cases(raw: str, *, limit: int = 10) -> CaseMatches:
    """An exact case number, or the cases whose number contains the typed part."""
    candidate = case_number_query(raw)
    if candidate is None:
        return CaseMatches()
    if CASE_NUMBER.match(candidate):
        exact = list(Case.objects.select_related("municipality").filter(number=candidate)[:2])
        # One municipality has the number: its case page. The same number in several
        # municipalities is several cases: they are listed like partial matches.
        if len(exact) == 1:
            return CaseMatches(exact=exact[0])
    matches = (
        Case.objects.select_related("municipality")
        .filter(number__contains=candidate)
        .order_by("number", "municipality__name")[:limit]
    )
    return CaseMatches(partial=list(matches))


class Matches(Func):
    """`search_vector @@ tsquery`, usable directly in filter()."""

    arg_joiner = " @@ "
    template = "(%(expressions)s)"
    output_field = BooleanField()


def id_array(ids: list[int]) -> str:
    """Ids as a PostgreSQL array literal, for a `%s::bigint[]` parameter: psycopg adapts a list
    of 501 ids element by element in Python (0.45 ms), the literal costs 0.2 ms."""
    return "{" + ",".join(str(int(pk)) for pk in ids) + "}"


class _OverIds(Func):
    """An expression of `pk` and a list of ids, bound as one array rather than as a thousand
    parameters; `sql` says how, with {pk} and {ids}."""

    sql = ""

    def __init__(self, ids: list[int]):
        super().__init__(F("pk"))
        self.ids = list(ids)

    def as_sql(self, compiler, connection, **extra_context):
        pk, params = compiler.compile(self.source_expressions[0])
        if params:  # a column has none; the array's place in the SQL would be ambiguous
            raise ValueError("pk compiled with parameters")
        return self.sql.format(pk=pk, ids="%s::bigint[]"), (id_array(self.ids),)


class IdIn(_OverIds):
    """`pk = ANY(ids)`."""

    output_field = BooleanField()
    sql = "({pk} = ANY({ids}))"


def _tsquery_lexeme(lexeme: str) -> str:
    """A lexeme quoted for tsquery input: in single quotes, with ' doubled and \\ escaped."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


@dataclass(frozen=True)
class PhrasePairs:
    """A phrase's pairs of neighbouring words (migration 0007); `exact` when the phrase has
    two words, so that its one pair is the phrase."""

    term: Term
    pairs: tuple[str, ...]
    exact: bool

    @property
    def tsquery(self) -> str:
        """All the pairs."""
        return " & ".join(_tsquery_lexeme(pair) for pair in self.pairs)


def read_connection():
    """The connection this request reads the archive from: a streaming replica for an anonymous
    public page (archive.routers), else the primary. The archive generation and the rows cached
    under it must come from the same database, or a lagging replica's rows would be cached
    under the primary's newer generation."""
    return connections[router.db_for_read(AgendaItem)]


@functools.lru_cache(maxsize=4096)
def _pairs_of(phrase: str) -> tuple[tuple[str, ...], int]:
    """The pairs of a phrase and the number of its words that are not stop words."""
    with read_connection().cursor() as cursor:
        cursor.execute(
            "SELECT tsvector_to_array(archive_word_pairs(v)), "
            "(SELECT coalesce(sum(cardinality(positions)), 0) FROM unnest(v)) "
            "FROM to_tsvector(%s::regconfig, %s) AS v",
            [SEARCH_CONFIG, phrase],
        )
        pairs, words = cursor.fetchone()
        return tuple(pairs), words


def phrase_pairs(query: ParsedQuery) -> list[PhrasePairs]:
    """The pairs of the phrases that every match must contain (a group of one phrase)."""
    found = []
    for group in query.groups:
        term = group[0]
        if len(group) == 1 and not term.negated and len(term.words) > 1:
            pairs, words = _pairs_of(" ".join(term.words))
            if pairs:
                found.append(PhrasePairs(term, pairs, exact=words == 2))
    return found


def alternative_pairs(group: tuple[Term, ...]) -> list[PhrasePairs] | None:
    """For a group with phrases (one phrase, or alternatives: `a or "b c"`), the pairs of its
    phrases, so that the pair index (with the vectors' index for its words) finds the group's
    candidates; None if a phrase of two words or more has no pairs (words far apart)."""
    if any(term.negated for term in group):  # an exclusion is a group of its own
        return None
    found = []
    for term in group:
        if len(term.words) > 1:
            pairs, words = _pairs_of(" ".join(term.words))
            if words >= 2 and not pairs:
                return None
            if pairs:
                found.append(PhrasePairs(term, pairs, exact=words == 2))
    if len(group) == 1 and found and not found[0].exact:
        return None  # a longer phrase alone: all its pairs, then checked (phrase_pairs)
    return found or None


def paired_terms(query: ParsedQuery) -> set[Term]:
    """The phrases that matching finds through their word pairs."""
    terms = {pairs.term for pairs in phrase_pairs(query)}
    for group in query.groups:
        terms |= {pairs.term for pairs in alternative_pairs(group) or []}
    return terms


def _pairs_match(tsquery: str) -> Matches:
    """The items whose pairs of neighbouring words match, through their index (item_phrase_pairs_gin)."""
    return Matches(WordPairs(F("search_vector")), Cast(Value(tsquery), SearchQueryField()))


def _vector_match(*terms: Term) -> Matches:
    """The items whose stored vector matches any of the terms (through its GIN index)."""
    return Matches(F("search_vector"), TsQuery(ParsedQuery((terms,))))


def matching(queryset: QuerySet, query: ParsedQuery) -> QuerySet:
    """Items matching the query; a query of exclusions only excludes from everything."""
    if not query.groups:
        return queryset
    # A phrase's items are found by its pairs of neighbouring words; for a phrase of two words
    # the pair is the phrase, and longer phrases are checked against the vectors of the items
    # with all their pairs only. A pair over a stop word stands for that stop word's place, so
    # "ansøgning om midler" does not match "ansøgning nye midler", which PostgreSQL's phrase
    # match alone would. Items whose pairs did not fit (`*`) are always checked.
    found_by_pairs = []
    for pairs in phrase_pairs(query):
        if pairs.exact:
            continue  # a group of its own alternatives, below
        found_by_pairs.append((pairs.term,))
        # Checked as a filter on each item with the pairs (ts_match_vq is `@@` as a function,
        # which no index answers). As an index condition, the phrase would have PostgreSQL
        # recheck every such item against the pairs too, computing them anew from its vector:
        # 13 s for 16 000 items at 1M.
        phrase = TsQuery(ParsedQuery(((pairs.term,),)))
        checked = Func(F("search_vector"), phrase, function="ts_match_vq", output_field=BooleanField())
        queryset = queryset.filter(_pairs_match(f"{pairs.tsquery} | '*'"), checked)
    # Two-word phrases, alone or among alternatives: the phrases through the pairs' index, any
    # words through the vectors' index, each part answered by its index alone (a BitmapOr).
    # Through the vectors alone, every item with any of the words, and with both words of a
    # phrase, was checked against its vector: `"opfølgning efter" or "tema håndtering"` ran
    # out of time at 1M items.
    for group in query.groups:
        alternatives = alternative_pairs(group)
        if alternatives is None:
            continue
        found_by_pairs.append(group)
        phrases = [pairs.term for pairs in alternatives]
        words = [term for term in group if term not in phrases]
        either = " | ".join(f"({pairs.tsquery})" for pairs in alternatives)
        if all(pairs.exact for pairs in alternatives):
            condition = _pairs_match(either) | (_pairs_match("'*'") & _vector_match(*phrases))
            queryset = queryset.filter(_vector_match(*words) | condition if words else condition)
            continue
        # With a longer phrase: the candidates (items with all pairs of a phrase, or with a
        # word) by the two indexes, then each checked against its vector. The check must not
        # name the pairs: PostgreSQL would compute them from each candidate's vector anew.
        # A candidate by one phrase's pairs is checked for the others as PostgreSQL matches a
        # phrase (a stop word then stands for any word). Through the vectors alone, every item
        # with all the words of the phrase was checked: 0.6 s at 100k items for
        # `"sagen har ikke økonomiske konsekvenser" or bedrageri`.
        candidates = _pairs_match(f"{either} | '*'")
        checked = Func(F("search_vector"), TsQuery(ParsedQuery((group,))), function="ts_match_vq")
        checked.output_field = BooleanField()
        queryset = queryset.filter(candidates | _vector_match(*words) if words else candidates, checked)
    rest = ParsedQuery(tuple(group for group in query.groups if group not in found_by_pairs))
    if not rest.groups:
        return queryset
    return queryset.filter(Matches(F("search_vector"), TsQuery(rest)))


def highlight(snippet: str) -> SafeString:
    """Escape a ts_headline snippet first, then turn its sentinels into <mark>."""
    escaped = html.escape(_MARKUP.sub("", snippet), quote=True)
    marked = _MARKED.sub(lambda m: f"<mark>{m.group(1)}</mark>", escaped)
    return mark_safe(marked.replace(_START, "").replace(_STOP, ""))


# The text a snippet is cut from (the title is shown above it): the most relevant sections
# first (resume, decision, recommendation), then the rest.
_SNIPPET_DOCUMENT = (
    "concat_ws(E'\\n', "
    "array_to_string(ARRAY(SELECT jsonb_array_elements_text(jsonb_path_query_array(sections, "
    '\'$[*] ? (@.kind == "resume" || @.kind == "beslutning" || @.kind == "indstilling").text\'))), E\'\\n\'), '
    "array_to_string(ARRAY(SELECT jsonb_array_elements_text(jsonb_path_query_array(sections, "
    '\'$[*] ? (@.kind != "resume" && @.kind != "beslutning" && @.kind != "indstilling").text\'))), E\'\\n\'))'
)
# ts_headline parses all the text it is given (10 ms for a page of long items), so it first
# gets a window that starts a little before the first word that begins with the stem of the
# query's longest word (a Danish stem is a prefix of its inflections and compounds; the longest
# word is the likeliest to be rare). Only where that window holds no match is the whole
# document used. A word's start, not any substring: "æftig" is inside every "beskæftigelse",
# and a window there holds no match (32 ms for a page of such fallbacks).
SNIPPET_WINDOW = 1200
SNIPPET_LEAD = 300
SNIPPET_DOCUMENT_CHARS = 12_000
_SNIPPET_SQL = """
SELECT id, CASE WHEN strpos(near, %s) > 0 THEN near
                -- Whether the sections match at all (weights B and C of the stored vector): an
                -- item found by its title or attachments has nothing to highlight there.
                WHEN NOT ts_filter(search_vector, '{{b,c}}') @@ {tsquery} THEN near
                ELSE ts_headline(%s::regconfig, left(doc, %s), {tsquery}, %s) END
FROM (
    SELECT id, doc, search_vector, ts_headline(%s::regconfig, CASE WHEN at > %s
               THEN regexp_replace(substr(doc, at - %s, %s), '^\\S*\\s+', '')  -- from a word's start
               ELSE left(doc, %s) END, {tsquery}, %s) AS near
    FROM (
        -- At a word's start, any case; else anywhere (PostgreSQL's parser can start a word
        -- inside one: "Borgmesterforvaltningen/Beskæftigelsesforvaltningen" is a path and a word).
        SELECT id, doc, search_vector, coalesce(nullif(regexp_instr(doc, '\\m' || anchor, 1, 1, 0, 'i'), 0),
                                              strpos(lower(doc), anchor)) AS at
        FROM (
            SELECT id, {document} AS doc,
                   coalesce((tsvector_to_array(to_tsvector(%s::regconfig, %s)))[1], %s) AS anchor,
                   search_vector
            FROM decisions_agendaitem WHERE id = ANY(%s) OFFSET 0
        ) AS d
        OFFSET 0
    ) AS located
    OFFSET 0
) AS windowed
"""


def snippets(item_ids: list[int], query: ParsedQuery) -> dict[int, SafeString]:
    """Highlighted snippets for the items of one page only."""
    if not item_ids or query.is_empty:
        return {}
    options = (
        f"StartSel={_START}, StopSel={_STOP}, MaxFragments=2, MaxWords=28, MinWords=12, FragmentDelimiter=\u2009…\u2009"
    )
    anchor = max(query.words, key=len)
    tsquery, tsquery_params = TsQuery(query).as_sql(None, read_connection())
    sql = _SNIPPET_SQL.format(tsquery=tsquery, document=_SNIPPET_DOCUMENT)
    params = [_START, *tsquery_params, SEARCH_CONFIG, SNIPPET_DOCUMENT_CHARS, *tsquery_params, options]
    params += [SEARCH_CONFIG, SNIPPET_LEAD, SNIPPET_LEAD, SNIPPET_WINDOW, SNIPPET_WINDOW, *tsquery_params, options]
    params += [SEARCH_CONFIG, anchor, anchor, list(item_ids)]
    with read_connection().cursor() as cursor:
        cursor.execute(sql, params)
        return {pk: highlight(snippet or "") for pk, snippet in cursor.fetchall()}


RESULTS_PER_PAGE = 20
# Counting and ranking every match of a common word over a million items is the slow part of
# a search page; beyond this many the page says "more than", offers the filters, and
# pagination stops there (25 pages; web search engines stop about as early).
COUNT_CAP = 500
SORTS = ("relevance", "newest", "oldest")
FACETS = ("municipality", "committee", "year", "category", "outcome", "votes")


# Settings for the queries of one search, local to its transaction. The planner does not count
# the cost of reading a search vector out of its TOAST table, so for a word in half the items it
# prefers a sequential scan that reads all 100 000 vectors (0.7 s) over the GIN index (40 ms).
# A common word's bitmap of matches at 1M items outgrows the default 4 MB work_mem and turns
# lossy, and then every fetched row is checked against its vector again (0.85 s, against 0.1 s).
# A search has one time budget for all its statements (ARCHIVE_SEARCH_SECONDS), so that no
# query, however unusual, holds a server process for long; the pages then say so
# (SearchTimedOut). A limit per statement was not enough: a page of two 0.5-0.6 s statements
# ran past a limit of 0.8 s.
SEARCH_SETTINGS = {"enable_seqscan": "off", "work_mem": "64MB"}
# Each statement may run for what is left of the budget. Setting that costs a round trip, so it
# is set anew only once the budget has shrunk by this much since it was last set.
BUDGET_SLACK_MS = 50


class SearchTimedOut(Exception):
    """A search took longer than its time budget and was stopped."""


def _search_budget_ms() -> int:
    return max(1, int(settings.ARCHIVE_SEARCH_SECONDS * 1000))


def _within_budget(deadline: float, limit_ms: list[int]):
    """An execute wrapper: before each statement, the statement_timeout is what is left of the
    budget (within BUDGET_SLACK_MS); with nothing left, the search stops here."""

    def wrapper(execute, sql, params, many, context):
        left_ms = int((deadline - time.monotonic()) * 1000)
        if left_ms <= 0:
            raise SearchTimedOut
        if left_ms < limit_ms[0] - BUDGET_SLACK_MS:
            # On the database cursor itself: through Django's, this wrapper would run again.
            context["cursor"].cursor.execute(f"SET LOCAL statement_timeout = {left_ms}")
            limit_ms[0] = left_ms
        return execute(sql, params, many, context)

    return wrapper


@contextmanager
def index_matching() -> Iterator[None]:
    """Within: match text through the GIN index with an exact bitmap (SEARCH_SETTINGS), never by
    reading every item's stored vector; see the README's Performance section. The statements
    within share one time budget; running out of it raises SearchTimedOut."""
    budget_ms = _search_budget_ms()
    deadline = time.monotonic() + budget_ms / 1000
    # The settings, transaction and budget belong to the connection the search reads from.
    db = read_connection()
    nested = db.in_atomic_block
    names = [*SEARCH_SETTINGS, "statement_timeout"]
    values = [*SEARCH_SETTINGS.values(), f"{budget_ms}ms"]
    try:
        with transaction.atomic(using=db.alias), db.cursor() as cursor:
            cursor.execute(
                "SELECT array_agg(current_setting(name) ORDER BY n), "
                "array_agg(set_config(name, value, true) ORDER BY n) "
                "FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS s(name, value, n)",
                [names, values],
            )
            previous = cursor.fetchone()[0]
            with db.execute_wrapper(_within_budget(deadline, [budget_ms])):
                yield
            if nested:  # the settings would last until the outer transaction ends (an error rolls them back)
                cursor.execute(
                    "SELECT set_config(name, value, true) FROM unnest(%s::text[], %s::text[]) AS s(name, value)",
                    [names, previous],
                )
    except OperationalError as error:
        if isinstance(error.__cause__, QueryCanceled):
            raise SearchTimedOut from error
        raise


# Relevance ranks the newest COUNT_CAP + 1 matches (as many as the pages reach). Ranking reads
# each ranked item's stored vector, and so does matching by walking items in date order, but
# the GIN index gives matches in no useful order; so the newest matches are found one of three
# ways, by the planner's estimate of the matches (its lexeme statistics):
# - few (up to SORT_UP_TO_ESTIMATE), or a phrase: every match, sorted by date;
# - a lone word the estimate puts in a quarter of the items or more: walking the date index,
#   newest first, reading each walked item's vector until enough match;
# - otherwise: date slices, newest first, each twice as long as the one before, until enough
#   matches are found. A slice is the GIN bitmap of the matches ANDed with the date index's
#   bitmap of the slice, so only matches in it are read. The first slice is sized by the
#   estimate to hold about twice the candidates. A rare word at 1M items estimated like a
#   medium one costs a few more (cheap) slices; a medium word walked would read 25 000 vectors
#   (0.2 s at 1M), and sorting its matches reads the row of every one.
# A walk reads about 501 / share vectors: 1 000 for a word in half the items, but 10 000 (0.15 s
# at 1M items) for a word in 5 % of them, which slices find in 20-30 ms.
WALK_FROM_SHARE = 0.25
# Slices cost a few queries more than one sort (the date bounds, the settings, a slice each):
# at 100k items, sorting 1 200-2 700 matches took 2-5 ms against 3-5 ms in slices, and sorting
# 3 600-4 600 took 4-8 ms against 4-4.5 ms.
SORT_UP_TO_ESTIMATE = 3_000
MIN_SLICE_DAYS = 7


def _candidates() -> int:
    return COUNT_CAP + 1


def _newest_first(queryset: QuerySet, *, walk: bool = False) -> QuerySet:
    # `+ 0` hides the date from its index: the matches are sorted, not walked.
    date = F("meeting_date") if walk else Func(F("meeting_date"), template="(%(expressions)s + 0)")
    return queryset.order_by(date.desc(), F("pk").desc())


@dataclass(frozen=True)
class CandidatePlan:
    """How the newest matches are found (see above): "sort", "walk", or "slices", the first
    `first_days` long from `first_since` on, back to `oldest`, the oldest meeting."""

    way: str
    first_since: dt.date | None = None
    first_days: int = 0
    oldest: dt.date | None = None


def _estimated_rows(queryset: QuerySet, cursor) -> float:
    token = _estimating.set(True)
    try:
        sql, params = queryset.query.sql_with_params()
    finally:
        _estimating.reset(token)
    cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
    plan = cursor.fetchone()[0]
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]["Plan Rows"]


@dataclass(frozen=True)
class _Extent:
    oldest: dt.date
    newest: dt.date
    items: float


def _extent() -> _Extent | None:
    """The oldest and newest meeting dates and about how many items there are (cached)."""

    def compute():
        bounds = Meeting.objects.aggregate(oldest=Min("date"), newest=Max("date"))
        if not bounds["newest"]:
            return None
        with read_connection().cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'decisions_agendaitem'::regclass")
            items = cursor.fetchone()[0]
        if items <= 0:  # never analyzed
            items = AgendaItem.objects.count()
        return _Extent(bounds["oldest"], bounds["newest"], items)

    return cached_per_generation("archive-extent", compute, FACET_CACHE_SECONDS)


def _checked_phrases(query: ParsedQuery) -> list[PhrasePairs]:
    """The phrases of more than two words: found by their pairs, then checked (matching)."""
    return [pairs for pairs in phrase_pairs(query) if not pairs.exact]


def estimated_matches(query: ParsedQuery, matches: QuerySet, cursor) -> float:
    """The planner's estimate of the matches (rows).

    For a phrase of more than two words the planner multiplies the shares of items with each
    of its pairs and with all its words, as if they were independent, and so expects far too
    few. The items with its rarest pair bound its matches from above, and that is used
    instead when it is more (other filters are then left out of the estimate)."""
    estimate = _estimated_rows(matches.order_by().values("id"), cursor)
    for pairs in _checked_phrases(query):
        rarest = min(
            _estimated_rows(AgendaItem.objects.filter(_pairs_match(_tsquery_lexeme(pair))).values("id"), cursor)
            for pair in pairs.pairs
        )
        estimate = max(estimate, rarest)
    return estimate


def candidate_plan(query: ParsedQuery, matches: QuerySet, cursor) -> CandidatePlan:
    terms = [term for group in query.groups for term in group if not term.negated]
    paired = paired_terms(query)
    if unpaired_phrases(query):
        # A phrase not found by its pairs (it has none: its words are far apart) is checked
        # against the stored vector of every item with all its words, and each slice would
        # build the bitmap of those items anew. (A phrase of one word and stop words,
        # "opfølgning efter", is a word: sorting its matches took 0.46 s at 1M items.)
        return CandidatePlan("sort")
    estimate = estimated_matches(query, matches, cursor)
    # Pairs outside the planner's most common 10 000 are all estimated alike, at 0.5 % of the
    # items (at 1M: 5 000, for pairs in 10 items or in 20 000); so phrases are sorted only when
    # few, and slices cost a rare one a few small bitmap queries more.
    sort_up_to = 2 * _candidates() if paired else max(2 * _candidates(), SORT_UP_TO_ESTIMATE)
    if estimate <= sort_up_to:
        return CandidatePlan("sort")
    extent = _extent()
    if extent is None:
        return CandidatePlan("sort")
    # A walk checks each walked item, and for a phrase that means computing the item's pairs
    # from its vector (0.5 ms; a phrase in a third of 1M items walked 1 500 items in 0.8 s):
    # phrases are never walked.
    # Nor is a query with exclusions: walking reads the vector of each item with the word until
    # enough are not excluded, and exclusions that leave none (`udvalget -udva`) read every one
    # (0.2 s at 100k items, growing with the archive); a bitmap applies them from the index.
    excluded = any(term.negated for group in query.groups for term in group)
    if len(terms) == 1 and estimate >= WALK_FROM_SHARE * extent.items and not paired and not excluded:
        return CandidatePlan("walk")
    span = (extent.newest - extent.oldest).days + 1
    days = max(MIN_SLICE_DAYS, math.ceil(span * 2 * _candidates() / estimate))
    return CandidatePlan("slices", extent.newest - dt.timedelta(days=days - 1), days, extent.oldest)


@contextmanager
def _bitmaps_only(cursor) -> Iterator[None]:
    """Within: no plain index scans. A date slice ordered by date would otherwise be walked
    through the date index, reading each item's vector (0.7 s for a rare word at 1M items)."""
    cursor.execute("SELECT current_setting('enable_indexscan'), set_config('enable_indexscan', 'off', true)")
    previous = cursor.fetchone()[0]
    try:
        yield
    finally:
        cursor.execute("SELECT set_config('enable_indexscan', %s, true)", [previous])


def newest_matches(query: ParsedQuery, matches: QuerySet) -> list[int]:
    """Ids of the newest COUNT_CAP + 1 matches (or all, if fewer), newest first."""
    return [row[0] for row in _newest_rows(query, matches, rank=False)]


# A query of the newest matches (id, vector, date, number) with each one's rank: ranked after
# the query's LIMIT, so that only the kept rows' vectors are read, from rows the query has
# already found. Fetched again by id, they cost 501 index lookups (1 ms of 4.4 at 100k items).
_RANKED_SQL = (
    "SELECT id, ts_rank(search_vector, {tsquery}), meeting_date, number "
    "FROM ({newest}) AS newest(id, search_vector, meeting_date, number)"
)


def _newest_rows(query: ParsedQuery, matches: QuerySet, *, rank: bool) -> list[tuple]:
    """(id,) of the newest COUNT_CAP + 1 matches, newest first; with `rank`, (id, rank, meeting
    date, number)."""
    if rank:
        rows = matches.order_by().values_list("pk", "search_vector", "meeting_date", "number")
        tsquery, tsquery_params = TsQuery(query).as_sql(None, read_connection())
    else:
        rows = matches.order_by().values_list("pk")

    with read_connection().cursor() as cursor:

        def fetch(newest: QuerySet) -> list[tuple]:
            if not rank:
                return list(newest)
            sql, params = newest.query.sql_with_params()
            cursor.execute(_RANKED_SQL.format(tsquery=tsquery, newest=sql), [*tsquery_params, *params])
            return cursor.fetchall()

        plan = candidate_plan(query, matches, cursor)
        if plan.way != "slices":
            return fetch(_newest_first(rows, walk=plan.way == "walk")[: _candidates()])
        found: list[tuple] = []
        since, until = plan.first_since, None
        length = dt.timedelta(days=plan.first_days)
        with _bitmaps_only(cursor):
            while True:
                last = since <= plan.oldest
                sliced = rows if last else rows.filter(meeting_date__gte=since)
                if until is not None:
                    sliced = sliced.filter(meeting_date__lt=until)
                # Each slice is older than all before it: only its newest rows are still needed.
                found += fetch(_newest_first(sliced)[: _candidates() - len(found)])
                if last or len(found) >= _candidates():
                    return found
                length *= 2
                until, since = since, since - length


def _newest_ids(query: ParsedQuery, items: QuerySet) -> list[int]:
    try:
        return newest_matches(query, items)
    except EmptyResultSet:  # a filter that can match nothing
        return []


def ranked_candidates(query: ParsedQuery, matches: QuerySet) -> list[int]:
    """Ids of the newest COUNT_CAP + 1 matches, best first (rank, then newest): what relevance
    pages show. Ranking reads each ranked item's stored vector (3.3 ms for 501 at 100k items),
    and a common word matches half the archive, so only these are ranked."""
    try:
        rows = _newest_rows(query, matches, rank=True)
    except EmptyResultSet:  # a filter that can match nothing
        return []
    # As `ORDER BY rank DESC, meeting_date DESC, number, id` would (ts_rank is a real, exact
    # as a Python float).
    rows.sort(key=lambda row: (-row[1], -row[2].toordinal(), row[3], row[0]))
    return [row[0] for row in rows]


class IdOrder(_OverIds):
    """The position of `pk` in a list of ids, to order rows as the list does."""

    output_field = IntegerField()
    sql = "array_position({ids}, {pk})"


class CappedResults:
    """A queryset whose count stops at COUNT_CAP + 1, for Django's Paginator.

    Relevance results (ordered by IdOrder) are already a list of ranked ids: their count is
    its length, and a page is fetched by its own ids alone."""

    def __init__(self, queryset: QuerySet, cap: int | None = None):
        self.queryset, self.cap = queryset, COUNT_CAP if cap is None else cap
        self._count: int | None = None
        self.ranked = next((e.ids for e in queryset.query.order_by if isinstance(e, IdOrder)), None)

    def count(self) -> int:
        if self._count is None:
            if self.ranked is not None:
                self._count = min(len(self.ranked), self.cap + 1)
            else:
                # Count matching ids only: no ranking, no ordering, stop after cap + 1.
                ids = self.queryset.order_by().values("pk")
                ids.query.annotations.clear()
                self._count = ids[: self.cap + 1].count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if self.ranked is not None and isinstance(index, slice):
            page = self.ranked[index]
            return self._without_ranked_ids().filter(IdIn(page)).order_by(IdOrder(page))
        return self.queryset[index]

    def _without_ranked_ids(self) -> QuerySet:
        """The queryset without its `pk = ANY(ranked ids)`: the ranked ids already passed every
        filter, and the page needs only its own. Sending and planning the 501 ids cost 1 ms."""
        queryset = self.queryset.all()
        where = queryset.query.where
        where.children = [
            child
            for child in where.children
            if not (isinstance(getattr(child, "lhs", None), IdIn) and child.lhs.ids == self.ranked)
        ]
        return queryset

    @property
    def capped(self) -> bool:
        return self.count() > self.cap


class QueryRefused(InvalidParameter):
    """A query whose cost grows with the archive, whatever it finds; `message` says what to
    search instead. Answered 400, before any statement reads items."""

    def __init__(self, message: str):
        super().__init__("q", message)


ONLY_EXCLUSIONS = _(
    "Søgningen har kun ord med minus foran, og de udelukker kun. Skriv mindst ét ord, der skal findes, "
    "fx ledighed -kontanthjælp."
)
UNPAIRED_PHRASE = _(
    "Sætningen »%(phrase)s« har flere småord mellem ordene, og ordene står i for mange punkter til, at den kan "
    "findes som sætning. Søg på ordene uden anførselstegn, eller afgræns med år eller udvalg."
)
# A phrase whose words are two stop words or more apart has no word pairs (migration 0007): it
# is checked against the stored vector of every item with all its words, about 30 µs an item.
# Items with "udvalget" and "godkende" are a quarter of the archive (0.36 s at 100k items,
# 0.54 s for such a phrase `or` another). Beyond this many such items (the planner's estimate,
# filters included) the query is refused: a bound of about 0.1 s that does not grow with the
# archive. At 100k items "budget og af plan" (7 400) is refused, "plan af og byg" (1 700) is not.
UNPAIRED_PHRASE_CANDIDATES = 3_000


def unpaired_phrases(query: ParsedQuery) -> list[Term]:
    """The phrases found only by checking every item with all their words: of two words or
    more that are not stop words, and no word pairs to find them by."""
    paired = paired_terms(query)
    return [
        term
        for group in query.groups
        for term in group
        if not term.negated and len(term.words) > 1 and term not in paired and _pairs_of(" ".join(term.words))[1] > 1
    ]


def refuse_costly(query: ParsedQuery, filtered: Callable[[], QuerySet]) -> None:
    """Raise QueryRefused for a query of exclusions only (it would read every item's vector:
    0.4-0.7 s at 100k items, growing with the archive), or with a phrase that would be checked
    against too many items. `filtered()`: the items the filters leave, before matching."""
    if query.only_exclusions:
        raise QueryRefused(str(ONLY_EXCLUSIONS))
    phrases = unpaired_phrases(query)
    if not phrases:
        return
    items = filtered()
    with read_connection().cursor() as cursor:
        for term in phrases:
            try:
                candidates = _estimated_rows(items.filter(_vector_match(term)).values("id"), cursor)
            except EmptyResultSet:
                continue
            if candidates > UNPAIRED_PHRASE_CANDIDATES:
                raise QueryRefused(str(UNPAIRED_PHRASE) % {"phrase": " ".join(term.words)})


def search_items(
    *,
    query: ParsedQuery,
    filter_data,
    sort: str = "relevance",
    committee_choices: list | None = None,
    municipality_choices: list | None = None,
) -> tuple[QuerySet, ItemFilter]:
    """The filtered, ordered items for a search (not yet paginated), and the bound filter."""
    # A results page needs no section text, vector, attachment text or minutes text: leave them
    # in the database (TOAST), or every row costs a decompression.
    base = AgendaItem.objects.select_related("meeting__committee__municipality").defer(
        *LISTED_ITEM_DEFERRED, "meeting__source_text"
    )

    def filtered() -> QuerySet:
        return ItemFilter(
            filter_data, queryset=base, committee_choices=committee_choices, municipality_choices=municipality_choices
        ).qs

    refuse_costly(query, filtered)
    filterset = ItemFilter(
        filter_data,
        queryset=matching(base, query),
        committee_choices=committee_choices,
        municipality_choices=municipality_choices,
    )
    results = filterset.qs
    if sort == "relevance" and not query.is_empty:
        # Ranked once here; the count and the page then cost an index lookup each.
        ranked = ranked_candidates(query, results)
        results = base.filter(IdIn(ranked)).order_by(IdOrder(ranked))
    elif sort == "oldest":
        results = results.order_by("meeting_date", "number", "pk")
    else:
        results = results.order_by("-meeting_date", "number", "pk")
    return results, filterset


# One scan of the matches counts every facet at once (GROUPING SETS); the bit in GROUPING()
# tells which facet a row counts for.
_FACET_SQL = """
SELECT mslug, mname, slug, name, year, category, outcome, named,
       GROUPING(mslug, slug, year, category, outcome, named), count(*)
FROM (
    SELECT mu.slug AS mslug, mu.name AS mname, c.slug, c.name,
           extract(year FROM i.meeting_date)::int AS year, i.category, i.outcome,
           -- EXISTS, an index probe per match: `id IN (votes)` is a hash of every named vote
           -- while it fits in work_mem, and a scan of all of them per match once it does not.
           EXISTS (SELECT 1 FROM decisions_vote v WHERE v.item_id = i.id AND v.position = ANY(%s)) AS named
    FROM ({matches}) AS i
    JOIN decisions_meeting m ON m.id = i.meeting_id
    JOIN decisions_committee c ON c.id = m.committee_id
    JOIN decisions_municipality mu ON mu.id = c.municipality_id
) AS f
GROUP BY GROUPING SETS ((mslug, mname), (slug, name), (year), (category), (outcome), (named))
"""
# GROUPING() bits, most significant first: municipality, committee, year, category, outcome, votes.
_FACET_BITS = {
    "municipality": 0b011111,
    "committee": 0b101111,
    "year": 0b110111,
    "category": 0b111011,
    "outcome": 0b111101,
    "votes": 0b111110,
}
FACET_CACHE_SECONDS = 300


def _facet_rows(items: QuerySet) -> list[tuple]:
    # The matches as a derived table of the columns counted (not `id IN (matches)`): one scan of
    # the items, where the IN form made the planner join all the items with their matches.
    columns = items.order_by().values("id", "meeting_id", "meeting_date", "category", "outcome")
    matches_sql, matches_params = columns.query.sql_with_params()
    named = [str(p) for p in NAMED_POSITIONS]
    with read_connection().cursor() as cursor:
        cursor.execute(_FACET_SQL.format(matches=matches_sql), [named, *matches_params])
        return cursor.fetchall()


# Counting facets reads every match's row and probes its votes, uncached: 80 ms for 30 000
# matches at 100k items; at 1M, 0.26-0.3 s for 26 000 and 0.8-1.4 s for 36 000-46 000 (rows
# out of memory), 28 s for a word in 70 % of them (724 000). Beyond this many (by the
# planner's estimate) the facets count the newest COUNT_CAP matches, and the page says so.
FACETS_EXACT_UP_TO = 20_000


def _too_many_to_facet(query: ParsedQuery, items: QuerySet) -> bool:
    try:
        with read_connection().cursor() as cursor:
            return estimated_matches(query, items, cursor) > FACETS_EXACT_UP_TO
    except EmptyResultSet:
        return False


def facet_counts(
    *,
    query: ParsedQuery,
    filter_data,
    committee_choices: list | None = None,
    municipality_choices: list | None = None,
) -> dict[str, Any]:
    """For each facet, (value, label, count) over the matches with all *other* filters applied;
    and `newest_only`: whether the counts are of the newest COUNT_CAP matches only.

    Facets that share the same other filters are counted in one query; results are cached
    for a few minutes per archive generation (bumped by every ingest).
    """
    if committee_choices is None or municipality_choices is None:
        committee_choices, municipality_choices = filter_choices()
    active = {name: filter_data.get(name) for name in FACETS if filter_data.get(name)}
    digest = hashlib.sha256(repr((query.groups, sorted(active.items()))).encode()).hexdigest()
    newest_only = False

    def compute() -> dict[str, Any]:
        nonlocal newest_only
        labels = {"category": dict(Category.choices), "outcome": dict(Outcome.choices)}
        facets: dict[str, Any] = {}
        groups: dict[tuple, list[str]] = {}
        for name in FACETS:
            others = tuple(sorted((k, v) for k, v in active.items() if k != name))
            groups.setdefault(others, []).append(name)
        for others, names in groups.items():
            data = filter_data.copy()
            for name in FACETS:
                if name not in dict(others):
                    data.pop(name, None)
            items = ItemFilter(
                data,
                queryset=matching(AgendaItem.objects.all(), query),
                committee_choices=committee_choices,
                municipality_choices=municipality_choices,
            ).qs
            if _too_many_to_facet(query, items):
                newest_only = True
                items = AgendaItem.objects.filter(IdIn(_newest_ids(query, items)[:COUNT_CAP]))
            rows = _facet_rows(items)
            for name in names:
                bit = _FACET_BITS[name]
                mine = [row[2:] for row in rows if row[8] == bit]
                if name == "municipality":
                    facets[name] = sorted(
                        ((r[0], r[1], r[9]) for r in rows if r[8] == bit), key=lambda r: (-r[2], r[1])
                    )
                elif name == "committee":
                    facets[name] = sorted(((r[0], r[1], r[7]) for r in mine), key=lambda r: (-r[2], r[1]))
                elif name == "year":
                    facets[name] = sorted(((str(r[2]), str(r[2]), r[7]) for r in mine), reverse=True)
                elif name in ("category", "outcome"):
                    column = 3 if name == "category" else 4
                    facets[name] = sorted(
                        (r[column], str(labels[name].get(r[column], r[column])), r[7]) for r in mine if r[column]
                    )
                else:
                    count = sum(r[7] for r in mine if r[5])
                    facets[name] = [("true", "", count)] if count else []
        facets["newest_only"] = newest_only
        return facets

    return cached_per_generation(f"facets:{digest}", compute, FACET_CACHE_SECONDS)


# Set for one request (decisions.middleware): the generation is read from its row once.
_request_generation: contextvars.ContextVar[list | None] = contextvars.ContextVar("archive_generation", default=None)


@contextmanager
def generation_scope() -> Iterator[None]:
    """Within (one request): the archive generation is read once, then remembered; a change
    made within forgets it, so the next read sees the change."""
    token = _request_generation.set([None])
    try:
        yield
    finally:
        _request_generation.reset(token)


def archive_state() -> tuple[int, dt.datetime | None]:
    """The archive generation and when it began (the row of ArchiveGeneration, as this
    transaction sees it); read once a request within generation_scope()."""
    memo = _request_generation.get()
    if memo is not None and memo[0] is not None:
        return memo[0]
    with read_connection().cursor() as cursor:
        cursor.execute("SELECT value, changed_at FROM decisions_archivegeneration WHERE id = 1")
        row = cursor.fetchone()
    state = (row[0], row[1]) if row else (1, None)
    if memo is not None:
        memo[0] = state
    return state


def archive_generation() -> int:
    """A number that changes whenever the archive's rows change (cache keys include it)."""
    return archive_state()[0]


def cached_per_generation(name: str, compute: Callable[[], T], seconds: int) -> T:
    """`compute()`, cached under `name` until the archive changes (see decisions.signals)."""
    # The value is stored with the generation it was computed in; a value of another
    # generation, older or (from a transaction that rolled back) never committed, is stale.
    generation = archive_generation()
    stored = cache.get(name)
    if stored is not None and stored[0] == generation:
        return stored[1]
    value = compute()
    cache.set(name, (generation, value), seconds)
    return value


def bump_archive_generation() -> int:
    """Start a new generation, in the current transaction: a change rolled back leaves the
    generation as it was, and two changes at once each count (the row is locked until commit)."""
    memo = _request_generation.get()
    if memo is not None:
        memo[0] = None
    with connection.cursor() as cursor:  # a write: the primary
        # The row is made by migration 0012; a database flushed since (tests) gets it back.
        cursor.execute(
            "INSERT INTO decisions_archivegeneration (id, value, changed_at) VALUES (1, 2, now()) "
            "ON CONFLICT (id) DO UPDATE SET value = decisions_archivegeneration.value + 1, changed_at = now() "
            "RETURNING value"
        )
        return cursor.fetchone()[0]


SORT_LABELS = (("relevance", _("Relevans")), ("newest", _("Nyeste først")), ("oldest", _("Ældste først")))


# "Did you mean" ranks titles by trigram word similarity, which is computed for every candidate
# the trigram index gives: at 1M items a three-word query had 29 000 candidate titles (0.65 s,
# on a page that found nothing). Titles repeat (every meeting has "Godkendelse af dagsorden"),
# so the first SUGGESTION_CANDIDATES candidates are ranked (0.11 s there).
SUGGESTION_CANDIDATES = 2000
_SUGGESTION_SQL = """
SELECT title FROM (
    SELECT title FROM decisions_agendaitem WHERE title %%> %s LIMIT %s
) AS candidates
GROUP BY title ORDER BY max(word_similarity(%s, title)) DESC, title LIMIT %s
"""


def suggestions(raw: str, *, limit: int = 5) -> list[str]:
    """'Did you mean': titles most similar to what was typed (trigram word similarity)."""
    text = " ".join(_WORD.findall((raw or "")[:MAX_QUERY_CHARS]))
    if len(text) < 3:
        return []
    with read_connection().cursor() as cursor:
        cursor.execute(_SUGGESTION_SQL, [text, SUGGESTION_CANDIDATES, text, limit])
        return [title for (title,) in cursor.fetchall()]
