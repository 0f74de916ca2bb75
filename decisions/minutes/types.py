"""What every reader returns (Odense text/PDF, Acadre, eDoc, SBSYS Publication): plain frozen
dataclasses, no Django. The one write path (decisions.services) takes these and nothing else."""

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


# What a meeting's document is: the agenda (dagsorden) comes first, the minutes (referat) later.
MINUTES = "minutes"
AGENDA = "agenda"
KINDS = (MINUTES, AGENDA)

# A member's participation in a whole meeting, from the formats' member lists.
PRESENT = "present"
APOLOGIES = "apologies"  # afbud: sent apologies
UNKNOWN = "unknown"  # not recorded (an agenda, or "NotDecided")
PARTICIPATION = (PRESENT, ABSENT, APOLOGIES, UNKNOWN)


@dataclass(frozen=True)
class CaseNumber:
    """A case (journal) number as the municipality writes it, normalized only where safe.

    KLE-shaped numbers (15.00.00-G01-193-17) keep their four parts; other forms (12/27845,
    2012-28504, 306-2009-600, 299835) have `kle` "" and `serial` None.
    """

    number: str = ""
    kle: str = ""
    facet: str = ""
    serial: int | None = None
    year: str = ""

    def __post_init__(self) -> None:
        # Given by its KLE parts alone, the number is theirs joined (15.00.00-G01-193-17).
        if not self.number and self.kle:
            object.__setattr__(self, "number", f"{self.kle}-{self.facet}-{self.serial}-{self.year}")

    @property
    def is_kle(self) -> bool:
        return bool(self.kle)

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
class Tally:
    """Counts of votes as printed ("Indstillingen blev godkendt med 42 stemmer mod 4",
    "For: 20 (...)"): None where the sentence gives no count for that side."""

    subject: str
    for_count: int | None
    against_count: int | None
    abstain_count: int | None
    sentence: str
    line: int


@dataclass(frozen=True)
class EarlierDecision:
    """An earlier treatment of the item's case printed with it ("Beslutning i <udvalg> den
    10-04-2013"): its date, the body that decided and the text. date None when not printed."""

    date: dt.date | None
    body: str
    text: str


@dataclass(frozen=True)
class Member:
    """A member of the meeting as its member list names them, and their participation."""

    name: str
    party: str  # letter as printed, "" when none
    role: str  # "Formand", "Medlem", ... "" when none
    status: str  # one of PARTICIPATION


@dataclass(frozen=True)
class AttachmentFile:
    """The file of an attachment, as exported: `position` is 1-based in Item.attachments.

    `text` is the attachment's text when the export carries it (eDoc's FullText); None lets
    the write path extract it from the file (PDF, .docx)."""

    position: int
    name: str
    data: bytes = field(repr=False, compare=False)
    text: str | None = None


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
    # Closed items (Lukket punkt): number and title only; nothing else of theirs is kept.
    closed: bool = False
    earlier_decisions: tuple[EarlierDecision, ...] = ()
    tallies: tuple[Tally, ...] = ()
    protocol_notes: tuple[str, ...] = ()  # "Protokolbemærkning: ..." as printed
    files: tuple[AttachmentFile, ...] = ()

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
    kind: str = MINUTES  # MINUTES or AGENDA
    # The municipality when the export names it; "" leaves it to the ingest (--municipality).
    municipality: str = ""
    # The meeting's member list with participation, when the format has one (not Odense text).
    members: tuple[Member, ...] = ()
    # The reader that read it: "odense", "acadre", "edoc", "publication".
    source_format: str = "odense"

    @property
    def absences(self) -> tuple[MeetingAbsence, ...]:
        return tuple(a for item in self.items for a in item.absences)


@dataclass(frozen=True)
class Reading:
    """One meeting read from one source, with what the write path keeps of the source: the
    file as published (`original`, stored and offered for download) and its text."""

    meeting: Meeting
    source_name: str
    source_text: str
    original: bytes = field(repr=False, compare=False)
    warnings: tuple[ParseWarning, ...] = ()  # of reading the file itself (encoding, ...)
