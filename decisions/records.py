"""Journalists' reads: case timelines, councillors' voting records, parties, committee members.

Like `selectors`, every function here spans relations in a fixed, small number of queries
(annotate/prefetch, never a query per row). Views parse the request, call one of these and
render. Unknown cases, people and parties raise `NotFoundWithSuggestions` (an Http404 that
carries close matches), a person merged into another raises `PersonMoved`; filter values
that name nothing raise `InvalidParameter`.

Vocabulary:

- a *named vote* is a Vote row with position for/against/abstain/reservation;
  `absent` rows are item-level absences, `MeetingAbsence` is whole-meeting absence;
- *dissent* is a named vote against the way its subject was decided: the outcome printed
  for that subject (`AgendaItem.subject_outcomes`), or, when none was printed, the
  majority of the named votes on it; a `for` on a rejected subject or an `against` on an
  approved or recommended one;
- *party dissent* is a named vote unlike the majority of the voter's own party (by the
  letter printed on the vote) on the same item and subject, when at least two members of
  that party voted on it;
- an *implied position* is counted where a committee decided an item (approved, approved
  with changes, recommended, rejected) with no named votes and no party-bloc votes (a bloc
  vote is recorded dissent, even without names): every member of the
  committee in that term (Membership) who was not absent is taken to have supported the
  decision. Implied positions are reported apart from named votes, never mixed in.
"""

from __future__ import annotations

import datetime as dt
import re
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Greatest, Replace, Substr
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from decisions.minutes import normalize_case_number
from decisions.models import (
    LISTED_ITEM_DEFERRED,
    AgendaItem,
    BlocVote,
    Case,
    CaseQuerySet,
    Committee,
    Meeting,
    MeetingAbsence,
    Membership,
    Municipality,
    Outcome,
    Person,
    PersonAlias,
    PersonSlugRedirect,
    Position,
    Vote,
)
from decisions.parties import PARTIES, close_parties

NAMED_POSITIONS = (Position.FOR, Position.AGAINST, Position.ABSTAIN, Position.RESERVATION)
# Outcomes that are a decision one can be for or against.
FOR_OUTCOMES = frozenset({Outcome.APPROVED, Outcome.APPROVED_WITH_CHANGES, Outcome.RECOMMENDED})
AGAINST_OUTCOMES = frozenset({Outcome.REJECTED})
DECIDING_OUTCOMES = FOR_OUTCOMES | AGAINST_OUTCOMES
OUTCOME_LABELS = dict(Outcome.choices)
# Heavy columns no list page needs: the whole minutes text, attachment text, the search vector.
_HEAVY_ITEM = (*LISTED_ITEM_DEFERRED, "meeting__source_text")
_TERM = re.compile(r"^\d{4}-\d{4}$")
# Case-number prefixes browse by the levels of the KLE code: 15 → 15.00 → 15.00.00 → 15.00.00-G01;
# other forms by the same lengths (12/27845: 12 → 12/27).
_PREFIX = re.compile(r"^[0-9A-ZÆØÅ./\-]{0,40}$")
_PREFIX_LEVELS = (2, 5, 8, 12)
SUGGESTION_THRESHOLD = 0.3


class NotFoundWithSuggestions(Http404):
    """Nothing by that name; `suggestions` are (municipality slug or "", URL argument, label)
    triples of close matches."""

    def __init__(self, *, kind: str, query: str, suggestions: list[tuple[str, str, str]]):
        super().__init__(f"No {kind} {query!r}")
        self.kind, self.query, self.suggestions = kind, query, suggestions


class PersonMoved(Http404):
    """No person has the slug any more: they were merged into the person whose slug is `slug`.

    The views answer it with a permanent redirect (views.common); an Http404, so that a view
    that does not know where to redirect still answers "not found".
    """

    def __init__(self, *, municipality: str, slug: str):
        super().__init__(f"Person moved to {slug!r}")
        self.municipality, self.slug = municipality, slug


class InvalidParameter(ValueError):
    """A request parameter that cannot be used; `message` is shown to the user (400)."""

    def __init__(self, name: str, message: str):
        super().__init__(f"{name}: {message}")
        self.name, self.message = name, message


def printable(text: str, *, limit: int = 100) -> str:
    """Typed text without control characters (PostgreSQL refuses NUL), cut to `limit`."""
    return "".join(ch for ch in (text or "")[: limit * 2] if ch.isprintable())[:limit]


def _subquery_count(queryset: QuerySet) -> Coalesce:
    """COUNT(*) of a correlated queryset as an annotation (no join, so no row multiplication)."""
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _side(outcome: str) -> str | None:
    if outcome in FOR_OUTCOMES:
        return Position.FOR
    if outcome in AGAINST_OUTCOMES:
        return Position.AGAINST
    return None


def _majority(counts: Counter) -> str | None:
    """The position more than half of the counted voters took, if any."""
    total = sum(counts.values())
    for position, n in counts.items():
        if 2 * n > total:
            return position
    return None


# --- Cases -------------------------------------------------------------------------------


