"""Whether free text holds a person's name, traditional characters read as simplified: a name
typed 黄小軍 on a traditional keyboard is the child 黄小军 (OpenCC's t2s tables, Apache-2.0). What
staff write for others to read, and a narrative of its own reporter, are held to naming no one."""

from __future__ import annotations

from functools import cache

from opencc import OpenCC

from services.common.numbers import fold


@cache
def _t2s() -> OpenCC:
    return OpenCC("t2s")


def simplified(text: str) -> str:
    """The text with traditional characters in their simplified forms (simplified text unchanged)."""
    return str(_t2s().convert(text)) if text else text


# What follows a surname without being a given name ("李女士").
HONORIFICS = ("女士", "先生", "小姐", "老师", "阿姨", "同学")


def bare(text: str) -> str:
    """Folded (fullwidth as ASCII), without spaces."""
    return "".join(fold(text).split())


def named_in(summary: str, names: list[str]) -> str:
    """What of a name the summary holds: "姓名" (spaces ignored), "名字" (the name without a
    one-character surname, when two or more characters remain), or "". Traditional characters
    count as their simplified forms, in the text and the names alike (stop 55's county
    supervisor: 黄小軍 passed for the child 黄小军)."""
    texts = {bare(summary), simplified(bare(summary))}
    forms = [n for name in names for n in {bare(name), simplified(bare(name))}]
    if any(name and name in text for name in forms for text in texts):
        return "姓名"
    if any(len(name[1:]) >= 2 and name[1:] not in HONORIFICS and name[1:] in text
           for name in forms for text in texts):
        return "名字"
    return ""
