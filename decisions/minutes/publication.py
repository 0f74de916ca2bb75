"""Reader for SBSYS eDagsorden "Publication" exports: PublicationN.zip holding PublicationN/PublicationN.xml
and its Enclosures/ folder (or that folder, extracted, or the XML itself).

The XML (root <Publication>, UTF-8 with a BOM, every value in CDATA) carries one agenda per
Agendas/Agenda: the meeting (Meeting/When, Where, Members/MeetingMember with their participation),
the committee (Committee/Name) and the items (Items/Item: Number, Caption, Case/Number, IsPublic,
Fields/ItemField with HTML Content, Enclosures/Enclosure naming the file in Enclosures/). A field
with IsFeedback True is the committee's own field (the decision, "Beslutning"), empty until the
minutes are written.

The zip is read in memory, never extracted: it is refused outright when it has too many entries,
unpacks to too much, holds a zip bomb or names a path outside the export; each entry is read in
chunks and refused once it passes its limit, whatever its header says.
"""

from __future__ import annotations

import datetime as dt
import pathlib
import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib

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
)
from .decisions import read_decision
from .markup import MAX_FILE_BYTES, MAX_XML_BYTES, html_to_text, parse_xml, read_limited, text_of

FORMAT = "publication"
DESCRIPTION = "an SBSYS eDagsorden Publication export (PublicationN.zip, or its folder: PublicationN.xml + Enclosures/)"

# Zip safety. The sample is 3 entries and 0.2 MB unpacked; a meeting with a hundred attachments
# stays far below these.
MAX_ZIP_ENTRIES = 2_000
MAX_ZIP_UNPACKED_BYTES = 500 * 1_000_000
# A PDF or XML packs a few times at most (the sample's XML: 92 135 -> 7 765 bytes, 12:1); only
# entries big enough to matter are judged, so a small, very regular file is not refused.
MAX_ZIP_RATIO = 200
ZIP_RATIO_MIN_BYTES = 10 * 1_000_000
_CHUNK = 64 * 1024

# detect(): how much it looks at.
_DETECT_BYTES = 4096
_DETECT_MAX_CANDIDATES = 50

# The first bytes of a Publication XML: BOM, declaration, comments, then the root element. A
# DOCTYPE is let through here so that read() refuses it for what it is (parse_xml: no DTDs).
_PUBLICATION_ROOT = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*"
    rb"(?:<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>\s*)?(?:<!--.*?-->\s*)*<Publication[\s/>]",
    re.DOTALL,
)

# PublicationTypeAsEnum: the sample says "Final" (PublicationTypeAsValue 1) for the agenda sent
# to the members; Committee/GeneratorSettingsDraft, ...Final and ...Minutes name the three kinds
# of publication. OS2web's importer of these exports (os2web_meetings_agman) reads
# PublicationTypeAsValue 0 as a draft agenda (kladde), 1 as the agenda and anything else as the
# minutes (referat); the value is the fallback when the enum is missing or new.
_KINDS = {
    "draft": t.AGENDA,
    "final": t.AGENDA,
    "kladde": t.AGENDA,
    "dagsorden": t.AGENDA,
    "minutes": t.MINUTES,
    "referat": t.MINUTES,
}
_KIND_VALUES = {"0": t.AGENDA, "1": t.AGENDA, "2": t.MINUTES}

# ParticipationStatusAsText: the sample has only "NotDecided" (value 0: nobody has answered yet).
# os2web_meetings_agman lists values 1 and 4 as participants and every other non-zero value as
# cancelled (afbud); the names below are the ones the enum is known or likely to use.
_STATUS_TEXTS = {
    "notdecided": t.UNKNOWN,
    "participating": t.PRESENT,
    "participates": t.PRESENT,
    "participated": t.PRESENT,
    "present": t.PRESENT,
    "attending": t.PRESENT,
    "deltager": t.PRESENT,
    "deltog": t.PRESENT,
    "absent": t.ABSENT,
    "notpresent": t.ABSENT,
    "fraværende": t.ABSENT,
    "notparticipating": t.APOLOGIES,
    "cancelled": t.APOLOGIES,
    "canceled": t.APOLOGIES,
    "apologies": t.APOLOGIES,
    "declined": t.APOLOGIES,
    "afbud": t.APOLOGIES,
}
_STATUS_VALUES = {"0": t.UNKNOWN, "1": t.PRESENT, "4": t.PRESENT}


