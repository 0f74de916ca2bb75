"""Read an Acadre MM export: the manifest `XML_<agenda>.xml` and the folder of files it names.

The manifest (Syddjurs Kommune, Udvalget for plan, udvikling og kultur 2013-06-20, in
fixtures/formats/acadre/) is a small <root> with attribute-style fields:

    <table name="committee"> <table name="meeting"> <table name="agenda">
    <table name="producedAgenda">
      <fields> <field type="1"/> <field xmlfilename="3686423.xml"/> <field publish="0"/> ... </fields>
      <fields> <field type="2"/> <field xmlfilename="3687981.xml"/> <field publish="1"/>
               <field filesfolder="Files_1863_3687982"/> ... </fields>

one <fields> per produced document: type 1 the agenda ("Dagsorden PUK 20.06.2013"), type 2 the
minutes ("Referat PUK"). The produced document's XML (Files_1863_3687982/3687981.XML) is a
<root> whose <table name="agenda"> holds, as <field name="...">value</field> rows, the
committee with its members (commember), the meeting (date, location, address) with its
participants (meetmember, `absent`), and agendaitemparents/agendaitem per item: caseno,
access, bullet sections (bulletname, bulletcontent as HTML) and enclosure attachments.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from xml.etree.ElementTree import Element

from . import types as t
from .common import (
    body_heading,
    clean_text,
    dated_paragraphs,
    election_term,
    export_item,
    name_and_party,
    parse_case_number,
    section_kind,
    split_treatments,
    squeeze,
    treatment_heading,
)
from .decisions import read_decision
from .markup import MAX_FILE_BYTES, MAX_XML_BYTES, head_text, html_to_text, parse_xml, read_limited, text_of, xml_files

FORMAT = "acadre"
DESCRIPTION = "an Acadre MM export folder (manifest XML_*.xml with a producedAgenda table, and its Files_ folder)"

# detect() reads this much of a candidate XML and looks at this many candidates in a folder.
_HEAD_BYTES = 4096
_MAX_CANDIDATES = 50
# A DOCTYPE is let through here so that read() refuses it in so many words (parse_xml).
_ROOT = re.compile(
    r"^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*(?:<!DOCTYPE\s[^\[>]*(?:\[.*?\])?\s*>\s*)?<root[\s>]", re.DOTALL
)
_PRODUCED = re.compile(r"<table\s+name\s*=\s*[\"']producedAgenda[\"']")

# producedAgenda `type`: 1 "Dagsorden PUK 20.06.2013", 2 "Referat PUK" (XML_1863.xml). The
# minutes XML's own agendaData/agendaType is 1 even in the minutes, so it says nothing of this.
_AGENDA_TYPE = "1"
_MINUTES_TYPE = "2"

# meetmember/member `absent`: 0 present (all five in the sample, who are all listed under
# "Medlemmer" in the rendered 3687982.DOCX), 1 absent (fraværende), 2 sent apologies (afbud).
_ABSENT_STATUS = {"0": t.PRESENT, "1": t.ABSENT, "2": t.APOLOGIES}

# meeting `date` "2013-06-20 10:30"; upcomingmeeting writes "14-08-2013 13:00:00".
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_DANISH_DATE = re.compile(r"(\d{1,2})-(\d{1,2})-(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")


def detect(path: Path) -> bool:
    """True for an Acadre manifest (root <root> with a producedAgenda table in its first 4 KB) or a
    folder holding one. Never raises."""
    try:
        if path.is_dir():
            return any(True for _ in _manifests(path, limit=_MAX_CANDIDATES))
        return _looks_like_manifest(path)
    except Exception:  # noqa: BLE001 - detect must never raise
        return False


def _looks_like_manifest(path: Path) -> bool:
    text = head_text(path, _HEAD_BYTES)
    return bool(_ROOT.match(text) and _PRODUCED.search(text))


def _manifests(folder: Path, *, limit: int | None = None):
    for candidate in xml_files(folder)[:limit]:
        if _looks_like_manifest(candidate):
            yield candidate


def read(path: Path) -> list[t.Reading]:
    """One Reading per manifest: `path` is the manifest or the export folder that holds it."""
    try:
        if path.is_dir():
            manifests = list(_manifests(path))
            if not manifests:
                raise t.MinutesError(f"{path.name}: no Acadre manifest (XML with a producedAgenda table) in the folder")
            return [_read_manifest(manifest) for manifest in manifests]
        return [_read_manifest(path)]
    except OSError as exc:
        raise t.MinutesError(f"{path.name}: cannot be read ({exc.strerror or exc})") from None


# --- the manifest ------------------------------------------------------------------------


def _attribute_fields(fields: Element) -> dict[str, str]:
    """The manifest's <fields>: one attribute per <field> ("<field type="2"></field>")."""
    values: dict[str, str] = {}
    for field in fields.findall("field"):
        for key, value in field.attrib.items():
            values[key] = clean_text(value).strip()
    return values


