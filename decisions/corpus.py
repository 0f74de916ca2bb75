"""A deterministic synthetic corpus of committee minutes, loaded through the one write path.

`generate_meetings(items, seed)` writes minutes *text* in the Odense layout (header, table of
contents, `Punkt N:` items with case number and headed sections), recombined from the
paragraphs and sentences of the real fixtures (fixtures/minutes/*.txt) per section kind, so
word frequencies and section lengths stay those of real minutes. `load_corpus(items, seed)`
parses each meeting with `parse_minutes` and writes it with `services.ingest_meeting`, exactly
like `manage.py ingest` does with real files.

What the corpus holds, all decided by `items` and `seed` alone:

- municipalities (Odense, Aarhus, Aalborg, Esbjerg, Vejle, Randers Kommune), each loaded as
  its own municipality of the archive, with its own committees (committee names are unique,
  since the minutes header names only the committee); 6 committees for small corpora, more as
  the corpus grows, up to 48, so that committee + date stays unique at a million items;
- case numbers in each municipality's own form (CASE_FORMS): the text prints KLE numbers, which
  the Odense parser reads; the loader then writes each municipality's numbers as its system
  does (12/27845, 2012-28504, 299835, 306-2009-600), one-to-one per municipality;
- the terms 2006-2009 … 2022-2025 (small corpora cover only the latest years);
- meetings of 5-20 items, on weekdays;
- case numbers whose timeline is 1-8 items in one committee, in different meetings;
- 200 councillors with party letters, per municipality, sitting on 1-3 committees per term;
  about 15 % of items carry named votes (for, against, abstain, reservation, absent from the
  item) in the sentences real minutes use, plus whole-meeting absences and a few bloc votes.

Each meeting's text depends only on the plan and its own random generator (seeded with
seed and the meeting's position), plus one piece of state per municipality: which councillors
have been printed with their party letter, since some sentences print names without it
("Udvalgsmedlemmerne A, B og C tager forbehold …") and a person must be known with a party
first. A municipality's meetings are always generated in plan order by one process, so the
text is the same whatever the number of worker processes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import multiprocessing
import os
import queue as queue_module
import random
import re
import time
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from decisions.minutes import parse_minutes
from decisions.minutes import parser as _minutes_parser
from decisions.minutes import types as t

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "minutes"

# Corpora at least this large drop the secondary indexes while loading (see load_corpus).
DROP_INDEXES_FROM = 50_000
TERMS = ("2006-2009", "2010-2013", "2014-2017", "2018-2021", "2022-2025")
FIRST_YEAR, LAST_YEAR = 2006, 2025
PERSONS = 200
NAMED_VOTE_SHARE = 0.15
BLOC_VOTE_SHARE = 0.015
MEETING_ABSENCE_SHARE = 0.2
MEETINGS_PER_COMMITTEE_YEAR = 12  # before the corpus needs more committees or busier ones

# ---------------------------------------------------------------------------------------------
# Municipalities and committees. Every name ends in "udvalget" so that the decision parser
# reads "<committee> godkender indstillingen." as the committee's own decision.

MUNICIPALITIES: tuple[tuple[str, str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    # (name, slug, genitive, places, committees)
    (
        "Odense",
        "odense",
        "Odenses",
        ("Rådhuset, Flakhaven 2, 5000 Odense C", "Udvalgsværelset, stuen, Skulkenborg 1, 5000 Odense C"),
        (
            "Beskæftigelses- og Socialudvalget",
            "Børn- og Ungeudvalget",
            "By- og Kulturudvalget",
            "Ældre- og Handicapudvalget",
            "Økonomiudvalget",
            "Sundheds- og Forebyggelsesudvalget",
            "Klimaudvalget",
            "Erhvervs- og Turismeudvalget",
        ),
    ),
    (
        "Aarhus",
        "aarhus",
        "Aarhus'",
        ("Aarhus Rådhus, Rådhuspladsen 2, 8000 Aarhus C", "Mødelokale 1, Dokk1, Hack Kampmanns Plads 2, 8000 Aarhus C"),
        (
            "Sundheds- og Omsorgsudvalget",
            "Teknik- og Miljøudvalget",
            "Kultur- og Borgerserviceudvalget",
            "Socialudvalget",
            "Beskæftigelsesudvalget",
            "Børne- og Ungeudvalget",
            "Magistratsudvalget",
            "Integrationsudvalget",
        ),
    ),
    (
        "Aalborg",
        "aalborg",
        "Aalborgs",
        ("Aalborg Rådhus, Gammeltorv 2, 9000 Aalborg", "Stigsborg Brygge 5, 9400 Nørresundby"),
        (
            "Skoleudvalget",
            "Familie- og Socialudvalget",
            "Miljø- og Energiudvalget",
            "Sundheds- og Kulturudvalget",
            "By- og Landskabsudvalget",
            "Omsorgsudvalget",
            "Beskæftigelses- og Integrationsudvalget",
            "Erhvervsudvalget",
        ),
    ),
    (
        "Esbjerg",
        "esbjerg",
        "Esbjergs",
        ("Esbjerg Rådhus, Torvegade 74, 6700 Esbjerg", "Byrådssalen, Rådhuset, 6700 Esbjerg"),
        (
            "Plan- og Miljøudvalget",
            "Social- og Arbejdsmarkedsudvalget",
            "Teknik- og Byggeudvalget",
            "Børn- og Familieudvalget",
            "Sundheds- og Ældreudvalget",
            "Kultur- og Fritidsudvalget",
            "Havne- og Energiudvalget",
            "Uddannelsesudvalget",
        ),
    ),
    (
        "Vejle",
        "vejle",
        "Vejles",
        ("Vejle Rådhus, Skolegade 1, 7100 Vejle", "Mødelokale 3, Vejle Rådhus, 7100 Vejle"),
        (
            "Klima- og Miljøudvalget",
            "Senior- og Sundhedsudvalget",
            "Kultur- og Idrætsudvalget",
            "Børne- og Familieudvalget",
            "Job- og Kompetenceudvalget",
            "Handicap- og Psykiatriudvalget",
            "Trafik- og Mobilitetsudvalget",
            "Landdistriktsudvalget",
        ),
    ),
    (
        "Randers",
        "randers",
        "Randers'",
        ("Randers Rådhus, Laksetorvet 1, 8900 Randers C", "Byrådssalen, Laksetorvet 1, 8900 Randers C"),
        (
            "Skole- og Uddannelsesudvalget",
            "Ældreudvalget",
            "Miljø- og Teknikudvalget",
            "Fritids- og Idrætsudvalget",
            "Social- og Sundhedsudvalget",
            "Arbejdsmarkedsudvalget",
            "Natur- og Klimaudvalget",
            "Børne- og Ungdomsudvalget",
        ),
    ),
)

PARTY_WEIGHTS = {
    "A": 30,
    "V": 20,
    "C": 10,
    "F": 8,
    "Ø": 8,
    "O": 7,
    "B": 6,
    "I": 3,
    "Å": 2,
    "D": 2,
    "M": 2,
    "Æ": 1,
    "K": 1,
}
PARTY_LETTERS = tuple(PARTY_WEIGHTS)

FIRST_NAMES = (
    "Anne", "Mette", "Hanne", "Susanne", "Lene", "Marianne", "Camilla", "Louise", "Charlotte", "Pia",
    "Helle", "Tina", "Bente", "Karen", "Kirsten", "Lone", "Maria", "Sofie", "Ida", "Emma", "Line",
    "Julie", "Signe", "Birgitte", "Inger", "Jette", "Dorthe", "Malene", "Rikke", "Trine", "Anne-Mette",
    "Sara", "Ayse", "Fatima", "Peter", "Jens", "Lars", "Michael", "Henrik", "Søren", "Thomas", "Jan",
    "Niels", "Christian", "Martin", "Jesper", "Morten", "Rasmus", "Anders", "Mads", "Kasper", "Jakob",
    "Bo", "Erik", "Ole", "Poul", "Torben", "Steen", "Kim", "Brian", "Claus", "Flemming", "Jørgen",
    "Mikkel", "Frederik", "Hassan", "Ali", "Jørn", "Kristian", "Per",
)  # fmt: skip
SURNAMES = (
    "Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
    "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Christiansen",
    "Poulsen", "Johansen", "Møller", "Mortensen", "Knudsen", "Jakobsen", "Mikkelsen", "Frederiksen",
    "Laursen", "Henriksen", "Lund", "Schmidt", "Eriksen", "Holm", "Kristiansen", "Clausen", "Simonsen",
    "Svendsen", "Andreasen", "Iversen", "Østergaard", "Jeppesen", "Vestergaard", "Nissen", "Lauridsen",
    "Kjær", "Mogensen", "Skov", "Dam", "Bech", "Søndergaard", "Bertelsen", "Lindberg", "Krogh", "Bak",
    "Juhl", "Gregersen", "Dahl", "Nørgaard", "Friis", "Bruun", "Thygesen", "Winther", "Kjeldsen",
    "Brandt", "Toft", "Hedegaard", "Ravn", "Kirkegaard", "Lassen", "Overgaard", "Hjorth", "Schou",
    "Yilmaz", "Ahmed", "Kaya", "Hussein", "Abdi",
)  # fmt: skip
MIDDLE = ("K.", "B.", "M.", "Holm", "Skov", "Juul", "Bach", "Lykke", "Munk")

KLE_CODES = (
    "00.01.00", "00.01.10", "00.22.00", "15.00.00", "15.20.12", "16.00.00", "17.00.00", "18.00.00",
    "27.00.00", "27.12.00", "27.66.04", "28.00.00", "29.09.00", "32.00.00", "81.00.00", "85.00.00",
    "01.02.05", "02.34.02", "05.00.00", "06.00.00", "13.00.00", "20.00.00", "24.00.00", "25.00.00",
)  # fmt: skip
FACETS = ("G01", "A00", "G00", "P20", "S00", "Ø00", "A26", "P23", "G11", "P27")

TITLES = (
    "Budgetopfølgning pr. 31. marts",
    "Budgetopfølgning pr. 30. september",
    "Regnskab og årsberetning",
    "Budgetbidrag til næste års budget",
    "Effektiviserings- og omprioriteringsstrategi",
    "Kvalitetsrapport for området",
    "Tilsynsrapport for de kommunale tilbud",
    "Høring om ny sundhedspolitik",
    "Anlægsbevilling til renovering af bygninger",
    "Frigivelse af midler fra puljen til velfærdsinnovation",
    "Handleplan for nedbringelse af sygefravær",
    "Orientering om den økonomiske situation",
    "Status på implementering af ny organisering",
    "Ansøgning om midler fra statslig pulje",
    "Temadrøftelse om fremtidens velfærd",
    "Evaluering af frikommuneforsøg",
    "Dialogmøde med handicaprådet",
    "Mål- og resultatplan",
    "Udbud af rengøring på kommunale arbejdspladser",
    "Forslag til ny politik for frivillighed",
    "Aktuelle sager",
    "Godkendelse af sagsbehandlingstider",
    "Revisionsberetning",
    "Kompetencefordelingsplan",
    "Forlængelse af indsatsen for unge uden uddannelse",
)

# Remarks a committee adds to its decision, besides the real ones of the fixtures.
REMARKS = (
    "Udvalget ønsker en status på området om et år.",
    "Udvalget ønsker, at forvaltningen inddrager de relevante råd i det videre arbejde.",
    "Udvalget bad forvaltningen om en uddybning af de økonomiske konsekvenser til næste møde.",
)


# Real minutes name streets, properties, schools and firms that few other items mention: the
# long tail of the vocabulary, which recombined fixture sentences lack. A case description
# sometimes names one, from 50 x 10 x 30 = 15 000 compound names, so each turns up in a few
# items per 100 000 (the benchmark's rare words, below 0.01 % of items).
LOCAL_MENTION_SHARE = 0.4
_PLACE_FIRST = (
    "Agger", "Bakke", "Birke", "Bjerg", "Bonde", "Bro", "Dal", "Eng", "Fjord", "Fugle", "Gran", "Græs", "Hede",
    "Hesse", "Hjorte", "Holme", "Hvide", "Kilde", "Kirke", "Kløver", "Lille", "Lunde", "Lyng", "Marie", "Mølle",
    "Mose", "Nørre", "Ny", "Rosen", "Rønne", "Sand", "Skov", "Slot", "Sol", "Sønder", "Stor", "Strand", "Tved",
    "Vester", "Vinge", "Øster", "Ege", "Ask", "Elme", "Tjørne", "Hassel", "Hyld", "Pile", "Rug", "Kastanje",
)  # fmt: skip
_PLACE_MIDDLE = ("", "bæk", "hus", "lunds", "gårds", "skov", "holm", "dams", "kær", "ager")
_PLACE_LAST = (
    "bakken", "dalen", "engen", "gården", "haven", "holmen", "højen", "kæret", "lunden", "marken", "mosen",
    "parken", "stien", "toften", "vangen", "vejen", "gade", "vej", "lund", "høj", "hus", "toft", "borg", "hegn",
    "løkke", "vænge", "agre", "bjerg", "have", "kilde",
)  # fmt: skip
_LOCAL_MENTIONS = (
    "Sagen vedrører ejendommen {place} {n}.",
    "Forvaltningen har været i dialog med beboerne på {place}.",
    "Indsatsen afprøves først i området omkring {place}.",
    "Opgaven løses i samarbejde med {place} ApS.",
)


def _place_name(rng: random.Random) -> str:
    return rng.choice(_PLACE_FIRST) + rng.choice(_PLACE_MIDDLE) + rng.choice(_PLACE_LAST)


def _committee_slug(name: str) -> str:
    from decisions.services import danish_slug

    return danish_slug(name)


# ---------------------------------------------------------------------------------------------
# The fixtures as material: paragraphs and sentences per section kind.

_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅ0-9\"”])")
# Placeholders for the committee, its administration and the municipality in pool text.
_U, _F, _M, _MG = "\x01", "\x02", "\x03", "\x04"
_SUBSTITUTIONS = (
    ("Beskæftigelses- og Socialudvalget", _U),
    ("Beskæftigelses- og Socialforvaltningen", _F),
    ("Odenses", _MG),
    ("Odense", _M),
)


@dataclass(frozen=True)
class _Pool:
    """Material for one section kind."""

    paragraphs: tuple[str, ...]  # whole real paragraphs (may hold lists and tables)
    sentences: tuple[str, ...]  # sentences of the prose paragraphs
    paragraph_counts: tuple[int, ...]  # paragraphs per real section, for lengths
    sentence_counts: tuple[int, ...]  # sentences per real prose paragraph


@dataclass(frozen=True)
class _Material:
    pools: dict[str, _Pool]
    titles: tuple[str, ...]
    attachments: tuple[str, ...]
    remarks: tuple[str, ...]  # decision sentences that are neither votes nor an outcome
    taken_names: tuple[str, ...]  # real councillors' names, never generated


def _placeholders(text: str) -> str:
    for real, placeholder in _SUBSTITUTIONS:
        text = text.replace(real, placeholder)
    return text


def _safe(paragraph: str) -> bool:
    """A paragraph that cannot be read as structure (item, heading, case number) by the parser."""
    for line in paragraph.split("\n"):
        plain = line.strip()
        if (
            plain in _minutes_parser._HEADINGS
            or _minutes_parser._ITEM.match(plain)
            or _minutes_parser.parse_kle_case_number(plain)
            or plain.startswith(("REFERAT", "Indholdsfortegnelse"))
        ):
            return False
    return True


def _neutral(sentence: str) -> bool:
    from decisions.minutes.decisions import read_decision

    warnings: list[t.ParseWarning] = []
    reading = read_decision(sentence, first_line=1, committee=_U, warnings=warnings)
    return (
        "\n" not in sentence
        and sentence.endswith(".")
        and reading.outcome == t.NO_DECISION
        and not (reading.votes or reading.bloc_votes or reading.absences or reading.other_committees)
        and not (reading.subject_outcomes or warnings)
    )


@lru_cache(maxsize=1)
def _material() -> _Material:
    paragraphs: dict[str, list[str]] = {kind: [] for kind in t.SECTION_KINDS}
    sentences: dict[str, list[str]] = {kind: [] for kind in t.SECTION_KINDS}
    paragraph_counts: dict[str, list[int]] = {kind: [] for kind in t.SECTION_KINDS}
    sentence_counts: dict[str, list[int]] = {kind: [] for kind in t.SECTION_KINDS}
    titles: list[str] = list(TITLES)
    attachments: list[str] = []
    remarks: list[str] = list(REMARKS)
    names: list[str] = []
    for path in sorted(FIXTURES.glob("*.txt")):
        meeting = parse_minutes(path.read_text(encoding="utf-8"))
        for item in meeting.items:
            if _safe(item.title) and "\t" not in item.title:
                titles.append(_placeholders(item.title))
            names += [v.name for v in item.votes] + [a.name for a in item.absences]
            for section in item.sections:
                if section.kind == t.BILAG:
                    attachments += [line.strip() for line in section.text.split("\n") if line.strip()]
                    continue
                if section.kind == t.BESLUTNING:
                    remarks += [_placeholders(p.strip()) for p in re.split(r"\n\s*\n", section.text) if p.strip()]
                    continue
                texts = [_placeholders(p.strip("\n")) for p in re.split(r"\n\s*\n", section.text) if p.strip()]
                texts = [p for p in texts if _safe(p)]
                if not texts:
                    continue
                paragraph_counts[section.kind].append(len(texts))
                paragraphs[section.kind] += texts
                for text in texts:
                    prose = "\n" not in text and "\t" not in text and not re.match(r"[-•●–]|\d+[.)]\s", text)
                    if prose:
                        parts = [s for s in _SENTENCE_SPLIT.split(text) if s]
                        sentence_counts[section.kind].append(len(parts))
                        sentences[section.kind] += parts
    # A remark in a decision must be neither a vote, nor an outcome, nor another committee's word.
    remarks = [r for r in remarks if _neutral(r)]
    pools = {
        kind: _Pool(
            tuple(paragraphs[kind]),
            tuple(sentences[kind]),
            tuple(paragraph_counts[kind]) or (1,),
            tuple(sentence_counts[kind]) or (1,),
        )
        for kind in t.SECTION_KINDS
        if paragraphs[kind]
    }
    return _Material(
        pools=pools,
        titles=tuple(dict.fromkeys(titles)),
        attachments=tuple(dict.fromkeys(attachments)),
        remarks=tuple(dict.fromkeys(remarks)),
        taken_names=tuple(sorted(set(names))),
    )


# ---------------------------------------------------------------------------------------------
# The plan: who, where, when, which cases. Cheap, sequential, deterministic.


@dataclass(frozen=True)
class Councillor:
    name: str
    party: str
    municipality: int


@dataclass(frozen=True)
class CommitteeInfo:
    index: int  # position in the corpus' committee list
    name: str
    slug: str
    municipality: int

    @property
    def administration(self) -> str:
        """The committee's administration ("Socialudvalget" → "Socialforvaltningen")."""
        return self.name[: -len("udvalget")] + "forvaltningen"


