"""What the minutes parser returns: plain frozen dataclasses, no Django."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# Positions a councillor can take on a subject; `absent` is item-level absence.
FOR = "for"
AGAINST = "against"
ABSTAIN = "abstain"
RESERVATION = "reservation"
ABSENT = "absent"
POSITIONS = (FOR, AGAINST, ABSTAIN, RESERVATION, ABSENT)

# Classified outcome of an item's decision.
APPROVED = "approved"
APPROVED_WITH_CHANGES = "approved_with_changes"
RECOMMENDED = "recommended"
REJECTED = "rejected"
DISCUSSED = "discussed"
NOTED = "noted"
POSTPONED = "postponed"
NO_DECISION = "none"
OUTCOMES = (
    APPROVED,
    APPROVED_WITH_CHANGES,
    RECOMMENDED,
    REJECTED,
    DISCUSSED,
    NOTED,
    POSTPONED,
    NO_DECISION,
)

# Section kinds, in the vocabulary of the minutes ("Text" in older files is "Effekt").
RESUME = "resume"
EFFEKT = "effekt"
INDSTILLING = "indstilling"
BESLUTNING = "beslutning"
SAGSFREMSTILLING = "sagsfremstilling"
OEKONOMI = "oekonomi"
BILAG = "bilag"
SECTION_KINDS = (RESUME, EFFEKT, INDSTILLING, BESLUTNING, SAGSFREMSTILLING, OEKONOMI, BILAG)


@dataclass(frozen=True)
class ParseWarning:
    """Something the parser tolerated, with the line it saw it on."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class MinutesError(ValueError):
    """The text cannot be read as minutes; `line` is 1-based (0 when not tied to a line)."""

    def __init__(self, reason: str, line: int = 0):
        super().__init__(reason)
        self.reason = reason
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}" if self.line else self.reason


@dataclass(frozen=True)
class CaseNumber:
    """A journal number such as 15.00.00-G01-193-17: KLE code, facet, serial, two-digit year."""

    kle: str
    facet: str
    serial: int
    year: str

    @property
    def number(self) -> str:
        return f"{self.kle}-{self.facet}-{self.serial}-{self.year}"

    def __str__(self) -> str:
        return self.number


@dataclass(frozen=True)
class Vote:
    """One named councillor's position on one subject, as one decision sentence states it."""

    name: str
    party: str  # party letter as printed, "" when the sentence gives none
    role: str  # e.g. "Udvalgsmedlem", "Rådmand", "" when none printed
    position: str  # one of POSITIONS
    subject: str  # e.g. "indstillingen", "indstillingspunkt 2", "" for absence
    sentence: str
    line: int


@dataclass(frozen=True)
class BlocVote:
    """A position taken by party letters without names ("Et flertal bestående af A, F og Ø ...")."""

    parties: tuple[str, ...]
    label: str  # "flertal", "mindretal" or "" when the sentence names parties directly
    position: str
    subject: str
    sentence: str
    line: int


@dataclass(frozen=True)
class MeetingAbsence:
    """A councillor absent from the whole meeting ("deltog ikke i mødet")."""

    name: str
    party: str
    role: str
    sentence: str
    line: int


@dataclass(frozen=True)
class OtherCommitteeDecision:
    """A decision of another committee printed inside this item (joint treatment)."""

    committee: str
    sentence: str
    line: int


@dataclass(frozen=True)
class Section:
    """One headed section of an item, text as printed (normalized whitespace)."""

    kind: str  # one of SECTION_KINDS
    heading: str  # as printed, e.g. "INDSTILLING" or "Text"
    text: str
    line: int  # the heading's line
    text_line: int = 0  # the line the text starts on


@dataclass(frozen=True)
class Item:
    """One agenda item ("Punkt N")."""

    number: int
    title: str
    category: str  # "A", "B", "C", "D" or ""
    case: CaseNumber | None
    sections: tuple[Section, ...]
    attachments: tuple[str, ...]
    decision: str
    outcome: str
    subject_outcomes: tuple[tuple[str, str], ...]  # (subject, outcome) stated in the decision
    votes: tuple[Vote, ...]
    bloc_votes: tuple[BlocVote, ...]
    absences: tuple[MeetingAbsence, ...]  # meeting-level absences mentioned in this item
    other_committees: tuple[OtherCommitteeDecision, ...]
    toc_title: str
    line: int

    def section(self, kind: str) -> Section | None:
        return next((s for s in self.sections if s.kind == kind), None)


@dataclass(frozen=True)
class Meeting:
    """One committee meeting's minutes."""

    committee: str
    term: str  # e.g. "2018-2021"
    date: dt.date
    start_time: dt.time | None
    location: str
    items: tuple[Item, ...]
    warnings: tuple[ParseWarning, ...] = field(default=())

    @property
    def absences(self) -> tuple[MeetingAbsence, ...]:
        return tuple(a for item in self.items for a in item.absences)