def _choose_document(root: Element, name: str) -> tuple[dict[str, str], str]:
    """The produced document to read and its kind: the published minutes (type 2), else the
    published agenda (type 1). Only open documents (accessid 1, "Åben") are candidates."""
    produced = root.find("table[@name='producedAgenda']")
    if root.tag != "root" or produced is None:
        raise t.MinutesError(f"{name}: not an Acadre manifest (no <root> with a producedAgenda table)")
    documents = [_attribute_fields(fields) for fields in produced.findall("fields")]
    for doc_type, kind in ((_MINUTES_TYPE, t.MINUTES), (_AGENDA_TYPE, t.AGENDA)):
        found = [
            doc
            for doc in documents
            if doc.get("type") == doc_type
            and doc.get("publish") == "1"
            and (doc.get("accessid") == "1" or ("accessid" not in doc and doc.get("access", "").casefold() == "åben"))
        ]
        if found:
            # Should a document have been produced twice, the later one is the one published.
            return max(found, key=lambda doc: doc.get("createdDate", "")), kind
    raise t.MinutesError(f"{name}: the manifest names no published open agenda or minutes (producedAgenda)")


def _plain_name(raw: str) -> bool:
    """A file or folder name without any path: names from the export must stay inside it."""
    return bool(raw) and Path(raw).name == raw and "\\" not in raw and raw not in (".", "..")


def _entry(folder: Path, raw: str) -> Path | None:
    """The entry of `folder` named `raw`, matched case-insensitively: the manifest says
    "3687981.xml", the file on disk is "3687981.XML". Never a symlink."""
    if not _plain_name(raw):
        return None
    wanted = raw.casefold()
    for entry in folder.iterdir():
        if entry.name.casefold() == wanted and not entry.is_symlink():
            return entry
    return None


def _read_manifest(path: Path) -> t.Reading:
    name = path.name
    root = parse_xml(read_limited(path, limit=MAX_XML_BYTES), name=name)
    document, kind = _choose_document(root, name)
    xml_name = document.get("xmlfilename", "")
    if not _plain_name(xml_name):
        raise t.MinutesError(f"{name}: the produced document's xmlfilename {xml_name!r} is not a file name")

    # The minutes name their folder (filesfolder="Files_1863_3687982"); the agenda's entry has
    # none, so its folder is looked for as Files_<agenda sysid>_<docID>, then beside the manifest.
    folder: Path | None = None
    agenda_fields = root.find("table[@name='agenda']/fields")
    agenda_id = _attribute_fields(agenda_fields).get("sysid", "") if agenda_fields is not None else ""
    for folder_name in (document.get("filesfolder", ""), f"Files_{agenda_id}_{document.get('docID', '')}"):
        entry = _entry(path.parent, folder_name)
        if entry is not None and entry.is_dir():
            folder = entry
            break
    if folder is None and not document.get("filesfolder"):
        folder = path.parent
    if folder is None:
        raise t.MinutesError(f"{name}: the folder {document['filesfolder']} it names is not in the export")
    xml_path = _entry(folder, xml_name)
    if xml_path is None or not xml_path.is_file():
        what = "minutes" if kind == t.MINUTES else "agenda"
        raise t.MinutesError(f"{name}: the {what} XML {xml_name} it names is not in {folder.name}")
    return _read_document(xml_path, kind=kind)


# --- the produced document ---------------------------------------------------------------


def _named_fields(table: Element | None) -> dict[str, str]:
    """A table's own <fields>: <field name="caseno">12/27845</field> rows, text cleaned."""
    values: dict[str, str] = {}
    if table is None:
        return values
    fields = table.find("fields")
    if fields is None:
        return values
    for field in fields.findall("field"):
        if key := field.get("name"):
            values[key] = clean_text(field.text or "").strip()
    return values


