"""What every reader shares: case numbers, names with party letters, election terms, clean
text, and the dated treatments ("Beslutning i <udvalg> den DD-MM-YYYY") of an item's case.

The vote and decision grammar shared by all formats is decisions.py beside this module."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from . import types as t

if TYPE_CHECKING:
    from .decisions import DecisionReading

# 15.00.00-G01-193-17: KLE code, handling facet (letters may be Danish: Ø34), serial, year.
KLE_CASE_NUMBER = re.compile(
    r"^(?P<kle>\d{2}\.\d{2}\.\d{2})-(?P<facet>[A-ZÆØÅ]\d{2})-(?P<serial>\d{1,6})-(?P<year>\d{2})$"
)
# Any case number as municipalities write them: 12/27845, 2012-28504, 25/26257, 306-2009-600,
# 299835. A digit first, then digits and capitals joined by single . / or -, at most 40
# characters: "SAG 12" or a sentence is not one. The database's constraint on Case.number is
# the same pattern (migration 0011).
CASE_NUMBER_PATTERN = r"^[0-9](?:[0-9A-ZÆØÅ]|[./-](?=[0-9A-ZÆØÅ])){0,39}$"
CASE_NUMBER = re.compile(CASE_NUMBER_PATTERN)
CASE_NUMBER_MAX = 40


def normalize_case_number(raw: str) -> str:
    """Normalize a typed or printed case number where it is safe: no spaces, capital letters."""
    return re.sub(r"\s+", "", raw).upper()


def parse_kle_case_number(raw: str) -> t.CaseNumber | None:
    """A KLE-shaped number (15.00.00-G01-193-17) with its four parts, or None."""
    match = KLE_CASE_NUMBER.match(normalize_case_number(raw))
    if not match:
        return None
    return t.CaseNumber(
        number=match.group(0), kle=match["kle"], facet=match["facet"], serial=int(match["serial"]), year=match["year"]
    )


def parse_case_number(raw: str) -> t.CaseNumber | None:
    """Any case number the archive accepts (KLE parts kept where it has them), or None for junk."""
    if kle := parse_kle_case_number(raw):
        return kle
    number = normalize_case_number(raw)
    return t.CaseNumber(number=number) if CASE_NUMBER.match(number) else None


# Control characters other than tab and newline break XML 1.0 (feeds) and mean nothing in text:
# eDoc's FullText carries form feeds (&#xC;) between pages.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def without_controls(text: str) -> str:
    """Text without control characters but tab, newline and carriage return: XML (the feeds)
    cannot hold them, and no reader has a use for them."""
    return _CONTROL.sub(" ", text)


def clean_text(text: str) -> str:
    """Text as the archive keeps it: \\n line ends, no control characters, no NBSP or BOM."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\ufeff", "")
    return without_controls(text)


def squeeze(text: str) -> str:
    """Whitespace runs as one space (names and titles printed with double spaces)."""
    return " ".join(text.split())


_NAME_PARTY = re.compile(r"^(?P<name>.+?)\s*\(\s*(?P<party>[A-ZÆØÅ])\s*\)\s*$")


def name_and_party(raw: str) -> tuple[str, str]:
    """ "Jesper  Mathiesen (A)" -> ("Jesper Mathiesen", "A"); no letter -> (name, "")."""
    raw = squeeze(raw)
    if match := _NAME_PARTY.match(raw):
        return match["name"], match["party"]
    return raw, ""


def election_term(date: dt.date) -> str:
    """The municipal election term a date falls in ("2010-2013"), for formats that do not print
    it. Terms start on 1 January after the November election: 2007-2009 (the reform's three-year
    term), then every four years from 2010; 2002-2006 (extended by the reform), four-year terms before."""
    year = date.year
    if year >= 2010:
        start = 2010 + (year - 2010) // 4 * 4
        return f"{start}-{start + 3}"
    if year >= 2007:
        return "2007-2009"
    if year >= 2002:
        return "2002-2006"  # extended by a year for the reform
    start = 1998 - (2001 - year) // 4 * 4
    return f"{start}-{start + 3}"


