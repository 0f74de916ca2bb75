"""The FirstAgenda reader against Hvidovre Kommune's real answer (fixtures/formats/firstagenda/
dagsorden_oekonomiudvalget_2026-05-18.json, GET /api/agenda/dagsorden/<id>): every fact asserted
here is in that file. No database, no network."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest

from decisions.minutes import firstagenda, formats, odense
from decisions.minutes import types as t

FOLDER = Path(__file__).resolve().parents[2] / "fixtures" / "formats" / "firstagenda"
AGENDA = FOLDER / "dagsorden_oekonomiudvalget_2026-05-18.json"
COMMITTEE_LIST = FOLDER / "udvalgsliste_trimmed.json"
NAME = AGENDA.name
MEMBERS = [
    "Anders Wolf Frisdahl Andresen",
    "Marie-Louise Jørgensen",
    "Søren Friis Trebbien",
    "Martin Amby",
    "Mikkel Dencker",
    "Finn Blohm",
    "Anders Liltorp",  # "Anders  Liltorp" in the JSON
]
ITEMS = [
    (1, "Godkendelse af dagsorden", "25/26257", False),
    (2, "Meddelelser", "25/26257", False),
    (3, "Beslutning - Skema A godkendelse ved Grenhusene", "26/1172", False),
    (
        4,
        "Beslutning - Godkendelse af igangsættelse af anlægsprojekt samt godkendelse af indtægts- og "
        'udgiftsbevilling vedr. projekttilskud fra Slots- og Kulturstyrelsen til "Outdoor Park" / "bike-bane"',
        "26/1033",
        False,
    ),
    (27, "Orientering - Ændring af praksis for boliganvisning i Borgerservice", "26/5837", False),
    (28, "Orientering - Status for byudviklingsprojekter og større boligbyggerier", "24/19640", False),
    (29, "Orientering - Harrestrup Å, Vigerslevparkerne: Status og videre proces", "24/15838", False),
    (30, "Orientering - Samarbejde om etablering af it-serviceorganisation for IT29", "26/483", False),
    (31, "Eventuelt", "25/26257", False),
    # Closed items keep number and title only (the JSON's SagsNummer 26/4188, 23/21614, 25/16185 is not kept).
    (
        32,
        "Lukket: Beslutning - Godkendelse af udbudsbetingelser vedr. driftsaftale for Hvidovre Lystbådehavn",
        None,
        True,
    ),
    (33, "Lukket: Beslutning - Revideret projekt vedr. etablering af padelhal på Bødkerporten 2A", None, True),
    (
        34,
        "Lukket: Beslutning - Tillægsaftale til delingsaftalen med Region Østdanmark vedr. sundhedsreformen",
        None,
        True,
    ),
]
THIS_MEETING = "<h3>Beslutning i Økonomiudvalget den 18-05-2026</h3><div><p><span>Anbefales godkendt.</span></p></div>"


@pytest.fixture(scope="module")
def reading() -> t.Reading:
    [result] = firstagenda.read(AGENDA)
    return result


def items(reading: t.Reading) -> dict[int, t.Item]:
    return {item.number: item for item in reading.meeting.items}


def original() -> dict:
    return json.loads(AGENDA.read_bytes())


def as_bytes(root) -> bytes:
    return json.dumps(root, ensure_ascii=False).encode()


def read(root, **kwargs) -> t.Reading:
    return firstagenda.read_bytes(as_bytes(root), name="m.json", **kwargs)


def refused(data: bytes) -> str:
    with pytest.raises(t.MinutesError) as caught:
        firstagenda.read_bytes(data, name="m.json")
    return str(caught.value)


def with_decision(root: dict, number: int, html: str = THIS_MEETING) -> dict:
    """The agenda with `html` before item `number`'s Sagsfremstilling, as the minutes print it."""
    root = copy.deepcopy(root)
    (element,) = [e for e in root["Dagsordenpunkter"] if e["Punktnummer"] == str(number)]
    field = element["Felter"][0]
    assert field["Html"].count("<h3>Sagsfremstilling</h3>") == 1
    field["Html"] = field["Html"].replace("<h3>Sagsfremstilling</h3>", html + "\n<h3>Sagsfremstilling</h3>")
    return root


