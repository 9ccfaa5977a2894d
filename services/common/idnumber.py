"""Resident identity numbers (GB 11643-1999): 18 characters, the last a check character
computed by ISO 7064 MOD 11-2 over the first 17 digits."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from services.common.digits import fold

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
