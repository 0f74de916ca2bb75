"""Parse the text of Odense committee minutes ("REFERAT") into `types.Meeting`.

The layout is the one of the PDFs Odense publishes, as text (see fixtures/minutes/):
header, table of contents, then `Punkt N:` items with a case number and headed
sections. The `Punkt N:` heading is authoritative; the table of contents only
serves to warn when the two disagree.
"""

from __future__ import annotations

import datetime as dt
import re

from . import types as t
from .common import CASE_NUMBER, MONTHS, normalize_case_number, parse_case_number, parse_kle_case_number
from .decisions import read_decision

__all__ = ["CASE_NUMBER", "normalize_case_number", "parse_case_number", "parse_minutes"]

_HEADER = re.compile(
    r"^REFERAT\s+(?P<committee>.+?)\s+(?P<term>\d{4}\s*-\s*\d{4})"
    r"(?:\s+d\.\s*(?P<date>\d{1,2}-\d{1,2}-\d{4}))?\s*$"
)
_HEADER_DATE_ALONE = re.compile(r"^d\.\s*(?P<date>\d{1,2}-\d{1,2}-\d{4})\s*$")
_MEETING_DATE = re.compile(
    r"^Mødedato\s+(?:\w+\s+)?(?:d\.\s*)?(?P<day>\d{1,2})\.?\s*(?P<month>[a-zæøå]+)\.?\s+(?P<year>\d{4})"
    r"(?:\s+kl\.?\s*(?P<hour>\d{1,2})[:.](?P<minute>\d{2}))?",
    re.IGNORECASE,
)
_PLACE = re.compile(r"^Mødested\s*:?\s*(?P<place>.*)$")
_TOC = "Indholdsfortegnelse"
_TOC_LINE = re.compile(r"^(?P<title>.*?)(?:\s*(?:\.{2,}|…+))?\s*\t\s*(?P<page>\d+)\s*$")
_ITEM = re.compile(r"^Punkt\s+(?P<number>\d+)\s*:\s*(?P<title>.*?)\s*$")
_CATEGORY = re.compile(r"^(?P<category>[A-D])-sag\s*:\s*(?P<title>.*)$")
_HEADINGS = {
    "Resume": t.RESUME,
    "Effekt": t.EFFEKT,
    "Text": t.EFFEKT,  # older files (2017) call the effect section "Text"
    "INDSTILLING": t.INDSTILLING,
    "Indstilling": t.INDSTILLING,
    "Beslutning": t.BESLUTNING,
    "Sagsfremstilling": t.SAGSFREMSTILLING,
    "Økonomi": t.OEKONOMI,
    "Bilag": t.BILAG,
}
# How far into the file the REFERAT header may appear (PDF text often starts with blanks).
_HEADER_SEARCH_LINES = 40
_MARKUP = re.compile(r"\*\*|</?(?:i|b|em|strong)>", re.IGNORECASE)


def _clean_line(line: str) -> str:
    # Non-breaking spaces come from the PDF conversion; they are ordinary spaces here.
    return line.replace("\u00a0", " ").replace("\ufeff", "").rstrip(" \r")


def _plain(line: str) -> str:
    """A line without stray conversion markup, for recognising structure."""
    return _MARKUP.sub("", line).strip()


def _parse_date(raw: str, line: int) -> dt.date:
    day, month, year = (int(part) for part in raw.split("-"))
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise t.MinutesError(f"the meeting date {raw!r} is not a valid date", line) from None


def _comparable(title: str) -> str:
    return re.sub(r"\s+", " ", title).strip().casefold()