# --- the meeting -------------------------------------------------------------------------


def test_the_meeting_as_the_json_has_it(reading):
    meeting = reading.meeting
    assert (meeting.committee, meeting.date, meeting.start_time, meeting.location) == (
        "Økonomiudvalget",
        dt.date(2026, 5, 18),
        dt.time(17, 0),  # MeetingBeginUtc "2026-05-18T17:00:00+02:00", in Copenhagen
        "Hvidovre",  # Sted "Hvidovre "
    )
    assert (meeting.kind, meeting.term, meeting.source_format, meeting.municipality) == (
        t.AGENDA,
        "2026-2029",
        "firstagenda",
        "",
    )
    assert meeting.warnings == ()
    assert (reading.source_name, reading.original) == (NAME, AGENDA.read_bytes())


def test_an_agenda_lists_its_members_without_participation(reading):
    assert [(m.name, m.party, m.role, m.status) for m in reading.meeting.members] == [
        (name, "", "", t.UNKNOWN) for name in MEMBERS
    ]


def test_every_item_number_title_case_and_closed_flag(reading):
    assert [
        (item.number, item.title, item.case.number if item.case else None, item.closed)
        for item in reading.meeting.items
    ] == ITEMS


def test_closed_items_have_nothing_but_number_and_title(reading):
    for number in (32, 33, 34):
        item = items(reading)[number]
        assert (item.sections, item.attachments, item.decision, item.earlier_decisions) == ((), (), "", ())


def test_sections_in_the_order_of_their_h3_headings(reading):
    item = items(reading)[3]
    assert [(s.kind, s.heading) for s in item.sections] == [
        (t.SAGSFREMSTILLING, "Supplerende sagsfremstilling"),
        (t.RESUME, "Beslutningstema"),
        (t.INDSTILLING, "Indstilling"),
        (t.SAGSFREMSTILLING, "Sagsfremstilling"),
        (t.SAGSFREMSTILLING, "Om Grenhusene"),
        (t.SAGSFREMSTILLING, "Planforhold og bevaringsværdi"),
        (t.SAGSFREMSTILLING, "Grenhusenes facader"),
        (t.SAGSFREMSTILLING, "De grønne skovbælter"),
        (t.SAGSFREMSTILLING, "Politiske beslutninger og aftaler"),
        (t.OEKONOMI, "Økonomiske konsekvenser"),
        (t.SAGSFREMSTILLING, "Retsgrundlag"),
        (t.SAGSFREMSTILLING, "Høring"),
        (t.SAGSFREMSTILLING, "Klima-, miljø- og bæredygtighedsmæssige konsekvenser"),
    ]
    assert item.section(t.RESUME).text.startswith(
        "Hvidovre Almennyttige Boligselskab ansøger om godkendelse af skema A i forbindelse med gennemførelse"
    )
    indstilling = item.section(t.INDSTILLING).text
    assert indstilling.startswith(
        "Kommunaldirektøren indstiller til Økonomiudvalget at anbefale over for Kommunalbestyrelsen\n\n"
        "- at godkende tilsagn til Helhedsplanen Grenhusene"
    )
    assert indstilling.endswith("fra individuel måling af varme- og elforbruget i afdelingen.")
    # Word's export around every section: no markup, no <title>, no NBSP left in the text.
    for section in item.sections:
        assert "<" not in section.text and "Dagsordenspunkt" not in section.text and "\u00a0" not in section.text
    # Items 1, 2 and 31 have an empty sagsfremstillingContainer.
    assert [items(reading)[n].sections for n in (1, 2, 31)] == [(), (), ()]


