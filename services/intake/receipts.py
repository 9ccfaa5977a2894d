"""Receipt numbers and lookup codes as an operator or a caller types them."""

from __future__ import annotations

import re
import unicodedata

_DASHES = re.compile(r"[\s\-\u2010-\u2015\u2212]+")


def spoken(text: str) -> str:
    """A receipt number or lookup code as typed from what a caller read out: full-width forms
    folded (NFKC), spaces and dashes of any kind dropped, upper case; a receipt number gets its
    one dash back after the date."""
    plain = _DASHES.sub("", unicodedata.normalize("NFKC", text)).upper()
    return f"{plain[:8]}-{plain[8:]}" if len(plain) == 18 and plain[:8].isdigit() else plain
