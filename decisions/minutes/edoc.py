"""Read an eDoc agenda-publishing export: `eDocAgendaPublishing.xml` and the PDFs it names.

The XML is one <Meeting> (Committee, MeetingDate "04-12-2012 13:00:00", MeetingState) with
MeetingAgendaTypes/MeetingAgendaType per agenda type ("Åben dagsorden", "Lukket dagsorden"),
each with the whole document's PDFDocument and FullText and its MeetingAgendaItems. An item is
AgendaItemNumber, the item's PDFDocument and Document (Title, Attachments/Attachment with Title,
PDFDocument and FullText); its sections and decision are only in the item's FullText, a plain
rendering of the printed item:

    2.<tab>Bygningsvedligeholdelse 2013 - anlægsbevilling
    Sagsnr.: 2012-28504
    Dok.nr.: 2012-203438
    Sammendrag / Baggrund / Sagsfremstilling / ... / Indstilling   (headings on their own lines)
    Sundheds- og Forebyggelsesudvalgets beslutning den 04.12.2012 Punkt 2
    Indstillingen godkendt
    Følgende deltog ikke i behandlingen af punktet:
    <names, or nothing>

(Ballerup Kommune, Sundheds- og Forebyggelsesudvalget 2012-12-04, fixtures/formats/edoc/.)
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from xml.etree.ElementTree import Element

from . import types as t
from .common import (
    clean_text,
    election_term,
    export_item,
    name_and_party,
    parse_case_number,
    section_kind,
    split_treatments,
    squeeze,
)
from .decisions import read_decision
from .markup import MAX_FILE_BYTES, MAX_XML_BYTES, head_text, parse_xml, read_limited, text_of, xml_files

FORMAT = "edoc"
DESCRIPTION = "an eDoc agenda-publishing export (eDocAgendaPublishing.xml with <Meeting> root and the PDFs it names)"

# detect() reads this much of a candidate XML and looks at this many candidates in a folder.
_HEAD_BYTES = 8192
_MAX_CANDIDATES = 50
# A DOCTYPE is let through here so that read() refuses it in so many words (parse_xml).
_ROOT = re.compile(
    r"^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*(?:<!DOCTYPE\s[^\[>]*(?:\[.*?\])?\s*>\s*)?<Meeting[\s>]", re.DOTALL
)
_AGENDA_TYPES = re.compile(r"<MeetingAgendaTypes[\s>/]")

# MeetingState: "Referat endeligt godkendt" in the sample (also in each Document's
# AgendaItems/AgendaItem/MeetingState); eDoc's agenda states begin "Dagsorden ...".
_MINUTES_STATE = re.compile(r"\breferat\b", re.IGNORECASE)
_AGENDA_STATE = re.compile(r"\bdagsorden\b", re.IGNORECASE)

# Item FullText header: "2.\tBygningsvedligeholdelse 2013 - anlægsbevilling", "Sagsnr.: 2012-28504".
_ITEM_TITLE_LINE = re.compile(r"^\s*(?P<number>\d+)\.\s+(?P<title>.+)$")
_CASE_LINE = re.compile(r"^\s*Sagsnr\.?\s*:\s*(?P<case>\S.*?)\s*$", re.IGNORECASE)
# "Sundheds- og Forebyggelsesudvalgets beslutning den 04.12.2012 Punkt 2": the body in the
# genitive, the date with dots, the item's number at that meeting. A body is a name (capital,
# no sentence punctuation), so a sentence ending "... beslutning den 12.03.2012" is not one.
_NAME_JOINERS = {"og", "for", "i", "af", "samt", "&", "-", "–"}
_DECISION_HEADING = re.compile(
    r"^\s*(?P<body>[A-ZÆØÅ][^.,;:]{0,100}?)\s+beslutning\s+den\s+(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4})"
    r"(?:\s+(?:Punkt|pkt\.?)\s*\d+)?\s*:?\s*$",
    re.IGNORECASE,
)
# "Følgende deltog ikke i behandlingen af punktet:" is a form field printed under every
# decision, followed by the names or by nothing (all 8 items of the sample: nothing).
_ITEM_ABSENCE_FIELD = re.compile(r"^\s*Følgende\s+deltog\s+ikke\s+i\s+behandlingen\s+af\s+punktet\s*:?\s*$", re.I)
# Section headings of the item FullText as the sample prints them, each alone on its line
# (Ballerup 2012-12-04). Lines not listed (e.g. "Centralisering af ejendomsdriften" inside
# item 2's Sagsfremstilling) stay in the text of the section they are printed in.
_SECTION_HEADINGS = {
    "sammendrag",
    "resumé",
    "resume",
    "baggrund",
    "sagsfremstilling",
    "supplerende sagsfremstilling",
    "økonomiske konsekvenser og finansiering",
    "økonomiske konsekvenser",
    "økonomi",
    "lovgrundlag",
    "høring",
    "bilag",
    "beslutningen træffes af",
    "indstilling",
}
# Meddelelser (item 1) prints lettered notes: "a." alone on a line, the note on the next.
_LETTER_MARK = re.compile(r"^\s*(?P<mark>[a-zæøå]\.)\s*$")

# The whole document's FullText head: "tirsdag den 4. december 2012, kl. 13:00" then
# "i Mødecenter C, Lokale 32 på Ballerup Rådhus", then "Tilstede" / "Afbud/Fraværende" /
# "Sekretær" blocks of names before "INDHOLDSFORTEGNELSE".
_DATE_LINE = re.compile(r"\bden\s+\d{1,2}\.\s+[a-zæøå]+\s+\d{4}\b.*\bkl\.", re.IGNORECASE)
_LOCATION_LINE = re.compile(r"^\s*i\s+(?P<location>\S.*?)\s*$")
_PRESENT_HEADING = re.compile(r"^\s*(?:Tilstede|Til\s+stede|Deltagere)\s*:?\s*$", re.IGNORECASE)
_ABSENT_HEADING = re.compile(r"^\s*(?:Afbud\s*/\s*Fraværende|Fraværende|Afbud)\s*:?\s*$", re.IGNORECASE)
_OTHER_HEADING = re.compile(r"^\s*(?:Sekretær|Referent|Øvrige\s+deltagere|INDHOLDSFORTEGNELSE)\s*:?\s*$", re.I)
# "Lolan Ottesen (A) - formand": the role after " - " as printed.
_MEMBER_ROLE = re.compile(r"^(?P<name>.+?)\s+[-–]\s+(?P<role>[^()]+?)\s*$")


def detect(path: Path) -> bool:
    """True for an eDoc export XML (root <Meeting> with <MeetingAgendaTypes> near the top) or a
    folder holding one. Reads at most the first 8 KB of each candidate; never raises."""
    try:
        if path.is_dir():
            return any(True for _ in _export_files(path))
        return _looks_like_export(path)
    except Exception:  # noqa: BLE001 - detect must never raise
        return False


def _looks_like_export(path: Path) -> bool:
    text = head_text(path, _HEAD_BYTES)
    return bool(_ROOT.match(text) and _AGENDA_TYPES.search(text))


def _export_files(folder: Path):
    for candidate in xml_files(folder)[:_MAX_CANDIDATES]:
        if _looks_like_export(candidate):
            yield candidate


def read(path: Path) -> list[t.Reading]:
    """One Reading per export XML: `path` is the XML or the folder that holds it and its PDFs."""
    try:
        if path.is_dir():
            files = list(_export_files(path))
            if not files:
                raise t.MinutesError(
                    f"{path.name}: no eDoc export XML (<Meeting> with <MeetingAgendaTypes>) in the folder"
                )
            return [_read_export(file) for file in files]
        return [_read_export(path)]
    except OSError as exc:
        raise t.MinutesError(f"{path.name}: cannot be read ({exc.strerror or exc})") from None


def _read_export(path: Path) -> t.Reading:
    name = path.name
    data = read_limited(path, limit=MAX_XML_BYTES)
    root = parse_xml(data, name=name)
    agenda_types = root.find("MeetingAgendaTypes")
    if root.tag != "Meeting" or agenda_types is None:
        raise t.MinutesError(f"{name}: not an eDoc agenda-publishing export (no <Meeting> with <MeetingAgendaTypes>)")

    committee = squeeze(text_of(root, "Committee"))
    if not committee:
        raise t.MinutesError(f"{name}: the export names no committee (<Committee> is empty)")
    date, start_time = _meeting_date(text_of(root, "MeetingDate"), name)
    kind = _kind(text_of(root, "MeetingState"), name)

    folder = path.parent
    # Files of the export folder itself: a symlink could lead anywhere on the machine.
    files_here = {p.name.casefold(): p for p in folder.iterdir() if p.is_file() and not p.is_symlink()}
    file_warnings: list[t.ParseWarning] = []
    meeting_warnings: list[t.ParseWarning] = []
    items: list[t.Item] = []
    source_text = ""
    for agenda_type in agenda_types.findall("MeetingAgendaType"):
        # AgendaType "Åben dagsorden" in the sample; "Lukket dagsorden" holds the closed items.
        closed = text_of(agenda_type, "AgendaType").casefold().startswith("lukket")
        if not closed and not source_text:
            # The open document's FullText is the whole minutes as printed (1552814.PDF); a
            # closed type's text is never kept. strip(): it opens with dozens of blank lines.
            source_text = clean_text(agenda_type.findtext("FullText") or "").strip()
        for element in agenda_type.findall("MeetingAgendaItems/MeetingAgendaItem"):
            if closed:
                items.append(_closed_item(element, name))
            else:
                items.append(
                    _open_item(
                        element,
                        name=name,
                        committee=committee,
                        date=date,
                        kind=kind,
                        files_here=files_here,
                        file_warnings=file_warnings,
                        meeting_warnings=meeting_warnings,
                    )
                )
    # The XML lists items in its own order (2, 4, 5, 6, 3, 1, 7, 8 in the sample).
    items.sort(key=lambda item: item.number)
    numbers = [item.number for item in items]
    if duplicates := sorted({n for n in numbers if numbers.count(n) > 1}):
        raise t.MinutesError(f"{name}: item number {duplicates[0]} occurs twice in the export")

    location = _location(source_text)
    members = _members(source_text, kind)
    meeting = t.Meeting(
        committee=committee,
        term=election_term(date),
        date=date,
        start_time=start_time,
        location=location,
        items=tuple(items),
        warnings=tuple(meeting_warnings),
        kind=kind,
        municipality="",
        members=members,
        source_format=FORMAT,
    )
    return t.Reading(
        meeting=meeting, source_name=name, source_text=source_text, original=data, warnings=tuple(file_warnings)
    )


def _meeting_date(raw: str, name: str) -> tuple[dt.date, dt.time | None]:
    """MeetingDate "04-12-2012 13:00:00": day-month-year and the start time."""
    match = re.fullmatch(r"(\d{1,2})-(\d{1,2})-(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?", raw.strip())
    if not match:
        raise t.MinutesError(f"{name}: the meeting date {raw!r} is not a date (DD-MM-YYYY HH:MM:SS)")
    day, month, year, hour, minute, second = match.groups()
    try:
        date = dt.date(int(year), int(month), int(day))
        start = dt.time(int(hour), int(minute), int(second or 0)) if hour is not None else None
    except ValueError:
        raise t.MinutesError(f"{name}: the meeting date {raw!r} is not a valid date") from None
    # eDoc writes 00:00:00 when no time is set; no committee meets at midnight.
    if start == dt.time(0, 0):
        start = None
    return date, start


def _kind(state: str, name: str) -> str:
    """MINUTES for "Referat ..." states ("Referat endeligt godkendt"), AGENDA for "Dagsorden ..."."""
    if _MINUTES_STATE.search(state):
        return t.MINUTES
    if _AGENDA_STATE.search(state):
        return t.AGENDA
    raise t.MinutesError(f"{name}: the meeting state {state!r} says neither agenda (dagsorden) nor minutes (referat)")


def _number(element: Element, name: str) -> int:
    raw = text_of(element, "AgendaItemNumber")
    if not raw.isdigit():
        title = squeeze(text_of(element, "Document/Title")) or "an item"
        if raw:
            raise t.MinutesError(f"{name}: {title!r} has item number {raw!r}, which is not a number")
        raise t.MinutesError(f"{name}: {title!r} has no item number (<AgendaItemNumber>)")
    return int(raw)


def _title(element: Element, *, neutral: bool = False) -> str:
    document = element.find("Document")
    fields = ("NeutralTitle", "Title") if neutral else ("Title", "NeutralTitle")
    for field in fields:
        if title := squeeze(text_of(document, field)):
            return title
    return squeeze(text_of(element, "Document/AgendaItems/AgendaItem/Name"))


def _closed_item(element: Element, name: str) -> t.Item:
    # Closed items: number and title only. NeutralTitle is eDoc's title for publishing.
    return export_item(number=_number(element, name), title=_title(element, neutral=True), closed=True)


def _open_item(
    element: Element,
    *,
    name: str,
    committee: str,
    date: dt.date,
    kind: str,
    files_here: dict[str, Path],
    file_warnings: list[t.ParseWarning],
    meeting_warnings: list[t.ParseWarning],
) -> t.Item:
    number = _number(element, name)
    text = clean_text(element.findtext("FullText") or "")
    parsed = _parse_full_text(text)
    title = _title(element) or parsed.title
    if parsed.number is not None and parsed.number != number:
        meeting_warnings.append(
            t.ParseWarning(0, f"item {number}: its text is printed as item {parsed.number} ({title!r})")
        )
    case = parse_case_number(parsed.case) if parsed.case else None

    decision_text, earlier = split_treatments(parsed.treatments, meeting_date=date)
    sections = list(parsed.sections)
    reading = None
    if kind == t.MINUTES and decision_text:
        reading = read_decision(decision_text, first_line=0, committee=committee, warnings=meeting_warnings)
        # split_treatments takes the last treatment dated this meeting; so does the heading.
        heading, position = next((h, p) for d, h, p in reversed(parsed.headings) if d == date)
        # In printed order: last in every item of the sample.
        sections.insert(position, t.Section(t.BESLUTNING, heading, reading.text, 0, 0))

    attachments, files = _attachments(element, name=name, files_here=files_here, warnings=file_warnings)
    return export_item(
        number=number,
        title=title,
        reading=reading,
        case=case,
        sections=tuple(sections),
        attachments=attachments,
        files=files,
        earlier_decisions=earlier,
    )


class _FullText:
    def __init__(self) -> None:
        self.number: int | None = None
        self.title = ""
        self.case = ""
        self.sections: list[t.Section] = []
        self.treatments: list[tuple[dt.date | None, str, str]] = []
        # (date, heading as printed, how many sections precede it) of each dated decision
        self.headings: list[tuple[dt.date, str, int]] = []


def _decision_heading(line: str) -> tuple[str, dt.date] | None:
    """(body, date) of "<Udvalget>s beslutning den DD.MM.YYYY Punkt N", None for other lines."""
    match = _DECISION_HEADING.match(line)
    if not match:
        return None
    try:
        date = dt.date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError:
        return None
    body = squeeze(match["body"])
    # A body's name is capitalized words joined by small ones ("Sundheds- og
    # Forebyggelsesudvalgets", "Udvalget for Teknik og Miljøs"); "Der henvises til ..." is not.
    if any(not word[:1].isupper() and word not in _NAME_JOINERS for word in body.split()):
        return None
    # Genitive "Sundheds- og Forebyggelsesudvalgets" -> the body's name "...udvalget".
    if body.endswith(("ets", "ens")):
        body = body[:-1]
    return body, date


def _is_heading(line: str) -> bool:
    return squeeze(line).rstrip(" :").casefold() in _SECTION_HEADINGS


def _parse_full_text(text: str) -> _FullText:
    """Split an item's FullText into its header fields, headed sections and dated decisions."""
    result = _FullText()
    lines = text.split("\n")
    # (kind of block, heading, body lines); kind "section", "decision" or "" for the header.
    block_kind, heading, body = "", "", []
    decision_key: tuple[str, dt.date] | None = None
    letters = False

    def flush() -> None:
        if block_kind == "section":
            # Body lines are right-stripped, so runs of blank lines are runs of "\n".
            section_text = re.sub(r"\n{3,}", "\n\n", "\n".join(body).strip())
            if section_text:
                result.sections.append(t.Section(section_kind(heading), heading, section_text, 0, 0))
        elif block_kind == "decision" and decision_key:
            result.treatments.append((decision_key[1], decision_key[0], _decision_text(body)))
            result.headings.append((decision_key[1], heading, len(result.sections)))

    for line in lines:
        stripped = line.strip()
        if block_kind == "" and not result.title and (match := _ITEM_TITLE_LINE.match(line)):
            result.number, result.title = int(match["number"]), squeeze(match["title"])
            continue
        if block_kind == "" and not result.case and (match := _CASE_LINE.match(line)):
            result.case = match["case"]
            continue
        if treatment := _decision_heading(stripped):
            flush()
            block_kind, heading, body, decision_key = "decision", squeeze(stripped), [], treatment
            continue
        if _is_heading(stripped):
            flush()
            block_kind, heading, body, decision_key = "section", squeeze(stripped), [], None
            continue
        # A lettered note of Meddelelser (item 1: "a." ... "e.", each note's "Bilag" between
        # them): its own section, headed by the letter as printed. Only there, so that a
        # lettered list inside a Sagsfremstilling or Indstilling stays in its section.
        in_notes = block_kind == "" or _LETTER_MARK.match(heading) or (letters and heading.casefold() == "bilag")
        if block_kind != "decision" and in_notes and (match := _LETTER_MARK.match(line)):
            letters = True
            flush()
            block_kind, heading, body, decision_key = "section", match["mark"], [], None
            continue
        # Header lines other than title and case ("Dok.nr.: ...", "Kommunalbestyrelsen den 30.
        # januar 2012 Punkt 5": an earlier treatment named without its decision) are not kept.
        if block_kind:
            body.append(line.rstrip())
    flush()
    return result