# --------------------------------------------------------------------------- detect


def detect(path: pathlib.Path) -> bool:
    """True for a zip, a folder holding a Publication XML, or such an XML. Publication is the one
    format the archive reads as a zip: any zip is offered to this reader, which says what is
    wrong with one that holds no Publication XML (rather than that no format matched)."""
    try:
        path = pathlib.Path(path)
        if path.is_dir():
            return any(_looks_like_publication(_head(p)) for p in _folder_candidates(path))
        if not path.is_file():
            return False
        if zipfile.is_zipfile(path):
            return True
        return _looks_like_publication(_head(path))
    except Exception:  # noqa: BLE001 - detect never raises: whatever fails to open is not ours
        return False


def _head(path: pathlib.Path) -> bytes:
    with path.open("rb") as stream:
        return stream.read(_DETECT_BYTES)


def _looks_like_publication(head: bytes) -> bool:
    return bool(_PUBLICATION_ROOT.match(head))


def _is_xml_name(name: str) -> bool:
    return name.casefold().endswith(".xml") and not name.endswith("/")


def _folder_candidates(folder: pathlib.Path) -> list[pathlib.Path]:
    """The XML files of a folder, then those one level down (the zip's PublicationN/ folder when
    the user points at where they extracted it)."""
    found = sorted(p for p in folder.iterdir() if p.is_file() and _is_xml_name(p.name))
    if not found:
        for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
            found.extend(sorted(p for p in sub.iterdir() if p.is_file() and _is_xml_name(p.name)))
    return found[:_DETECT_MAX_CANDIDATES]


# --------------------------------------------------------------------------- sources


class _ZipSource:
    """The entries of a zip, checked once and read into memory on demand."""

    def __init__(self, path: pathlib.Path):
        self.label = path.name
        try:
            size = path.stat().st_size
            if size > MAX_ZIP_UNPACKED_BYTES:
                limit = _size(MAX_ZIP_UNPACKED_BYTES)
                raise t.MinutesError(f"{path.name}: the zip is {size / 1e6:.1f} MB, over the limit of {limit}")
            self.archive = zipfile.ZipFile(path)
            infos = self.archive.infolist()
        except zipfile.BadZipFile:
            raise t.MinutesError(f"{path.name}: not a zip file, or a damaged one") from None
        except (OSError, ValueError, EOFError) as exc:
            raise t.MinutesError(f"{path.name}: the zip cannot be read ({type(exc).__name__})") from None
        self.unpacked = 0
        self.entries: dict[str, zipfile.ZipInfo] = {}
        self.folded: dict[str, str] = {}
        try:
            self._check(infos)
        except t.MinutesError:
            self.archive.close()
            raise

    def _check(self, infos: list[zipfile.ZipInfo]) -> None:
        if len(infos) > MAX_ZIP_ENTRIES:
            raise t.MinutesError(f"{self.label}: the zip has {len(infos)} entries, over the limit of {MAX_ZIP_ENTRIES}")
        total = 0
        for info in infos:
            name = _safe_relative(info.filename)
            if name is None:
                raise t.MinutesError(
                    f"{self.label}: the zip entry {info.filename!r} points outside the export "
                    "(an absolute path or '..'), refused"
                )
            total += info.file_size
            if total > MAX_ZIP_UNPACKED_BYTES:
                raise t.MinutesError(self._too_big())
            if info.file_size > ZIP_RATIO_MIN_BYTES and info.file_size > MAX_ZIP_RATIO * info.compress_size:
                raise t.MinutesError(
                    f"{self.label}: the zip entry {info.filename!r} is compressed more than {MAX_ZIP_RATIO}:1 "
                    f"({info.file_size / 1e6:.0f} MB from {info.compress_size} bytes): a zip bomb, refused"
                )
            if info.is_dir():
                continue
            if name in self.entries:
                raise t.MinutesError(f"{self.label}: the zip has two entries named {name!r}, refused")
            self.entries[name] = info
            self.folded.setdefault(name.casefold(), name)

    def _too_big(self) -> str:
        return f"{self.label}: the zip unpacks to more than {_size(MAX_ZIP_UNPACKED_BYTES)}, refused"

    def xml_names(self) -> list[str]:
        """The entries that are Publication XMLs (their first bytes show the root element)."""
        names = []
        for name in sorted(self.entries):
            if _is_xml_name(name) and _looks_like_publication(self.read(name, limit=MAX_XML_BYTES, head=True)):
                names.append(name)
        return names

    def find(self, name: str) -> str | None:
        # The export was written on Windows: the XML's "Enclosures\1.pdf" may differ in case from the entry.
        return name if name in self.entries else self.folded.get(name.casefold())

    def read(self, name: str, *, limit: int, head: bool = False) -> bytes:
        """The entry's bytes, read in chunks and refused past `limit` (or the whole zip's limit):
        the header's sizes are not trusted. `head` reads only the first few KB."""
        info = self.entries[name]
        chunks: list[bytes] = []
        size = 0
        try:
            with self.archive.open(info) as stream:
                while chunk := stream.read(_DETECT_BYTES if head else _CHUNK):
                    chunks.append(chunk)
                    size += len(chunk)
                    if head:
                        break
                    if size > limit:
                        raise t.MinutesError(
                            f"{self.label}: the zip entry {name!r} unpacks to more than {_size(limit)}, refused"
                        )
                    if self.unpacked + size > MAX_ZIP_UNPACKED_BYTES:
                        raise t.MinutesError(self._too_big())
        except t.MinutesError:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError, ValueError):
            raise t.MinutesError(
                f"{self.label}: the zip entry {name!r} cannot be read (damaged, encrypted or an unknown compression)"
            ) from None
        if not head:
            self.unpacked += size
        return b"".join(chunks)

    def close(self) -> None:
        self.archive.close()