@dataclass
class SubjectTally:
    """The named votes on one subject of an item, and how the subject was decided."""

    subject: str
    counts: dict[str, int]
    outcome: str  # as printed in subject_outcomes, or ""

    @property
    def outcome_label(self) -> str:
        return str(OUTCOME_LABELS.get(self.outcome, ""))

    @property
    def for_count(self) -> int:
        return self.counts.get(Position.FOR, 0)

    @property
    def against_count(self) -> int:
        return self.counts.get(Position.AGAINST, 0)

    @property
    def abstain_count(self) -> int:
        return self.counts.get(Position.ABSTAIN, 0)

    @property
    def reservation_count(self) -> int:
        return self.counts.get(Position.RESERVATION, 0)


def subject_tallies(item: AgendaItem, votes: list[Vote]) -> list[SubjectTally]:
    """Per subject, in the order first voted on: counts of named positions and the printed outcome."""
    counts: dict[str, Counter] = {}
    for vote in votes:
        if vote.position in NAMED_POSITIONS:
            counts.setdefault(vote.subject, Counter())[vote.position] += 1
    return [
        SubjectTally(subject, dict(c), (item.subject_outcomes or {}).get(subject, "")) for subject, c in counts.items()
    ]


@dataclass
class CaseEntry:
    item: AgendaItem
    votes: list[Vote]
    absent: list[Vote]
    tallies: list[SubjectTally]
    blocs: list[BlocVote]


@dataclass
class CasePage:
    case: Case
    entries: list[CaseEntry]

    @property
    def committees(self) -> list[str]:
        return sorted({e.item.meeting.committee.name for e in self.entries})

    @property
    def first_date(self) -> dt.date | None:
        return self.entries[0].item.meeting.date if self.entries else None

    @property
    def last_date(self) -> dt.date | None:
        return self.entries[-1].item.meeting.date if self.entries else None

    @property
    def history(self) -> list[dict]:
        """Earlier treatments printed with the case's items whose meeting is not among the items
        shown (the archive may not hold that meeting): once each, oldest first."""
        shown = {(e.item.meeting.date.isoformat(), _squeezed_name(e.item.meeting.committee.name)) for e in self.entries}
        seen: dict[tuple, dict] = {}
        for entry in self.entries:
            for earlier in entry.item.earlier_decisions:
                key = (earlier.get("date"), _squeezed_name(earlier.get("body")))
                if key not in shown:
                    seen.setdefault(key, earlier)
        return sorted(seen.values(), key=lambda e: (e.get("date") or "", e.get("body") or ""))


def _squeezed_name(name: str | None) -> str:
    return " ".join((name or "").split()).casefold()


def case_suggestions(*, number: str, municipality: str = "", limit: int = 5) -> list[tuple[str, str, str]]:
    """(municipality slug, number, label) of the case numbers most like a typed one (trigram
    similarity), then those sharing its KLE code; the municipality's own first."""
    text = printable(normalize_case_number(number or ""), limit=40)
    if not text:
        return []
    own = Case.objects.filter(municipality__slug=municipality) if municipality else Case.objects.all()
    columns = ("pk", "municipality__slug", "number", "municipality__name")
    similar = list(
        own.annotate(similarity=TrigramSimilarity("number", text))
        .filter(similarity__gt=SUGGESTION_THRESHOLD)
        .order_by("-similarity", "number")
        .values_list(*columns)[:limit]
    )
    if len(similar) < limit and len(text) >= 8:
        similar += list(
            own.with_number_prefix(text[:8])
            .exclude(pk__in=[row[0] for row in similar])
            .in_number_order()
            .values_list(*columns)[: limit - len(similar)]
        )
    return [(slug, number, f"{number} ({name})") for _pk, slug, number, name in similar]


# Whether an item has named votes or bloc votes, for the case page, whose items are the
# table itself (never aliased). As Exists() subqueries, compiling them took 0.5 ms of the
# page's 2.5 ms query (the whole page takes 4-5 ms).
_HAS_VOTES = RawSQL(
    'EXISTS (SELECT 1 FROM decisions_vote v WHERE v.item_id = "decisions_agendaitem"."id")', [], BooleanField()
)
_HAS_BLOC_VOTES = RawSQL(
    'EXISTS (SELECT 1 FROM decisions_blocvote b WHERE b.item_id = "decisions_agendaitem"."id")', [], BooleanField()
)