def test_an_agenda_has_no_decision_and_keeps_the_earlier_treatments(reading):
    assert all((i.decision, i.outcome, i.votes) == ("", t.NO_DECISION, ()) for i in reading.meeting.items)
    assert {
        number: [(e.date, e.body) for e in item.earlier_decisions]
        for number, item in items(reading).items()
        if item.earlier_decisions
    } == {
        3: [(dt.date(2026, 3, 16), "Økonomiudvalget")],
        4: [
            (dt.date(2026, 4, 7), "Kultur- og Fritidsudvalget"),
            (dt.date(2026, 4, 7), "Klima-, Miljø- og Teknikudvalget"),
            (dt.date(2026, 4, 7), "By- og Planudvalget"),
            (dt.date(2026, 4, 13), "Økonomiudvalget"),
            (dt.date(2026, 5, 4), "Kultur- og Fritidsudvalget"),
        ],
        27: [(dt.date(2026, 5, 4), "Social-, Sundheds- og Borgerserviceudvalget")],
        28: [(dt.date(2026, 5, 4), "By- og Planudvalget")],
        29: [(dt.date(2026, 5, 4), "Klima-, Miljø- og Teknikudvalget")],
    }
    (earlier,) = items(reading)[3].earlier_decisions
    assert earlier.text == "Sagen udsættes med henblik på en belysning af alternative scenarier for renoveringen."
    assert items(reading)[28].earlier_decisions[0].text == "Ad 1. Taget til efterretning."
    # The treatments are not sections too.
    assert all(not s.heading.startswith("Beslutning i") for i in reading.meeting.items for s in i.sections)


def test_attachments_titles_in_order(reading):
    assert {number: item.attachments for number, item in items(reading).items() if item.attachments} == {
        3: (
            "Ansøgningsskrivelse skema A Grenhusene 9.dec inkl. bilag",
            "Arkitekturets konsekvensvurdering af Grenhusene",
            "Forstadsmuseets udtalelse vedrørende Grenhusene",
            "Fredningsforslag Grenhusene august 2013",
            "Referat fra Det Særlige Bygningssyn",
            "Borgerhenvendelse 1",
            "Borgerhenvendelse 2",
            "Tilføjet 12.05.2026 - Referat af møde 09042026",
            "Tilføjet 12.05.2026 - Notat vedr. Grenhusene",
        ),
        4: (
            "kortskitse over bike-bane i Strandparken I/S",
            "Lokalplan 511",
            "Resumé - Hvidovre Outdoor Park",
            "Notat pr. 12.05.2026 - Driftsomkostninger og mulighed for drift af grønt område via Strandparken I/S",
        ),
        28: ("Statusrapportering, Byudviklingsprojekter og større boligbyggerier, den 27. marts 2026",),
        30: ("Fordeling af udgifter til transitionsprogrammet",),
    }
    assert all(item.files == () for item in reading.meeting.items)


def test_the_source_text_is_plain_text_of_the_meeting(reading):
    text = reading.source_text
    assert text.startswith("Økonomiudvalget\nDagsorden\n18-05-2026 kl. 17:00\nHvidovre\n\nMedlemmer\n")
    assert "Punkt 32. Lukket: Beslutning - Godkendelse af udbudsbetingelser" in text
    assert "Beslutning i Økonomiudvalget den 16-03-2026\n\nSagen udsættes" in text
    assert "<" not in text.replace("<h3>", "")  # no markup (the JSON's titles hold none)


# --- agenda or minutes --------------------------------------------------------------------


def test_this_meetings_decision_block_makes_minutes_whatever_the_name_says():
    root = with_decision(original(), 3)
    members = root["Moede"]["Moededeltagere"]
    members[1]["Absent"] = True
    members[2]["ParticipationCancelled"] = True
    reading = read(root, kind_hint="Dagsorden")  # Moede.Navn is "Dagsorden" too
    meeting = reading.meeting
    assert meeting.kind == t.MINUTES
    item = items(reading)[3]
    assert (item.decision, item.outcome) == ("Anbefales godkendt.", t.RECOMMENDED)
    assert [(e.date, e.body) for e in item.earlier_decisions] == [(dt.date(2026, 3, 16), "Økonomiudvalget")]
    headings = [s.heading for s in item.sections]
    assert headings[2:5] == ["Indstilling", "Beslutning i Økonomiudvalget den 18-05-2026", "Sagsfremstilling"]
    assert item.section(t.BESLUTNING).text == "Anbefales godkendt."
    assert items(reading)[4].decision == ""  # no decision printed in item 4
    assert [(m.name, m.status) for m in meeting.members] == [
        ("Anders Wolf Frisdahl Andresen", t.PRESENT),
        ("Marie-Louise Jørgensen", t.ABSENT),
        ("Søren Friis Trebbien", t.APOLOGIES),
        *((name, t.PRESENT) for name in MEMBERS[3:]),
    ]
    assert "- Marie-Louise Jørgensen: fraværende\n- Søren Friis Trebbien: afbud" in reading.source_text


