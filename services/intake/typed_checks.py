"""What people mistype in a report's fields, checked where the fields are: telephone numbers (a
mobile a digit short, spaces), an identity number typed into free text, a time still to come."""

from __future__ import annotations

import re
from datetime import timedelta

from pydantic_core import PydanticCustomError

from services.common.numbers import fold

CLOCK_SKEW = timedelta(minutes=5)  # a caller's watch or the operator's PC a little ahead
_PHONE = re.compile(r"^\+?[0-9][0-9\- ]{4,19}$")
_MOBILE = re.compile(r"^1[3-9][0-9]*$")  # a mainland mobile number: 11 digits
# A resident identity number (18, or the old 15 digits) inside free text: it belongs in its own
# field, where only the units allowed to see it do (the operator's review, stop 54: one typed in
# 详细地址 was shown to a hospital barred from id numbers).
_ID_IN_TEXT = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9])")


def check_phone(value: str | None) -> str | None:
    """A telephone number as the forms take it (already folded): digits with +, - or spaces,
    kept without the spaces; a mobile number (1[3-9]…) of other than 11 digits is refused."""
    if value and not _PHONE.match(value):
        raise ValueError("phone must be digits (5-20), optionally with +, - or spaces")
    value = (value or "").replace(" ", "")
    digits = value.replace("-", "")
    if _MOBILE.match(digits) and 6 <= len(digits) != 11:
        raise PydanticCustomError("mobile_length", "a mobile number (starting 13-19) has 11 digits")
    return value or None


def check_no_id_number(value: str | None) -> str | None:
    """Free text (an address) with no identity number in it, fullwidth digits counted."""
    if value and _ID_IN_TEXT.search(fold(value)):
        raise PydanticCustomError("id_number_in_text", "an identity number belongs in children[].id_number")
    return value
