"""What the readers share: case numbers in every municipality's form, names, terms, and the
dated treatments of an item's case."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from decisions.minutes import acadre, common
from decisions.minutes import types as t
from tests.conftest import ACADRE_SYDDJURS


@pytest.mark.parametrize(
    ("printed", "number", "kle"),
    [
        ("15.00.00-G01-193-17", "15.00.00-G01-193-17", "15.00.00"),
        (" 15.20.36-ø34-1-17 ", "15.20.36-Ø34-1-17", "15.20.36"),
        ("12/27845", "12/27845", ""),  # Syddjurs (Acadre)
        ("2012-28504", "2012-28504", ""),  # Ballerup (eDoc)
        ("25/26257", "25/26257", ""),
        ("306-2009-600", "306-2009-600", ""),
        ("299835", "299835", ""),
        ("26 / 1172", "26/1172", ""),  # spaces are not part of a number
    ],
)
def test_case_numbers_as_municipalities_write_them(printed, number, kle):
    case = common.parse_case_number(printed)
    assert (case.number, case.kle) == (number, kle)


@pytest.mark.parametrize("junk", ["", "sag 12", "Bilag", "12//27845", "12/", "-12", "1" * 41, "12_3", "<b>12</b>"])
def test_junk_is_no_case_number(junk):
    assert common.parse_case_number(junk) is None


def test_kle_numbers_keep_their_parts_and_others_do_not_pretend():
    assert common.parse_case_number("15.00.00-G01-193-17") == t.CaseNumber(
        number="15.00.00-G01-193-17", kle="15.00.00", facet="G01", serial=193, year="17"
    )
    assert common.parse_kle_case_number("12/27845") is None


@pytest.mark.parametrize(
    ("day", "term"),
    [
        (dt.date(2013, 6, 20), "2010-2013"),
        (dt.date(2014, 1, 1), "2014-2017"),
        (dt.date(2026, 5, 18), "2026-2029"),
        (dt.date(2008, 3, 1), "2007-2009"),
        (dt.date(2005, 3, 1), "2002-2006"),
        (dt.date(1999, 3, 1), "1998-2001"),
    ],
)
def test_election_terms(day, term):
    assert common.election_term(day) == term


def test_names_with_party_letters_and_double_spaces():
    # Acadre's member list (3687981.XML): "Jesper  Mathiesen (A)".
    assert common.name_and_party("Jesper  Mathiesen (A)") == ("Jesper Mathiesen", "A")
    assert common.name_and_party("Hanne Bahnsen") == ("Hanne Bahnsen", "")


def test_dated_decision_headings():
    assert common.treatment_heading("Beslutning i Udvalget for plan, udvikling og kultur (PUK) den 10-04-2013") == (
        "Udvalget for plan, udvikling og kultur (PUK)",
        dt.date(2013, 4, 10),
    )
    assert common.treatment_heading("Beslutning i Økonomiudvalget den 16-03-2026") == (
        "Økonomiudvalget",
        dt.date(2026, 3, 16),
    )
    assert common.treatment_heading("Beslutning i Økonomiudvalget den 31-02-2026") is None
    assert common.body_heading("FORRETNINGSUDVALGETS BESLUTNING") == "Forretningsudvalget"
    assert common.body_heading("Beslutning") is None


def test_placeholders_are_no_decision():
    assert common.split_treatments(
        [(dt.date(2013, 6, 20), "PUK", "Tomt indhold"), (dt.date(2013, 4, 10), "PUK", "Udsat.")],
        meeting_date=dt.date(2013, 6, 20),
    ) == ("", (t.EarlierDecision(dt.date(2013, 4, 10), "PUK", "Udsat."),))


def test_one_heading_for_a_bodys_treatments_each_paragraph_dated(tmp_path):
    """`FORRETNINGSUDVALGETS BESLUTNING` with `18. september 2012: …` paragraphs: each is a
    treatment; the one dated this meeting is its decision. Built from the real Acadre export,
    its 24-04-2013 decision section renamed and rewritten so."""
    folder = tmp_path / "acadre"
    shutil.copytree(ACADRE_SYDDJURS, folder)
    minutes = folder / "Files_1863_3687982" / "3687981.XML"
    xml = minutes.read_text(encoding="utf-8")
    old_heading = "Beslutning i Udvalget for plan, udvikling og kultur (PUK) den 24-04-2013"
    assert xml.count(old_heading) == 1
    start = xml.index(old_heading)
    content_start = xml.index('<field name="bulletcontent">', start) + len('<field name="bulletcontent">')
    content_end = xml.index("</field>", content_start)
    xml = (
        xml[:start]
        + "FORRETNINGSUDVALGETS BESLUTNING"
        + xml[start + len(old_heading) : content_start]
        + "&lt;p&gt;18. september 2012: Anbefales.&lt;/p&gt;&lt;p&gt;Med bemærkning.&lt;/p&gt;"
        + "&lt;p&gt;5. marts 2013: Udsat.&lt;/p&gt;"
        + xml[content_end:]
    )
    minutes.write_text(xml, encoding="utf-8")
    (reading,) = acadre.read(folder)
    (item,) = reading.meeting.items
    assert [(e.date, e.body, e.text) for e in item.earlier_decisions] == [
        (dt.date(2013, 4, 10), "Udvalget for plan, udvikling og kultur (PUK)", item.earlier_decisions[0].text),
        (dt.date(2012, 9, 18), "Forretningsudvalget", "Anbefales.\n\nMed bemærkning."),
        (dt.date(2013, 3, 5), "Forretningsudvalget", "Udsat."),
    ]
    assert item.decision.startswith("Punktet blev drøftet.")
