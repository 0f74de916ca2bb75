"""The SBSYS eDagsorden Publication reader, on the real export in fixtures/formats/publication/
(Ballerup, KMB IT-udvalget, final agenda of 2013-05-15) and on broken or hostile copies of it."""

from __future__ import annotations

import contextlib
import datetime as dt
import struct
import time
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from decisions.minutes import publication
from decisions.minutes import types as t

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "fixtures" / "formats" / "publication" / "Publication32.zip"
XML_ENTRY = "Publication32/Publication32.xml"
PDF_ENTRY = "Publication32/Enclosures/1.pdf"
BOM = b"\xef\xbb\xbf"


def sample_bytes(entry: str) -> bytes:
    with zipfile.ZipFile(SAMPLE) as archive:
        return archive.read(entry)


def make_zip(path: Path, entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def export_with(path: Path, xml: bytes) -> Path:
    """The sample export with its XML replaced."""
    return make_zip(path, {XML_ENTRY: xml, PDF_ENTRY: sample_bytes(PDF_ENTRY)})


def edited(edit) -> bytes:
    """The sample XML after `edit(root)` (the fixture is trusted: the standard parser is fine here)."""
    root = ET.fromstring(sample_bytes(XML_ENTRY))
    edit(root)
    return BOM + ET.tostring(root, encoding="utf-8", xml_declaration=True)


def item_element(root: ET.Element, number: str) -> ET.Element:
    return next(item for item in root.iter("Item") if item.findtext("Number") == number)


def set_text(element: ET.Element, path: str, text: str) -> None:
    found = element.find(path)
    assert found is not None, path
    found.text = text


@contextlib.contextmanager
def refused(*parts: str):
    """A MinutesError whose message holds every part."""
    with pytest.raises(t.MinutesError) as info:
        yield
    for part in parts:
        assert part in str(info.value), str(info.value)


@pytest.fixture(scope="module")
def reading() -> t.Reading:
    readings = publication.read(SAMPLE)
    assert len(readings) == 1
    return readings[0]


@pytest.fixture(scope="module")
def meeting(reading) -> t.Meeting:
    return reading.meeting


# --------------------------------------------------------------------------- the sample


def test_meeting_facts(reading, meeting):
    assert meeting.committee == "KMB IT-udvalget"
    assert meeting.date == dt.date(2013, 5, 15)
    assert meeting.start_time == dt.time(16, 30)
    assert meeting.location == "Mødecenter A, Lokale 3 på Ballerup Rådhus"
    assert meeting.term == "2010-2013"
    # PublicationTypeAsEnum "Final": the agenda sent to the members.
    assert meeting.kind == t.AGENDA
    assert meeting.municipality == ""
    assert meeting.source_format == "publication"
    assert meeting.warnings == ()
    assert reading.source_name == "Publication32.xml"
    assert reading.original == sample_bytes(XML_ENTRY)
    assert reading.original.startswith(BOM)
    assert reading.warnings == ()


def test_members_and_statuses(meeting):
    # Every MeetingMember has ParticipationStatusAsText "NotDecided" in an agenda.
    assert [(m.name, m.party, m.role, m.status) for m in meeting.members] == [
        ("Doris Børger", "A", "", t.UNKNOWN),
        ("Hanne Bahnsen", "", "", t.UNKNOWN),
        ("Henrik Bolberg", "A", "", t.UNKNOWN),
        ("John Madsen", "", "", t.UNKNOWN),
        ("Kåre Harder Olesen", "V", "", t.UNKNOWN),
        ("Lolan Ottesen", "A", "", t.UNKNOWN),
        ("Maria Lundahl Assov", "A", "", t.UNKNOWN),
        ("Peter Als", "A", "", t.UNKNOWN),
        ("Søren Krøigaard", "", "", t.UNKNOWN),
        ("Ulrik Falk-Sørensen", "F", "", t.UNKNOWN),
        ("Jytte Møller Christensen", "", "", t.UNKNOWN),
    ]


ITEMS = [
    (1, "Meddelelser"),
    (2, "Oplæg til standard it-arbejdsplads for Kommunalbestyrelsens medlemmer i 2014-2018"),
    (3, "Indførelse af systemet SAPA (Sagsoverblik/Partskontakt)"),
    (4, "Regler for indkøb af it-udstyr"),
    (5, "Status på eDagsorden"),
]


def test_items(meeting):
    assert [(item.number, item.title) for item in meeting.items] == ITEMS
    for item in meeting.items:
        # Case/Number is empty in every item (NumberAndTitle " - ").
        assert item.case is None
        assert item.closed is False
        assert item.category == ""
        # An agenda: the empty "Beslutning" feedback field is no decision.
        assert item.decision == ""
        assert item.outcome == t.NO_DECISION
        assert item.section(t.BESLUTNING) is None
        assert item.votes == () and item.bloc_votes == () and item.absences == () and item.tallies == ()
        assert item.earlier_decisions == ()


SECTIONS = {
    1: [],
    2: [
        (t.SAGSFREMSTILLING, "Tidligere behandling", "KMB IT-udvalget den 5. december 2012 Punkt 3"),
        (t.RESUME, "Sammendrag", "I forbindelse med tiltrædelsen af en ny kommunalbestyrelse pr. 1. januar 2014"),
        (t.SAGSFREMSTILLING, "Baggrund", "I dag består standardarbejdspladsen af en bærbar pc, lokal S/H printer"),
        (t.SAGSFREMSTILLING, "Sagsfremstilling", "Pilottesten skal vise om en it-arbejdsplads"),
        (t.OEKONOMI, "Økonomiske konsekvenser og finansiering", "Opgøres ikke i nuværende sag."),
        (t.SAGSFREMSTILLING, "Beslutningen træffes af", "KMB IT-udvalget"),
        (
            t.INDSTILLING,
            "Indstilling",
            "Center for IT og Digitalisering indstiller, at\n\n- Gennemførelse af pilottest",
        ),
    ],
    3: [
        (t.RESUME, "Sammendrag", "KOMBIT har udpeget en række it-systemer fra KMD som værende monopolsystemer."),
        (t.SAGSFREMSTILLING, "Baggrund", "For at sikre sig at monopolbruddet kan gennemføres, skal alle 98 kommuner"),
        (t.SAGSFREMSTILLING, "Sagsfremstilling", "Det største af udbuddene, der skal gennemføres, er vedrørende SAPA"),
        (t.OEKONOMI, "Økonomiske konsekvenser og finansiering", "De økonomiske konsekvenser af tilslutningen"),
        (t.SAGSFREMSTILLING, "Beslutningen træffes af", "KMB IT-udvalget"),
        (
            t.INDSTILLING,
            "Indstilling",
            "Center for It og Digitalisering indstiller, at\n\n- Indførelse af systemet SAPA",
        ),
    ],
    4: [
        (t.RESUME, "Sammendrag", "Ved indkøb af nyt it-udstyr, som ikke findes i servicekataloget"),
        (t.SAGSFREMSTILLING, "Baggrund", "Center for It og Digitalisering anvender Asset Management-systemet"),
        (t.SAGSFREMSTILLING, "Sagsfremstilling", "I forhold til indkøb af it-udstyr opleves der begrænsninger"),
        (t.OEKONOMI, "Økonomiske konsekvenser og finansiering", "Ingen økonomiske konsekvenser"),
        (t.SAGSFREMSTILLING, "Beslutningen træffes af", "KMB IT-udvalget"),
        (t.INDSTILLING, "Indstilling", "Center for It og Digitalisering indstiller, at\n\n- Regler for indkøb"),
    ],
    5: [
        (t.RESUME, "Sammendrag", "Orientering om status for eDagsorden."),
        (t.SAGSFREMSTILLING, "Baggrund", "eDagsorden har fungeret i lidt over et år"),
        (
            t.SAGSFREMSTILLING,
            "Sagsfremstilling",
            "Der gives en status på implementeringen af eDagsorden.\n\nDet drøftes",
        ),
        (t.OEKONOMI, "Økonomiske konsekvenser og finansiering", "Ingen økonomiske konsekvenser"),
        (t.SAGSFREMSTILLING, "Beslutningen træffes af", "KMB IT-udvalget"),
        (
            t.INDSTILLING,
            "Indstilling",
            "Sekretariat for Politik og Ledelse indstiller, at\n\n- Status på eDagsorden drøftes.",
        ),
    ],
}


@pytest.mark.parametrize("number", sorted(SECTIONS))
def test_sections(meeting, number):
    item = meeting.items[number - 1]
    assert [(s.kind, s.heading) for s in item.sections] == [(k, h) for k, h, _ in SECTIONS[number]]
    for section, (_, _, start) in zip(item.sections, SECTIONS[number], strict=True):
        assert section.text.startswith(start), (section.heading, section.text[:80])
        # HTML entities and NBSPs are gone: "tr&aelig;delsen", "en&nbsp;it-arbejdsplads".
        assert "&" not in section.text and "\u00a0" not in section.text and "<" not in section.text


def test_section_text_whole(meeting):
    # The last paragraph of item 4's Indstilling is "<p>&nbsp;</p>": dropped.
    assert meeting.items[3].section(t.INDSTILLING).text == (
        "Center for It og Digitalisering indstiller, at\n\n- Regler for indkøb af it-udstyr tages til efterretning."
    )
    assert (
        meeting.items[2].section(t.OEKONOMI).text == "De økonomiske konsekvenser af tilslutningen er endnu ikke kendt."
    )


def test_attachments(meeting):
    by_number = {item.number: item for item in meeting.items}
    assert [n for n, item in by_number.items() if item.attachments] == [3]
    item = by_number[3]
    assert item.attachments == ("Brev fra KL til Kommunalbestyrelsen vedr Monopolbrud",)
    assert len(item.files) == 1
    file = item.files[0]
    assert file.position == 1
    assert file.name == "Brev fra KL til Kommunalbestyrelsen vedr Monopolbrud.pdf"
    assert len(file.data) == 94198  # FileLength
    assert file.data == sample_bytes(PDF_ENTRY)
    assert file.data.startswith(b"%PDF")
    assert file.text is None


def test_source_text(reading):
    text = reading.source_text
    assert text.startswith(
        "KMB IT-udvalget\nDagsorden\n15-05-2013 kl. 16:30\nMødecenter A, Lokale 3 på Ballerup Rådhus\n"
    )
    assert "- Doris Børger (A): ikke oplyst" in text
    for number, title in ITEMS:
        assert f"Punkt {number}. {title}\n" in text
    assert "\nSammendrag\n\nOrientering om status for eDagsorden.\n" in text
    assert "- Brev fra KL til Kommunalbestyrelsen vedr Monopolbrud" in text
    assert "<p>" not in text and "&oslash;" not in text


def test_extracted_folder_and_xml_read_the_same(tmp_path, meeting):
    with zipfile.ZipFile(SAMPLE) as archive:
        archive.extractall(tmp_path)  # the test's own trusted fixture
    folder = tmp_path / "Publication32"
    for path in (folder, tmp_path, folder / "Publication32.xml"):
        readings = publication.read(path)
        assert len(readings) == 1
        assert readings[0].meeting == meeting
        assert readings[0].meeting.items[2].files[0].data == sample_bytes(PDF_ENTRY)
        assert readings[0].source_name == "Publication32.xml"


def test_detect(tmp_path):
    with zipfile.ZipFile(SAMPLE) as archive:
        archive.extractall(tmp_path / "export")
    folder = tmp_path / "export" / "Publication32"
    assert publication.detect(SAMPLE)
    assert publication.detect(folder)
    assert publication.detect(tmp_path / "export")
    assert publication.detect(folder / "Publication32.xml")
    # Not ours: other formats' fixtures, other XML, a zip of something else, junk, nothing.
    assert not publication.detect(ROOT / "fixtures" / "formats" / "edoc" / "ballerup_sfu_2012-12-04")
    assert not publication.detect(ROOT / "fixtures" / "formats" / "acadre" / "syddjurs_puk_2013-06-20")
    other = tmp_path / "other.xml"
    other.write_bytes(b'<?xml version="1.0"?><Root><Publication/></Root>')
    assert not publication.detect(other)
    # Any zip is offered to this reader (the one format read as a zip), which then refuses one
    # without its XML in its own words.
    assert publication.detect(make_zip(tmp_path / "pdf.zip", {PDF_ENTRY: b"%PDF-1.4"}))
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK\x03\x04 not really")
    assert not publication.detect(junk)
    assert not publication.detect(tmp_path / "missing.zip")
    # The Publication renamed: content decides, not the name.
    renamed = tmp_path / "anything.xml"
    renamed.write_bytes(sample_bytes(XML_ENTRY))
    assert publication.detect(renamed)


# --------------------------------------------------------------------------- minutes (the sample edited)


def _as_minutes(root: ET.Element) -> None:
    set_text(root, "PublicationTypeAsValue", "2")
    set_text(root, "PublicationTypeAsEnum", "Minutes")
    statuses = [("1", "Participating"), ("2", "Absent"), ("3", "Cancelled"), ("7", "SomethingNew")]
    for member, (value, label) in zip(root.iter("MeetingMember"), statuses, strict=False):
        set_text(member, "ParticipationStatusAsValue", value)
        set_text(member, "ParticipationStatusAsText", label)
    item2 = item_element(root, "2")
    set_text(item2, "Case/Number", "00.01.00-A00-1-13")
    decision = next(f for f in item2.iter("ItemField") if f.findtext("IsFeedback") == "True")
    set_text(decision, "Content", "<p>Godkendt&nbsp;som indstillet.</p>")
    set_text(decision, "HasContent", "True")
    history = ET.SubElement(item2, "ItemHistory")
    field = ET.SubElement(history, "ItemField")
    ET.SubElement(field, "Caption").text = "Beslutning"
    ET.SubElement(field, "HasContent").text = "True"
    ET.SubElement(field, "Content").text = "<p>Udvalget ønsker et pilotprojekt.</p>"
    details = ET.SubElement(field, "MeetingDetails")
    ET.SubElement(details, "CommitteeName").text = "KMB IT-udvalget"
    ET.SubElement(details, "MeetingDueDate").text = "05-12-2012 16:30:00"
    # Item 3: the placeholder some systems write into an empty decision field.
    item3 = item_element(root, "3")
    decision3 = next(f for f in item3.iter("ItemField") if f.findtext("IsFeedback") == "True")
    set_text(decision3, "Content", "<p>Tomt indhold</p>")
    # Item 4 closed: nothing of it but number and title may be kept.
    item4 = item_element(root, "4")
    set_text(item4, "IsPublic", "False")
    set_text(item4, "Case/Number", "13/999")


@pytest.fixture(scope="module")
def minutes(tmp_path_factory) -> t.Reading:
    path = export_with(tmp_path_factory.mktemp("minutes") / "Publication32.zip", edited(_as_minutes))
    return publication.read(path)[0]


def test_minutes_kind_and_statuses(minutes):
    meeting = minutes.meeting
    assert meeting.kind == t.MINUTES
    assert [(m.name, m.status) for m in meeting.members[:5]] == [
        ("Doris Børger", t.PRESENT),
        ("Hanne Bahnsen", t.ABSENT),
        ("Henrik Bolberg", t.APOLOGIES),
        ("John Madsen", t.APOLOGIES),  # value 7, unknown text: not taking part
        ("Kåre Harder Olesen", t.UNKNOWN),  # still NotDecided
    ]
    assert [w.message for w in meeting.warnings] == [
        "participation 'SomethingNew' (7) of John Madsen read as apologies"
    ]


def test_minutes_decision_and_history(minutes):
    item = minutes.meeting.items[1]
    assert item.case == t.CaseNumber("00.01.00-A00-1-13", kle="00.01.00", facet="A00", serial=1, year="13")
    assert item.decision == "Godkendt som indstillet."
    assert item.outcome == t.APPROVED
    assert [(s.kind, s.heading) for s in item.sections][-2:] == [
        (t.INDSTILLING, "Indstilling"),
        (t.BESLUTNING, "Beslutning"),
    ]
    assert item.section(t.BESLUTNING).text == "Godkendt som indstillet."
    assert item.earlier_decisions == (
        t.EarlierDecision(date=dt.date(2012, 12, 5), body="KMB IT-udvalget", text="Udvalget ønsker et pilotprojekt."),
    )
    assert "Beslutning i KMB IT-udvalget den 05-12-2012" in minutes.source_text


def test_minutes_placeholder_is_no_decision(minutes):
    item = minutes.meeting.items[2]
    assert item.decision == ""
    assert item.outcome == t.NO_DECISION
    assert item.section(t.BESLUTNING) is None
    assert item.files[0].name == "Brev fra KL til Kommunalbestyrelsen vedr Monopolbrud.pdf"


def test_closed_item_keeps_number_and_title_only(minutes):
    item = minutes.meeting.items[3]
    assert (item.number, item.title, item.closed) == (4, "Regler for indkøb af it-udstyr", True)
    assert item.sections == () and item.case is None and item.attachments == () and item.files == ()
    assert item.decision == "" and item.outcome == t.NO_DECISION
    assert "Punkt 4. Regler for indkøb af it-udstyr (lukket punkt)\n" in minutes.source_text
    assert "Asset Management" not in minutes.source_text


def test_agenda_ignores_a_filled_feedback_field(tmp_path):
    def edit(root):
        item2 = item_element(root, "2")
        decision = next(f for f in item2.iter("ItemField") if f.findtext("IsFeedback") == "True")
        set_text(decision, "Content", "<p>Godkendt.</p>")

    item = publication.read(export_with(tmp_path / "p.zip", edited(edit)))[0].meeting.items[1]
    assert item.decision == "" and item.outcome == t.NO_DECISION and item.section(t.BESLUTNING) is None


def test_draft_is_an_agenda(tmp_path):
    def edit(root):
        set_text(root, "PublicationTypeAsValue", "0")
        set_text(root, "PublicationTypeAsEnum", "Draft")

    assert publication.read(export_with(tmp_path / "p.zip", edited(edit)))[0].meeting.kind == t.AGENDA


def test_missing_or_escaping_enclosure_is_a_warning(tmp_path):
    def edit(root):
        enclosure = item_element(root, "3").find("Enclosures/Enclosure")
        set_text(enclosure, "InstantiationFilePathRelative", "..\\..\\etc\\passwd")

    reading = publication.read(export_with(tmp_path / "p.zip", edited(edit)))[0]
    item = reading.meeting.items[2]
    assert item.attachments == ("Brev fra KL til Kommunalbestyrelsen vedr Monopolbrud",)
    assert item.files == ()
    assert "outside the export" in reading.warnings[0].message

    missing = make_zip(tmp_path / "missing.zip", {XML_ENTRY: sample_bytes(XML_ENTRY)})
    reading = publication.read(missing)[0]
    assert reading.meeting.items[2].files == ()
    assert [w.message for w in reading.warnings] == [
        "item 3: attachment 'Brev fra KL til Kommunalbestyrelsen vedr Monopolbrud': "
        "Enclosures/1.pdf is not in the export"
    ]


def test_folder_enclosure_outside_the_export_is_not_read(tmp_path):
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"%PDF secret")

    def edit(root):
        enclosure = item_element(root, "3").find("Enclosures/Enclosure")
        set_text(enclosure, "InstantiationFilePathRelative", "Enclosures/link.pdf")

    folder = tmp_path / "export"
    (folder / "Enclosures").mkdir(parents=True)
    (folder / "Publication32.xml").write_bytes(edited(edit))
    (folder / "Enclosures" / "link.pdf").symlink_to(secret)
    reading = publication.read(folder)[0]
    assert reading.meeting.items[2].files == ()
    assert "is not in the export" in reading.warnings[0].message