def test_a_filled_item_decision_makes_minutes():
    root = original()
    root["Dagsordenpunkter"][0]["ItemDecision"] = "<p>Godkendt.</p>"
    reading = read(root)
    assert reading.meeting.kind == t.MINUTES
    item = items(reading)[1]
    assert (item.decision, item.outcome) == ("Godkendt.", t.APPROVED)
    assert [(s.kind, s.heading) for s in item.sections] == [(t.BESLUTNING, "Beslutning")]


def test_another_committees_treatment_on_the_same_day_is_history_not_the_decision():
    html = "<h3>Beslutning i Kultur- og Fritidsudvalget den 18-05-2026</h3><p>Anbefales.</p>"
    root = with_decision(original(), 3, html)
    reading = read(root)
    item = items(reading)[3]
    assert (reading.meeting.kind, item.decision) == (t.AGENDA, "")
    assert [(e.date, e.body, e.text) for e in item.earlier_decisions] == [
        (dt.date(2026, 3, 16), "Økonomiudvalget", item.earlier_decisions[0].text),
        (dt.date(2026, 5, 18), "Kultur- og Fritidsudvalget", "Anbefales."),
    ]


@pytest.mark.parametrize(
    ("navn", "hint", "kind"),
    [
        ("Referat", None, t.MINUTES),
        ("Dagsorden", "Referat", t.AGENDA),  # the JSON's own name first
        (None, "Referat", t.MINUTES),
        (None, "Lukket referat", t.MINUTES),
        (None, "Tillægsdagsorden", t.AGENDA),
        (None, "Dagsorden", t.AGENDA),
        (None, None, t.AGENDA),
    ],
)
def test_without_a_decision_the_document_name_then_the_hint_decides(navn, hint, kind):
    root = original()
    if navn is None:
        del root["Moede"]["Navn"]
    else:
        root["Moede"]["Navn"] = navn
    meeting = read(root, kind_hint=hint).meeting
    assert meeting.kind == kind
    expected = t.PRESENT if kind == t.MINUTES else t.UNKNOWN
    assert {m.status for m in meeting.members} == {expected}
    if navn is None and hint is None:
        assert [w.message for w in meeting.warnings] == [
            "no decision of this meeting and no document name: read as an agenda"
        ]


def test_an_unknown_kind_hint_is_a_warning_and_left_out():
    root = original()
    del root["Moede"]["Navn"]
    meeting = read(root, kind_hint="Referatet").meeting
    assert meeting.kind == t.AGENDA
    assert [w.message for w in meeting.warnings] == [
        "the document name 'Referatet' is not understood",
        "no decision of this meeting and no document name: read as an agenda",
    ]


def test_read_bytes_is_read_of_the_same_bytes(reading):
    again = firstagenda.read_bytes(AGENDA.read_bytes(), name=NAME, kind_hint="Dagsorden")
    assert again.meeting == reading.meeting and again.source_text == reading.source_text


def test_a_begin_time_in_utc_is_local_time():
    root = original()
    root["Moede"]["MeetingBeginUtc"] = "2026-05-18T15:00:00Z"
    assert read(root).meeting.start_time == dt.time(17, 0)
    root["Moede"]["MeetingBeginUtc"] = "2026-01-05T13:00:00"  # no offset: UTC, winter time +1
    root["Moede"]["Dato"] = "2026-01-05T14:00:00+01:00"
    meeting = read(root).meeting
    assert (meeting.date, meeting.start_time) == (dt.date(2026, 1, 5), dt.time(14, 0))


# --- untrusted input ----------------------------------------------------------------------


