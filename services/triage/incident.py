"""Major incidents (重大事项, contract §12): when a case becomes one by the rule's data, the fixed
summary an automatic one carries, and what a supervisor's summary may not hold."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from services.common.errors import Conflict, FieldError
from services.common.labels import CONCERN_TEXT, LEVEL_TEXT
from services.common.numbers import check_character, fold

AUTO, MARK, DEATH = "auto", "mark", "death"  # why a case went upward
_ID_LIKE = re.compile(r"[0-9]{17}[0-9X]")
_LONG_NUMBER = re.compile(r"[0-9]{15,}")  # no summary needs one; a mistyped id number is still one
# Phone numbers: a mobile (spaces or dashes between its groups), a landline with its area code, or
# any run of 7+ digits (no summary needs one).
_PHONE = re.compile(r"1[3-9][0-9][ -]?[0-9]{4}[ -]?[0-9]{4}|0[0-9]{2,3}-[0-9]{7,8}|[0-9]{7,}")
_HOUSE_NUMBER = re.compile(r"[0-9]+\s*(?:号|栋|幢|室|单元)")
# What follows a surname without being a given name ("李女士").
_HONORIFICS = ("女士", "先生", "小姐", "老师", "阿姨", "同学")


class TriageError(FieldError):
    """A case cannot be changed as asked (the field named says what to correct)."""


@dataclass(frozen=True)
class IncidentRules:
    """The automatic rule (versioned data): levels, concerns and the age under which it holds."""

    version: str
    levels: tuple[str, ...]
    concerns_any: tuple[str, ...]
    under_age: int
    summary_max_length: int
    summary: dict[str, str]

    @classmethod
    def load(cls, filename: str = "major_incidents.v1.json") -> IncidentRules:
        raw = json.loads(resources.files("services.triage").joinpath("data", filename).read_text())
        return cls(version=raw["version"], levels=tuple(raw["levels"]),
                   concerns_any=tuple(raw["concerns_any"]), under_age=int(raw["under_age"]),
                   summary_max_length=int(raw["summary_max_length"]), summary=dict(raw["summary"]))

    def holds(self, level: str, concerns: list[str], youngest_age: int | None) -> bool:
        """Red (by the data), a grave concern, and a child known to be under the age."""
        return (level in self.levels and any(c in self.concerns_any for c in concerns)
                and youngest_age is not None and youngest_age < self.under_age)

    def summary_for(self, reason: str, level: str, concerns: list[str]) -> str:
        """The automatic summary: the level, the concerns' labels and the age band, no one's data."""
        named = "、".join(CONCERN_TEXT.get(c, c) for c in concerns) or "未注明"
        return self.summary[reason].format(level=LEVEL_TEXT.get(level, level), concerns=named,
                                           under_age=self.under_age)


@cache
def default_rules() -> IncidentRules:
    return IncidentRules.load()


def due(rules: IncidentRules, state: Any, died: bool) -> list[str]:
    """The upward reports a case owes now: the rule once, a death once (also after the rule or
    a supervisor's mark, so the upward report says a child died)."""
    owed = []
    if state.major_incident is None and rules.holds(state.risk_level, state.concerns, state.youngest_age):
        owed.append(AUTO)
    if died and not state.death_reported:
        owed.append(DEATH)
    return owed


def youngest(*ages: int | None) -> int | None:
    known = [a for a in ages if a is not None]
    return min(known) if known else None


def check_mark(rules: IncidentRules, already: str | None, summary: str, names: list[str]) -> None:
    """A supervisor's mark: once, with a summary that says what happened and names no one."""
    if already is not None:
        raise Conflict("该案件已是重大事项，已向上级报告。 (This case is already a major incident.)")
    text = summary.strip()
    if not text:
        raise TriageError("summary", "请填写重大事项摘要。")
    if len(text) > rules.summary_max_length:
        raise TriageError("summary", f"摘要不能超过{rules.summary_max_length}字。")
    folded = fold(text).upper()
    if any(check_character(m[:17]) == m[17] for m in _ID_LIKE.findall(folded)) or _LONG_NUMBER.search(folded):
        raise TriageError("summary", "摘要不能含有身份证号码。")
    if _PHONE.search(folded):
        raise TriageError("summary", "摘要不能含有电话号码。")
    if _HOUSE_NUMBER.search(folded):
        raise TriageError("summary", "摘要不能含有门牌号（几号、几栋、几室、几单元）。")
    found = named_in(text, names)
    if found:
        raise TriageError("summary", f"摘要不能含有儿童或报告人的{found}。")


def _bare(text: str) -> str:
    return "".join(fold(text).split())


def named_in(summary: str, names: list[str]) -> str:
    """What of a name the summary holds: "姓名" (spaces ignored), "名字" (the name without a
    one-character surname, when two or more characters remain), or ""."""
    text = _bare(summary)
    for name in map(_bare, names):
        if name and name in text:
            return "姓名"
    for name in map(_bare, names):
        given = name[1:]
        if len(given) >= 2 and given not in _HONORIFICS and given in text:
            return "名字"
    return ""


def check_address(summary: str, addresses: list[str]) -> None:
    """A supervisor's summary may not hold an address as the report filed it (spaces ignored)."""
    text = _bare(summary)
    if any(a and a in text for a in map(_bare, addresses)):
        raise TriageError("summary", "摘要不能含有报告中登记的住址。")