def _tables(parent: Element | None, name: str) -> list[Element]:
    return [] if parent is None else parent.findall(f"table[@name='{name}']")


def _table(parent: Element | None, name: str) -> Element | None:
    return None if parent is None else parent.find(f"table[@name='{name}']")


def _meeting_date(raw: str, name: str) -> tuple[dt.date, dt.time | None]:
    if match := _ISO_DATE.fullmatch(raw):
        year, month, day, hour, minute, second = match.groups()
    elif match := _DANISH_DATE.fullmatch(raw):
        day, month, year, hour, minute, second = match.groups()
    else:
        raise t.MinutesError(f"{name}: the meeting date {raw!r} is not a date (YYYY-MM-DD HH:MM)")
    try:
        date = dt.date(int(year), int(month), int(day))
        start = dt.time(int(hour), int(minute), int(second or 0)) if hour is not None else None
    except ValueError:
        raise t.MinutesError(f"{name}: the meeting date {raw!r} is not a valid date") from None
    return date, start


def _by_sort(tables: list[Element], key: str) -> list[Element]:
    """Tables in their numeric `key` order (bulletsortorder, sort) when every one has it,
    else as the file lists them (which is that order in the sample)."""
    orders = [_named_fields(table).get(key, "") for table in tables]
    if all(order.isdigit() for order in orders):
        return [table for _, table in sorted(zip((int(o) for o in orders), tables, strict=True), key=lambda p: p[0])]
    return tables


