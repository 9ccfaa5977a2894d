"""The spreadsheets the product writes (the monthly report, the ledger): columns as wide as what
they hold, so that no Chinese text is cut off."""

from __future__ import annotations

import unicodedata
from typing import Any


def text_width(value: Any) -> int:
    """How many narrow characters a cell's text takes (a Chinese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(value))


MIN_WIDTH, MAX_WIDTH = 10, 48


def widen(sheet: Any) -> None:
    """Each column as wide as its widest header or figure, so that nothing is cut off; a line of
    text alone in its row (the rules, a title) may run on over the empty cells beside it."""
    widths: dict[str, int] = {}
    for row in sheet.iter_rows():
        filled = [c for c in row if c.value is not None and c.value != ""]
        for cell in filled if len(filled) > 1 else ():
            widths[cell.column_letter] = max(widths.get(cell.column_letter, 0), text_width(cell.value))
    for letter, width in widths.items():
        sheet.column_dimensions[letter].width = min(MAX_WIDTH, max(MIN_WIDTH, width + 2))
