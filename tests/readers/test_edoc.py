"""The eDoc reader against the real Ballerup export (fixtures/formats/edoc/ballerup_sfu_2012-12-04):
every fact asserted here is printed in eDocAgendaPublishing.xml. No database, no network."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from decisions.minutes import edoc
from decisions.minutes import types as t

FOLDER = Path(__file__).resolve().parents[2] / "fixtures" / "formats" / "edoc" / "ballerup_sfu_2012-12-04"
XML = FOLDER / "eDocAgendaPublishing.xml"
COMMITTEE = "Sundheds- og Forebyggelsesudvalget"


def heading(number: int) -> str:
    return f"Sundheds- og Forebyggelsesudvalgets beslutning den 04.12.2012 Punkt {number}"


@pytest.fixture(scope="module")
def reading() -> t.Reading:
    [result] = edoc.read(FOLDER)
    return result


@pytest.fixture(scope="module")
def items(reading) -> dict[int, t.Item]:
    return {item.number: item for item in reading.meeting.items}


def export(tmp_path: Path, data: bytes, *, pdfs: bool = False, skip: tuple[str, ...] = ()) -> Path:
    """A copy of the export in tmp_path with `data` as its XML (and the PDFs, minus `skip`)."""
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / XML.name).write_bytes(data)
    if pdfs:
        for pdf in FOLDER.glob("*.PDF"):
            if pdf.name not in skip:
                shutil.copy(pdf, folder / pdf.name)
    return folder


# --- the meeting -------------------------------------------------------------------------


def test_meeting(reading):
    meeting = reading.meeting
    assert meeting.committee == COMMITTEE
    # <MeetingDate>04-12-2012 13:00:00</MeetingDate>
    assert meeting.date == dt.date(2012, 12, 4)
    assert meeting.start_time == dt.time(13, 0)
    assert meeting.term == "2010-2013"
    # The whole minutes' FullText: "tirsdag den 4. december 2012, kl. 13:00" /
    # "i Mødecenter C, Lokale 32 på Ballerup Rådhus".
    assert meeting.location == "Mødecenter C, Lokale 32 på Ballerup Rådhus"
    # <MeetingState>Referat endeligt godkendt</MeetingState>
    assert meeting.kind == t.MINUTES
    assert meeting.municipality == ""
    assert meeting.source_format == "edoc"
    assert meeting.warnings == ()
    assert [item.number for item in meeting.items] == [1, 2, 3, 4, 5, 6, 7, 8]  # XML order: 2,4,5,6,3,1,7,8
    assert not any(item.closed for item in meeting.items)


def test_members(reading):
    # "Tilstede" lists seven members, "Afbud/Fraværende" none; the "Sekretær" is not a member.
    assert reading.meeting.members == (
        t.Member("Lolan Ottesen", "A", "formand", t.PRESENT),
        t.Member("Grethe Larsen", "A", "næstformand", t.PRESENT),
        t.Member("Birte Kramhøft", "F", "", t.PRESENT),
        t.Member("Doris Børger", "A", "", t.PRESENT),
        t.Member("Karl Vilhelm Nielsen", "V", "", t.PRESENT),
        t.Member("Maria Lundahl Assov", "A", "", t.PRESENT),
        t.Member("Per Mortensen", "A", "", t.PRESENT),
    )
    assert all(member.name != "Mie Helene Andresen" for member in reading.meeting.members)


def test_source(reading):
    assert reading.source_name == "eDocAgendaPublishing.xml"
    assert reading.original == XML.read_bytes()
    assert reading.warnings == ()
    # The open document's FullText (1552814.PDF), cleaned: \n line ends, no form feeds.
    text = reading.source_text
    assert text.startswith("Sundheds- og Forebyggelsesudvalget\n")
    assert "\r" not in text and "\x0c" not in text
    assert "i Mødecenter C, Lokale 32 på Ballerup Rådhus\n" in text
    assert "Tilstede\nLolan Ottesen (A) - formand\n" in text
    assert "8.\tEvaluering af rygestopkurser" in text


def test_reading_the_xml_file_is_reading_the_folder(reading):
    [direct] = edoc.read(XML)
    assert direct.meeting == reading.meeting
    assert direct.source_text == reading.source_text


# --- the items ---------------------------------------------------------------------------

ITEMS = [
    # number, title, case, decision, outcome, attachments (title, PDF)
    (
        1,
        "Meddelelser",
        "2011-29298",
        "Taget til efterretning",
        t.NOTED,
        (
            ("Redegørelse fra Træning og Aktivitet vedrørende Seniorrådets høringssvar", "1548227.PDF"),
            ("Hvordan udvikler vi det nære sundhedsvæsen sammen?", "1546399.PDF"),
            ("Forebyggelse af ulighed i sundhedsvæsenet", "1546728.PDF"),
        ),
    ),
    (
        2,
        "Bygningsvedligeholdelse 2013 - anlægsbevilling",
        "2012-28504",
        "Indstillingen godkendt",
        t.APPROVED,
        (("Bygningsliste og prioriteringssystem", "1537646.PDF"),),
    ),
    (
        3,
        "Kvalitetsstandarder for stof- og alkoholbehandling 2012-2013",
        "2012-31114",
        # The committee recommends to Kommunalbestyrelsen ("Beslutningen træffes af
        # Kommunalbestyrelsen"); the shared grammar reads "godkendelse" as approved.
        "Indstilles til godkendelse",
        t.APPROVED,
        (("Kvalitetsstandarder for stof- og alkoholbehandling 2013", "1546743.PDF"),),
    ),
    (
        4,
        "Takstreduktion på aflastningstilbuddet Torvevej i Skovlunde i 2013",
        "2012-31673",
        "Indstillingen godkendt",
        t.APPROVED,
        (("Forslag til takstreduktion aflastningstilbuddet Torvevej 2013", "1548285.PDF"),),
    ),
    (
        5,
        "KL's opfølgningsproces vedrørende det nære sundhedsvæsen",
        "2011-29939",
        "Indstillingen godkendt",
        t.APPROVED,
        (
            ("KL's proces vedrørende det nære sundhedsvæsen", "1548343.PDF"),
            ("Det nære sundhedsvæsen - KL", "1543229.PDF"),
        ),
    ),
    (
        6,
        "Prioritering af midler til kronisk syge borgere og hverdagsrehabilitering for ældre",
        "2012-21786",
        "Indstillingen godkendt",
        t.APPROVED,
        (("Prioritering af midler til kronikerindsatser", "1548303.PDF"),),
    ),
    (
        7,
        "Etablering af aktivitetscenter på Solvej 6 i Ballerup",
        "2012-28505",
        "Indstillingen godkendt\nmed denne bemærkning:\n"
        "Gruppen af unge i Ballerup Kommune også får adgang til at bruge lokalerne på Solvej 6.",
        t.APPROVED,
        (("Aktivitetscenter Solvej 6 - Projektbeskrivelse", "1533095.PDF"),),
    ),
    (8, "Evaluering af rygestopkurser", "2010-3082", "Taget til efterretning", t.NOTED, ()),
]


@pytest.mark.parametrize(("number", "title", "case", "decision", "outcome", "attachments"), ITEMS)
def test_item(items, number, title, case, decision, outcome, attachments):
    item = items[number]
    assert item.title == title
    assert item.case == t.CaseNumber(case)
    assert str(item.case) == case
    assert item.decision == decision
    assert item.outcome == outcome
    assert item.category == "" and item.toc_title == "" and item.line == 0
    assert not item.closed
    # No votes in this meeting; the item-absence field is empty under every decision.
    assert item.votes == () and item.bloc_votes == () and item.absences == () and item.other_committees == ()
    assert item.earlier_decisions == ()
    beslutning = item.section(t.BESLUTNING)
    assert beslutning == t.Section(t.BESLUTNING, heading(number), decision, 0, 0)
    assert item.sections[-1] == beslutning
    assert item.attachments == tuple(title for title, _ in attachments)
    assert [(f.position, f.name) for f in item.files] == [(i, pdf) for i, (_, pdf) in enumerate(attachments, 1)]
    for file in item.files:
        assert file.data == (FOLDER / file.name).read_bytes()
    # The item's own PDF (1552816.PDF ... 1552826.PDF) is not an attachment.
    assert not any(f.name.startswith("15528") for f in item.files)


def test_sections_of_a_full_item(items):
    item = items[2]
    assert [(s.kind, s.heading) for s in item.sections] == [
        (t.RESUME, "Sammendrag"),
        (t.SAGSFREMSTILLING, "Baggrund"),
        (t.SAGSFREMSTILLING, "Sagsfremstilling"),
        (t.OEKONOMI, "Økonomiske konsekvenser og finansiering"),
        (t.BILAG, "Bilag"),
        (t.SAGSFREMSTILLING, "Beslutningen træffes af"),
        (t.INDSTILLING, "Indstilling"),
        (t.BESLUTNING, heading(2)),
    ]
    resume = item.section(t.RESUME).text
    assert resume.startswith("Det årlige bygningssyn er nu afsluttet, og der er foretaget en prioritering")
    assert resume.endswith("sikkerhedsorganisationen orienteres ligeledes om indholdet.")
    sagsfremstilling = item.sections[2].text
    # A sub-heading printed inside the section stays in its text.
    assert "\n\nCentralisering af ejendomsdriften\nDen forestående centralisering" in sagsfremstilling
    assert item.sections[4].text == "2012-200782 - Bygningsliste og prioriteringssystem"
    assert item.sections[5].text == COMMITTEE
    assert item.section(t.INDSTILLING).text == (
        "Center for Ejendomme indstiller, at\n\nA)\nDe foreslåede arbejder for bygningsvedligeholdelse 2013 "
        "under Sundheds- og Forebyggelsesudvalget godkendes.\n\nB)\nAnlægsbevilling på 1.316.000 kr. over "
        "projekt nr. 650260, Vedligeholdelsesarbejder 2013 indgår i den samlede anlægssag, som fremlægges for "
        "Økonomiudvalget og Kommunalbestyrelsen."
    )
    for section in item.sections:
        assert section.text == section.text.strip() and "\n\n\n" not in section.text and "\r" not in section.text


def test_sections_of_meddelelser(items):
    # Item 1 prints lettered notes "a." ... "e.", with a "Bilag" after some of them.
    assert [(s.heading, s.text) for s in items[1].sections] == [
        ("a.", "Møder og konferencer"),
        ("b.", "Konference den 23. januar 2012 - Hvordan udvikler vi det nære sundhedsvæsen sammen?"),
        ("Bilag", "2012-208960 - Hvordan udvikler vi det nære sundhedsvæsen sammen?"),
        ("c.", "Konference den 10. december 2012 - Forebyggelse af ulighed i sundhedsvæsenet"),
        ("Bilag", "2012-209266 - Forebyggelse af ulighed i sundhedsvæsenet"),
        ("d.", "Redegørelse fra Træning og Aktivitet vedrørende Seniorrådets høringssvar"),
        ("Bilag", "2012-204248 - Redegørelse fra Træning og Aktivitet vedrørende Seniorrådets høringssvar"),
        ("e.", "Sundheds- og Forebyggelsesudvalgets aktiviteter 2013 herunder konferencer, studiebesøg m.fl."),
        (heading(1), "Taget til efterretning"),
    ]


def test_earlier_treatment_named_without_decision_is_not_kept(items):
    # Item 3 prints "Kommunalbestyrelsen den 30. januar 2012 Punkt 5", item 4 "Sundheds- og
    # Forebyggelsesudvalget den 30. maj 2012 Punkt 7": references without a decision text.
    for number in (3, 4):
        assert items[number].earlier_decisions == ()
        assert all("30. " not in s.text.split("\n")[0] for s in items[number].sections)
    assert items[3].sections[5].text == "Kommunalbestyrelsen"  # Beslutningen træffes af


def test_attachment_texts(items):
    # The export carries each attachment's text (Attachment/FullText), except item 2's (empty).
    [building] = items[2].files
    assert building.text is None
    [standards] = items[3].files
    assert standards.text.startswith("Kvalitetsstandarder for behandling af")
    projekt = items[7].files[0].text
    assert projekt.startswith("Projektbeskrivelse")
    for item in items.values():
        for file in item.files:
            assert file.text is None or ("\r" not in file.text and "\x0c" not in file.text)
    assert len(items[5].files[1].text) > 300_000  # "Det nære sundhedsvæsen - KL", 1543229.PDF


# --- variants of the export, built from the real one -------------------------------------


def test_item_absence_field_with_names_is_passed_to_the_decision(tmp_path):
    data = XML.read_bytes()
    absence = "Punkt 2\rIndstillingen godkendt\r\r\rFølgende deltog ikke i behandlingen af punktet:".encode()
    assert absence in data
    data = data.replace(absence, absence + "\rDoris Børger (A)\rPer Mortensen (A)".encode(), 1)
    [result] = edoc.read(export(tmp_path, data))
    item = result.meeting.items[1]
    assert item.decision == (
        "Indstillingen godkendt\n\nFølgende deltog ikke i behandlingen af punktet:\nDoris Børger (A)\nPer Mortensen (A)"
    )
    assert item.outcome == t.APPROVED
    assert item.section(t.BESLUTNING).text == item.decision
    # Whether the shared grammar makes item-level absences of it is decisions.py's business;
    # if it does, they are these two.
    assert {(v.name, v.party, v.position) for v in item.votes} <= {
        ("Doris Børger", "A", t.ABSENT),
        ("Per Mortensen", "A", t.ABSENT),
    }


def test_earlier_decision_printed_with_its_text(tmp_path):
    data = XML.read_bytes()
    current = b"Punkt 4\rIndstillingen godkendt"
    earlier = b"Kommunalbestyrelsens beslutning den 25.06.2012 Punkt 12\rIndstillingen godkendt.\r\r"
    data = data.replace(
        b"Sundheds- og Forebyggelsesudvalgets beslutning den 04.12.2012 " + current,
        (earlier + b"Sundheds- og Forebyggelsesudvalgets beslutning den 04.12.2012 " + current),
        1,
    )
    [result] = edoc.read(export(tmp_path, data))
    item = result.meeting.items[3]
    assert item.number == 4
    assert item.earlier_decisions == (
        t.EarlierDecision(date=dt.date(2012, 6, 25), body="Kommunalbestyrelsen", text="Indstillingen godkendt."),
    )
    assert item.decision == "Indstillingen godkendt"
    assert [s.kind for s in item.sections].count(t.BESLUTNING) == 1
    assert item.section(t.BESLUTNING).heading == heading(4)


def test_agenda(tmp_path):
    data = XML.read_bytes().replace(
        b"<MeetingState>Referat endeligt godkendt</MeetingState>", b"<MeetingState>Dagsorden godkendt</MeetingState>", 1
    )
    [result] = edoc.read(export(tmp_path, data))
    meeting = result.meeting
    assert meeting.kind == t.AGENDA
    for item in meeting.items:
        assert item.section(t.BESLUTNING) is None
        assert item.decision == "" and item.outcome == t.NO_DECISION and item.votes == ()
    assert meeting.items[1].section(t.INDSTILLING) is not None
    assert {member.status for member in meeting.members} == {t.UNKNOWN}


def test_closed_items(tmp_path):
    closed = (
        "<MeetingAgendaType><AgendaType>Lukket dagsorden</AgendaType><PDFDocument>9.PDF</PDFDocument>"
        "<MeetingAgendaItems><MeetingAgendaItem><AgendaItemNumber>9</AgendaItemNumber>"
        "<PDFDocument>1552816.PDF</PDFDocument><Document><Title>Sag om Hemmelig Person</Title>"
        "<NeutralTitle>Personalesag</NeutralTitle><Attachments><Attachment><Title>Fortroligt bilag</Title>"
        "<PDFDocument>1533095.PDF</PDFDocument><FullText>HEMMELIGT BILAG</FullText></Attachment></Attachments>"
        "</Document><FullText>9.\tSag om Hemmelig Person\rSagsnr.: 2012-1\rSammendrag\rHEMMELIG TEKST\r"
        "Sundheds- og Forebyggelsesudvalgets beslutning den 04.12.2012 Punkt 9\rGodkendt</FullText>"
        "</MeetingAgendaItem></MeetingAgendaItems><FullText>Lukket referat HEMMELIGT</FullText>"
        "</MeetingAgendaType></MeetingAgendaTypes>"
    )
    data = XML.read_bytes().replace(b"</MeetingAgendaTypes>", closed.encode(), 1)
    [result] = edoc.read(export(tmp_path, data, pdfs=True))
    item = result.meeting.items[-1]
    assert item == t.Item(
        number=9,
        title="Personalesag",
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
    assert "HEMMELIG" not in result.source_text
    assert [i.number for i in result.meeting.items] == [1, 2, 3, 4, 5, 6, 7, 8, 9]


def test_missing_pdf_is_a_warning(tmp_path):
    folder = export(tmp_path, XML.read_bytes(), pdfs=True, skip=("1548285.PDF",))
    [result] = edoc.read(folder)
    assert result.warnings == (
        t.ParseWarning(
            0,
            "eDocAgendaPublishing.xml: attachment 'Forslag til takstreduktion aflastningstilbuddet Torvevej 2013' "
            "names 1548285.PDF, which is not in the export folder",
        ),
    )
    item = result.meeting.items[3]
    assert item.attachments == ("Forslag til takstreduktion aflastningstilbuddet Torvevej 2013",)
    assert item.files == ()
    assert [f.name for f in result.meeting.items[4].files] == ["1548343.PDF", "1543229.PDF"]


def test_pdf_name_with_a_path_is_not_followed(tmp_path):
    data = XML.read_bytes().replace(b"<PDFDocument>1548285.PDF</PDFDocument>", b"<PDFDocument>../x.PDF</PDFDocument>")
    (tmp_path / "x.PDF").write_bytes(b"%PDF outside")
    [result] = edoc.read(export(tmp_path, data, pdfs=True))
    assert result.meeting.items[3].files == ()
    assert [w.message for w in result.warnings] == [
        "eDocAgendaPublishing.xml: attachment 'Forslag til takstreduktion aflastningstilbuddet Torvevej 2013' "
        "names '../x.PDF', not a file name; skipped"
    ]


# --- detect ------------------------------------------------------------------------------


def test_detect(tmp_path):
    assert edoc.detect(FOLDER)
    assert edoc.detect(XML)
    assert not edoc.detect(FOLDER / "1552814.PDF")
    assert not edoc.detect(tmp_path)  # empty folder
    assert not edoc.detect(tmp_path / "missing.xml")
    other = tmp_path / "other.xml"
    other.write_bytes(b'<?xml version="1.0"?>\n<Publication><Meeting/></Publication>')
    assert not edoc.detect(other)
    no_types = tmp_path / "meeting.xml"
    no_types.write_bytes(b'<?xml version="1.0"?>\n<Meeting><Committee>X</Committee></Meeting>')
    assert not edoc.detect(no_types)
    # The content decides, not the name.
    renamed = tmp_path / "renamed" / "export.xml"
    renamed.parent.mkdir()
    renamed.write_bytes(XML.read_bytes()[:20000])
    assert edoc.detect(renamed) and edoc.detect(renamed.parent)


# --- refused input -----------------------------------------------------------------------

BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE Meeting [\n<!ENTITY lol "lol">\n'
    + b"".join(
        b'<!ENTITY lol%d "%s">\n' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10) for n in range(1, 10)
    )
    + b"]>\n<Meeting><Committee>&lol9;</Committee><MeetingAgendaTypes/></Meeting>"
)


def _replace(pattern: bytes, replacement: bytes):
    return lambda data: re.sub(pattern, replacement, data)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda data: data[: len(data) // 2], "eDocAgendaPublishing.xml: not well-formed XML (truncated or damaged)"),
        (lambda data: b"", "eDocAgendaPublishing.xml: not well-formed XML"),
        (
            lambda data: b'<?xml version="1.0"?>\n<Publication><Title>x</Title></Publication>',
            "eDocAgendaPublishing.xml: not an eDoc agenda-publishing export",
        ),
        (
            _replace(rb"\s*<AgendaItemNumber>\d+</AgendaItemNumber>", b""),
            "eDocAgendaPublishing.xml: 'Bygningsvedligeholdelse 2013 - anlægsbevilling' has no item number",
        ),
        (
            _replace(rb"<AgendaItemNumber>2</AgendaItemNumber>", b"<AgendaItemNumber>2a</AgendaItemNumber>"),
            "has item number '2a', which is not a number",
        ),
        (
            _replace(rb"<AgendaItemNumber>4</AgendaItemNumber>", b"<AgendaItemNumber>2</AgendaItemNumber>"),
            "eDocAgendaPublishing.xml: item number 2 occurs twice in the export",
        ),
        (
            lambda data: data.replace(
                b'<?xml version="1.0"?>',
                b'<?xml version="1.0"?>\n<!DOCTYPE Meeting [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
            ).replace(b"<Committee>Sundheds", b"<Committee>&xxe;Sundheds", 1),
            "eDocAgendaPublishing.xml: the XML declares a DTD or entities",
        ),
        (lambda data: BILLION_LAUGHS, "eDocAgendaPublishing.xml: the XML declares a DTD or entities"),
        (
            _replace(rb"<MeetingDate>04-12-2012 13:00:00</MeetingDate>", b"<MeetingDate>31-02-2012</MeetingDate>"),
            "the meeting date '31-02-2012' is not a valid date",
        ),
        (
            _replace(rb"<MeetingDate>04-12-2012 13:00:00</MeetingDate>", b"<MeetingDate>i morgen</MeetingDate>"),
            "the meeting date 'i morgen' is not a date",
        ),
        (
            _replace(
                rb"<MeetingState>Referat endeligt godkendt</MeetingState>", b"<MeetingState>Aflyst</MeetingState>"
            ),
            "the meeting state 'Aflyst' says neither agenda (dagsorden) nor minutes (referat)",
        ),
        (
            _replace(rb"<Committee>Sundheds- og Forebyggelsesudvalget</Committee>", b"<Committee />"),
            "the export names no committee",
        ),
    ],
    ids=[
        "truncated",
        "empty",
        "other-kind",
        "no-numbers",
        "bad-number",
        "duplicate-number",
        "external-entity",
        "billion-laughs",
        "bad-date",
        "not-a-date",
        "unknown-state",
        "no-committee",
    ],
)
def test_refused(tmp_path, change, message):
    path = tmp_path / XML.name
    path.write_bytes(change(XML.read_bytes()))
    with pytest.raises(t.MinutesError) as error:
        edoc.read(path)
    assert message in str(error.value)


def test_refused_other_kind_in_a_folder(tmp_path):
    (tmp_path / "Publication.xml").write_bytes(b'<?xml version="1.0"?>\n<Publication/>')
    with pytest.raises(t.MinutesError, match="no eDoc export XML"):
        edoc.read(tmp_path)


def test_refused_missing_file(tmp_path):
    with pytest.raises(t.MinutesError, match=r"missing\.xml: cannot be read"):
        edoc.read(tmp_path / "missing.xml")


def test_refused_entities_in_a_folder(tmp_path):
    # detect lets a DOCTYPE through so that reading the folder refuses it by name.
    (tmp_path / XML.name).write_bytes(BILLION_LAUGHS)
    assert edoc.detect(tmp_path)
    with pytest.raises(t.MinutesError, match="the XML declares a DTD or entities"):
        edoc.read(tmp_path)


def test_a_sentence_naming_a_decision_is_not_a_decision_heading(tmp_path):
    sentence = b"Der henvises til Kommunalbestyrelsens beslutning den 30.01.2012"
    data = XML.read_bytes().replace(b"\rBaggrund\rSom et led", b"\r" + sentence + b"\rBaggrund\rSom et led", 1)
    [result] = edoc.read(export(tmp_path, data))
    item = result.meeting.items[1]
    assert item.earlier_decisions == ()
    assert item.section(t.RESUME).text.endswith(sentence.decode())