def case_page(*, municipality: str, number: str) -> CasePage:
    """A municipality's case and every item with its number across meetings and committees,
    oldest first, with each item's named votes, tallies per subject, bloc votes and item-level
    absences. The same number in two municipalities is two cases."""
    normalized = printable(normalize_case_number(number or ""), limit=200)
    # One query for the case and its items; votes and bloc votes only for the items that have
    # them (most treatments have none), rather than a query each for every case.
    items = list(
        AgendaItem.objects.filter(case__municipality__slug=municipality, case__number=normalized)
        .select_related("case__municipality", "meeting__committee")
        .defer("attachment_text", "search_vector", "meeting__source_text")
        .annotate(has_votes=_HAS_VOTES, has_blocs=_HAS_BLOC_VOTES)
        .order_by("meeting_date", "number")
    )
    cases = Case.objects.select_related("municipality").filter(municipality__slug=municipality, number=normalized)
    case = items[0].case if items else cases.first()
    if case is None:
        suggestions = case_suggestions(number=normalized, municipality=municipality)
        raise NotFoundWithSuggestions(kind="case", query=normalized, suggestions=suggestions)
    votes: dict[int, list[Vote]] = {}
    voted = [item.pk for item in items if item.has_votes]
    if voted:
        for vote in Vote.objects.filter(item__in=voted).select_related("person").order_by("line", "id"):
            votes.setdefault(vote.item_id, []).append(vote)
    blocs: dict[int, list[BlocVote]] = {}
    with_blocs = [item.pk for item in items if item.has_blocs]
    if with_blocs:
        for bloc in BlocVote.objects.filter(item__in=with_blocs).order_by("line", "id"):
            blocs.setdefault(bloc.item_id, []).append(bloc)
    entries = []
    for item in items:
        item_votes = votes.get(item.pk, [])
        entries.append(
            CaseEntry(
                item=item,
                votes=[v for v in item_votes if v.position != Position.ABSENT],
                absent=[v for v in item_votes if v.position == Position.ABSENT],
                tallies=subject_tallies(item, item_votes),
                blocs=blocs.get(item.pk, []),
            )
        )
    return CasePage(case, entries)


def normalize_prefix(raw: str) -> str:
    """A typed case-number prefix, normalized like case numbers; InvalidParameter if it cannot be one."""
    prefix = normalize_case_number(raw or "")
    if not _PREFIX.match(prefix):
        raise InvalidParameter(
            "prefix",
            str(_("Et præfiks må kun indeholde cifre, bogstaver, punktummer, skråstreger og bindestreger, fx 15.00.")),
        )
    return prefix


class CasePages:
    """Cases in number order for Django's Paginator: counted without the annotations, which
    are computed for the shown page only (item count, first and last treatment, first title)."""

    def __init__(self, cases: CaseQuerySet):
        self.cases = cases.in_number_order()

    def count(self) -> int:
        return self.cases.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[Case]:
        ids = list(self.cases[index].values_list("pk", flat=True))
        first_item = AgendaItem.objects.filter(case=OuterRef("pk")).order_by("meeting_date", "number")
        return list(
            Case.objects.filter(pk__in=ids)
            .select_related("municipality")
            .annotate(
                item_count=Count("items"),
                first_date=Min("items__meeting_date"),
                last_date=Max("items__meeting_date"),
                first_title=Subquery(first_item.values("title")[:1]),
            )
            .in_number_order()
        )

    def __iter__(self):
        return iter(self[:])


@dataclass
class CaseIndex:
    prefix: str
    groups: list[tuple[str, int]]  # next-level prefixes with their number of cases
    cases: CasePages


def case_index(*, prefix: str = "", municipality: str = "") -> CaseIndex:
    """Cases whose number starts with `prefix` (annotated with item count, first and last
    treatment and the first title), and the next level of prefixes to browse by; of one
    municipality (its slug) or of all."""
    prefix = normalize_prefix(prefix)
    cases = Case.objects.filter(municipality__slug=municipality) if municipality else Case.objects.all()
    cases = cases.with_number_prefix(prefix) if prefix else cases
    level = next((n for n in _PREFIX_LEVELS if n > len(prefix.rstrip(".-/"))), None)
    groups: list[tuple[str, int]] = []
    if level is not None:
        rows = (
            cases.annotate(group=Substr("number", 1, level))
            .values_list("group")
            .annotate(n=Count("id"))
            .order_by("group")
        )
        groups = [(g, n) for g, n in rows]
        if len(groups) == 1 and groups[0][0] == prefix:
            groups = []
    return CaseIndex(prefix, groups, CasePages(cases))


# --- People --------------------------------------------------------------------------------


def person_suggestions(*, text: str, municipality: str = "", limit: int = 5) -> list[tuple[str, str, str]]:
    """(municipality slug, slug, label) of the people whose name, spelling or slug is most like
    `text` (a slug or a name), in the municipality when one is given."""
    words = " ".join(re.findall(r"\w+", (text or "").replace("-", " ")))[:100]
    if len(words) < 2:
        return []
    best_alias = (
        PersonAlias.objects.filter(person=OuterRef("pk"))
        .annotate(similarity=TrigramSimilarity("name", words))
        .order_by("-similarity")
        .values("similarity")[:1]
    )
    people = Person.objects.filter(municipality__slug=municipality) if municipality else Person.objects.all()
    rows = (
        people.annotate(
            similarity=Greatest(
                Coalesce(Subquery(best_alias), Value(0.0)),
                TrigramSimilarity(Replace("slug", Value("-"), Value(" ")), words),
            )
        )
        .filter(similarity__gt=SUGGESTION_THRESHOLD)
        .order_by("-similarity", "name")
        .values_list("municipality__slug", "slug", "name", "party")[:limit]
    )
    return [(m, slug, f"{name} ({party})" if party else name) for m, slug, name, party in rows]


