"""The Acadre reader against the real Syddjurs export (fixtures/formats/acadre/syddjurs_puk_2013-06-20):
every fact asserted here is in XML_1863.xml or Files_1863_3687982/3687981.XML. No database, no network."""

from __future__ import annotations

import datetime as dt
import shutil
import stat
from pathlib import Path

import pytest

from decisions.minutes import acadre
from decisions.minutes import types as t

FOLDER = Path(__file__).resolve().parents[2] / "fixtures" / "formats" / "acadre" / "syddjurs_puk_2013-06-20"
MANIFEST = FOLDER / "XML_1863.xml"
FILES = FOLDER / "Files_1863_3687982"
MINUTES_XML = FILES / "3687981.XML"
COMMITTEE = "Udvalget for plan, udvikling og kultur (PUK)"
TITLE = "Kulturkommune 2017. Politiske fokusområder"
DECISION = (
    "Punktet blev drøftet.\n\nSagen genoptages på det kommende ordinære møde i udvalget, hvor der vil foreligge "
    "et 1. oplæg til strategi med udgangspunkt i udvalgets hidtidige drøftelser."
)


@pytest.fixture(scope="module")
def reading() -> t.Reading:
    [result] = acadre.read(FOLDER)
    return result


@pytest.fixture(scope="module")
def item(reading) -> t.Item:
    [only] = reading.meeting.items
    return only