def parse_minutes(text: str) -> t.Meeting:
    """Parse minutes text; raise `MinutesError` with a line number when it is not minutes."""
    lines = [_clean_line(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    warnings: list[t.ParseWarning] = []

    header_index, committee, term, date = _read_header(lines)
    cursor = header_index + 1
    start_time = None
    location = ""
    item_starts = [i for i, line in enumerate(lines) if _ITEM.match(_plain(line))]
    end_of_front = item_starts[0] if item_starts else len(lines)
    toc_index = next((i for i in range(cursor, end_of_front) if _plain(lines[i]) == _TOC), end_of_front)

    for i in range(cursor, toc_index):
        plain = _plain(lines[i])
        if match := _MEETING_DATE.match(plain):
            start_time = _read_time(match, date, i + 1, warnings)
        elif match := _PLACE.match(plain):
            location = match["place"].strip()
            # The place can continue on the following line(s) before the table of contents.
            for following in lines[i + 1 : toc_index]:
                following = _plain(following)
                if following and not _MEETING_DATE.match(following) and not _HEADER_DATE_ALONE.match(following):
                    location = f"{location} {following}".strip()
            break

    toc = _read_toc(lines[toc_index + 1 : end_of_front])
    if not item_starts:
        raise t.MinutesError("no agenda items found (no line starting with 'Punkt 1:')", len(lines))

    items: list[t.Item] = []
    seen: dict[int, int] = {}
    for position, start in enumerate(item_starts):
        end = item_starts[position + 1] if position + 1 < len(item_starts) else len(lines)
        toc_title = toc[position] if position < len(toc) else ""
        item = _read_item(lines, start, end, committee, toc_title, warnings)
        if item.number in seen:
            raise t.MinutesError(
                f"item number {item.number} appears twice (first on line {seen[item.number]})",
                start + 1,
            )
        seen[item.number] = start + 1
        items.append(item)

    if toc and len(toc) != len(items):
        warnings.append(
            t.ParseWarning(
                toc_index + 1,
                f"the table of contents lists {len(toc)} items but the minutes have {len(items)}",
            )
        )
    return t.Meeting(
        committee=committee,
        term=term,
        date=date,
        start_time=start_time,
        location=location,
        items=tuple(items),
        warnings=tuple(warnings),
    )


def _read_header(lines: list[str]) -> tuple[int, str, str, dt.date]:
    for i, line in enumerate(lines[:_HEADER_SEARCH_LINES]):
        match = _HEADER.match(_plain(line))
        if not match:
            continue
        raw_date = match["date"]
        if raw_date is None:
            # The date may stand on its own line: "REFERAT <committee> <term>" / "d. 05-03-2019".
            for j in range(i + 1, min(i + 4, len(lines))):
                if alone := _HEADER_DATE_ALONE.match(_plain(lines[j])):
                    raw_date = alone["date"]
                    break
            if raw_date is None:
                raise t.MinutesError("the REFERAT header has no meeting date ('d. DD-MM-YYYY')", i + 1)
        term = re.sub(r"\s+", "", match["term"])
        return i, match["committee"].strip(), term, _parse_date(raw_date, i + 1)
    first = next((i + 1 for i, line in enumerate(lines) if line.strip()), 0)
    raise t.MinutesError(
        "this is not committee minutes: no 'REFERAT <committee> <term> d. <DD-MM-YYYY>' header",
        first,
    )


def _read_time(match: re.Match, date: dt.date, line: int, warnings: list[t.ParseWarning]) -> dt.time | None:
    month = MONTHS.get(match["month"].lower())
    if month:
        try:
            printed = dt.date(int(match["year"]), month, int(match["day"]))
        except ValueError:
            printed = None
        if printed != date:
            warnings.append(t.ParseWarning(line, f"Mødedato differs from the header date {date:%d-%m-%Y}"))
    if match["hour"] is None:
        return None
    hour, minute = int(match["hour"]), int(match["minute"])
    if hour > 23 or minute > 59:
        warnings.append(t.ParseWarning(line, f"meeting time {hour}:{minute:02d} is not a time"))
        return None
    return dt.time(hour, minute)


def _read_toc(lines: list[str]) -> list[str]:
    titles = []
    for line in lines:
        if match := _TOC_LINE.match(line):
            title = match["title"].rstrip(". …").strip()
            if category := _CATEGORY.match(title):
                title = category["title"].strip()
            titles.append(title)
    return titles


def _read_item(
    lines: list[str],
    start: int,
    end: int,
    committee: str,
    toc_title: str,
    warnings: list[t.ParseWarning],
) -> t.Item:
    heading = _ITEM.match(_plain(lines[start]))
    number = int(heading["number"])
    title = heading["title"]
    cursor = start + 1
    # A long title can wrap onto the next line(s) before the blank line that follows it.
    while cursor < end and lines[cursor].strip() and not _is_structure(lines[cursor]):
        title = f"{title} {_plain(lines[cursor])}"
        cursor += 1
    category = ""
    if match := _CATEGORY.match(title):
        category, title = match["category"], match["title"].strip()
    if not title:
        raise t.MinutesError(f"item {number} has no title", start + 1)

    while cursor < end and not lines[cursor].strip():
        cursor += 1
    case = None
    # Odense prints KLE numbers only; any other line here is text, not a case number.
    if cursor < end and (case := parse_kle_case_number(_plain(lines[cursor]))):
        cursor += 1
    else:
        warnings.append(t.ParseWarning(start + 1, f"item {number}: missing case number"))

    sections = _read_sections(lines, cursor, end, number, warnings)
    _check_toc(number, title, toc_title, start + 1, warnings)

    attachments = tuple(
        line.strip()
        for section in sections
        if section.kind == t.BILAG
        for line in section.text.split("\n")
        if line.strip()
    )
    decision_section = next((s for s in sections if s.kind == t.BESLUTNING), None)
    decision = read_decision(
        decision_section.text if decision_section else "",
        first_line=decision_section.text_line if decision_section else 0,
        committee=committee,
        warnings=warnings,
    )
    return t.Item(
        number=number,
        title=title,
        category=category,
        case=case,
        sections=sections,
        attachments=attachments,
        decision=decision.text,
        outcome=decision.outcome,
        subject_outcomes=decision.subject_outcomes,
        votes=decision.votes,
        bloc_votes=decision.bloc_votes,
        absences=decision.absences,
        other_committees=decision.other_committees,
        tallies=decision.tallies,
        protocol_notes=decision.protocol_notes,
        toc_title=toc_title,
        line=start + 1,
    )


def _is_structure(line: str) -> bool:
    plain = _plain(line)
    return plain in _HEADINGS or bool(parse_kle_case_number(plain))


def _read_sections(
    lines: list[str], start: int, end: int, number: int, warnings: list[t.ParseWarning]
) -> tuple[t.Section, ...]:
    sections: list[t.Section] = []
    heading: str | None = None
    kind_open = ""
    heading_line = 0
    body: list[str] = []
    seen_kinds: set[str] = set()

    def close() -> None:
        if heading is not None:
            leading = next((k for k, line in enumerate(body) if line.strip()), len(body))
            text = "\n".join(body[leading:]).rstrip("\n")
            first = heading_line + leading + (0 if heading == "" else 1)
            sections.append(t.Section(kind_open, heading, text, heading_line, first))

    for i in range(start, end):
        plain = _plain(lines[i])
        kind = _HEADINGS.get(plain)
        # A heading word repeated inside the same item is a sub-heading of the text, not a new section.
        if kind is not None and kind not in seen_kinds:
            close()
            heading, kind_open, heading_line, body = plain, kind, i + 1, []
            seen_kinds.add(kind)
        elif heading is None:
            if plain:
                # Kept as an unheaded resume (heading "") so that no text is lost.
                warnings.append(t.ParseWarning(i + 1, f"item {number}: text before the first section heading"))
                heading, kind_open, heading_line, body = "", t.RESUME, i + 1, [lines[i]]
                seen_kinds.add(t.RESUME)
        else:
            body.append(lines[i] if lines[i].strip() else "")
    close()
    return tuple(sections)


def _check_toc(number: int, title: str, toc_title: str, line: int, warnings: list[t.ParseWarning]) -> None:
    if not toc_title:
        return
    heading, listed = _comparable(title), _comparable(toc_title)
    # A table-of-contents title cut short (its last character sometimes garbled) is expected.
    if heading == listed or (heading.startswith(listed[:-1]) and len(listed) > 20):
        return
    warnings.append(
        t.ParseWarning(
            line,
            f"item {number}: title differs from the table of contents ({toc_title!r})",
        )
    )
