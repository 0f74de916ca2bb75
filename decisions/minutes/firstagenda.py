"""Read one meeting of a FirstAgenda Publication site as its JSON API answers it.

`GET /api/agenda/dagsorden/{meeting id}` (Hvidovre Kommune, Økonomiudvalget 2026-05-18, in
fixtures/formats/firstagenda/) is one object:

    {"Dagsordenpunkter": [...], "Udvalg": {"Navn": "Økonomiudvalget", ...},
     "Moede": {"MeetingBeginUtc": "2026-05-18T17:00:00+02:00", "Dato": ..., "Sted": "Hvidovre ",
               "Moededeltagere": [{"Name", "Absent", "ParticipationCancelled"}], "Navn": "Dagsorden"},
     "Id": "<meeting id>", ...}

Each item (Dagsordenpunkt) has Punktnummer, Navn (closed items: "Lukket: ...", IsOpen false and
no text), SagsNummer ("26/1172"), Felter[].Html (the item's text: <h3> headings such as
Beslutningstema, Indstilling, "Beslutning i Økonomiudvalget den 16-03-2026", Sagsfremstilling,
each followed by a word processor's HTML export), ItemDecision and Bilag (attachments: Id, Navn,
Order). The minutes (Referat) are the same document with this meeting's "Beslutning i <udvalg>
den DD-MM-YYYY" block in each item. Nothing of the JSON is trusted: every value's type is checked,
text cleaned, HTML turned into text.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from . import types as t
from .common import (
    clean_text,
    election_term,
    export_item,
    is_placeholder,
    name_and_party,
    parse_case_number,
    render_meeting,
    section_kind,
    split_treatments,
    squeeze,
    treatment_heading,
)
from .decisions import read_decision
from .markup import MAX_XML_BYTES, html_to_text, read_limited

FORMAT = "firstagenda"
DESCRIPTION = "a FirstAgenda meeting as JSON (.json: GET /api/agenda/dagsorden/<meeting id>)"

# A meeting's JSON is 0.1-1 MB (Økonomiudvalget's 34 items: about 300 KB); the exports' limit.
MAX_JSON_BYTES = MAX_XML_BYTES
# The answer nests five deep (meeting, items, item, Felter, field); anything deeper is not one.
MAX_DEPTH = 20
_HEAD_BYTES = 8192
_TIMEZONE = ZoneInfo("Europe/Copenhagen")

# The meeting list's Navn (and the JSON's Moede.Navn): what the document is.
_KIND_NAMES = {
    "referat": t.MINUTES,
    "lukket referat": t.MINUTES,
    "dagsorden": t.AGENDA,
    "tillægsdagsorden": t.AGENDA,
    "tillaegsdagsorden": t.AGENDA,
}
_KEYS = re.compile(rb'"(?:Dagsordenpunkter|Moede|Udvalg)"\s*:')
_H3 = re.compile(r"<(/?)h3\b[^<>]*>", re.IGNORECASE)


# --------------------------------------------------------------------------- detect


def looks_like(head: bytes) -> bool:
    """True when the start of a file is a JSON object with a FirstAgenda meeting's keys."""
    start = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    return start.startswith(b"{") and _KEYS.search(start) is not None


def detect(path: Path) -> bool:
    """True for any .json file (this reader says what is wrong with one that is not a FirstAgenda
    meeting, as Publication does for any zip) and for a file whose content looks like one.
    Folders are never a FirstAgenda source. Never raises."""
    try:
        if not path.is_file():
            return False
        if path.suffix.lower() == ".json":
            return True
        with path.open("rb") as handle:
            return looks_like(handle.read(_HEAD_BYTES))
    except Exception:  # noqa: BLE001 - detect never raises: whatever fails to open is not ours
        return False


# --------------------------------------------------------------------------- read


def read(path: Path) -> list[t.Reading]:
    """The one meeting of a FirstAgenda meeting JSON file."""
    try:
        data = read_limited(path, limit=MAX_JSON_BYTES)
    except OSError as exc:
        raise t.MinutesError(f"{path.name}: cannot be read ({exc.strerror or exc})") from None
    return [read_bytes(data, name=path.name)]