@dataclass(frozen=True)
class PlannedMeeting:
    index: int  # position in the plan (chronological); seeds the meeting's text
    committee: int
    date: dt.date
    term: str
    cases: tuple[tuple[str, str], ...]  # per item: (case number, title)


@dataclass
class Plan:
    items: int
    seed: int
    committees: list[CommitteeInfo]
    councillors: list[Councillor]
    members: dict[tuple[int, str], tuple[int, ...]]  # (committee, term) -> councillor indexes
    meetings: list[PlannedMeeting]

    def name(self, meeting: PlannedMeeting) -> str:
        """The meeting's relative file name: <municipality>/<committee-slug>/<date>.txt."""
        committee = self.committees[meeting.committee]
        return f"{MUNICIPALITIES[committee.municipality][1]}/{committee.slug}/{meeting.date.isoformat()}.txt"


def _term_of(year: int) -> str:
    start = FIRST_YEAR + (year - FIRST_YEAR) // 4 * 4
    return f"{start}-{start + 3}"


def meeting_sizes(items: int, rng: random.Random) -> list[int]:
    """Items per meeting, each 5-20, summing to `items` (a corpus under 5 items is one meeting)."""
    sizes: list[int] = []
    remaining = items
    while remaining > 0:
        if remaining <= 20:
            size = remaining
        else:
            size = rng.randint(5, min(20, remaining - 5))
        sizes.append(size)
        remaining -= size
    return sizes