def test_control_characters_are_dropped_and_html_in_a_title_is_text():
    root = original()
    first, second = root["Dagsordenpunkter"][:2]
    first["Navn"] = "Godkendelse\x07 af\x00 dagsorden\x1b"
    second["Navn"] = "<b>Meddelelser</b> &amp; <script>x</script>"
    root["Udvalg"]["Navn"] = "Økonomi\x0budvalget"
    root["Dagsordenpunkter"][2]["Felter"][0]["Html"] = "<h3>Beslutningstema</h3><p>Tekst\x0c med\x01 styretegn</p>"
    reading = read(root)
    assert reading.meeting.committee == "Økonomi udvalget"
    assert items(reading)[1].title == "Godkendelse af dagsorden"
    assert items(reading)[2].title == "<b>Meddelelser</b> &amp; <script>x</script>"
    assert items(reading)[3].sections[0].text == "Tekst med styretegn"
    assert not any(chr(c) in reading.source_text for c in [*range(0, 9), 11, 12, *range(14, 32)])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "m.json: not valid JSON (Expecting value) at line 1, column 1"),
        (b"Dagsorden\n1. Godkendelse", "m.json: not valid JSON (Expecting value) at line 1, column 1"),
        (b'{"Dagsordenpunkter": [', "m.json: not valid JSON (Expecting value) at line 1, column 23"),
        (b"\xff\xfe{}", "m.json: not UTF-8 text (byte 0), so not FirstAgenda JSON"),
        (b'{"Moede": NaN, "Dagsordenpunkter": []}', "m.json: not valid JSON (NaN is not a JSON number)"),
        (b"[1, 2]", "m.json: the JSON is a list, not a FirstAgenda meeting (an object with Udvalg, Moede and"),
        (b'"Dagsorden"', "m.json: the JSON is a string, not a FirstAgenda meeting"),
        (b'{"Id": "x", "Items": []}', "m.json: JSON of another shape, not one meeting's agenda or minutes"),
        (b"[" * 100_000 + b"]" * 100_000, "m.json: the JSON nests too deeply to be a FirstAgenda meeting"),
        (b"[" * 30 + b"]" * 30, "m.json: the JSON nests deeper than 20 levels; not a FirstAgenda meeting"),
    ],
)
def test_what_is_not_json_of_a_meeting_is_refused(data, message):
    assert refused(data).startswith(message)


def test_a_committee_list_is_refused_as_such():
    message = refused(COMMITTEE_LIST.read_bytes())
    assert message == (
        "m.json: a FirstAgenda committee list (udvalgsliste), not one meeting's agenda or minutes "
        "(GET /api/agenda/dagsorden/<id>: an object with Udvalg, Moede and Dagsordenpunkter)"
    )


def edited(change) -> str:
    root = original()
    change(root)
    return refused(as_bytes(root))