def _named_like(people: QuerySet[Person], q: str) -> QuerySet[Person]:
    """People whose name or any spelling contains `q` (case-insensitive)."""
    q = printable(q).strip()
    if not q:
        return people
    spelled = PersonAlias.objects.filter(person=OuterRef("pk"), name__icontains=q)
    return people.filter(Q(name__icontains=q) | Exists(spelled))


def people_index(*, q: str = "", municipality: str = "") -> QuerySet[Person]:
    """People (searched by name or any spelling) with their municipality, committees, spellings
    and counts; of one municipality (its slug) or of all."""
    people = Person.objects.filter(municipality__slug=municipality) if municipality else Person.objects.all()
    return (
        _named_like(people.select_related("municipality"), q)
        .annotate(
            named_votes=_subquery_count(Vote.objects.filter(person=OuterRef("pk"), position__in=NAMED_POSITIONS)),
            absent_items=_subquery_count(Vote.objects.filter(person=OuterRef("pk"), position=Position.ABSENT)),
            absent_meetings=_subquery_count(MeetingAbsence.objects.filter(person=OuterRef("pk"))),
        )
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("committee__municipality").order_by(
                    "committee__name", "-term"
                ),
            ),
            "aliases",
        )
        .order_by("name", "pk")
    )


def _person_not_found(municipality: str, slug: str) -> Http404:
    """Why no live person has `slug` in the municipality: merged into someone (PersonMoved), or
    never there. Asked only after the live persons, since a live person's slug wins over an old one."""
    new_slug = (
        PersonSlugRedirect.objects.filter(municipality__slug=municipality, old_slug=slug)
        .values_list("person__slug", flat=True)
        .first()
    )
    if new_slug is not None:
        return PersonMoved(municipality=municipality, slug=new_slug)
    suggestions = person_suggestions(text=slug, municipality=municipality)
    return NotFoundWithSuggestions(kind="person", query=slug, suggestions=suggestions)


def get_person(*, municipality: str, slug: str, with_aliases: bool = True) -> Person:
    people = Person.objects.select_related("municipality")
    people = people.prefetch_related("aliases") if with_aliases else people
    person = people.filter(municipality__slug=municipality, slug=slug).first()
    if person is None:
        raise _person_not_found(municipality, slug)
    return person


@dataclass
class RecordRow:
    """One of a person's Vote rows, with how its subject was decided and whether it was dissent."""

    vote: Vote
    outcome: str = ""  # the printed outcome of the subject, or ""
    side: str | None = None  # the side that carried: "for", "against", or None if unknown
    dissent: bool = False
    party_dissent: bool = False

    @property
    def decided_label(self) -> str:
        if self.outcome:
            return str(OUTCOME_LABELS.get(self.outcome, self.outcome))
        if self.side == Position.FOR:
            return str(_("flertal for (optalt)"))
        if self.side == Position.AGAINST:
            return str(_("flertal imod (optalt)"))
        return ""


def _filtered(queryset: QuerySet, *, prefix: str, year: int | None, committee: Committee | None) -> QuerySet:
    if year is not None:
        queryset = queryset.filter(**{f"{prefix}date__year": year})
    if committee is not None:
        queryset = queryset.filter(**{f"{prefix}committee": committee})
    return queryset


def person_record(
    *, person: Person, year: int | None = None, committee: Committee | None = None, position: str | None = None
) -> list[RecordRow]:
    """The person's Vote rows (named votes and item-level absences), oldest first, each with
    the decision on its subject, dissent and party dissent. Three queries."""
    votes_qs = _filtered(Vote.objects.filter(person=person), prefix="item__meeting__", year=year, committee=committee)
    votes = list(
        votes_qs.select_related("item__meeting__committee")
        .defer(*(f"item__{f}" for f in _HEAVY_ITEM))
        .order_by("item__meeting_date", "item__number", "line", "id")
    )
    # Every named vote on the same items decides majorities; one query for all of them.
    others = Vote.objects.filter(item_id__in=votes_qs.values("item_id"), position__in=NAMED_POSITIONS)
    by_subject: dict[tuple[int, str], Counter] = {}
    by_party: dict[tuple[int, str, str], Counter] = {}
    for item_id, subject, pos, party in others.values_list("item_id", "subject", "position", "party"):
        by_subject.setdefault((item_id, subject), Counter())[pos] += 1
        if party:
            by_party.setdefault((item_id, subject, party), Counter())[pos] += 1
    rows = []
    for vote in votes:
        row = RecordRow(vote)
        if vote.position in NAMED_POSITIONS:
            row.outcome = (vote.item.subject_outcomes or {}).get(vote.subject, "")
            if row.outcome:
                row.side = _side(row.outcome)
            else:
                counts = by_subject.get((vote.item_id, vote.subject), Counter())
                if counts[Position.FOR] != counts[Position.AGAINST]:
                    row.side = Position.FOR if counts[Position.FOR] > counts[Position.AGAINST] else Position.AGAINST
            row.dissent = (vote.position, row.side) in (
                (Position.FOR, Position.AGAINST),
                (Position.AGAINST, Position.FOR),
            )
            party_counts = by_party.get((vote.item_id, vote.subject, vote.party)) if vote.party else None
            if party_counts and sum(party_counts.values()) >= 2:
                majority = _majority(party_counts)
                row.party_dissent = majority is not None and vote.position != majority
        rows.append(row)
    if position:
        rows = [r for r in rows if r.vote.position == position]
    return rows


