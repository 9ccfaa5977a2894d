"""Receipt numbers and lookup codes as an operator or a caller types them."""

from __future__ import annotations

import base64
import itertools
import re

from services.common.digits import ASCII_DIGITS, fold

_DASHES = re.compile(r"[\s\-\u2010-\u2015\u2212]+")
# Receipts are read aloud and copied by hand: Crockford's base32 has no I, L, O or U, and a
# typed O, I or L is read as the 0 or 1 it looks like (U as V).
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_FROM_RFC4648 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", CROCKFORD)
_TO_CROCKFORD = str.maketrans("OILU", "011V")
# Receipts issued before (RFC 4648 base32: A-Z, 2-7) have no 0 or 1: typed, they meant O and I/L.
_OLD_ONE = ("I", "L")
_MOST_ONES = 3  # a tail of more typed 1s than this is not tried in the old alphabet


def receipt_tail(report_id: bytes) -> str:
    """Ten characters (50 bits) of the report's id in Crockford's base32."""
    return base64.b32encode(report_id).decode()[:10].translate(_FROM_RFC4648)


def spoken(text: str) -> str:
    """A receipt number or lookup code as typed from what a caller read out: full-width forms
    folded (NFKC), spaces and dashes of any kind dropped, upper case; a receipt number gets its
    one dash back after the date."""
    plain = _DASHES.sub("", fold(text)).upper()
    return f"{plain[:8]}-{plain[8:]}" if len(plain) == 18 and ASCII_DIGITS.fullmatch(plain[:8]) else plain


def readings(text: str) -> list[str]:
    """The receipt numbers a typed one may stand for, most literal first: as typed; with look-alikes
    read in Crockford's alphabet (new receipts); with 0 and 1 read as O and I/L (older ones).
    How many depends only on what was typed, never on what is stored."""
    typed = spoken(text)
    if len(typed) != 19 or typed[8] != "-":
        return [typed]
    date, tail = typed[:9], typed[9:]
    found = [typed, date + tail.translate(_TO_CROCKFORD)]
    old = tail.replace("0", "O")
    ones = [i for i, c in enumerate(old) if c == "1"]
    if len(ones) <= _MOST_ONES:
        for letters in itertools.product(_OLD_ONE, repeat=len(ones)):
            chars = list(old)
            for i, letter in zip(ones, letters, strict=True):
                chars[i] = letter
            found.append(date + "".join(chars))
    return list(dict.fromkeys(found))
