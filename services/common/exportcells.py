"""Exports are data, never formulas (contract §10): every csv and xlsx the product writes goes
through here. A text cell that a spreadsheet would run as a formula (it starts with `=`, `+`, `-`,
`@`, a tab or a carriage return) gets a leading `'`; in a workbook every text cell is a string.
Numbers stay numbers (a negative figure is a number, not text that starts with `-`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """The value as it is written: text that could start a formula with a leading `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def cells(values: Iterable[Any]) -> list[Any]:
    return [cell(v) for v in values]


def csv_bytes(rows: Iterable[Iterable[Any]]) -> bytes:
    """UTF-8 with a byte-order mark (Excel opens the Chinese text as such); every cell escaped."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(cells(row) for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode()


def append(sheet: Any, values: Iterable[Any]) -> None:
    """One row at the end of an openpyxl sheet: text cells escaped and typed as strings, so that
    nothing openpyxl would read as a formula (`data_type` "f") is ever stored as one."""
    sheet.append(cells(values))
    for written in sheet[sheet.max_row]:
        if isinstance(written.value, str):
            written.data_type = "s"
