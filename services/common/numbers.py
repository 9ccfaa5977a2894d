"""Numbers as people type them (contract §10): region codes, id numbers, phone numbers, receipt
numbers and lookup codes are folded (Unicode NFKC: fullwidth `４４１８２３` → `441823`) before they
are validated, matched or stored; what is still not ASCII after folding is refused (422 naming the
field). One place, used by every schema that takes such a field; the resident identity
number's check character (GB 11643-1999); and what people mistype: a mobile number a digit short,
an identity number typed into free text (stop 54)."""

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


# An age as a Chinese input method gives it (stop 64's operator and teacher: 七 was dropped).
_AGES = ("零", "一", "二", "三", "四", "五", "六", "七", "八", "九",
         "十", "十一", "十二", "十三", "十四", "十五", "十六", "十七")


def typed_age(text: str | None) -> str | None:
    """An age as people type it (fullwidth digits, 七 or 十二, 岁 or 周岁 after it) as digits;
    anything else as it came, for the check that follows to name."""
    if text is None:
        return None
    plain = "".join(fold(text).split()).removesuffix("周岁").removesuffix("岁")
    plain = "二" if plain == "两" else plain
    return str(_AGES.index(plain)) if plain in _AGES else plain if plain.isdigit() else text


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


_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")  # ASCII only: `\d` also takes Arabic-Indic digits
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"  # indexed by the weighted sum mod 11

FORMAT_ERROR = "id_number_format"
CHECK_ERROR = "id_number_check"


def check_character(first17: str) -> str:
    """The check character ('0'-'9' or 'X') for 17 digits."""
    if len(first17) != 17 or not (first17.isascii() and first17.isdigit()):
        raise ValueError("the check character is computed over exactly 17 digits")
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def id_number(value: str | None) -> str | None:
    """The number with an upper-case 'X', or None when blank; a wrong shape or check character
    is a validation error naming its kind (15-digit numbers are refused: none was issued to a
    child born since 2004)."""
    if value is None or not value.strip():
        return None
    value = fold(value).strip().upper()  # fullwidth digits and ｘ as typed by a Chinese IME
    if not _SHAPE.match(value):
        raise PydanticCustomError(
            FORMAT_ERROR, "id_number must be 18 characters: 17 digits then a digit or X")
    if check_character(value[:17]) != value[17]:
        raise PydanticCustomError(
            CHECK_ERROR, "id_number check character is wrong (GB 11643, ISO 7064 MOD 11-2)")
    return value


# The one id-number field type every schema uses.
IdNumber = Annotated[str | None, AfterValidator(id_number), Field(
    description="18 characters (GB 11643): 17 digits and a check character, 0-9 or X (x accepted; "
                "fullwidth forms are folded)")]


_PHONE = re.compile(r"^\+?[0-9][0-9\- ]{4,19}$")
_MOBILE = re.compile(r"^1[3-9][0-9]*$")  # a mainland mobile number: 11 digits
# A resident identity number (18, or the old 15 digits) inside free text: it belongs in its own
# field, where only the units allowed to see it do (the operator's review, stop 54: one typed in
# 详细地址 was shown to a hospital barred from id numbers).
_ID_IN_TEXT = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9])")


def check_phone(value: str | None) -> str | None:
    """A telephone number as the forms take it (already folded): digits with +, - or spaces,
    kept without the spaces; a mobile number (1[3-9]…) of other than 11 digits is refused, of 11
    kept as its digits (stop 59's operator: "138 2233-4455" was shown "1382233-4455")."""
    if value and not _PHONE.match(value):
        raise ValueError("phone must be digits (5-20), optionally with +, - or spaces")
    value = (value or "").replace(" ", "")
    digits = value.replace("-", "")
    if _MOBILE.match(digits) and 6 <= len(digits) != 11:
        raise PydanticCustomError("mobile_length", "a mobile number (starting 13-19) has 11 digits")
    return (digits if _MOBILE.match(digits) else value) or None


def check_no_id_number(value: str | None) -> str | None:
    """Free text (an address) with no identity number in it, fullwidth digits counted."""
    if value and _ID_IN_TEXT.search(fold(value)):
        raise PydanticCustomError("id_number_in_text", "an identity number belongs in children[].id_number")
    return value