# --------------------------------------------------------------------------- refused


def test_zip_without_its_xml(tmp_path):
    path = make_zip(tmp_path / "Publication32.zip", {PDF_ENTRY: sample_bytes(PDF_ENTRY)})
    with refused("Publication32.zip: has no Publication XML"):
        publication.read(path)


def test_zip_with_another_xml(tmp_path):
    path = make_zip(tmp_path / "x.zip", {"x/x.xml": b'<?xml version="1.0"?><Root><Meeting/></Root>'})
    with refused("has no Publication XML"):
        publication.read(path)


def test_xml_of_another_kind(tmp_path):
    path = tmp_path / "eDocAgendaPublishing.xml"
    path.write_bytes(b'<?xml version="1.0"?><Root><Committee/></Root>')
    with refused("eDocAgendaPublishing.xml: not an SBSYS eDagsorden Publication XML"):
        publication.read(path)


def test_zip_bomb_is_refused_quickly(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(XML_ENTRY, sample_bytes(XML_ENTRY))
        archive.writestr("Publication32/Enclosures/1.pdf", bytes(50 * 1024 * 1024))
    assert path.stat().st_size < 200_000
    start = time.monotonic()
    with refused("bomb.zip: the zip entry 'Publication32/Enclosures/1.pdf' is compressed more than 200:1", "zip bomb"):
        publication.read(path)
    assert time.monotonic() - start < 1.0


def test_too_many_entries(tmp_path):
    entries = {XML_ENTRY: sample_bytes(XML_ENTRY)} | {f"Publication32/Enclosures/{i}.txt": b"x" for i in range(2000)}
    path = make_zip(tmp_path / "many.zip", entries, compression=zipfile.ZIP_STORED)
    with refused("many.zip: the zip has 2001 entries, over the limit of 2000"):
        publication.read(path)


def test_unpacked_total_over_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(publication, "MAX_ZIP_UNPACKED_BYTES", 100_000)
    with refused("Publication32.zip: the zip unpacks to more than 100000 bytes"):
        publication.read(SAMPLE)


@pytest.mark.parametrize(
    "entry", ["../Publication32.xml", "Publication32/../../evil.xml", "/etc/Publication32.xml", "C:\\x\\a.xml"]
)
def test_path_traversal_entry(tmp_path, entry):
    path = make_zip(tmp_path / "slip.zip", {XML_ENTRY: sample_bytes(XML_ENTRY), entry: b"<Publication/>"})
    with refused(f"slip.zip: the zip entry {entry!r} points outside the export"):
        publication.read(path)


@pytest.mark.parametrize("data", [b"", b"just text, not a zip", b"PK\x03\x04" + bytes(100)])
def test_not_a_zip(tmp_path, data):
    path = tmp_path / "Publication32.zip"
    path.write_bytes(data)
    with refused("Publication32.zip: not a zip file"):
        publication.read(path)


def test_truncated_zip(tmp_path):
    path = tmp_path / "Publication32.zip"
    path.write_bytes(SAMPLE.read_bytes()[:50_000])
    with refused("Publication32.zip: not a zip file, or a damaged one"):
        publication.read(path)


def test_truncated_xml_in_the_zip(tmp_path):
    xml = sample_bytes(XML_ENTRY)
    path = export_with(tmp_path / "p.zip", xml[: len(xml) // 2])
    with refused("Publication32.xml: not well-formed XML"):
        publication.read(path)


def test_entry_read_is_capped(tmp_path, monkeypatch):
    """The cap is counted on the bytes unpacked, chunk by chunk."""
    monkeypatch.setattr(publication, "MAX_XML_BYTES", 50_000)
    with refused("the zip entry 'Publication32/Publication32.xml' unpacks to more than 50000 bytes"):
        publication.read(SAMPLE)


def test_header_understating_the_size_is_refused(tmp_path):
    """An entry whose headers claim 100 bytes while it unpacks to 92 135 is not believed."""
    data = bytearray(make_zip(tmp_path / "a.zip", {XML_ENTRY: sample_bytes(XML_ENTRY)}).read_bytes())
    local = data.index(b"PK\x03\x04")
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, local + 22, 100)
    struct.pack_into("<I", data, central + 24, 100)
    path = tmp_path / "liar.zip"
    path.write_bytes(bytes(data))
    with refused("liar.zip: the zip entry 'Publication32/Publication32.xml' cannot be read"):
        publication.read(path)


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE Publication [\n<!ENTITY a "aaaaaaaaaa">\n'
    + b"".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n'.encode() for i in range(8))
    + b"]>\n<Publication><Agendas><Agenda><Name>&i;</Name></Agenda></Agendas></Publication>"
)
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?>\n<!DOCTYPE Publication [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
    b"<Publication><Agendas><Agenda><Name>&x;</Name></Agenda></Agendas></Publication>"
)


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_entity_attacks(tmp_path, xml):
    with refused("Publication32.xml: the XML declares a DTD or entities"):
        publication.read(export_with(tmp_path / "p.zip", xml))
    path = tmp_path / "Publication32.xml"
    path.write_bytes(xml)
    with refused("Publication32.xml: the XML declares a DTD or entities"):
        publication.read(path)


def _remove_number(root):
    item = item_element(root, "3")
    item.remove(item.find("Number"))


def _letter_number(root):
    set_text(item_element(root, "3"), "Number", "3a")


def _unknown_type(root):
    set_text(root, "PublicationTypeAsValue", "9")
    set_text(root, "PublicationTypeAsEnum", "Archive")


def _bad_date(root):
    set_text(root, "Agendas/Agenda/Meeting/When", "31-02-2013 16:30:00")


def _no_date(root):
    set_text(root, "Agendas/Agenda/Meeting/When", "")


def _no_items(root):
    items = root.find("Agendas/Agenda/Items")
    for item in list(items):
        items.remove(item)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            _remove_number,
            "Publication32.xml: item 'Indførelse af systemet SAPA (Sagsoverblik/Partskontakt)' has no number",
        ),
        (_letter_number, "item 'Indførelse af systemet SAPA (Sagsoverblik/Partskontakt)' has no number"),
        (_unknown_type, "unknown publication type 'Archive'"),
        (_bad_date, "the meeting date (Meeting/When) '31-02-2013 16:30:00' is not a date"),
        (_no_date, "the meeting has no date"),
        (_no_items, "the agenda has no items"),
    ],
)
def test_bad_content(tmp_path, edit, message):
    with refused(message):
        publication.read(export_with(tmp_path / "Publication32.zip", edited(edit)))


def test_missing_path(tmp_path):
    with refused("nothing.zip: no such file or folder"):
        publication.read(tmp_path / "nothing.zip")


def test_other_file(tmp_path):
    path = tmp_path / "minutes.pdf"
    path.write_bytes(b"%PDF-1.4")
    with refused("minutes.pdf: not a zip file or a Publication XML"):
        publication.read(path)


def test_folder_without_xml(tmp_path):
    (tmp_path / "Enclosures").mkdir()
    with refused("has no Publication XML"):
        publication.read(tmp_path)


def test_zip_in_memory_helpers_do_not_touch_disk(tmp_path):
    """Reading never extracts: the folder holding the zip is unchanged afterwards."""
    path = tmp_path / "Publication32.zip"
    path.write_bytes(SAMPLE.read_bytes())
    publication.read(path)
    assert [p.name for p in tmp_path.iterdir()] == ["Publication32.zip"]