def implied_positions(
    *, person: Person, year: int | None = None, committee: Committee | None = None
) -> QuerySet[AgendaItem]:
    """Items the person's committee decided with no named votes and no party-bloc votes while
    the person was a member (that term) and not absent: the person is taken to have supported
    the decision."""
    member = Membership.objects.filter(
        person=person, committee=OuterRef("meeting__committee"), term=OuterRef("meeting__term")
    )
    named = Vote.objects.filter(item=OuterRef("pk"), position__in=NAMED_POSITIONS)
    blocs = BlocVote.objects.filter(item=OuterRef("pk"))
    absent_item = Vote.objects.filter(item=OuterRef("pk"), person=person, position=Position.ABSENT)
    absent_meeting = MeetingAbsence.objects.filter(meeting=OuterRef("meeting"), person=person)
    items = (
        AgendaItem.objects.filter(
            outcome__in=DECIDING_OUTCOMES,
            meeting__committee__in=Membership.objects.filter(person=person).values("committee"),
        )
        .filter(Exists(member))
        .exclude(Exists(named))
        .exclude(Exists(blocs))
        .exclude(Exists(absent_item))
        .exclude(Exists(absent_meeting))
    )
    return (
        _filtered(items, prefix="meeting__", year=year, committee=committee)
        .select_related("meeting__committee__municipality")
        .defer(*_HEAVY_ITEM)
        .order_by("meeting_date", "number")
    )


def person_meeting_absences(
    *, person: Person, year: int | None = None, committee: Committee | None = None
) -> QuerySet[MeetingAbsence]:
    return (
        _filtered(MeetingAbsence.objects.filter(person=person), prefix="meeting__", year=year, committee=committee)
        .select_related("meeting__committee")
        .defer("meeting__source_text")
        .order_by("meeting__date")
    )


@dataclass
class Figures:
    """A person's figures over a (filtered) record; implied positions are counted apart."""

    for_count: int = 0
    against: int = 0
    abstain: int = 0
    reservation: int = 0
    absent_items: int = 0
    absent_meetings: int = 0
    dissent: int = 0
    party_dissent: int = 0
    implied: int = 0

    @property
    def named(self) -> int:
        return self.for_count + self.against + self.abstain + self.reservation

    @property
    def bars(self) -> list[tuple[str, str, int]]:
        """(css key, label, value) for the bar chart of positions and absences."""
        return [
            ("for", str(_("For")), self.for_count),
            ("against", str(_("Imod")), self.against),
            ("abstain", str(_("Undlod at stemme")), self.abstain),
            ("reservation", str(_("Forbehold")), self.reservation),
            ("absent", str(_("Fravær, punkt")), self.absent_items),
            ("absent-meeting", str(_("Fravær, hele møder")), self.absent_meetings),
        ]

    @property
    def bar_max(self) -> int:
        return max([value for _, _, value in self.bars] + [1])


@dataclass
class PersonPage:
    person: Person
    aliases: list[str]
    memberships: list[Membership]
    roles: list[str]
    rows: RecordRows
    figures: Figures
    implied: list[AgendaItem]  # the first IMPLIED_SHOWN of them
    implied_total: int
    meeting_absences: list[MeetingAbsence]
    years: list[int]
    committees: list[Committee]
    year: int | None = None
    committee: Committee | None = None
    position: str = ""

    @property
    def party_name(self) -> str:
        return PARTIES.get(self.person.party, "")


def committee_by_slug(slug: str | None, *, municipality_id: int) -> Committee | None:
    """The municipality's committee for a filter value; InvalidParameter if none has that slug."""
    if not slug:
        return None
    committee = Committee.objects.filter(municipality_id=municipality_id, slug=slug).first()
    if committee is None:
        raise InvalidParameter("committee", str(_("Der er intet udvalg med det korte navn.")))
    return committee


IMPLIED_SHOWN = 10


PERSON_CACHE_SECONDS = 3600
SUMMARY_SHAPE = 3
# A vote's position in the summary: its index here, one byte a row.
_POSITION_CODES = {position: code for code, position in enumerate(Position.values)}


class RecordRows:
    """A person's record rows in order, fetched from the database a page at a time.

    The order and each row's decision/dissent flags come from the cached summary, so a page
    of the record costs one small query however long the record is (Paginator slices it).
    `rows` are indexes into the summary's columns: all of them, or a position's.
    """

    def __init__(self, summary: dict, rows: Sequence[int]):
        self.ids, self.flags, self.flag_kinds = summary["ids"], summary["flags"], summary["flag_kinds"]
        self.rows = rows

    def count(self) -> int:
        return len(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index):
        rows = self.rows[index] if isinstance(index, slice) else [self.rows[index]]
        votes = {
            v.pk: v
            for v in Vote.objects.filter(pk__in=[self.ids[row] for row in rows])
            .select_related("item__meeting__committee")
            .defer(*(f"item__{f}" for f in _HEAVY_ITEM))
        }
        found = [
            RecordRow(votes[self.ids[row]], *self.flag_kinds[self.flags[row]]) for row in rows if self.ids[row] in votes
        ]
        return found if isinstance(index, slice) else found[0]

    def __iter__(self):
        for start in range(0, len(self.rows), 500):
            yield from self[start : start + 500]