class _FolderSource:
    """The files of an extracted export; nothing outside `root` is read."""

    def __init__(self, root: pathlib.Path, xmls: list[pathlib.Path]):
        self.label = root.name
        self.base = root
        self.root = root.resolve()
        self._xmls = xmls

    def xml_names(self) -> list[str]:
        names = []
        for path in self._xmls:
            try:
                head = _head(path)
            except OSError as exc:
                raise t.MinutesError(f"{path.name}: cannot be read ({exc.strerror or type(exc).__name__})") from None
            if _looks_like_publication(head):
                # Relative to the folder as given: the XML the user chose may itself be a link.
                names.append(path.relative_to(self.base).as_posix())
        return names

    def find(self, name: str) -> str | None:
        path = (self.root / name).resolve()
        if not path.is_relative_to(self.root):  # a symlink out of the export
            return None
        if path.is_file():
            return path.relative_to(self.root).as_posix()
        # Written on Windows: "Enclosures\1.pdf" may be "enclosures/1.PDF" on disk.
        parent = path.parent
        if parent.is_dir() and parent.is_relative_to(self.root):
            for candidate in parent.iterdir():
                if candidate.name.casefold() == path.name.casefold() and candidate.is_file():
                    return candidate.resolve().relative_to(self.root).as_posix()
        return None

    def read(self, name: str, *, limit: int) -> bytes:
        path = self.root / name
        try:
            return read_limited(path, limit=limit)
        except OSError as exc:
            raise t.MinutesError(f"{path.name}: cannot be read ({exc.strerror or type(exc).__name__})") from None

    def close(self) -> None:
        pass


def _size(limit: int) -> str:
    return f"{limit / 1e6:.0f} MB" if limit >= 1_000_000 else f"{limit} bytes"