def _councillors(rng: random.Random) -> list[Councillor]:
    from decisions.services import _one_edit_apart, danish_slug

    taken = list(_material().taken_names)
    slugs = {danish_slug(n) for n in taken}
    letters, weights = list(PARTY_WEIGHTS), list(PARTY_WEIGHTS.values())
    people: list[Councillor] = []
    while len(people) < PERSONS:
        given, surname = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
        if rng.random() < 0.1 and (middle := rng.choice(MIDDLE)) != surname:
            surname = f"{middle} {surname}"
        name = f"{given} {surname}"
        # Never two people the identity rule could merge (same given name, surname one edit
        # apart), nor one whose slug another would take: the corpus' people are certain.
        if danish_slug(name) in slugs or any(name == other or _one_edit_apart(name, other) for other in taken):
            continue
        taken.append(name)
        slugs.add(danish_slug(name))
        municipality = len(people) % len(MUNICIPALITIES)
        people.append(Councillor(name, rng.choices(letters, weights)[0], municipality))
    return people


def _members(
    rng: random.Random, committees: list[CommitteeInfo], councillors: list[Councillor], terms: list[str]
) -> dict[tuple[int, str], tuple[int, ...]]:
    """Committee seats per term: 5-9 members from the municipality's council, 1-3 seats each."""
    members: dict[tuple[int, str], tuple[int, ...]] = {}
    for municipality in range(len(MUNICIPALITIES)):
        pool = [i for i, c in enumerate(councillors) if c.municipality == municipality]
        own = [c for c in committees if c.municipality == municipality]
        if not own:
            continue
        # Each councillor serves an unbroken run of terms (re-election), so people recur.
        first = {i: rng.randrange(len(TERMS)) for i in pool}
        length = {i: rng.randint(1, len(TERMS)) for i in pool}
        for number, term in enumerate(TERMS):
            if term not in terms:
                continue
            seats = [rng.randint(5, 9) for _ in own]
            council = [i for i in pool if first[i] <= number < first[i] + length[i]]
            needed = max(9, math.ceil(sum(seats) / 2.5))
            others = [i for i in pool if i not in council]
            rng.shuffle(others)
            council += others[: max(0, needed - len(council))]
            load = dict.fromkeys(council, 0)
            for committee, size in zip(own, seats, strict=True):
                candidates = [i for i in council if load[i] < 3]
                rng.shuffle(candidates)
                candidates.sort(key=lambda i: load[i])
                chosen = sorted(candidates[:size])
                for i in chosen:
                    load[i] += 1
                members[(committee.index, term)] = tuple(chosen)
    return members