def _read_document(path: Path, *, kind: str) -> t.Reading:
    name = path.name
    data = read_limited(path, limit=MAX_XML_BYTES)
    root = parse_xml(data, name=name)
    agenda = _table(root, "agenda")
    meeting_table = _table(agenda, "meeting")
    if root.tag != "root" or agenda is None or meeting_table is None:
        raise t.MinutesError(f"{name}: not an Acadre agenda or minutes XML (no agenda table with a meeting)")

    committee_table = _table(agenda, "committee")
    committee = squeeze(_named_fields(committee_table).get("name", ""))
    if not committee:
        raise t.MinutesError(f"{name}: the XML names no committee (committee name is empty)")
    meeting = _named_fields(meeting_table)
    date, start_time = _meeting_date(meeting.get("date", ""), name)
    location = ", ".join(
        part
        for part in [squeeze(meeting.get("location", ""))]
        # address "Præstekravevej 46<br>Følle Strand<br>8410 Rønde": lines joined by <br>.
        + [squeeze(line) for line in html_to_text(meeting.get("address", "")).split("\n")]
        if part
    )
    members = _members(meeting_table, committee_table, kind)

    meeting_warnings: list[t.ParseWarning] = []
    file_warnings: list[t.ParseWarning] = []
    items: list[t.Item] = []
    rendered: list[str] = []
    for parent in _by_sort(_tables(agenda, "agendaitemparents"), "sort"):
        for element in _tables(parent, "agendaitem"):
            item, text = _item(
                parent,
                element,
                name=name,
                committee=committee,
                date=date,
                kind=kind,
                folder=path.parent,
                meeting_warnings=meeting_warnings,
                file_warnings=file_warnings,
            )
            items.append(item)
            rendered.append(text)
    if not items:
        raise t.MinutesError(f"{name}: the XML has no agenda items (agendaitemparents/agendaitem)")
    numbers = [item.number for item in items]
    if duplicates := sorted({n for n in numbers if numbers.count(n) > 1}):
        raise t.MinutesError(f"{name}: item number {duplicates[0]} occurs twice in the export")
    # agendaData/startAgendaItemNo is the first item's printed number (715 in the sample).
    start_number = text_of(root, "agendaData/startAgendaItemNo")
    if start_number.isdigit() and int(start_number) != items[0].number:
        meeting_warnings.append(
            t.ParseWarning(0, f"the first item is number {items[0].number}, but startAgendaItemNo is {start_number}")
        )

    result = t.Meeting(
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
    header = [
        "Referat" if kind == t.MINUTES else "Dagsorden",
        committee,
        squeeze(meeting.get("name", "")),
        date.strftime("%d-%m-%Y") + (start_time.strftime(" kl. %H:%M") if start_time else ""),
        location,
    ]
    member_lines = [_member_line(member) for member in members]
    source_text = "\n\n".join(
        part
        for part in ["\n".join(line for line in header if line), "\n".join(["Medlemmer", *member_lines]), *rendered]
        if part and part != "Medlemmer"
    )
    return t.Reading(
        meeting=result, source_name=name, source_text=source_text, original=data, warnings=tuple(file_warnings)
    )


def _members(meeting_table: Element, committee_table: Element | None, kind: str) -> tuple[t.Member, ...]:
    """The meeting's participants (meetmember, with `absent`), else the committee's members
    (commember) with their participation unknown. An agenda records no participation."""
    rows = _tables(_table(meeting_table, "meetmember"), "member")
    recorded = bool(rows)
    if not rows:
        rows = _tables(_table(committee_table, "commember"), "member")
    members = []
    for row in _by_sort(rows, "sort"):
        fields = _named_fields(row)
        # "Jesper  Mathiesen (A)": the party letter in the name; the `party` field is empty.
        member_name, party = name_and_party(fields.get("name", ""))
        if not member_name:
            continue
        if not party and re.fullmatch(r"[A-ZÆØÅ]", fields.get("party", "")):
            party = fields["party"]
        status = t.UNKNOWN
        if recorded and kind == t.MINUTES:
            status = _ABSENT_STATUS.get(fields.get("absent", ""), t.UNKNOWN)
        members.append(t.Member(name=member_name, party=party, role=squeeze(fields.get("role", "")), status=status))
    return tuple(members)


def _member_line(member: t.Member) -> str:
    line = f"{member.name} ({member.party})" if member.party else member.name
    if member.role:
        line += f", {member.role}"
    if member.status == t.ABSENT:
        line += " - fraværende"
    elif member.status == t.APOLOGIES:
        line += " - afbud"
    return line


def _is_open(fields: dict[str, str]) -> bool:
    """Open (Åben) only when `access` is 1 and `accessname` says nothing else: the sample's item
    has access 1 (criteria="IN(1)": the export selected open items) and accessname "Åben"; a
    closed item (Lukket) has another access. Anything unclear is treated as closed."""
    return fields.get("access") == "1" and fields.get("accessname", "").casefold() in ("", "åben", "aaben")


def _item(
    parent: Element,
    element: Element,
    *,
    name: str,
    committee: str,
    date: dt.date,
    kind: str,
    folder: Path,
    meeting_warnings: list[t.ParseWarning],
    file_warnings: list[t.ParseWarning],
) -> tuple[t.Item, str]:
    """The item and its plain-text rendering."""
    fields = _named_fields(element)
    title = squeeze(fields.get("name", ""))
    # The item's number is its parent row's `sort` (715 in the sample), which is the number the
    # rendered minutes print: "715.\tKulturkommune 2017. Politiske fokusområder" (3687982.DOCX
    # and Ekstraordinært PUK.pdf). Syddjurs numbers items on through the year, not from 1.
    raw_number = _named_fields(parent).get("sort", "")
    if not raw_number.isdigit():
        if raw_number:
            raise t.MinutesError(
                f"{name}: {title or 'an item'!r} has item number {raw_number!r}, which is not a number"
            )
        raise t.MinutesError(f"{name}: {title or 'an item'!r} has no item number (agendaitemparents sort)")
    number = int(raw_number)

    if not _is_open(fields):
        return export_item(number=number, title=title, closed=True), f"{number}. {title}\n(Lukket punkt)"

    case = None
    if raw_case := fields.get("caseno", ""):
        case = parse_case_number(raw_case)
        if case is None:
            meeting_warnings.append(t.ParseWarning(0, f"item {number}: case number {raw_case!r} is not one; not kept"))

    # Printed entries in order: a Section, or the index of a treatment (dated decision).
    entries: list[t.Section | int] = []
    treatments: list[tuple[dt.date | None, str, str]] = []
    headings: list[str] = []
    for bullet in _by_sort(_tables(element, "bullet"), "bulletsortorder"):
        bullet_fields = _named_fields(bullet)
        heading = squeeze(bullet_fields.get("bulletname", ""))
        # bulletcontent is HTML, escaped once more for the XML ("&lt;p&gt;Punktet ... &amp;nbsp;").
        text = html_to_text(bullet_fields.get("bulletcontent", ""))
        if (body := body_heading(heading)) and any(when for when, _ in dated_paragraphs(text)):
            # One heading for all of a body's treatments, each paragraph dated: one treatment each.
            for when, part in dated_paragraphs(text):
                if kind == t.AGENDA and when == date:
                    continue
                entries.append(len(treatments))
                treatments.append((when, body, part))
                headings.append(heading)
            continue
        if dated := treatment_heading(heading):
            body, when = dated
        elif section_kind(heading) == t.BESLUTNING:
            body, when = committee, date  # an undated "Beslutning" is the meeting's own
        else:
            if text:  # "Lovgrundlag" and "Bilag" are empty in the sample
                entries.append(t.Section(section_kind(heading), heading, text, 0, 0))
            continue
        if kind == t.AGENDA and when == date:
            if text:
                meeting_warnings.append(
                    t.ParseWarning(0, f"item {number}: the agenda prints a decision of this meeting; not kept")
                )
            continue
        entries.append(len(treatments))
        treatments.append((when, squeeze(body), text))
        headings.append(heading)

    decision_text, earlier = split_treatments(treatments, meeting_date=date)
    reading = None
    if kind == t.MINUTES and decision_text:
        reading = read_decision(decision_text, first_line=0, committee=committee, warnings=meeting_warnings)
    # split_treatments keeps the last treatment dated this meeting; it is printed where it stood
    # (the last bullet, bulletsortorder 10, in the sample). Earlier ones leave the sections.
    decision_at = max(
        (i for i, (when, _, text) in enumerate(treatments) if when == date and text == decision_text), default=None
    )
    sections: list[t.Section] = []
    printed: list[tuple[str, str]] = []
    for entry in entries:
        if isinstance(entry, t.Section):
            sections.append(entry)
            printed.append((entry.heading, entry.text))
        elif entry == decision_at and reading is not None:
            sections.append(t.Section(t.BESLUTNING, headings[entry], reading.text, 0, 0))
            printed.append((headings[entry], reading.text))
        elif treatments[entry][2] and treatments[entry][0] != date:
            printed.append((headings[entry], treatments[entry][2]))

    attachments, files = _attachments(element, name=name, number=number, folder=folder, warnings=file_warnings)
    item = export_item(
        number=number,
        title=title,
        reading=reading,
        case=case,
        sections=tuple(sections),
        attachments=attachments,
        files=files,
        earlier_decisions=earlier,
    )
    lines = [f"{number}. {title}"]
    if case:
        lines.append(f"Sagsnr.: {case.number}")
    blocks = ["\n".join(lines), *(f"{heading}\n{text}" for heading, text in printed)]
    if attachments:
        blocks.append("\n".join(["Bilag", *(f"{i}. {title}" for i, title in enumerate(attachments, 1))]))
    return item, "\n\n".join(blocks)


def _attachments(
    element: Element, *, name: str, number: int, folder: Path, warnings: list[t.ParseWarning]
) -> tuple[tuple[str, ...], tuple[t.AttachmentFile, ...]]:
    """The item's open enclosures: titles (`name`) and the files `filename` names in the Files_
    folder (3525829E1.DOCX, 2531342E2.DOC, ...). The named copies beside them ("Opsamlingsnotat.
    Temamøde 20.09.2012.pdf") are renderings and are not read."""
    titles: list[str] = []
    files: list[t.AttachmentFile] = []
    for enclosure in _by_sort(_tables(element, "enclosure"), "sort"):
        fields = _named_fields(enclosure)
        title = squeeze(fields.get("name", "")) or fields.get("filename", "")
        if not title:
            continue
        if not _is_open(fields):
            # A closed enclosure in an open item (access other than 1): neither title nor file.
            warnings.append(t.ParseWarning(0, f"{name}: item {number}: a closed attachment was left out"))
            continue
        titles.append(title)
        filename = fields.get("filename", "")
        if not filename:
            warnings.append(t.ParseWarning(0, f"{name}: item {number}: attachment {title!r} names no file"))
            continue
        file = _entry(folder, filename)
        if file is None or not file.is_file():
            message = f"{name}: item {number}: attachment {title!r} names {filename!r}, which is not in {folder.name}"
            warnings.append(t.ParseWarning(0, message))
            continue
        try:
            data = read_limited(file, limit=MAX_FILE_BYTES)
        except OSError as exc:
            raise t.MinutesError(f"{file.name}: cannot be read ({exc.strerror or exc})") from None
        files.append(t.AttachmentFile(position=len(titles), name=file.name, data=data, text=None))
    return tuple(titles), tuple(files)