def _record_summary(*, person: Person, year: int | None, committee: Committee | None) -> dict:
    """Order, flags, figures' inputs, years, implied positions, absences, memberships and
    aliases of a record, cached per archive generation: computing dissent needs every vote,
    showing a page needs twenty-five (and every query saved is a millisecond on each view)."""
    from decisions.search import cached_per_generation

    # The version in the name changes whenever the summary's shape does: cached summaries of
    # the previous shape outlive a deployment (until the archive changes or they expire).
    name = f"person-record-{SUMMARY_SHAPE}:{person.pk}:{year or ''}:{committee.pk if committee else ''}"
    return cached_per_generation(
        name, lambda: _summarize(person=person, year=year, committee=committee), PERSON_CACHE_SECONDS
    )


def _summarize(*, person: Person, year: int | None, committee: Committee | None) -> dict:
    rows = person_record(person=person, year=year, committee=committee)
    implied_items = implied_positions(person=person, year=year, committee=committee)
    implied_ids = list(implied_items.values_list("pk", flat=True)[:IMPLIED_SHOWN])
    implied_by_id = {
        item.pk: item
        for item in AgendaItem.objects.filter(pk__in=implied_ids)
        .select_related("meeting__committee")
        .defer(*_HEAVY_ITEM)
    }
    # The rows as columns of plain numbers (a councillor with 6 600 votes at 1M items: a summary
    # of 500 kB as tuples and dicts, 9.6 ms of a 25 ms page to fetch and unpickle): the vote
    # ids, a position code a row, and a row's flags as an index into their few distinct kinds.
    kinds: dict[tuple, int] = {}
    flags = [kinds.setdefault((r.outcome, r.side, r.dissent, r.party_dissent), len(kinds)) for r in rows]
    summary = {
        "ids": array("q", (r.vote.pk for r in rows)),
        "positions": bytes(_POSITION_CODES[r.vote.position] for r in rows),
        "flags": array("H", flags),
        "flag_kinds": list(kinds),
        "dissent": sum(1 for r in rows if r.dissent),
        "party_dissent": sum(1 for r in rows if r.party_dissent),
        "roles": sorted({r.vote.role for r in rows if r.vote.role}),
        "implied": [implied_by_id[pk] for pk in implied_ids if pk in implied_by_id],
        "implied_total": implied_items.count(),
        "years": sorted(
            {
                *Vote.objects.filter(person=person).values_list("item__meeting__date__year", flat=True).distinct(),
                *MeetingAbsence.objects.filter(person=person).values_list("meeting__date__year", flat=True).distinct(),
            },
            reverse=True,
        ),
        "absences": list(person_meeting_absences(person=person, year=year, committee=committee)),
        "memberships": list(person.memberships.select_related("committee").order_by("committee__name", "-term")),
        "aliases": list(person.aliases.order_by("name").values_list("name", flat=True)),
    }
    return summary


def person_page(
    *, municipality: str, slug: str, year: int | None = None, committee: str | None = None, position: str = ""
) -> PersonPage:
    """Everything the person page shows. The figures follow the year and committee filters;
    the position filter narrows the tables only."""
    person = get_person(municipality=municipality, slug=slug, with_aliases=False)
    committee_obj = committee_by_slug(committee, municipality_id=person.municipality_id)
    summary = _record_summary(person=person, year=year, committee=committee_obj)
    absences = summary["absences"]
    implied, implied_total = summary["implied"], summary["implied_total"]
    memberships = summary["memberships"]
    roles = sorted(
        set(summary["roles"]) | {a.role for a in absences if a.role} | {m.role for m in memberships if m.role}
    )
    codes = summary["positions"]
    figures = Figures(
        for_count=codes.count(_POSITION_CODES[Position.FOR]),
        against=codes.count(_POSITION_CODES[Position.AGAINST]),
        abstain=codes.count(_POSITION_CODES[Position.ABSTAIN]),
        reservation=codes.count(_POSITION_CODES[Position.RESERVATION]),
        absent_items=codes.count(_POSITION_CODES[Position.ABSENT]),
        absent_meetings=len(absences),
        dissent=summary["dissent"],
        party_dissent=summary["party_dissent"],
        implied=implied_total,
    )
    if position:
        code = _POSITION_CODES.get(position)
        rows: Sequence[int] = [row for row, row_code in enumerate(codes) if row_code == code]
    else:
        rows = range(len(codes))
    if position:
        implied, implied_total = (implied, implied_total) if position == Position.FOR else ([], 0)
        absences = absences if position == Position.ABSENT else []
    committees = sorted({m.committee for m in memberships}, key=lambda c: c.name)
    return PersonPage(
        person=person,
        aliases=summary["aliases"],
        memberships=memberships,
        roles=roles,
        rows=RecordRows(summary, rows),
        figures=figures,
        implied=implied,
        implied_total=implied_total,
        meeting_absences=absences,
        years=summary["years"],
        committees=committees,
        year=year,
        committee=committee_obj,
        position=position,
    )