def _case_lengths(rng: random.Random) -> int:
    return rng.choices(range(1, 9), weights=(50, 18, 11, 8, 5, 4, 2, 2))[0]


@lru_cache(maxsize=2)
def build_plan(items: int, seed: int) -> Plan:
    """Committees, people, meetings (date, committee, items) and case timelines for a corpus."""
    if items < 1:
        raise ValueError("a corpus needs at least one item")
    rng = random.Random(f"corpus-plan:{seed}")
    material = _material()
    sizes = meeting_sizes(items, rng)
    meetings = len(sizes)

    # Enough committees and years to keep committee + date unique at realistic frequency,
    # up to all 48 committees; beyond that the committees just meet more often.
    all_committees = [
        (municipality, name)
        for rank in range(max(len(m[4]) for m in MUNICIPALITIES))
        for municipality, m in enumerate(MUNICIPALITIES)
        if rank < len(m[4])
        for name in (m[4][rank],)
    ]
    years_total = LAST_YEAR - FIRST_YEAR + 1
    count = min(len(all_committees), max(6, math.ceil(meetings / (years_total * MEETINGS_PER_COMMITTEE_YEAR))))
    years = min(years_total, max(1, math.ceil(meetings / (count * MEETINGS_PER_COMMITTEE_YEAR))))
    committees = [
        CommitteeInfo(i, name, _committee_slug(name), municipality)
        for i, (municipality, name) in enumerate(all_committees[:count])
    ]
    first_day = dt.date(LAST_YEAR - years + 1, 1, 1)
    weekdays = [
        day
        for n in range((dt.date(LAST_YEAR, 12, 31) - first_day).days + 1)
        if (day := first_day + dt.timedelta(days=n)).weekday() < 5 and day.month != 7
    ]
    if meetings > len(weekdays) * count:
        raise ValueError(f"{items} items need more meeting days than {count} committees have")

    # Meetings per committee as even as possible, on distinct weekdays of that committee.
    per_committee = [meetings // count + (1 if i < meetings % count else 0) for i in range(count)]
    slots: list[tuple[dt.date, int]] = []
    for committee, n in enumerate(per_committee):
        slots += [(day, committee) for day in rng.sample(weekdays, n)]
    slots.sort()
    terms = sorted({_term_of(day.year) for day, _ in slots})

    councillors = _councillors(rng)
    members = _members(rng, committees, councillors, terms)

    # Case timelines, per committee in date order: a new case gets a length of 1-8 items and
    # later meetings of the same committee continue the oldest open cases.
    positions_by_committee: dict[int, list[int]] = {}
    for position, (_, committee) in enumerate(slots):
        positions_by_committee.setdefault(committee, []).append(position)
    cases: list[list[tuple[str, str]]] = [[] for _ in slots]
    serials: dict[int, int] = {}
    titles = material.titles
    for committee in range(count):
        open_cases: list[list] = []  # [number, title, remaining, last meeting ordinal]
        for ordinal, position in enumerate(positions_by_committee.get(committee, [])):
            day = slots[position][0]
            # A case not taken up again within 15 meetings is closed.
            open_cases = [c for c in open_cases if ordinal - c[3] <= 15]
            # Cases this meeting may continue, oldest first; each at most once per meeting.
            continuing = iter([c for c in open_cases if c[3] < ordinal])
            for _ in range(sizes[position]):
                case = next(continuing, None) if rng.random() < 0.5 else None
                if case is not None:
                    case[2] -= 1
                    case[3] = ordinal
                    if case[2] == 0:
                        open_cases.remove(case)
                    title = case[1] if rng.random() < 0.7 else f"Opfølgning: {case[1]}"
                    number = case[0]
                else:
                    serials[day.year] = serials.get(day.year, 0) + 1
                    number = f"{rng.choice(KLE_CODES)}-{rng.choice(FACETS)}-{serials[day.year]}-{day.year % 100:02d}"
                    title = rng.choice(titles)
                    length = _case_lengths(rng)
                    if length > 1:
                        open_cases.append([number, title, length - 1, ordinal])
                cases[position].append((number, title))

    planned = [
        PlannedMeeting(position, committee, day, _term_of(day.year), tuple(cases[position]))
        for position, (day, committee) in enumerate(slots)
    ]
    return Plan(items, seed, committees, councillors, members, planned)


# ---------------------------------------------------------------------------------------------
# Minutes text for one meeting.

_MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
           "november", "december")  # fmt: skip