def _set(path: list, value):
    def change(root):
        target = root
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set(["Dagsordenpunkter", 0, "Navn"], 5), "m.json: Dagsordenpunkter[1].Navn is number, not text"),
        (_set(["Dagsordenpunkter", 1, "Navn"], ["x"]), "m.json: Dagsordenpunkter[2].Navn is list, not text"),
        (_set(["Dagsordenpunkter", 0, "Punktnummer"], "1a"), "m.json: item 'Godkendelse af dagsorden' has no item"),
        (_set(["Dagsordenpunkter", 1, "Punktnummer"], "1"), "m.json: item number 1 occurs twice"),
        (_set(["Dagsordenpunkter", 0, "Navn"], " "), "m.json: item 1 has no title (Navn is empty)"),
        (_set(["Dagsordenpunkter", 0, "IsOpen"], "true"), "m.json: Dagsordenpunkter[1].IsOpen is string, not true"),
        (_set(["Dagsordenpunkter", 2, "Felter"], {}), "m.json: Dagsordenpunkter[3].Felter is object, not a list"),
        (_set(["Dagsordenpunkter", 2, "Felter", 0, "Html"], 1), "m.json: Dagsordenpunkter[3].Felter[1].Html is num"),
        (_set(["Dagsordenpunkter", 2, "Bilag", 0], "x"), "m.json: Dagsordenpunkter[3].Bilag[1] is string, not an"),
        (_set(["Dagsordenpunkter", 2, "Bilag", 0, "Navn"], 7), "m.json: Dagsordenpunkter[3].Bilag[1].Navn is number"),
        (_set(["Dagsordenpunkter", 0, "ItemDecision"], 3), "m.json: Dagsordenpunkter[1].ItemDecision is number"),
        (_set(["Dagsordenpunkter", 3], None), "m.json: Dagsordenpunkter[4] is null, not an object"),
        (_set(["Dagsordenpunkter"], []), "m.json: the meeting has no items (Dagsordenpunkter is empty)"),
        (_set(["Dagsordenpunkter"], {}), "m.json: Dagsordenpunkter is object, not a list"),
        (_set(["Udvalg"], "Økonomiudvalget"), "m.json: Udvalg is string, not an object"),
        (_set(["Udvalg", "Navn"], ""), "m.json: the JSON names no committee (Udvalg.Navn is empty)"),
        (_set(["Moede"], None), "m.json: Moede is null, not an object"),
        (_set(["Moede", "MeetingBeginUtc"], "18-05-2026"), "m.json: the meeting's begin (Moede.MeetingBeginUtc)"),
        (_set(["Moede", "MeetingBeginUtc"], "2026-02-30T17:00:00+02:00"), "m.json: the meeting's begin (Moede."),
        (_set(["Moede", "MeetingBeginUtc"], 20260518), "m.json: Moede.MeetingBeginUtc is number, not text"),
        (
            lambda root: root["Moede"].update(MeetingBeginUtc=None, Dato=None),
            "m.json: the meeting has no date (Moede.MeetingBeginUtc and Moede.Dato are empty)",
        ),
        (_set(["Moede", "Moededeltagere", 0, "Absent"], "ja"), "m.json: Moede.Moededeltagere[1].Absent is string"),
        (_set(["Moede", "Moededeltagere", 0], []), "m.json: Moede.Moededeltagere[1] is list, not an object"),
    ],
)
def test_an_unexpected_shape_is_refused_with_where(change, message):
    assert edited(change).startswith(message)


def test_an_oversized_file_is_refused_before_parsing(monkeypatch, tmp_path):
    monkeypatch.setattr(firstagenda, "MAX_JSON_BYTES", 1000)
    assert refused(AGENDA.read_bytes()) == "m.json: the file is 0.1 MB, over the limit of 0 MB"
    with pytest.raises(t.MinutesError, match=r"^dagsorden_oekonomiudvalget_2026-05-18.json: the file is 0.1 MB"):
        firstagenda.read(AGENDA)


def test_an_unclosed_heading_is_read_linearly():
    root = original()
    root["Dagsordenpunkter"][2]["Felter"][0]["Html"] = "<h3>Beslutningstema" + "<h3>x" * 20_000
    item = items(read(root))[3]
    assert item.sections == ()  # the unclosed heading has no text after it


# --- recognition --------------------------------------------------------------------------


def test_formats_recognizes_the_file_and_json_files():
    assert firstagenda in formats.READERS
    assert formats.reader_for(AGENDA) is firstagenda
    assert formats.reader_for(COMMITTEE_LIST) is firstagenda  # which refuses it in so many words
    assert firstagenda.detect(FOLDER) is False


def test_content_is_recognized_without_the_suffix(tmp_path):
    copy_ = tmp_path / "meeting.txt"
    copy_.write_bytes(b"\xef\xbb\xbf\n " + AGENDA.read_bytes())
    assert formats.reader_for(copy_) is firstagenda
    assert firstagenda.read(copy_)[0].meeting.committee == "Økonomiudvalget"  # the BOM is skipped
    text = tmp_path / "minutes.txt"
    text.write_text("REFERAT Økonomiudvalget\n")
    assert formats.reader_for(text) is odense


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b'{"Dagsordenpunkter": [', True),
        (b'\xef\xbb\xbf  {"Moede" : {', True),
        (b'{"Udvalg":{"Udvalg 2026-2029"', True),
        (b'["Dagsordenpunkter"]', False),
        (b'{"Items": []}', False),
        (b"REFERAT", False),
    ],
)
def test_looks_like(head, expected):
    assert firstagenda.looks_like(head) is expected