# "Beslutning i Udvalget for plan, udvikling og kultur (PUK) den 10-04-2013" (Acadre, FirstAgenda).
_TREATMENT_HEADING = re.compile(
    r"^Beslutning\s+i\s+(?P<body>.+?)\s+den\s+(?P<day>\d{1,2})[-.](?P<month>\d{1,2})[-.](?P<year>\d{4})\s*:?\s*$",
    re.IGNORECASE,
)
# Placeholders that systems put in an empty decision field: no decision.
_PLACEHOLDERS = {"", "tomt indhold", "-", "–", "ingen", "intet"}


def treatment_heading(heading: str) -> tuple[str, dt.date] | None:
    """(body, date) of a dated decision heading, or None when the heading is not one."""
    match = _TREATMENT_HEADING.match(squeeze(heading))
    if not match:
        return None
    try:
        date = dt.date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError:
        return None
    return match["body"], date


# "FORRETNINGSUDVALGETS BESLUTNING" (one heading for every treatment by that body, each
# paragraph dated "18. september 2012: …").
_BODY_HEADING = re.compile(r"^(?P<body>[A-ZÆØÅa-zæøå][\w\- ]*?[a-zæøåA-ZÆØÅ])s\s+beslutning(?:er)?\s*:?\s*$", re.I)
_DATED_PARAGRAPH = re.compile(
    r"^(?P<day>\d{1,2})\.\s*(?P<month>[a-zæøå]+)\.?\s+(?P<year>\d{4})\s*:\s*(?P<text>.*)$", re.I | re.S
)
# Danish month names and their abbreviations, as minutes print dates ("5. marts 2019").
MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("januar", "jan"),
            ("februar", "feb"),
            ("marts", "mar"),
            ("april", "apr"),
            ("maj",),
            ("juni", "jun"),
            ("juli", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("oktober", "okt"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}


def body_heading(heading: str) -> str | None:
    """The body of an undated decision heading in the genitive ("FORRETNINGSUDVALGETS
    BESLUTNING" -> "Forretningsudvalget"), or None."""
    match = _BODY_HEADING.match(squeeze(heading))
    if not match or match["body"].casefold() in ("", "udvalget"):
        return None
    body = match["body"]
    return body.capitalize() if body.isupper() else body


def dated_paragraphs(text: str) -> list[tuple[dt.date | None, str]]:
    """A decision section holding several treatments, each paragraph starting with its date
    ("18. september 2012: Anbefales."): (date, text) per treatment; paragraphs without a date
    belong to the treatment before them (or to an undated one first)."""
    found: list[tuple[dt.date | None, list[str]]] = []
    for paragraph in (p.strip() for p in text.split("\n\n")):
        if not paragraph:
            continue
        match = _DATED_PARAGRAPH.match(paragraph)
        month = MONTHS.get(match["month"].casefold()) if match else None
        date = None
        if match and month:
            try:
                date = dt.date(int(match["year"]), month, int(match["day"]))
            except ValueError:
                date = None
        if date is not None:
            found.append((date, [match["text"].strip()]))
        elif found:
            found[-1][1].append(paragraph)
        else:
            found.append((None, [paragraph]))
    return [(date, "\n\n".join(p for p in parts if p)) for date, parts in found]


def is_placeholder(text: str) -> bool:
    """True for an empty decision field or a placeholder such as "Tomt indhold"."""
    return squeeze(text).strip(" .").casefold() in _PLACEHOLDERS


def split_treatments(
    treatments: list[tuple[dt.date | None, str, str]], *, meeting_date: dt.date
) -> tuple[str, tuple[t.EarlierDecision, ...]]:
    """This meeting's decision text and the earlier treatments, from (date, body, text) triples.

    The treatment dated this meeting's day is its decision (the last one, should there be two);
    the others are the case's history, kept with their date and body. Placeholders are dropped.
    """
    decision = ""
    earlier = []
    for date, body, text in treatments:
        if is_placeholder(text):
            continue
        if date == meeting_date:
            decision = text
        else:
            earlier.append(t.EarlierDecision(date=date, body=body, text=text))
    return decision, tuple(earlier)


# Section headings as the formats print them, to the archive's section kinds. Headings not
# listed are background text (Lovgrundlag, Høring, ...): SAGSFREMSTILLING, searched at weight C.
_SECTION_KINDS = {
    "resume": t.RESUME,
    "resumé": t.RESUME,
    "sammendrag": t.RESUME,
    "beslutningstema": t.RESUME,
    "effekt": t.EFFEKT,
    "indstilling": t.INDSTILLING,
    "forslag": t.INDSTILLING,
    "beslutning": t.BESLUTNING,
    "sagsfremstilling": t.SAGSFREMSTILLING,
    "supplerende sagsfremstilling": t.SAGSFREMSTILLING,
    "baggrund": t.SAGSFREMSTILLING,
    "økonomi": t.OEKONOMI,
    "økonomiske konsekvenser": t.OEKONOMI,
    "økonomi og organisatoriske konsekvenser": t.OEKONOMI,
    "bevillingsmæssige konsekvenser": t.OEKONOMI,
    "bilag": t.BILAG,
}


def section_kind(heading: str) -> str:
    """The section kind of a printed heading ("Økonomiske konsekvenser" -> oekonomi)."""
    key = squeeze(heading).rstrip(" :").casefold()
    if key in _SECTION_KINDS:
        return _SECTION_KINDS[key]
    if key.startswith("økonomi"):
        return t.OEKONOMI
    return t.SAGSFREMSTILLING


def export_item(
    *,
    number: int,
    title: str,
    reading: DecisionReading | None = None,
    closed: bool = False,
    case: t.CaseNumber | None = None,
    sections: tuple[t.Section, ...] = (),
    attachments: tuple[str, ...] = (),
    files: tuple[t.AttachmentFile, ...] = (),
    earlier_decisions: tuple[t.EarlierDecision, ...] = (),
) -> t.Item:
    """An item of a structured export (no table of contents, no line numbers), with what the
    decision grammar read from this meeting's decision; a closed item is its number and title."""
    if closed:
        return t.Item(
            number=number,
            title=title,
            category="",
            case=None,
            sections=(),
            attachments=(),
            decision="",
            outcome=t.NO_DECISION,
            subject_outcomes=(),
            votes=(),
            bloc_votes=(),
            absences=(),
            other_committees=(),
            toc_title="",
            line=0,
            closed=True,
        )
    return t.Item(
        number=number,
        title=title,
        category="",
        case=case,
        sections=sections,
        attachments=attachments,
        decision=reading.text if reading else "",
        outcome=reading.outcome if reading else t.NO_DECISION,
        subject_outcomes=reading.subject_outcomes if reading else (),
        votes=reading.votes if reading else (),
        bloc_votes=reading.bloc_votes if reading else (),
        absences=reading.absences if reading else (),
        other_committees=reading.other_committees if reading else (),
        toc_title="",
        line=0,
        earlier_decisions=earlier_decisions,
        tallies=reading.tallies if reading else (),
        protocol_notes=reading.protocol_notes if reading else (),
        files=files,
    )


def render_meeting(meeting: t.Meeting) -> str:
    """A structured export's meeting as plain text: what the archive keeps as its source text and
    offers for download, in place of the export itself (Publication's XML, FirstAgenda's JSON)."""
    lines = [
        meeting.committee,
        "Referat" if meeting.kind == t.MINUTES else "Dagsorden",
        meeting.date.strftime("%d-%m-%Y") + (f" kl. {meeting.start_time:%H:%M}" if meeting.start_time else ""),
    ]
    if meeting.location:
        lines.append(meeting.location)
    if meeting.members:
        lines += ["", "Medlemmer"]
        labels = {t.PRESENT: "deltager", t.ABSENT: "fraværende", t.APOLOGIES: "afbud", t.UNKNOWN: "ikke oplyst"}
        for member in meeting.members:
            who = f"{member.name} ({member.party})" if member.party else member.name
            role = f", {member.role}" if member.role else ""
            lines.append(f"- {who}{role}: {labels[member.status]}")
    for item in meeting.items:
        lines += ["", f"Punkt {item.number}. {item.title}" + (" (lukket punkt)" if item.closed else "")]
        if item.case:
            lines.append(f"Sagsnummer: {item.case.number}")
        for earlier in item.earlier_decisions:
            date = earlier.date.strftime("%d-%m-%Y") if earlier.date else ""
            lines += ["", f"Beslutning i {earlier.body} den {date}".rstrip(), "", earlier.text]
        for section in item.sections:
            lines += ["", section.heading or "(uden overskrift)", "", section.text]
        if item.attachments:
            lines += ["", "Bilag"] + [f"- {title}" for title in item.attachments]
    return "\n".join(lines) + "\n"
