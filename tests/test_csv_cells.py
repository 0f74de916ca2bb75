"""OWASP's rule for CSV cells (security review finding 5), cell by cell; the two CSV files
are tested with real minutes in test_api.py and test_people.py."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from decisions.csv_cells import csv_cell, csv_row


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ('=HYPERLINK("http://x","klik")', '\'=HYPERLINK("http://x","klik")'),
        ("+45 12 34 56 78", "'+45 12 34 56 78"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
    ],
)
def test_text_that_starts_like_a_formula_gets_a_quote(text, cell):
    assert csv_cell(text) == cell


@pytest.mark.parametrize("text", ["indstillingen", "Reza Javid (Ø) stemmer imod.", " =1", "'=1", "", "– tankestreg"])
def test_other_text_is_unchanged(text):
    assert csv_cell(text) == text


def test_numbers_dates_and_none_are_written_as_they_are():
    assert csv_row([-3, 7, -0.5, Decimal("-1.50"), None, True, dt.date(2019, 3, 5)]) == [
        -3,
        7,
        -0.5,
        Decimal("-1.50"),
        None,
        True,
        "2019-03-05",
    ]
    out = io.StringIO()
    csv.writer(out).writerow(csv_row([-3, "-3", None, Decimal("-1.50"), dt.date(2019, 3, 5)]))
    assert out.getvalue() == "-3,'-3,,-1.50,2019-03-05\r\n"