_WEEKDAYS = ("Mandag", "Tirsdag", "Onsdag", "Torsdag", "Fredag", "Lørdag", "Søndag")
_TIMES = ("08:00", "08:30", "09:00", "12:30", "13:00", "15:00", "16:00", "16:30")

# Item categories (A: the city council decides, B: the committee, C: discussion, D: briefing):
# how often, and the probability of each optional section (resume is always there).
_CATEGORY_WEIGHTS = {"D": 30, "C": 15, "B": 35, "A": 20}
_OPTIONAL_SECTIONS = {
    "D": {t.EFFEKT: 0.15, t.INDSTILLING: 0.1, t.SAGSFREMSTILLING: 0.15, t.OEKONOMI: 0.05, t.BILAG: 0.3},
    "C": {t.EFFEKT: 0.5, t.INDSTILLING: 0.8, t.SAGSFREMSTILLING: 0.7, t.OEKONOMI: 0.6, t.BILAG: 0.35},
    "B": {t.EFFEKT: 0.7, t.INDSTILLING: 1.0, t.SAGSFREMSTILLING: 0.9, t.OEKONOMI: 0.8, t.BILAG: 0.45},
    "A": {t.EFFEKT: 0.7, t.INDSTILLING: 1.0, t.SAGSFREMSTILLING: 0.9, t.OEKONOMI: 0.9, t.BILAG: 0.5},
}
_ORDER_OLD = ((t.RESUME, "Resume"), (t.INDSTILLING, "INDSTILLING"), (t.BESLUTNING, "Beslutning"),
              (t.SAGSFREMSTILLING, "Sagsfremstilling"), (t.EFFEKT, "Text"), (t.OEKONOMI, "Økonomi"),
              (t.BILAG, "Bilag"))  # fmt: skip
_ORDER_2018 = ((t.RESUME, "Resume"), (t.EFFEKT, "Effekt"), (t.INDSTILLING, "INDSTILLING"),
               (t.BESLUTNING, "Beslutning"), (t.SAGSFREMSTILLING, "Sagsfremstilling"), (t.OEKONOMI, "Økonomi"),
               (t.BILAG, "Bilag"))  # fmt: skip
_ORDER_2022 = tuple((kind, "Indstilling" if kind == t.INDSTILLING else heading) for kind, heading in _ORDER_2018)


class _People:
    """Who is printed how: per municipality, the councillors already printed with a party letter."""

    def __init__(self) -> None:
        self.introduced: dict[int, set[int]] = {}


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " og " + names[-1]