def _decision_text(lines: list[str]) -> str:
    """The decision printed under its heading, with the item-absence field only when it names
    someone: the empty field (every item of the sample) would read as a vote sentence."""
    decision: list[str] = []
    absence: list[str] = []
    target = decision
    for line in lines:
        if _ITEM_ABSENCE_FIELD.match(line):
            target = absence
        target.append(line)
    text = "\n".join(decision).strip()
    if any(line.strip() for line in absence[1:]):
        names = "\n".join(line.strip() for line in absence[1:] if line.strip())
        text = f"{text}\n\n{absence[0].strip()}\n{names}".strip()
    return text


def _attachments(
    element: Element, *, name: str, files_here: dict[str, Path], warnings: list[t.ParseWarning]
) -> tuple[tuple[str, ...], tuple[t.AttachmentFile, ...]]:
    """Titles of the item's attachments and their PDFs (Attachment/PDFDocument), with the text
    the export carries (Attachment/FullText). The item's own PDFDocument is not an attachment."""
    titles: list[str] = []
    files: list[t.AttachmentFile] = []
    for attachment in element.findall("Document/Attachments/Attachment"):
        pdf = text_of(attachment, "PDFDocument")
        title = squeeze(text_of(attachment, "Title")) or squeeze(text_of(attachment, "NeutralTitle")) or pdf
        if not title:
            continue
        titles.append(title)
        if not pdf:
            continue
        # A file name only: anything with a path in it would reach outside the export's folder.
        if Path(pdf).name != pdf or pdf in (".", ".."):
            warnings.append(t.ParseWarning(0, f"{name}: attachment {title!r} names {pdf!r}, not a file name; skipped"))
            continue
        file = files_here.get(pdf.casefold())
        if file is None:
            warnings.append(
                t.ParseWarning(0, f"{name}: attachment {title!r} names {pdf}, which is not in the export folder")
            )
            continue
        # Item 2's attachment (1537646.PDF) has an empty FullText: None lets the write path
        # extract the text from the PDF itself.
        text = clean_text(attachment.findtext("FullText") or "").strip() or None
        try:
            data = read_limited(file, limit=MAX_FILE_BYTES)
        except OSError as exc:
            raise t.MinutesError(f"{file.name}: cannot be read ({exc.strerror or exc})") from None
        files.append(t.AttachmentFile(position=len(titles), name=file.name, data=data, text=text))
    return tuple(titles), tuple(files)


