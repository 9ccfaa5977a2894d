"""Digits as people type them (contract §10): region codes, id numbers, phone numbers, receipt
numbers and lookup codes are folded (Unicode NFKC: fullwidth `４４１８２３` → `441823`) before they
are validated, matched or stored; what is still not ASCII after folding is refused (422 naming the
field). One place, used by every schema that takes such a field."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError

# `\d` and str.isdigit() also accept Arabic-Indic, Devanagari… digits: only these are digits here.
ASCII_DIGITS = re.compile(r"[0-9]+")
REGION = re.compile(r"[0-9]{6}|[0-9]{9}|[0-9]{12}")
REGION_PREFIX = r"^[0-9]{2,12}$"
DIGITS_ERROR = "ascii_digits"


def fold(value: Any) -> Any:
    """Text in NFKC (fullwidth digits, letters, `＋`, `－` and the ideographic space become ASCII);
    anything else as it came (the type check that follows names it)."""
    return unicodedata.normalize("NFKC", value) if isinstance(value, str) else value


def _ascii(value: str | None) -> str | None:
    if value is not None and not value.isascii():
        raise PydanticCustomError(DIGITS_ERROR, "only ASCII digits and letters (fullwidth forms are folded)")
    return value


def _region(value: str) -> str:
    if not REGION.fullmatch(value):
        raise PydanticCustomError(
            DIGITS_ERROR, "region_code must be 6, 9 or 12 digits 0-9 (county, township or village code)")
    return value


def is_region_code(text: str) -> bool:
    """Whether folded text is a 6-, 9- or 12-digit code (for pages that map a typed place)."""
    return REGION.fullmatch(fold(text).strip()) is not None


# Fold before anything else looks at the value: last in `Annotated[str, Field(…), Folded]` (it
# wraps what comes before it, and the JSON schema keeps their constraints).
Folded = BeforeValidator(fold)
Ascii = AfterValidator(_ascii)
RegionCode = Annotated[str, Folded, AfterValidator(_region), Field(
    description="6, 9 or 12 digits (county, township or village code); fullwidth digits are folded")]
# Receipt numbers and lookup codes: digits and Crockford letters, read out and typed by hand.
TypedCode = Annotated[str, Field(min_length=1, max_length=40), Folded, Ascii]