class _MeetingWriter:
    def __init__(self, plan: Plan, meeting: PlannedMeeting, people: _People) -> None:
        self.plan = plan
        self.meeting = meeting
        self.committee = plan.committees[meeting.committee]
        self.rng = random.Random(f"corpus-meeting:{plan.seed}:{meeting.index}")
        self.material = _material()
        self.introduced = people.introduced.setdefault(self.committee.municipality, set())
        self.members = list(plan.members.get((meeting.committee, meeting.term), ()))

    def _printed(self, person: int, *, letter: bool = True) -> str:
        councillor = self.plan.councillors[person]
        if not letter and person in self.introduced:
            return councillor.name
        self.introduced.add(person)
        return f"{councillor.name} ({councillor.party})"

    def _section(self, kind: str) -> str:
        rng, pool = self.rng, self.material.pools[kind]
        paragraphs = []
        for _ in range(rng.choice(pool.paragraph_counts)):
            if not pool.sentences or rng.random() < 0.5:
                paragraphs.append(rng.choice(pool.paragraphs))
            else:
                paragraphs.append(" ".join(rng.choices(pool.sentences, k=rng.choice(pool.sentence_counts))))
        if kind == t.SAGSFREMSTILLING and rng.random() < LOCAL_MENTION_SHARE:
            paragraphs.append(rng.choice(_LOCAL_MENTIONS).format(place=_place_name(rng), n=rng.randint(1, 120)))
        return "\n\n".join(paragraphs)

    def _attachments(self) -> str:
        rng = self.rng
        return "\n\n".join(rng.sample(self.material.attachments, min(len(self.material.attachments),
                                                                     rng.choice((1, 1, 2, 3, 4)))))  # fmt: skip

    def _votes(self, category: str, present: list[int]) -> tuple[list[str], str]:
        """Named vote sentences for an item, and the committee's own outcome sentence."""
        rng = self.rng
        u = self.committee.name
        verb = "anbefaler" if category == "A" else "godkender"
        outcome = f"{u} {verb} indstillingen."
        if len(present) < 3:
            return [f"{self._printed(present[0])} stemmer imod indstillingen."] if present else [], outcome
        by_party: dict[str, list[int]] = {}
        for person in present:
            by_party.setdefault(self.plan.councillors[person].party, []).append(person)
        parties = sorted(by_party, key=lambda p: (-len(by_party[p]), p))
        minority_parties = parties[1:][: rng.randint(1, max(1, min(2, len(parties) - 1)))] or parties[:1]
        minority = [p for party in minority_parties for p in by_party[party]]
        majority = [p for p in present if p not in minority]
        kind = rng.choices(("split", "amendment", "reservation", "abstain", "absent"), (35, 20, 20, 10, 15))[0]
        sentences: list[str] = []
        named: list[int] = []
        if kind == "split":
            abstaining = majority.pop() if rng.random() < 0.3 and len(majority) > 1 else None
            if rng.random() < 0.6 and majority:
                sentences.append(f"{_names([self._printed(p) for p in majority])} stemmer for indstillingen.")
                named += majority
            sentences.append(f"{_names([self._printed(p) for p in minority])} stemmer imod indstillingen.")
            named += minority
            if abstaining is not None:
                sentences.append(f"{self._printed(abstaining)} undlader at stemme.")
                named.append(abstaining)
        elif kind == "amendment":
            sentences.append(f"{_names([self._printed(p) for p in minority])} stemmer for ændringsforslaget.")
            if majority:
                sentences.append(f"{_names([self._printed(p) for p in majority])} stemmer imod ændringsforslaget.")
            sentences.append(rng.choice(("Ændringsforslaget forkastes hermed.", "Ændringsforslaget forkastes.")))
            if rng.random() < 0.5:
                sentences.append(f"{_names([self._printed(p) for p in minority])} stemmer imod indstillingen.")
            named += minority + majority
        elif kind == "reservation":
            who = rng.sample(minority, min(len(minority), rng.randint(1, 3)))
            named += who
            subject = rng.choice(("indstillingen", "indstillingen", "indstillingspunkt 2", "indstillingspunkt 1"))
            names = [self._printed(p, letter=False) for p in who]
            role = "Udvalgsmedlemmerne" if len(who) > 1 else "Udvalgsmedlem"
            sentences.append(f"{role} {_names(names)} tager forbehold for {subject}.")
        elif kind == "abstain":
            named.append(rng.choice(minority))
            sentences.append(f"{self._printed(named[-1])} undlader at stemme.")
        # Someone who took no part in this item, never one who voted on it.
        others = [p for p in present if p not in named]
        if others and (kind == "absent" or rng.random() < 0.15):
            person = rng.choice(others)
            sentences.append(
                f"Udvalgsmedlem {self._printed(person, letter=False)} deltog ikke i behandlingen af dette punkt."
            )
        return sentences, outcome

    def _decision(self, category: str, named: bool, present: list[int], absent: int | None) -> str:
        rng = self.rng
        u = self.committee.name
        sentences: list[str] = []
        if rng.random() < 0.08 and self.material.remarks:
            sentences.append(rng.choice(self.material.remarks))
        if named and present:
            votes, outcome = self._votes(category, present)
            sentences += votes
            sentences.append(outcome)
        elif category == "D":
            sentences.append(rng.choices(("Orientering givet.", f"{u} tager orienteringen til efterretning.",
                                          f"{u} drøftede sagen."), (70, 20, 10))[0])  # fmt: skip
        elif category == "C":
            sentences.append(rng.choices((f"{u} drøftede sagen.", "Sagen udsættes.", "Orientering givet."),
                                         (85, 7, 8))[0])  # fmt: skip
        else:
            verb = "anbefaler" if category == "A" else "godkender"
            sentences.append(
                rng.choices(
                    (
                        f"{u} {verb} indstillingen.",
                        f"{u} {verb} indstillingen med tilføjelse.",
                        f"{u} {verb} indstillingspunkt 1.\n\n{u} {verb} indstillingspunkt 2.",
                        "Sagen udsættes.",
                        "Indstillingen forkastes.",
                    ),
                    (80, 8, 6, 4, 2),
                )[0]
            )
        if rng.random() < BLOC_VOTE_SHARE / 0.85 and not named and category in "AB" and present:
            parties = sorted({self.plan.councillors[p].party for p in present})
            if len(parties) >= 2:
                split = rng.randint(1, len(parties) - 1)
                sentences.insert(0, f"Et flertal bestående af {_names(parties[:split])} stemmer for indstillingen.")
                sentences.insert(1, f"Et mindretal bestående af {_names(parties[split:])} stemmer imod indstillingen.")
        if absent is not None:
            sentences.append(f"Udvalgsmedlem {self._printed(absent, letter=False)} deltog ikke i mødet.")
        if category in "AB" and rng.random() < 0.02:
            others = [
                c for c in self.plan.committees if c.municipality == self.committee.municipality and c != self.committee
            ]
            if others:
                sentences.append(f"{rng.choice(others).name} anbefaler indstillingen.")
        return "\n\n".join(sentences)

    def text(self) -> str:
        rng, meeting, committee = self.rng, self.meeting, self.committee
        municipality = MUNICIPALITIES[committee.municipality]
        start = int(meeting.term[:4])
        order = _ORDER_OLD if start <= 2014 else _ORDER_2018 if start <= 2018 else _ORDER_2022
        labelled = start >= 2022
        absent = rng.choice(self.members) if self.members and rng.random() < MEETING_ABSENCE_SHARE else None
        present = [p for p in self.members if p != absent]

        titles: list[str] = []
        bodies: list[list[str]] = []
        absence_printed = False
        for number, (case_number, title) in enumerate(meeting.cases, 1):
            named = rng.random() < NAMED_VOTE_SHARE
            category = rng.choice("AB") if named else rng.choices("DCBA", [_CATEGORY_WEIGHTS[c] for c in "DCBA"])[0]
            optional = _OPTIONAL_SECTIONS[category]
            has_decision = category != "D" or rng.random() < 0.7 or (absent is not None and not absence_printed)
            label = f"{category}-sag: " if labelled and rng.random() < 0.85 else ""
            titles.append(label + title)
            lines = [f"Punkt {number}: {label}{title}", "", case_number, ""]
            for kind, heading in order:
                if kind == t.RESUME:
                    text = self._section(kind)
                elif kind == t.BESLUTNING:
                    if not has_decision:
                        continue
                    text = self._decision(category, named, present, None if absence_printed else absent)
                    absence_printed = absence_printed or absent is not None
                elif kind == t.BILAG:
                    if rng.random() >= optional[kind]:
                        continue
                    text = self._attachments()
                else:
                    if rng.random() >= optional[kind]:
                        continue
                    text = self._section(kind)
                lines += [heading, "", text, ""]
            bodies.append(lines)

        weekday = _WEEKDAYS[meeting.date.weekday()]
        head = [
            "",
            "",
            f"REFERAT {committee.name} {meeting.term} d. {meeting.date:%d-%m-%Y}",
            "",
            f"Mødedato {weekday} d. {meeting.date.day}. {_MONTHS[meeting.date.month - 1]} {meeting.date.year} "
            f"kl. {rng.choice(_TIMES)}",
            "",
            f"Mødested {rng.choice(municipality[3])}",
            "",
            "Indholdsfortegnelse",
            "",
        ]
        page = 3
        for title, lines in zip(titles, bodies, strict=True):
            head.append(f"{title}.....\t{page}")
            page += 1 + sum(len(line) for line in lines) // 3500
        text = "\n".join(head + [""] + [line for lines in bodies for line in lines])
        return (
            text.replace(_U, committee.name)
            .replace(_F, committee.administration)
            .replace(_MG, municipality[2])
            .replace(_M, municipality[0])
        )


def _render(plan: Plan, meetings: Iterable[PlannedMeeting]) -> Iterator[tuple[PlannedMeeting, str]]:
    people = _People()
    for meeting in meetings:
        yield meeting, _MeetingWriter(plan, meeting, people).text()