def export(tmp_path: Path) -> Path:
    """A writable copy of the whole export in tmp_path (the fixture's files are read-only)."""
    folder = tmp_path / FOLDER.name
    shutil.copytree(FOLDER, folder)
    for path in [folder, *folder.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    return folder


def edit(path: Path, old: bytes, new: bytes, count: int = 1) -> None:
    data = path.read_bytes()
    assert data.count(old) == count, old
    path.write_bytes(data.replace(old, new))


def minutes_xml(folder: Path) -> Path:
    return folder / FILES.name / MINUTES_XML.name


# --- detect ------------------------------------------------------------------------------


def test_detect(tmp_path):
    assert acadre.detect(FOLDER)
    assert acadre.detect(MANIFEST)
    # The minutes XML is a <root> too, but without a producedAgenda table.
    assert not acadre.detect(MINUTES_XML)
    assert not acadre.detect(FILES)
    assert not acadre.detect(FILES / "3525829E1.DOCX")
    assert not acadre.detect(tmp_path / "missing")
    assert not acadre.detect(Path(__file__).resolve().parents[2] / "fixtures" / "formats" / "edoc")
    # Content, not name: a manifest renamed is still one, another XML named XML_*.xml is not.
    shutil.copy(MANIFEST, tmp_path / "export.xml")
    (tmp_path / "XML_1.xml").write_bytes(b"<root><table name='agenda'/></root>")
    assert acadre.detect(tmp_path / "export.xml")
    assert not acadre.detect(tmp_path / "XML_1.xml")


def test_read_manifest_or_folder():
    [from_manifest] = acadre.read(MANIFEST)
    [from_folder] = acadre.read(FOLDER)
    assert from_manifest == from_folder


# --- the meeting -------------------------------------------------------------------------


def test_meeting(reading):
    meeting = reading.meeting
    assert meeting.committee == COMMITTEE
    # meeting date "2013-06-20 10:30"
    assert meeting.date == dt.date(2013, 6, 20)
    assert meeting.start_time == dt.time(10, 30)
    assert meeting.term == "2010-2013"
    # location "Kaløvig Kursuscenter", address "Præstekravevej 46<br>Følle Strand<br>8410 Rønde"
    assert meeting.location == "Kaløvig Kursuscenter, Præstekravevej 46, Følle Strand, 8410 Rønde"
    # producedAgenda type 2 ("Referat PUK"), published
    assert meeting.kind == t.MINUTES
    assert meeting.municipality == ""
    assert meeting.source_format == "acadre"
    assert meeting.warnings == ()
    assert reading.warnings == ()


def test_source(reading):
    assert reading.source_name == "3687981.XML"
    assert reading.original == MINUTES_XML.read_bytes()
    text = reading.source_text
    assert text.startswith(
        "Referat\nUdvalget for plan, udvikling og kultur (PUK)\nEkstraordinært PUK\n20-06-2013 kl. 10:30\n"
        "Kaløvig Kursuscenter, Præstekravevej 46, Følle Strand, 8410 Rønde\n\nMedlemmer\n"
        "Jesper Mathiesen (A), Medlem\n"
    )
    for line in (
        f"715. {TITLE}\nSagsnr.: 12/27845\n\nResumé\nKulturafdelingen har",
        "\n\nBeslutning i Udvalget for plan, udvikling og kultur (PUK) den 10-04-2013\nDer indkaldes",
        "\n\nBeslutning i Udvalget for plan, udvikling og kultur (PUK) den 20-06-2013\nPunktet blev drøftet.",
        "\n\nBilag\n1. Opsamlingsnotat. Temamøde 20.09.2012\n2. Politik for Kultur og Fritid",
    ):
        assert line in text
    assert "&nbsp;" not in text and "<p>" not in text and "\u00a0" not in text


def test_members(reading):
    # meetmember: five members, all absent 0; the rendered 3687982.DOCX lists all five under
    # "Medlemmer" and nobody under "Fraværende". Names printed "Jesper  Mathiesen (A)".
    assert reading.meeting.members == (
        t.Member("Jesper Mathiesen", "A", "Medlem", t.PRESENT),
        t.Member("Ole Bollesen", "A", "Medlem", t.PRESENT),
        t.Member("Niels Viderø", "A", "Medlem", t.PRESENT),
        t.Member("Ole Bjerregaard", "V", "Medlem", t.PRESENT),
        t.Member("Steen Fris", "C", "Medlem", t.PRESENT),
    )


def test_member_statuses(tmp_path):
    folder = export(tmp_path)
    xml = minutes_xml(folder)
    data = xml.read_bytes()
    present = b'<field name="absent">0</field>'
    # Ole Bollesen (2nd) absent, Ole Bjerregaard (4th) sent apologies, Steen Fris (5th) an unknown code.
    parts = data.split(present)
    assert len(parts) == 6
    codes = [b"0", b"1", b"0", b"2", b"7"]
    rebuilt = parts[0] + b"".join(
        b'<field name="absent">' + code + b"</field>" + part for code, part in zip(codes, parts[1:], strict=True)
    )
    xml.write_bytes(rebuilt)
    [result] = acadre.read(folder)
    assert [(m.name, m.status) for m in result.meeting.members] == [
        ("Jesper Mathiesen", t.PRESENT),
        ("Ole Bollesen", t.ABSENT),
        ("Niels Viderø", t.PRESENT),
        ("Ole Bjerregaard", t.APOLOGIES),
        ("Steen Fris", t.UNKNOWN),
    ]
    assert "Ole Bollesen (A), Medlem - fraværende\n" in result.source_text
    assert "Ole Bjerregaard (V), Medlem - afbud\n" in result.source_text


# --- the item ----------------------------------------------------------------------------


def test_item(item):
    # agendaitemparents sort 715 = agendaData startAgendaItemNo; the rendered minutes print
    # "715.\tKulturkommune 2017. Politiske fokusområder" (3687982.DOCX, Ekstraordinært PUK.pdf).
    assert item.number == 715
    assert item.title == TITLE
    assert item.case == t.CaseNumber("12/27845")
    assert item.category == ""
    assert item.toc_title == ""
    assert item.line == 0
    assert not item.closed  # access 1, accessname "Åben"


def test_sections(item):
    # Bullets in bulletsortorder; "Lovgrundlag" and "Bilag" are empty; the decisions of
    # 10-04-2013 and 24-04-2013 are earlier treatments, not sections.
    assert [(s.kind, s.heading) for s in item.sections] == [
        (t.RESUME, "Resumé"),
        (t.SAGSFREMSTILLING, "Sagsfremstilling"),
        (t.OEKONOMI, "Økonomi og organisatoriske konsekvenser"),
        (t.INDSTILLING, "Indstilling"),
        (t.SAGSFREMSTILLING, "Supplerende Sagsfremstilling"),
        (t.BESLUTNING, f"Beslutning i {COMMITTEE} den 20-06-2013"),
    ]
    resume, sagsfremstilling, oekonomi, indstilling, supplerende, beslutning = item.sections
    assert resume.text.startswith(
        "Kulturafdelingen har i forlængelse af Byrådets beslutning lagt en plan for arbejdet med satsningen på "
        "Syddjurs Kommune, som kulturkommune."
    )
    # &nbsp; paragraphs dropped, one paragraph per <p>
    assert "nedenstående tidsplan:\n\nTidsplan:\n\nJuni 2012: Definering" in resume.text
    assert resume.text.endswith("Tidsplanens punkter markeret med kursiv er ikke realiseret pt.")
    assert "\n\n- Hvad vil du gerne have opnået i 2017?\n\n- Hvad vil det kræve? – og af hvem?\n\n" in (
        sagsfremstilling.text
    )
    assert oekonomi.text == "Ingen."
    assert indstilling.text == (
        "Direktøren indstiller, at Udvalget for Plan, udvikling og kultur påbegynder arbejdet med formulering af "
        "mål og handlinger for KULTURKOMMUNEN 2017."
    )
    assert supplerende.text.startswith("Der skal arbejdes med konkretisering af planerne for kulturkommunen")
    assert beslutning.text == DECISION
    assert all(s.line == 0 and s.text_line == 0 for s in item.sections)


def test_decision(item):
    assert item.decision == DECISION
    assert item.outcome == t.DISCUSSED
    assert item.votes == ()
    assert item.bloc_votes == ()
    assert item.absences == ()
    assert item.other_committees == ()
    assert item.tallies == ()
    assert item.protocol_notes == ()


def test_earlier_decisions(item):
    assert item.earlier_decisions == (
        t.EarlierDecision(
            date=dt.date(2013, 4, 10),
            body=COMMITTEE,
            text=(
                "Der indkaldes til et ekstraordinært møde d. 24. april 2013 kl. 13.30, hvor udvalget arbejder med en "
                "konkretisering af planerne for kulturkommunen.\n\nGrundstrukturen i oplægget foreslås suppleret med "
                "den ”regionale/nationale/internationale arena”, ligesom indsatserne foreslås suppleret med "
                "”eksperimenter/træningsbanen”."
            ),
        ),
        t.EarlierDecision(
            date=dt.date(2013, 4, 24),
            body=COMMITTEE,
            text="Punktet genoptages.\n\nTidspunkt herfor fastlægges på det ordinære PUK-møde den 8. maj 2013",
        ),
    )


def test_attachments(item):
    # enclosure name/sort/filename; the named .pdf/.docx copies beside the files are not read.
    assert item.attachments == (
        "Opsamlingsnotat. Temamøde 20.09.2012",
        "Politik for Kultur og Fritid - Lokalt engagement, Godkendt af byrådet 300409",
        "Kulturkommune 2017 - arbejdsoplæg til Udvalget for Plan, Udvikling og Kultur",
    )
    assert [(f.position, f.name, f.text) for f in item.files] == [
        (1, "3525829E1.DOCX", None),
        (2, "2531342E2.DOC", None),
        (3, "3629343E3.DOCX", None),
    ]
    for file in item.files:
        assert file.data == (FILES / file.name).read_bytes()


def test_missing_attachment_file_is_a_warning(tmp_path):
    folder = export(tmp_path)
    (folder / FILES.name / "2531342E2.DOC").unlink()
    [result] = acadre.read(folder)
    [only] = result.meeting.items
    assert len(only.attachments) == 3
    assert [(f.position, f.name) for f in only.files] == [(1, "3525829E1.DOCX"), (3, "3629343E3.DOCX")]
    [warning] = result.warnings
    assert "'2531342E2.DOC', which is not in Files_1863_3687982" in warning.message


def test_attachment_outside_the_export_is_not_read(tmp_path):
    folder = export(tmp_path)
    edit(
        minutes_xml(folder),
        b'<field name="filename">3525829E1.DOCX</field>',
        b'<field name="filename">../XML_1863.xml</field>',
    )
    [result] = acadre.read(folder)
    [only] = result.meeting.items
    assert [f.name for f in only.files] == ["2531342E2.DOC", "3629343E3.DOCX"]
    assert "names '../XML_1863.xml', which is not in" in result.warnings[0].message


def test_closed_enclosure_left_out(tmp_path):
    folder = export(tmp_path)
    edit(
        minutes_xml(folder),
        b'<field name="access">1</field><field name="description">Opsamlingsnotat.',
        b'<field name="access">3</field><field name="description">Opsamlingsnotat.',
    )
    [result] = acadre.read(folder)
    [only] = result.meeting.items
    assert only.attachments[0].startswith("Politik for Kultur og Fritid")
    assert [(f.position, f.name) for f in only.files] == [(1, "2531342E2.DOC"), (2, "3629343E3.DOCX")]


def test_closed_item(tmp_path):
    folder = export(tmp_path)
    xml = minutes_xml(folder)
    edit(xml, b'<field name="access" criteria="IN(1)">1</field>', b'<field name="access">3</field>')
    edit(
        xml,
        b'<field name="accessname">\xc3\x85ben</field><field name="stateName">Afsendt',
        b'<field name="accessname">Lukket</field><field name="stateName">Afsendt',
    )
    [result] = acadre.read(folder)
    [only] = result.meeting.items
    assert (only.number, only.title, only.closed) == (715, TITLE, True)
    assert only.sections == () and only.attachments == () and only.files == () and only.earlier_decisions == ()
    assert only.case is None and only.decision == "" and only.outcome == t.NO_DECISION
    assert f"715. {TITLE}\n(Lukket punkt)" in result.source_text
    for kept in ("12/27845", "Kulturafdelingen", "Punktet blev drøftet", "Opsamlingsnotat"):
        assert kept not in result.source_text


def test_accessname_lukket_alone_closes(tmp_path):
    folder = export(tmp_path)
    edit(
        minutes_xml(folder),
        b'<field name="accessname">\xc3\x85ben</field><field name="stateName">Afsendt',
        b'<field name="accessname">Lukket</field><field name="stateName">Afsendt',
    )
    [result] = acadre.read(folder)
    assert result.meeting.items[0].closed


# --- agenda or minutes: the manifest's producedAgenda -------------------------------------


@pytest.mark.parametrize("subfolder", ["", "Files_1863_3686426"])
def test_agenda_when_minutes_unpublished(tmp_path, subfolder):
    """publish 0 on the minutes (type 2), 1 on the agenda (type 1): the agenda is read. Its XML
    (3686423.xml, not in the sample) is made from the minutes' XML, placed beside the manifest or
    in Files_<agenda sysid>_<docID> (the agenda's entry names no filesfolder)."""
    folder = export(tmp_path)
    manifest = folder / MANIFEST.name
    edit(manifest, b'<field publish="0">', b'<field publish="X">')
    edit(manifest, b'<field publish="1">', b'<field publish="0">')
    edit(manifest, b'<field publish="X">', b'<field publish="1">')
    (folder / subfolder).mkdir(exist_ok=True)
    shutil.copy(MINUTES_XML, folder / subfolder / "3686423.xml")
    [result] = acadre.read(folder)
    meeting = result.meeting
    assert result.source_name == "3686423.xml"
    assert meeting.kind == t.AGENDA
    assert result.source_text.startswith("Dagsorden\n")
    assert {m.status for m in meeting.members} == {t.UNKNOWN}
    [only] = meeting.items
    assert only.section(t.BESLUTNING) is None
    assert only.decision == "" and only.outcome == t.NO_DECISION and only.votes == ()
    assert [d.date for d in only.earlier_decisions] == [dt.date(2013, 4, 10), dt.date(2013, 4, 24)]
    assert "Punktet blev drøftet" not in result.source_text
    [warning] = meeting.warnings
    assert "the agenda prints a decision of this meeting" in warning.message


def test_minutes_preferred_when_both_published(tmp_path):
    folder = export(tmp_path)
    edit(folder / MANIFEST.name, b'<field publish="0">', b'<field publish="1">')
    [result] = acadre.read(folder)
    assert (result.source_name, result.meeting.kind) == ("3687981.XML", t.MINUTES)


# --- refused -------------------------------------------------------------------------------


def test_missing_minutes_xml(tmp_path):
    folder = export(tmp_path)
    minutes_xml(folder).unlink()
    with pytest.raises(t.MinutesError, match=r"the minutes XML 3687981\.xml it names is not in Files_1863_3687982"):
        acadre.read(folder)


def test_missing_files_folder(tmp_path):
    folder = export(tmp_path)
    shutil.rmtree(folder / FILES.name)
    with pytest.raises(t.MinutesError, match="the folder Files_1863_3687982 it names is not in the export"):
        acadre.read(folder / MANIFEST.name)


def test_item_without_number(tmp_path):
    folder = export(tmp_path)
    edit(minutes_xml(folder), b'<field name="sort">715</field>', b"")
    with pytest.raises(t.MinutesError, match=f"3687981.XML: '{TITLE}' has no item number"):
        acadre.read(folder)


def test_item_number_not_a_number(tmp_path):
    folder = export(tmp_path)
    edit(minutes_xml(folder), b'<field name="sort">715</field>', b'<field name="sort">7a</field>')
    with pytest.raises(t.MinutesError, match="has item number '7a', which is not a number"):
        acadre.read(folder)


EXTERNAL = b'<!DOCTYPE root [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
ENTITY_DTD = b'<?xml version="1.0"?>\n' + EXTERNAL + b"<root>&x;</root>"
LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE root [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>\n<root>&d;</root>'
)


@pytest.mark.parametrize(
    ("which", "make", "message"),
    [
        ("minutes", lambda data: data[: len(data) // 2], "3687981.XML: not well-formed XML"),
        ("manifest", lambda data: data[:700], "XML_1863.xml: not well-formed XML"),
        ("minutes", lambda data: b"<root><table name='other'/></root>", "3687981.XML: not an Acadre agenda or minutes"),
        ("minutes", lambda data: ENTITY_DTD, "3687981.XML: the XML declares a DTD or entities"),
        ("minutes", lambda data: LAUGHS, "3687981.XML: the XML declares a DTD or entities"),
        ("manifest", lambda data: EXTERNAL + data, "declares a DTD"),
        (
            "minutes",
            lambda data: data.replace(
                b'2013-06-20 10:30</field><field name="finish">', b'20 juni</field><field name="finish">'
            ),
            "the meeting date '20 juni' is not a date",
        ),
        (
            "minutes",
            lambda data: data.replace(
                b'<field name="name">Udvalget for plan, udvikling og kultur (PUK)</field><field name="deptid">',
                b'<field name="name"></field><field name="deptid">',
            ),
            "the XML names no committee",
        ),
        ("manifest", lambda data: data.replace(b'<field publish="1">', b'<field publish="0">'), "no published open"),
        (
            "manifest",
            lambda data: data.replace(b'accessid="1"', b'accessid="2"'),
            "no published open agenda or minutes",
        ),
        (
            "manifest",
            lambda data: data.replace(b'xmlfilename="3687981.xml"', b'xmlfilename="../../3687981.xml"'),
            "xmlfilename '../../3687981.xml' is not a file name",
        ),
    ],
)
def test_refused(tmp_path, which, make, message):
    folder = export(tmp_path)
    path = minutes_xml(folder) if which == "minutes" else folder / MANIFEST.name
    path.write_bytes(make(path.read_bytes()))
    with pytest.raises(t.MinutesError, match=message):
        acadre.read(folder / MANIFEST.name)


def test_not_a_manifest(tmp_path):
    # The minutes XML given as the manifest, and a folder without a manifest.
    with pytest.raises(t.MinutesError, match=r"3687981\.XML: not an Acadre manifest"):
        acadre.read(MINUTES_XML)
    with pytest.raises(t.MinutesError, match="Files_1863_3687982: no Acadre manifest"):
        acadre.read(FILES)


def test_oversized_xml_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(acadre, "MAX_XML_BYTES", 1000)
    with pytest.raises(t.MinutesError, match=r"XML_1863.xml: the file is 0.0 MB, over the limit"):
        acadre.read(MANIFEST)


def test_unreadable_path(tmp_path):
    with pytest.raises(t.MinutesError, match=r"missing\.xml: cannot be read"):
        acadre.read(tmp_path / "missing.xml")