def _safe_relative(name: str) -> str | None:
    """A zip entry's or enclosure's path with / separators, or None when it is absolute or
    climbs out with '..' (zip slip)."""
    name = name.replace("\\", "/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        return None
    return "/".join(parts) + ("/" if name.endswith("/") and parts else "")


# --------------------------------------------------------------------------- read


def read(path: pathlib.Path) -> list[t.Reading]:
    """Every agenda of the export at `path` (a zip, a folder or the XML) as one Reading."""
    path = pathlib.Path(path)
    try:
        if path.is_dir():
            source = _FolderSource(path, _folder_candidates(path))
        elif path.is_file() and (zipfile.is_zipfile(path) or path.suffix.casefold() == ".zip"):
            source = _ZipSource(path)
        elif path.is_file() and _is_xml_name(path.name):
            source = _FolderSource(path.parent, [path])
        elif path.is_file():
            raise t.MinutesError(f"{path.name}: not a zip file or a Publication XML")
        else:
            raise t.MinutesError(f"{path.name}: no such file or folder")
    except OSError as exc:
        raise t.MinutesError(f"{path.name}: cannot be read ({exc.strerror or type(exc).__name__})") from None
    try:
        names = source.xml_names()
        if not names:
            if path.is_file() and _is_xml_name(path.name):
                raise t.MinutesError(f"{path.name}: not an SBSYS eDagsorden Publication XML (no <Publication> root)")
            raise t.MinutesError(f"{path.name}: has no Publication XML (an SBSYS eDagsorden export's PublicationN.xml)")
        readings: list[t.Reading] = []
        for name in names:
            data = source.read(name, limit=MAX_XML_BYTES)
            readings.extend(_read_xml(data, name, source))
        return readings
    finally:
        source.close()


def _read_xml(data: bytes, entry: str, source: _ZipSource | _FolderSource) -> list[t.Reading]:
    name = posixpath.basename(entry)
    root = parse_xml(data, name=name)
    if root.tag != "Publication":
        raise t.MinutesError(f"{name}: not an SBSYS eDagsorden Publication XML (root element <{root.tag}>)")
    kind = _kind(root, name)
    agendas = root.findall("Agendas/Agenda")
    if not agendas:
        raise t.MinutesError(f"{name}: the Publication holds no agenda (Agendas/Agenda)")
    folder = posixpath.dirname(entry)
    readings = []
    for agenda in agendas:
        file_warnings: list[t.ParseWarning] = []
        meeting = _meeting(agenda, kind, name, folder, source, file_warnings)
        readings.append(
            t.Reading(
                meeting=meeting,
                source_name=name,
                source_text=render_meeting(meeting),
                original=data,
                warnings=tuple(file_warnings),
            )
        )
    return readings


def _kind(root: ET.Element, name: str) -> str:
    label = text_of(root, "PublicationTypeAsEnum")
    value = text_of(root, "PublicationTypeAsValue")
    if label.casefold() in _KINDS:
        return _KINDS[label.casefold()]
    if value in _KIND_VALUES:
        return _KIND_VALUES[value]
    raise t.MinutesError(
        f"{name}: unknown publication type {label or value or '(none)'!r} "
        "(PublicationTypeAsEnum: Draft, Final or Minutes)"
    )


def _when(raw: str, name: str, what: str) -> dt.datetime:
    """ "15-05-2013 16:30:00" (Meeting/When): day first, as every date in the export."""
    for pattern in ("%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d-%m-%Y", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(raw, pattern)
        except ValueError:
            continue
    raise t.MinutesError(f"{name}: {what} {raw!r} is not a date (DD-MM-YYYY HH:MM:SS)")


def _meeting(
    agenda: ET.Element,
    kind: str,
    name: str,
    folder: str,
    source: _ZipSource | _FolderSource,
    file_warnings: list[t.ParseWarning],
) -> t.Meeting:
    committee = squeeze(text_of(agenda, "Committee/Name") or text_of(agenda, "Name"))
    if not committee:
        raise t.MinutesError(f"{name}: the agenda names no committee (Committee/Name)")
    raw_when = text_of(agenda, "Meeting/When")
    if not raw_when:
        raise t.MinutesError(f"{name}: the meeting has no date (Meeting/When)")
    when = _when(raw_when, name, "the meeting date (Meeting/When)")
    # A meeting without a time is written at midnight.
    start_time = when.time() if when.time() != dt.time(0, 0) else None
    warnings: list[t.ParseWarning] = []
    members = _members(agenda, warnings)
    items = []
    numbers: set[int] = set()
    for element in agenda.findall("Items/Item"):
        item = _item(element, kind, when.date(), committee, name, folder, source, warnings, file_warnings)
        if item.number in numbers:
            warnings.append(t.ParseWarning(0, f"item number {item.number} appears twice"))
        numbers.add(item.number)
        items.append(item)
    if not items:
        raise t.MinutesError(f"{name}: the agenda has no items (Items/Item)")
    return t.Meeting(
        committee=committee,
        # Committee/PeriodStart..PeriodEnd is the committee's own period, which need not be the
        # council's election term (a committee set up mid-term): the term comes from the date.
        term=election_term(when.date()),
        date=when.date(),
        start_time=start_time,
        location=squeeze(text_of(agenda, "Meeting/Where")),
        items=tuple(items),
        warnings=tuple(warnings),
        kind=kind,
        # The export names the municipality nowhere (only its staff's e-mail domain, balk.dk).
        municipality="",
        members=members,
        source_format=FORMAT,
    )


def _members(agenda: ET.Element, warnings: list[t.ParseWarning]) -> tuple[t.Member, ...]:
    members = []
    for element in agenda.findall("Meeting/Members/MeetingMember"):
        name, party = name_and_party(text_of(element, "Name") or text_of(element, "Member/Name"))
        if not name:
            continue
        role = squeeze(text_of(element, "MeetingMemberRolesList"))
        members.append(t.Member(name=name, party=party, role=role, status=_status(element, name, warnings)))
    if not members:
        # No meeting list: the committee's roster, whose participation nobody recorded.
        for element in agenda.findall("Committee/Members/CommitteeMember/Member"):
            name, party = name_and_party(text_of(element, "Name"))
            if name:
                members.append(t.Member(name=name, party=party, role="", status=t.UNKNOWN))
    return tuple(members)


def _status(element: ET.Element, name: str, warnings: list[t.ParseWarning]) -> str:
    label = text_of(element, "ParticipationStatusAsText")
    value = text_of(element, "ParticipationStatusAsValue")
    key = re.sub(r"[\s_-]", "", label).casefold()
    if key in _STATUS_TEXTS:
        return _STATUS_TEXTS[key]
    if value in _STATUS_VALUES:
        return _STATUS_VALUES[value]
    if value.isdigit():
        # Any other answer is not taking part (os2web_meetings_agman lists these as afbud).
        warnings.append(t.ParseWarning(0, f"participation {label!r} ({value}) of {name} read as apologies"))
        return t.APOLOGIES
    if label or value:
        warnings.append(t.ParseWarning(0, f"participation {label or value!r} of {name} not understood"))
    return t.UNKNOWN


def _field_text(field: ET.Element) -> str:
    content = field.findtext("Content") or ""
    if not content.strip():
        return ""
    if text_of(field, "FieldTypeAsEnum").casefold() == "html" or re.search(r"<[a-zA-Z/]", content):
        return html_to_text(content)
    return "\n".join(line.rstrip() for line in clean_text(content).strip().split("\n"))


def _item(
    element: ET.Element,
    kind: str,
    meeting_date: dt.date,
    committee: str,
    name: str,
    folder: str,
    source: _ZipSource | _FolderSource,
    warnings: list[t.ParseWarning],
    file_warnings: list[t.ParseWarning],
) -> t.Item:
    title = squeeze(text_of(element, "Caption"))
    raw_number = text_of(element, "Number")
    if not raw_number.isdigit():
        raise t.MinutesError(f"{name}: item {title!r} has no number (Item/Number {raw_number!r})")
    number = int(raw_number)
    # Only an explicit "True" publishes an item: a missing IsPublic keeps it closed.
    closed = text_of(element, "IsPublic").casefold() != "true"
    if closed:
        return export_item(number=number, title=title, closed=True)

    raw_case = text_of(element, "Case/Number")
    case = parse_case_number(raw_case) if raw_case else None
    if raw_case and case is None:
        warnings.append(t.ParseWarning(0, f"item {number}: case number {raw_case!r} not understood"))

    sections: list[t.Section | None] = []
    feedback: list[tuple[str, str]] = []
    for field in element.findall("Fields/ItemField"):
        heading = squeeze(text_of(field, "Caption"))
        text = _field_text(field)
        if text_of(field, "IsFeedback").casefold() == "true":
            # The committee's field. Empty in an agenda ("Beslutning", HasContent False, in
            # every item of the sample); an agenda never carries a decision.
            if kind == t.MINUTES and not is_placeholder(text):
                if not feedback:
                    sections.append(None)  # where the decision is printed
                feedback.append((heading, text))
            continue
        if not text:
            continue
        section = section_kind(heading)
        if section == t.BESLUTNING:
            # Only the committee's own (feedback) field is a decision.
            section = t.SAGSFREMSTILLING
        sections.append(t.Section(kind=section, heading=heading, text=text, line=0))

    treatments = _history(element, name)
    decision_heading = feedback[0][0] if feedback else ""
    if feedback:
        # Further feedback fields (a protocol note, the absent) belong to the decision's text.
        parts = [feedback[0][1]] + [f"{h}: {x}" if h else x for h, x in feedback[1:]]
        treatments.append((meeting_date, committee, "\n\n".join(parts)))
    decision_text, earlier = split_treatments(treatments, meeting_date=meeting_date)
    if kind == t.AGENDA:
        decision_text = ""  # a history entry dated this meeting's day is not a decision in an agenda
    final_sections = []
    for section in sections:
        if section is None:
            if decision_text:
                final_sections.append(
                    t.Section(kind=t.BESLUTNING, heading=decision_heading or "Beslutning", text=decision_text, line=0)
                )
        else:
            final_sections.append(section)
    if decision_text and None not in sections:  # the decision came from the history, dated today
        final_sections.append(t.Section(kind=t.BESLUTNING, heading="Beslutning", text=decision_text, line=0))

    titles, files = _enclosures(element, number, folder, source, file_warnings)
    reading = (
        read_decision(decision_text, first_line=0, committee=committee, warnings=warnings) if decision_text else None
    )
    return export_item(
        number=number,
        title=title,
        reading=reading,
        case=case,
        sections=tuple(final_sections),
        attachments=titles,
        files=files,
        earlier_decisions=earlier,
    )


def _history(element: ET.Element, name: str) -> list[tuple[dt.date | None, str, str]]:
    """Earlier treatments of the item's case: Item/ItemHistory/ItemField, each with the deciding
    committee and meeting day in MeetingDetails (as os2web_meetings_agman reads them; the sample
    has none)."""
    treatments: list[tuple[dt.date | None, str, str]] = []
    for field in element.findall("ItemHistory/ItemField"):
        text = _field_text(field)
        if not text:
            continue
        raw = text_of(field, "MeetingDetails/MeetingDueDate")
        try:
            date = _when(raw, name, "MeetingDueDate").date() if raw else None
        except t.MinutesError:
            date = None
        treatments.append((date, squeeze(text_of(field, "MeetingDetails/CommitteeName")), text))
    return treatments


def _enclosures(
    element: ET.Element,
    number: int,
    folder: str,
    source: _ZipSource | _FolderSource,
    file_warnings: list[t.ParseWarning],
) -> tuple[tuple[str, ...], tuple[t.AttachmentFile, ...]]:
    titles: list[str] = []
    files: list[t.AttachmentFile] = []
    for enclosure in element.findall("Enclosures/Enclosure"):
        if text_of(enclosure, "IsProtected").casefold() == "true":
            continue  # not for publication
        file_name = _base_name(text_of(enclosure, "FileName"))
        title = squeeze(text_of(enclosure, "Name")) or file_name
        if not title:
            continue
        titles.append(title)
        # "Enclosures\1.pdf" (InstantiationFilePathRelative), relative to the XML's folder.
        relative = text_of(enclosure, "InstantiationFilePathRelative")
        if not relative and (instance := text_of(enclosure, "InstantiationFileName")):
            relative = f"Enclosures/{instance}"
        data = _enclosure_data(relative, folder, source, number, title, file_warnings)
        if data is None:
            continue
        expected = text_of(enclosure, "FileLength")
        if expected.isdigit() and int(expected) != len(data):
            file_warnings.append(
                t.ParseWarning(0, f"item {number}: {title!r} is {len(data)} bytes, the XML says {expected}")
            )
        files.append(
            t.AttachmentFile(position=len(titles), name=file_name or _base_name(relative), data=data, text=None)
        )
    return tuple(titles), tuple(files)


def _enclosure_data(
    relative: str,
    folder: str,
    source: _ZipSource | _FolderSource,
    number: int,
    title: str,
    file_warnings: list[t.ParseWarning],
) -> bytes | None:
    safe = _safe_relative(relative) if relative else None
    if not safe:
        reason = "names no file" if not relative else f"names a file outside the export ({relative!r})"
        file_warnings.append(t.ParseWarning(0, f"item {number}: attachment {title!r} {reason}"))
        return None
    found = source.find(posixpath.join(folder, safe) if folder else safe)
    if found is None:
        file_warnings.append(t.ParseWarning(0, f"item {number}: attachment {title!r}: {safe} is not in the export"))
        return None
    return source.read(found, limit=MAX_FILE_BYTES)


def _base_name(name: str) -> str:
    return squeeze(name.replace("\\", "/").rsplit("/", 1)[-1])


# --------------------------------------------------------------------------- text