def generate_meetings(items: int, seed: int = 1) -> Iterator[tuple[str, str]]:
    """The corpus as (name, minutes text) per meeting, in date order; name is
    <municipality>/<committee-slug>/<YYYY-MM-DD>.txt. Same items and seed, same texts."""
    plan = build_plan(items, seed)
    for meeting, text in _render(plan, plan.meetings):
        yield plan.name(meeting), text


def write_texts(items: int, seed: int, directory: Path | str) -> int:
    """Write every meeting's minutes under `directory`; returns the number of files."""
    directory = Path(directory)
    count = 0
    for name, text in generate_meetings(items, seed):
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        count += 1
    return count


# ---------------------------------------------------------------------------------------------
# Loading: parse and ingest through the one write path, with index maintenance around it.


@dataclass
class CorpusStats:
    """What a load did and how long it took. Seconds of generation, parsing and ingest are
    summed over the worker processes (CPU-like); load_s, index_build_s, analyze_s are wall."""

    items: int
    meetings: int
    persons: int
    votes: int = 0
    load_s: float = 0.0
    index_build_s: float = 0.0
    index_drop_s: float = 0.0
    analyze_s: float = 0.0
    generate_s: float = 0.0
    parse_s: float = 0.0
    ingest_s: float = 0.0
    workers: int = 1
    dropped_indexes: list[str] = field(default_factory=list)

    @property
    def total_s(self) -> float:
        return self.index_drop_s + self.load_s + self.index_build_s + self.analyze_s

    @property
    def items_per_s(self) -> float:
        return self.items / self.total_s if self.total_s else 0.0


# The large tables whose non-unique secondary indexes a big load drops and rebuilds.
_BULK_MODELS = ("Meeting", "MeetingAbsence", "AgendaItem", "Vote", "BlocVote", "Attachment", "Case")


def _secondary_indexes() -> list[tuple[str, str, str]]:
    """(table, index name, CREATE INDEX sql) of the models' own non-unique indexes (field
    indexes, Meta.indexes) on the large tables; constraints are never touched."""
    from django.apps import apps
    from django.db import connection

    result = []
    with connection.schema_editor(collect_sql=True) as editor:
        for name in _BULK_MODELS:
            model = apps.get_model("decisions", name)
            for statement in editor._model_indexes_sql(model):
                index = str(statement.parts["name"]).strip('"')
                result.append((model._meta.db_table, index, str(statement)))
    return result


def _existing_indexes(tables: Iterable[str]) -> set[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = ANY(%s)", [sorted(set(tables))])
        return {row[0] for row in cursor.fetchall()}


def drop_secondary_indexes() -> list[str]:
    """Drop the large tables' secondary indexes (GIN search index included); their names."""
    from django.db import connection

    indexes = _secondary_indexes()
    existing = _existing_indexes(table for table, _, _ in indexes)
    dropped = [name for _, name, _ in indexes if name in existing]
    with connection.cursor() as cursor:
        for name in dropped:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    return dropped


def ensure_secondary_indexes(*, maintenance_work_mem: str = "1GB") -> list[str]:
    """(Re)create any of the models' secondary indexes that are missing; their names.

    Builds the GIN index first, with PostgreSQL's parallel index build. Safe to run any time,
    e.g. after a load that was killed while its indexes were dropped."""
    from django.db import connection

    indexes = _secondary_indexes()
    existing = _existing_indexes(table for table, _, _ in indexes)
    missing = [(name, sql) for _, name, sql in indexes if name not in existing]
    missing.sort(key=lambda pair: "USING gin" not in pair[1])
    if missing:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = %s", [maintenance_work_mem])
            try:
                for _, sql in missing:
                    cursor.execute(sql)
            finally:
                cursor.execute("RESET maintenance_work_mem")
    return [name for name, _ in missing]


def set_autovacuum(enabled: bool) -> None:
    """Switch autovacuum of the large tables off for a bulk load (it would vacuum and analyze
    them again and again as they grow) or back to the server's setting."""
    from django.apps import apps
    from django.db import connection

    with connection.cursor() as cursor:
        for name in _BULK_MODELS:
            table = connection.ops.quote_name(apps.get_model("decisions", name)._meta.db_table)
            if enabled:
                cursor.execute(f"ALTER TABLE {table} RESET (autovacuum_enabled, toast.autovacuum_enabled)")
            else:
                cursor.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = off, toast.autovacuum_enabled = off)")


def _analyze() -> None:
    """VACUUM (ANALYZE) the loaded tables. ANALYZE alone left the rows' visibility to be settled
    by the first queries and by autovacuum, which set to work on the new tables right after a
    load and slowed searches by a third while it ran (measured at 100k and 1M items)."""
    from django.apps import apps
    from django.db import connection

    tables = [m._meta.db_table for m in apps.get_app_config("decisions").get_models()]
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) " + ", ".join(connection.ops.quote_name(table) for table in tables))


def _shards(plan: Plan, workers: int) -> list[list[int]]:
    """Municipalities per worker, balanced by items. A municipality's people, committees and
    cases are its own, so workers never create the same row."""
    weight: dict[int, int] = {}
    for meeting in plan.meetings:
        municipality = plan.committees[meeting.committee].municipality
        weight[municipality] = weight.get(municipality, 0) + len(meeting.cases)
    shards: list[list[int]] = [[] for _ in range(max(1, min(workers, len(weight))))]
    loads = [0] * len(shards)
    for municipality in sorted(weight, key=lambda m: (-weight[m], m)):
        target = loads.index(min(loads))
        shards[target].append(municipality)
        loads[target] += weight[municipality]
    return [sorted(s) for s in shards]


# How each corpus municipality writes case numbers (MUNICIPALITIES order), after the real
# exports in fixtures/formats: KLE (Odense, Randers), Acadre's 12/27845 (Syddjurs), eDoc's
# 2012-28504 (Ballerup), a bare serial, and 306-2009-600.
CASE_FORMS = ("kle", "slash", "year-serial", "bare", "triple", "kle")


def local_case_number(form: str, kle_number: str, n: int) -> str:
    """The municipality's own form of the n-th (1-based) distinct case it has, whose number in
    the generated text is `kle_number` (..-<serial>-<yy>)."""
    year = kle_number.rsplit("-", 1)[1]
    if form == "slash":
        return f"{year}/{10000 + n}"
    if form == "year-serial":
        return f"20{year}-{20000 + n}" if int(year) < 50 else f"19{year}-{20000 + n}"
    if form == "bare":
        return str(200000 + n)
    if form == "triple":
        return f"{100 + n % 900}-20{year}-{n}"
    return kle_number