def _header(source_text: str) -> list[str]:
    """The lines of the whole document before its table of contents."""
    lines = source_text.split("\n")
    for index, line in enumerate(lines):
        if line.strip().upper() == "INDHOLDSFORTEGNELSE":
            return lines[:index]
    return lines[:80]


def _location(source_text: str) -> str:
    """The place on the line after the date line: "i Mødecenter C, Lokale 32 på Ballerup Rådhus"."""
    lines = [line.strip() for line in _header(source_text) if line.strip()]
    for index, line in enumerate(lines[:-1]):
        if _DATE_LINE.search(line) and (match := _LOCATION_LINE.match(lines[index + 1])):
            return squeeze(match["location"])
    return ""


def _members(source_text: str, kind: str) -> tuple[t.Member, ...]:
    """Members from the "Tilstede" (present) and "Afbud/Fraværende" (absent) blocks of the
    whole document's head, one "Lolan Ottesen (A) - formand" a line. "Afbud/Fraværende" does
    not say which of the two, hence ABSENT. The "Sekretær" is staff, not a member."""
    members: list[t.Member] = []
    status, names_in_block = "", 0
    for line in _header(source_text):
        stripped = line.strip()
        if _PRESENT_HEADING.match(stripped):
            status, names_in_block = (t.PRESENT if kind == t.MINUTES else t.UNKNOWN), 0
        elif _ABSENT_HEADING.match(stripped):
            status, names_in_block = (t.ABSENT if kind == t.MINUTES else t.UNKNOWN), 0
        elif _OTHER_HEADING.match(stripped):
            status = ""
        elif not stripped:
            # A block of names ends at the first blank line after them ("Åbent referat" and
            # the like follow).
            if names_in_block:
                status, names_in_block = "", 0
        elif status:
            role = ""
            if match := _MEMBER_ROLE.match(stripped):
                stripped, role = match["name"], squeeze(match["role"])
            member_name, party = name_and_party(stripped)
            members.append(t.Member(name=member_name, party=party, role=role, status=status))
            names_in_block += 1
    return tuple(members)