def read_bytes(data: bytes, *, name: str, kind_hint: str | None = None) -> t.Reading:
    """One meeting's JSON (`GET /api/agenda/dagsorden/{id}`) to a Reading.

    Agenda or minutes is decided from the JSON first: a "Beslutning i <this committee> den <this
    meeting's date>" block, an undated "Beslutning" with text or a filled ItemDecision in any
    open item means minutes. Without one, the JSON's Moede.Navn ("Referat", "Dagsorden"), then
    `kind_hint` (the meeting list's Navn: "Referat", "Lukket referat", "Dagsorden",
    "Tillægsdagsorden"; another name is a warning and left out), else an agenda. MinutesError
    when the bytes are not such a meeting."""
    if len(data) > MAX_JSON_BYTES:
        raise t.MinutesError(
            f"{name}: the file is {len(data) / 1e6:.1f} MB, over the limit of {MAX_JSON_BYTES / 1e6:.0f} MB"
        )
    root = _parse(data, name)
    return _read(root, data, name=name, hint=kind_hint)


def _parse(data: bytes, name: str) -> dict:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise t.MinutesError(f"{name}: not UTF-8 text (byte {exc.start}), so not FirstAgenda JSON") from None
    try:
        root = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise t.MinutesError(f"{name}: the JSON nests too deeply to be a FirstAgenda meeting") from None
    except ValueError as exc:  # JSONDecodeError, and NaN/Infinity
        where = f" at line {exc.lineno}, column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise t.MinutesError(f"{name}: not valid JSON ({getattr(exc, 'msg', exc)}){where}") from None
    _check_depth(root, name)
    if not isinstance(root, dict):
        raise t.MinutesError(
            f"{name}: the JSON is a {_type(root)}, not a FirstAgenda meeting (an object with Udvalg, Moede "
            "and Dagsordenpunkter)"
        )
    if "Dagsordenpunkter" not in root or "Moede" not in root:
        if "Udvalg" in root and isinstance(root["Udvalg"], dict) and "Moede" not in root:
            what = "a FirstAgenda committee list (udvalgsliste)"
        else:
            what = "JSON of another shape"
        raise t.MinutesError(
            f"{name}: {what}, not one meeting's agenda or minutes (GET /api/agenda/dagsorden/<id>: "
            "an object with Udvalg, Moede and Dagsordenpunkter)"
        )
    return root


def _no_constant(value: str):
    raise ValueError(f"{value} is not a JSON number")


def _check_depth(root, name: str) -> None:
    """Refuse JSON nested deeper than a meeting is (iteratively: no recursion to exhaust)."""
    stack = [(root, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise t.MinutesError(f"{name}: the JSON nests deeper than {MAX_DEPTH} levels; not a FirstAgenda meeting")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values() if isinstance(v, (dict, list)))
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value if isinstance(v, (dict, list)))


# --------------------------------------------------------------------------- typed access