# --- Parties -------------------------------------------------------------------------------


@dataclass
class PartyPage:
    letter: str
    name: str
    members: QuerySet[Person]
    vote_groups: QuerySet  # per item and subject: counts of the party's named positions
    blocs: QuerySet[BlocVote]
    figures: dict[str, int]


def party_overview(*, letter: str) -> PartyPage:
    """A party: members seen (by their party or a vote printed with the letter), how its
    members voted per item and subject, and the party-bloc votes naming it.
    `vote_groups` is paginated by the view; `party_vote_rows` makes a page's rows."""
    if letter not in PARTIES:
        raise NotFoundWithSuggestions(
            kind="party",
            query=letter,
            suggestions=[("", k, f"{k} – {name}") for k, name in close_parties(letter)],
        )
    printed = Vote.objects.filter(person=OuterRef("pk"), party=letter)
    members = (
        Person.objects.filter(Q(party=letter) | Exists(printed))
        .select_related("municipality")
        .annotate(
            named_votes=_subquery_count(
                Vote.objects.filter(person=OuterRef("pk"), party=letter, position__in=NAMED_POSITIONS)
            )
        )
        .order_by("name")
    )
    named = Vote.objects.filter(party=letter, position__in=NAMED_POSITIONS)
    counts = {p: Count("id", filter=Q(position=p)) for p in NAMED_POSITIONS}
    groups = (
        named.values("item_id", "subject")
        .annotate(
            date=Max("item__meeting__date"),
            number=Max("item__number"),
            **{f"n_{p}": c for p, c in counts.items()},
        )
        .order_by("-date", "number", "subject")
    )
    totals = named.aggregate(
        votes=Count("id"),
        items=Count("item", distinct=True),
        **{str(p): Count("id", filter=Q(position=p)) for p in NAMED_POSITIONS},
    )
    blocs = (
        BlocVote.objects.filter(parties__contains=[letter])
        .select_related("item__meeting__committee__municipality")
        .defer(*(f"item__{f}" for f in _HEAVY_ITEM))
        .order_by("-item__meeting_date", "item__number", "line")
    )
    return PartyPage(letter, PARTIES[letter], members, groups, blocs, totals)


@dataclass
class PartyVoteRow:
    """How a party's members voted on one subject of one item."""

    item: AgendaItem
    subject: str
    counts: dict[str, int]
    outcome: str  # the subject's printed outcome, or ""

    @property
    def majority(self) -> str | None:
        return _majority(Counter(self.counts))

    @property
    def majority_label(self) -> str:
        return str(dict(Position.choices).get(self.majority, _("delt")))

    @property
    def split(self) -> bool:
        return sum(1 for n in self.counts.values() if n) > 1

    @property
    def outcome_label(self) -> str:
        return str(OUTCOME_LABELS.get(self.outcome, ""))


def party_vote_rows(*, groups: list[dict]) -> list[PartyVoteRow]:
    """The rows of one page of a party's vote groups, with their items (one query)."""
    items = (
        AgendaItem.objects.filter(pk__in=[g["item_id"] for g in groups])
        .select_related("meeting__committee__municipality")
        .defer(*_HEAVY_ITEM)
    )
    by_id = {item.pk: item for item in items}
    rows = []
    for group in groups:
        item = by_id[group["item_id"]]
        counts = {str(p): group[f"n_{p}"] for p in NAMED_POSITIONS if group[f"n_{p}"]}
        rows.append(
            PartyVoteRow(item, group["subject"], counts, (item.subject_outcomes or {}).get(group["subject"], ""))
        )
    return rows


# --- Committees ----------------------------------------------------------------------------


@dataclass
class TermMembers:
    term: str
    meetings: int
    memberships: list[Membership]


@dataclass
class CommitteeMembers:
    committee: Committee
    terms: list[TermMembers]
    term: str | None


def committee_members(*, municipality: str, committee: str, term: str | None = None) -> CommitteeMembers:
    """A committee's members per term (derived from its minutes unless an editor set them),
    newest term first, with attendance: meetings in the term, whole-meeting and item-level
    absences, named votes."""
    committee_obj = (
        Committee.objects.select_related("municipality").filter(municipality__slug=municipality, slug=committee).first()
    )
    if committee_obj is None:
        raise Http404(committee)
    if term and not _TERM.match(term):
        raise InvalidParameter("term", str(_("En valgperiode skrives som to årstal, fx 2018-2021.")))
    memberships = Membership.objects.filter(committee=committee_obj)
    if term:
        memberships = memberships.filter(term=term)
    in_term = {"committee": OuterRef("committee"), "term": OuterRef("term"), "person": OuterRef("person")}
    memberships = (
        memberships.select_related("person__municipality")
        .annotate(
            meeting_absences=_subquery_count(
                MeetingAbsence.objects.filter(
                    person=OuterRef("person"), meeting__committee=OuterRef("committee"), meeting__term=OuterRef("term")
                )
            ),
            item_absences=_subquery_count(
                Vote.objects.filter(
                    position=Position.ABSENT,
                    person=in_term["person"],
                    item__meeting__committee=in_term["committee"],
                    item__meeting__term=in_term["term"],
                )
            ),
            named_votes=_subquery_count(
                Vote.objects.filter(
                    position__in=NAMED_POSITIONS,
                    person=in_term["person"],
                    item__meeting__committee=in_term["committee"],
                    item__meeting__term=in_term["term"],
                )
            ),
        )
        .order_by("-term", "person__name")
    )
    meetings = dict(
        Meeting.objects.filter(committee=committee_obj).values_list("term").annotate(n=Count("id")).order_by()
    )
    terms: dict[str, TermMembers] = {}
    for membership in memberships:
        terms.setdefault(
            membership.term, TermMembers(membership.term, meetings.get(membership.term, 0), [])
        ).memberships.append(membership)
    return CommitteeMembers(committee_obj, list(terms.values()), term)


