"""Cells of the archive's CSV files, made safe to open in a spreadsheet.

Security review finding 5: titles, subjects and sentences come from the minutes (and from
editors), and a spreadsheet runs a cell such as `=HYPERLINK(...)` as a formula. OWASP's rule
(CSV Injection): a text cell that starts with = + - @, a tab or a carriage return gets a
leading `'`, which spreadsheets read as "text", not as part of the value shown. Numbers and
dates are written as they are: they are never formulas, and a negative number stays a number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """`value` as one CSV cell: a date in ISO 8601, text that could start a formula quoted with `'`."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value  # int, float, Decimal, bool and None (an empty cell) are never formulas


def csv_row(values: Iterable) -> list:
    """One CSV row, every cell through `csv_cell`."""
    return [csv_cell(value) for value in values]