def _type(value) -> str:
    return {
        dict: "object",
        list: "list",
        str: "string",
        bool: "boolean",
        int: "number",
        float: "number",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _object(parent: dict, key: str, where: str, name: str) -> dict:
    value = parent.get(key)
    if not isinstance(value, dict):
        raise t.MinutesError(f"{name}: {where}{key} is {_type(value)}, not an object")
    return value


def _list(parent: dict, key: str, where: str, name: str) -> list:
    """A list value; a missing key or null is an empty list."""
    value = parent.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise t.MinutesError(f"{name}: {where}{key} is {_type(value)}, not a list")
    return value


def _string(parent: dict, key: str, where: str, name: str) -> str:
    """A string value, cleaned (control characters dropped, NBSP as space); missing or null is ""."""
    value = parent.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise t.MinutesError(f"{name}: {where}{key} is {_type(value)}, not text")
    return clean_text(value)


def _flag(parent: dict, key: str, where: str, name: str) -> bool | None:
    value = parent.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise t.MinutesError(f"{name}: {where}{key} is {_type(value)}, not true or false")


def _when(raw: str, what: str, name: str) -> tuple[dt.date, dt.time | None]:
    """ "2026-05-18T17:00:00+02:00" as the local (Europe/Copenhagen) date and time; a time
    without an offset is UTC (MeetingBeginUtc); a date alone has no time."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        try:
            return dt.date.fromisoformat(raw), None
        except ValueError:
            raise t.MinutesError(f"{name}: {what} {raw!r} is not a valid date") from None
    # Fractions of a second beyond microseconds (.7035726) are cut to six digits.
    cleaned = re.sub(r"(\.\d{6})\d+", r"\1", raw.strip())
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})?", cleaned):
        raise t.MinutesError(f"{name}: {what} {raw!r} is not a date and time (YYYY-MM-DDTHH:MM:SS+HH:MM)")
    try:
        moment = dt.datetime.fromisoformat(cleaned.replace("Z", "+00:00"))
    except ValueError:
        raise t.MinutesError(f"{name}: {what} {raw!r} is not a valid date and time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    local = moment.astimezone(_TIMEZONE)
    return local.date(), local.time().replace(tzinfo=None)


# --------------------------------------------------------------------------- the meeting


def _read(root: dict, data: bytes, *, name: str, hint: str | None) -> t.Reading:
    warnings: list[t.ParseWarning] = []
    kind_hint = None
    if hint is not None:
        kind_hint = _KIND_NAMES.get(squeeze(clean_text(str(hint))).casefold())
        if kind_hint is None:
            # A name the site may add one day: the JSON decides, the hint is left out.
            warnings.append(
                t.ParseWarning(0, f"the document name {squeeze(clean_text(str(hint)))!r} is not understood")
            )
    committee_obj = _object(root, "Udvalg", "", name)
    committee = squeeze(_string(committee_obj, "Navn", "Udvalg.", name))
    if not committee:
        raise t.MinutesError(f"{name}: the JSON names no committee (Udvalg.Navn is empty)")
    moede = _object(root, "Moede", "", name)
    raw_begin = squeeze(_string(moede, "MeetingBeginUtc", "Moede.", name))
    raw_date = squeeze(_string(moede, "Dato", "Moede.", name))
    if not (raw_begin or raw_date):
        raise t.MinutesError(f"{name}: the meeting has no date (Moede.MeetingBeginUtc and Moede.Dato are empty)")
    if raw_begin:
        date, start_time = _when(raw_begin, "the meeting's begin (Moede.MeetingBeginUtc)", name)
        if raw_date:
            other, _ = _when(raw_date, "the meeting's date (Moede.Dato)", name)
            if other != date:
                warnings.append(t.ParseWarning(0, f"Moede.Dato {raw_date} is another day than MeetingBeginUtc"))
    else:
        date, start_time = _when(raw_date, "the meeting's date (Moede.Dato)", name)
    location = squeeze(_string(moede, "Sted", "Moede.", name))

    raw_items = _list(root, "Dagsordenpunkter", "", name)
    if not raw_items:
        raise t.MinutesError(f"{name}: the meeting has no items (Dagsordenpunkter is empty)")
    parsed = [_raw_item(element, index, committee, date, name) for index, element in enumerate(raw_items, 1)]

    # Agenda or minutes: this meeting's decision in any open item makes minutes.
    if any(item.decision_text for item in parsed):
        kind = t.MINUTES
    elif (own := _KIND_NAMES.get(squeeze(_string(moede, "Navn", "Moede.", name)).casefold())) is not None:
        kind = own
    elif kind_hint is not None:
        kind = kind_hint
    else:
        kind = t.AGENDA
        warnings.append(t.ParseWarning(0, "no decision of this meeting and no document name: read as an agenda"))

    items = []
    numbers: set[int] = set()
    for raw in parsed:
        item = raw.item(kind, committee, date, warnings)
        if item.number in numbers:
            raise t.MinutesError(f"{name}: item number {item.number} occurs twice")
        numbers.add(item.number)
        items.append(item)

    members = _members(moede, kind, name)
    meeting = t.Meeting(
        committee=committee,
        term=election_term(date),
        date=date,
        start_time=start_time,
        location=location,
        items=tuple(items),
        warnings=tuple(warnings),
        kind=kind,
        # The JSON names the municipality nowhere (only its site's address in links).
        municipality="",
        members=members,
        source_format=FORMAT,
    )
    return t.Reading(meeting=meeting, source_name=name, source_text=render_meeting(meeting), original=data)


def _members(moede: dict, kind: str, name: str) -> tuple[t.Member, ...]:
    """Moededeltagere: in minutes, ParticipationCancelled is apologies (afbud), Absent absence,
    else present. An agenda records no participation (as Acadre's)."""
    members = []
    for index, element in enumerate(_list(moede, "Moededeltagere", "Moede.", name), 1):
        where = f"Moede.Moededeltagere[{index}]."
        if not isinstance(element, dict):
            raise t.MinutesError(f"{name}: {where[:-1]} is {_type(element)}, not an object")
        member_name, party = name_and_party(_string(element, "Name", where, name))
        if not member_name:
            continue
        cancelled = _flag(element, "ParticipationCancelled", where, name)
        absent = _flag(element, "Absent", where, name)
        status = t.UNKNOWN
        if kind == t.MINUTES:
            status = t.APOLOGIES if cancelled else t.ABSENT if absent else t.PRESENT
        members.append(t.Member(name=member_name, party=party, role="", status=status))
    return tuple(members)


# --------------------------------------------------------------------------- items


@dataclass(frozen=True)
class _RawItem:
    """An item as read, before the document's kind is known: `entries` are its printed blocks,
    a Section or a treatment (heading, date, body, text)."""

    number: int
    title: str
    closed: bool
    decision_text: str = ""  # this meeting's decision, when the item prints one
    case: t.CaseNumber | None = None
    entries: tuple = ()
    attachments: tuple[str, ...] = ()
    warnings: tuple[t.ParseWarning, ...] = ()

    def item(self, kind: str, committee: str, date: dt.date, warnings: list[t.ParseWarning]) -> t.Item:
        if self.closed:
            return export_item(number=self.number, title=self.title, closed=True)
        warnings.extend(self.warnings)
        treatments = [entry for entry in self.entries if not isinstance(entry, t.Section)]
        own = [(when, body, text) for _, when, body, text in treatments if _is_own(body, when, committee, date)]
        others = [(when, body, text) for _, when, body, text in treatments if not _is_own(body, when, committee, date)]
        decision_text, earlier = split_treatments(own, meeting_date=date)
        # Another body's treatment dated this meeting's day is history, never this decision.
        _, other_earlier = split_treatments(others, meeting_date=dt.date.min)
        if other_earlier:
            earlier = tuple(sorted(earlier + other_earlier, key=lambda e: e.date or dt.date.min))
        if kind == t.AGENDA:
            decision_text = ""
        reading = None
        if decision_text:
            reading = read_decision(decision_text, first_line=0, committee=committee, warnings=warnings)
        # The decision is printed where its block stood (the last one of this meeting, should
        # there be two, as split_treatments keeps); earlier treatments leave the sections.
        decision_at = max(
            (
                i
                for i, entry in enumerate(self.entries)
                if not isinstance(entry, t.Section)
                and entry[1] == date
                and _same_body(entry[2], committee)
                and entry[3] == decision_text
            ),
            default=None,
        )
        sections: list[t.Section] = []
        for i, entry in enumerate(self.entries):
            if isinstance(entry, t.Section):
                sections.append(entry)
            elif i == decision_at and reading is not None:
                sections.append(t.Section(t.BESLUTNING, entry[0], reading.text, 0, 0))
        return export_item(
            number=self.number,
            title=self.title,
            reading=reading,
            case=self.case,
            sections=tuple(sections),
            attachments=self.attachments,
            earlier_decisions=earlier,
        )


def _same_body(body: str, committee: str) -> bool:
    return squeeze(body).casefold() == squeeze(committee).casefold()


def _is_own(body: str, when: dt.date | None, committee: str, date: dt.date) -> bool:
    """A treatment that can be this meeting's decision: this committee's (or another day's)."""
    return when != date or _same_body(body, committee)


def _raw_item(element, index: int, committee: str, date: dt.date, name: str) -> _RawItem:
    where = f"Dagsordenpunkter[{index}]."
    if not isinstance(element, dict):
        raise t.MinutesError(f"{name}: Dagsordenpunkter[{index}] is {_type(element)}, not an object")
    title = squeeze(_string(element, "Navn", where, name) or _string(element, "Caption", where, name))
    raw_number = squeeze(_string(element, "Punktnummer", where, name) or _string(element, "Number", where, name))
    if not raw_number.isdigit() or not raw_number.isascii() or len(raw_number) > 6:
        label = f"item {title!r}" if title else f"item {index}"
        raise t.MinutesError(f"{name}: {label} has no item number (Punktnummer {raw_number!r})")
    number = int(raw_number)
    if not title:
        raise t.MinutesError(f"{name}: item {number} has no title (Navn is empty)")
    # Only an explicit true opens an item; the site titles closed ones "Lukket: ...".
    is_open = _flag(element, "IsOpen", where, name)
    closed = is_open is not True or title.casefold().startswith("lukket:")
    if closed:
        return _RawItem(number=number, title=title, closed=True, decision_text="")

    warnings: list[t.ParseWarning] = []
    raw_case = squeeze(_string(element, "SagsNummer", where, name) or _string(element, "CaseNumber", where, name))
    case = parse_case_number(raw_case) if raw_case else None
    if raw_case and case is None:
        warnings.append(t.ParseWarning(0, f"item {number}: case number {raw_case!r} is not one; not kept"))

    entries: list = []  # Section, or (heading, date, body, text) of a treatment
    for field_index, field in enumerate(_list(element, "Felter", where, name), 1):
        field_where = f"{where}Felter[{field_index}]."
        if not isinstance(field, dict):
            raise t.MinutesError(f"{name}: {field_where[:-1]} is {_type(field)}, not an object")
        html = _string(field, "Html", field_where, name)
        plain = _string(field, "Tekst", field_where, name)
        if html.strip():
            entries += _blocks(html, committee, date)
        elif plain.strip():
            text = "\n".join(line.rstrip() for line in plain.strip().split("\n"))
            heading = squeeze(_string(field, "Navn", field_where, name))
            entries.append(t.Section(section_kind(heading) if heading else t.SAGSFREMSTILLING, heading, text, 0, 0))
    decision = _item_decision(element.get("ItemDecision"), where, name)
    if decision:
        entries.append(("Beslutning", date, committee, decision))

    decision_text = next(
        (
            text
            for entry in entries
            if not isinstance(entry, t.Section)
            for _, when, body, text in [entry]
            if when == date and _same_body(body, committee) and not is_placeholder(text)
        ),
        "",
    )
    return _RawItem(
        number=number,
        title=title,
        closed=False,
        case=case,
        entries=tuple(entries),
        attachments=_attachments(element, where, name),
        warnings=tuple(warnings),
        decision_text=decision_text,
    )


def _item_decision(value, where: str, name: str) -> str:
    """ItemDecision, where the site fills it: text or HTML, or an object holding it."""
    if value is None:
        return ""
    if isinstance(value, str):
        return html_to_text(value)
    if isinstance(value, dict):
        for key in ("Html", "Tekst", "Text", "Beslutning", "Decision"):
            if isinstance(value.get(key), str) and value[key].strip():
                return html_to_text(value[key])
        return ""
    raise t.MinutesError(f"{name}: {where}ItemDecision is {_type(value)}, not text or an object")


def _blocks(html: str, committee: str, date: dt.date) -> list:
    """The item's HTML as printed entries, one per <h3> heading: a Section, or a treatment
    (heading, date, body, text) for "Beslutning i <udvalg> den DD-MM-YYYY" (and an undated
    "Beslutning", this meeting's). Text before the first heading is a section without one."""
    # Headings are paired open/close in one scan (no backtracking over an unclosed <h3>).
    parts: list[tuple[str, str]] = []  # (heading html, body html)
    position = 0
    open_at = -1
    pending_heading = ""
    for match in _H3.finditer(html):
        if not match[1]:
            if open_at < 0:
                parts.append((pending_heading, html[position : match.start()]))
                open_at = match.end()
        elif open_at >= 0:
            pending_heading = html[open_at : match.start()]
            position = match.end()
            open_at = -1
    if open_at >= 0:  # an unclosed <h3>: the rest is its heading's text
        pending_heading = html[open_at:]
        position = len(html)
    parts.append((pending_heading, html[position:]))

    entries: list = []
    for raw_heading, raw_body in parts:
        heading = squeeze(html_to_text(raw_heading))
        text = html_to_text(raw_body)
        if dated := treatment_heading(heading):
            body, when = dated
            entries.append((heading, when, squeeze(body), text))
        elif heading and section_kind(heading) == t.BESLUTNING:
            entries.append((heading, date, committee, text))
        elif text:
            entries.append(t.Section(section_kind(heading) if heading else t.SAGSFREMSTILLING, heading, text, 0, 0))
    return entries


def _attachments(element: dict, where: str, name: str) -> tuple[str, ...]:
    """Bilag titles in their Order (the file's order where equal: all 0 on the site)."""
    found: list[tuple[int, int, str]] = []
    for index, enclosure in enumerate(_list(element, "Bilag", where, name), 1):
        enclosure_where = f"{where}Bilag[{index}]."
        if not isinstance(enclosure, dict):
            raise t.MinutesError(f"{name}: {enclosure_where[:-1]} is {_type(enclosure)}, not an object")
        title = squeeze(_string(enclosure, "Navn", enclosure_where, name))
        order = enclosure.get("Order", 0)
        if isinstance(order, bool) or not isinstance(order, int):
            order = 0
        if title:
            found.append((order, index, title))
    return tuple(title for _, _, title in sorted(found))


# --------------------------------------------------------------------------- text
