"""Traditional characters read as simplified, for comparing names: a name typed 黄小軍 on a
traditional keyboard is the child 黄小军 (OpenCC's t2s tables, Apache-2.0)."""

from __future__ import annotations

from functools import cache

from opencc import OpenCC


@cache
def _t2s() -> OpenCC:
    return OpenCC("t2s")


def simplified(text: str) -> str:
    """The text with traditional characters in their simplified forms (simplified text unchanged)."""
    return str(_t2s().convert(text)) if text else text