# --- Open data -----------------------------------------------------------------------------


def _meetings_with_items() -> QuerySet[Meeting]:
    items = (
        AgendaItem.objects.defer("attachment_text", "search_vector")
        .order_by("number")
        .prefetch_related(
            Prefetch("votes", queryset=Vote.objects.select_related("person__municipality").order_by("line", "id")),
            "attachments",
        )
    )
    return (
        Meeting.objects.select_related("committee__municipality")
        .defer("source_text")
        .prefetch_related(
            Prefetch("items", queryset=items),
            Prefetch(
                "absences",
                queryset=MeetingAbsence.objects.select_related("person__municipality").order_by("printed_name"),
            ),
        )
    )


def meetings_with_items(
    *, date: dt.date | None = None, committee: str | None = None, municipality: str | None = None
) -> QuerySet[Meeting]:
    """Meetings, newest first, optionally on one date, of one municipality and of committees
    with one slug (the same slug in two municipalities is two committees: both unless the
    municipality is given), with their items, votes, attachments and absences prefetched."""
    meetings = _meetings_with_items()
    if date is not None:
        meetings = meetings.filter(date=date)
    if municipality:
        if not Municipality.objects.filter(slug=municipality).exists():
            raise InvalidParameter("municipality", str(_("Der er ingen kommune med det korte navn.")))
        meetings = meetings.filter(committee__municipality__slug=municipality)
    if committee:
        committees = Committee.objects.filter(slug=committee)
        if municipality:
            committees = committees.filter(municipality__slug=municipality)
        if not committees.exists():
            raise InvalidParameter("committee", str(_("Der er intet udvalg med det korte navn.")))
        meetings = meetings.filter(committee__in=committees)
    return meetings.order_by("-date", "committee__name", "pk")


def meeting_by_id(*, pk: int) -> Meeting:
    meeting = _meetings_with_items().filter(pk=pk).first()
    if meeting is None:
        raise NotFoundWithSuggestions(kind="meeting", query=str(pk), suggestions=[])
    return meeting


def _people_with_record() -> QuerySet[Person]:
    return Person.objects.select_related("municipality").prefetch_related("aliases")


def plain_records(people: list[Person]) -> dict[int, tuple[list[tuple], list[tuple]]]:
    """Per person: Vote rows as (date, committee, item number, case number, subject, position),
    oldest first, and meeting absences as (date, committee); plain values, two queries."""
    records: dict[int, tuple[list[tuple], list[tuple]]] = {p.pk: ([], []) for p in people}
    votes = (
        Vote.objects.filter(person__in=list(records))
        .order_by("item__meeting_date", "item__number", "line", "id")
        .values_list(
            "person_id",
            "item__meeting_date",
            "item__meeting__committee__name",
            "item__number",
            "item__case_number",
            "subject",
            "position",
        )
    )
    for person_id, *row in votes:
        records[person_id][0].append(tuple(row))
    absences = MeetingAbsence.objects.filter(person__in=list(records)).values_list(
        "person_id", "meeting__date", "meeting__committee__name"
    )
    for person_id, date, committee in absences:
        records[person_id][1].append((date, committee))
    return records


def people_with_record(*, q: str = "") -> QuerySet[Person]:
    """People (searched by name or spelling) with their aliases; `plain_records` adds their records."""
    return _named_like(_people_with_record(), q).order_by("name", "pk")


def person_with_record(*, municipality: str, slug: str) -> Person:
    person = _people_with_record().filter(municipality__slug=municipality, slug=slug).first()
    if person is None:
        raise _person_not_found(municipality, slug)
    return person


def vote_rows():
    """Every Vote row as (date, municipality, committee, item number, case number, person, party,
    position, subject), oldest meeting first; streamed from the database in chunks."""
    return (
        Vote.objects.order_by("item__meeting_date", "item__meeting__committee__name", "item__number", "line", "id")
        .values_list(
            "item__meeting__date",
            "item__meeting__committee__municipality__name",
            "item__meeting__committee__name",
            "item__number",
            "item__case_number",
            "person__name",
            "party",
            "position",
            "subject",
        )
        .iterator(chunk_size=2000)
    )