class LocalCases:
    """Rewrites a parsed meeting's case numbers into its municipality's form, one-to-one: the
    same generated number is the same local number throughout (a case's timeline survives)."""

    def __init__(self, form: str) -> None:
        self.form = form
        self.numbers: dict[str, str] = {}

    def __call__(self, parsed: t.Meeting) -> t.Meeting:
        if self.form == "kle":
            return parsed
        items = []
        for item in parsed.items:
            if item.case is not None:
                local = self.numbers.setdefault(
                    item.case.number, local_case_number(self.form, item.case.number, len(self.numbers) + 1)
                )
                item = replace(item, case=t.CaseNumber(number=local))
            items.append(item)
        return replace(parsed, items=tuple(items))


def municipality_name(index: int) -> str:
    return f"{MUNICIPALITIES[index][0]} Kommune"


def _load_shard(plan: Plan, municipalities: list[int], batch: int, write_text: Path | None) -> dict:
    """Generate, parse and ingest one shard's meetings in plan order; timings and counts."""
    from django.db import connection, transaction

    from decisions.services import PersonResolver, get_municipality, ingest_meeting

    meetings = [m for m in plan.meetings if plan.committees[m.committee].municipality in municipalities]
    stats = {"generate_s": 0.0, "parse_s": 0.0, "ingest_s": 0.0, "items": 0, "meetings": 0, "votes": 0}
    rows = {index: get_municipality(municipality_name(index)) for index in municipalities}
    people = {index: PersonResolver(row) for index, row in rows.items()}
    local_cases = {index: LocalCases(CASE_FORMS[index]) for index in municipalities}
    rendered = _render(plan, meetings)
    clock = time.perf_counter
    while True:
        with transaction.atomic():
            # Losing the last commits on a crash is fine for a generated corpus; waiting for
            # each commit's WAL flush is not.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
            done = 0
            for _ in range(batch):
                started = clock()
                meeting, text = next(rendered, (None, ""))
                if meeting is None:
                    break
                name = plan.name(meeting)
                data = text.encode("utf-8")
                if write_text is not None:
                    path = write_text / name
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(data)
                parsed_at = clock()
                index = plan.committees[meeting.committee].municipality
                parsed = local_cases[index](parse_minutes(text))
                ingest_at = clock()
                result = ingest_meeting(
                    parsed,
                    municipality=rows[index],
                    source_name=name,
                    source_text=text,
                    sha256=hashlib.sha256(data).hexdigest(),
                    people=people[index],
                )
                finished = clock()
                stats["generate_s"] += parsed_at - started
                stats["parse_s"] += ingest_at - parsed_at
                stats["ingest_s"] += finished - ingest_at
                stats["items"] += result.items
                stats["votes"] += result.votes
                stats["meetings"] += 1
                done += 1
        if done < batch:
            break
    return stats


def _worker(plan: Plan, municipalities: list[int], batch: int, write_text: Path | None, queue) -> None:
    from asgiref.local import Local
    from django.db import connections

    # A forked child must not use any connection object it inherited: the parent's close_all()
    # only reaches the connections of its current context (Playwright's event loop in the test
    # run leaves others), and two processes on one socket corrupt both. Start with none.
    connections._connections = Local(connections.thread_critical)
    try:
        queue.put(("ok", _load_shard(plan, municipalities, batch, write_text)))
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises
        queue.put(("error", traceback.format_exc()))
    finally:
        connections.close_all()


def load_corpus(
    items: int,
    seed: int = 1,
    *,
    batch: int = 20,
    workers: int | None = None,
    drop_indexes: bool | None = None,
    write_text: Path | str | None = None,
) -> CorpusStats:
    """Generate the corpus and load it through parse_minutes and ingest_meeting.

    batch: meetings per transaction (each ingest_meeting is then a savepoint). workers:
    processes that generate, parse and ingest in parallel, each its own municipalities (default:
    one per CPU); 1 runs in this process. drop_indexes: drop the large tables'
    secondary indexes (GIN search index included) before and rebuild them after; default when
    items >= DROP_INDEXES_FROM. Ends with VACUUM (ANALYZE). write_text: also write each meeting's text
    under this directory.
    """
    from django.db import connection

    from decisions.models import Person
    from decisions.signals import one_generation_bump

    plan = build_plan(items, seed)
    if workers is None:
        # One per CPU: 2 workers load 820 items/s on 2 CPUs, 3 or 4 fewer (measured at 30k).
        workers = os.cpu_count() or 1
    if drop_indexes is None:
        drop_indexes = items >= DROP_INDEXES_FROM
    write_dir = Path(write_text) if write_text is not None else None
    stats = CorpusStats(items=0, meetings=0, persons=0)
    shards = _shards(plan, workers)
    stats.workers = len(shards)
    if workers > 1 and connection.in_atomic_block:
        raise RuntimeError("load_corpus with several workers cannot run inside a transaction")

    started = time.perf_counter()
    if drop_indexes:
        set_autovacuum(False)
        stats.dropped_indexes = drop_secondary_indexes()
    stats.index_drop_s = time.perf_counter() - started
    results: list[dict] = []
    try:
        started = time.perf_counter()
        # Forked workers inherit the deferral; the one bump comes when all of them are done.
        with one_generation_bump():
            if len(shards) == 1:
                results = [_load_shard(plan, shards[0], max(1, batch), write_dir)]
            else:
                results = _run_workers(plan, shards, max(1, batch), write_dir)
        stats.load_s = time.perf_counter() - started
    finally:
        started = time.perf_counter()
        if drop_indexes:
            ensure_secondary_indexes()
            set_autovacuum(True)
        stats.index_build_s = time.perf_counter() - started
    for result in results:
        stats.items += result["items"]
        stats.meetings += result["meetings"]
        stats.votes += result["votes"]
        stats.generate_s += result["generate_s"]
        stats.parse_s += result["parse_s"]
        stats.ingest_s += result["ingest_s"]
    started = time.perf_counter()
    if not connection.in_atomic_block:
        _analyze()
    stats.analyze_s = time.perf_counter() - started
    stats.persons = Person.objects.count()
    return stats


def _run_workers(plan: Plan, shards: list[list[int]], batch: int, write_dir: Path | None) -> list[dict]:
    from django.db import connections

    # Forked children must not share the parent's database connection.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    processes = [
        context.Process(target=_worker, args=(plan, shard, batch, write_dir, queue), daemon=True) for shard in shards
    ]
    for process in processes:
        process.start()
    outcomes = []
    while len(outcomes) < len(processes):
        try:
            outcomes.append(queue.get(timeout=2))
        except queue_module.Empty:
            dead = [p for p in processes if not p.is_alive() and p.exitcode != 0]
            if dead and queue.empty():
                outcomes += [("error", f"worker {p.pid} died with exit code {p.exitcode}") for p in dead]
                break
    for process in processes:
        process.join(timeout=60)
    errors = [detail for status, detail in outcomes if status == "error"]
    if errors:
        raise RuntimeError("a corpus worker failed:\n" + "\n".join(errors))
    return [detail for _, detail in outcomes]
