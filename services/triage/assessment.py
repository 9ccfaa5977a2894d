"""What triage decides on and how: a report's or a supplement's facts, with the narrative it
opened; the risk assessment by the versioned rule data of contract §3 (and its narrative
phrases); major incidents (重大事项, §12): when a case becomes one by the rule's data, the fixed
summary an automatic one carries, and what a supervisor's summary may not hold."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

from services.common.errors import Conflict, FieldError
from services.common.hanzi import bare, named_in
from services.common.labels import CONCERN_TEXT, LEVEL_TEXT
from services.common.numbers import check_character, fold
from services.common.vocabulary import higher

__all__ = ["AUTO", "DEATH", "MARK", "Assessment", "IncidentRules", "ReportFacts", "RiskRules",
           "SupplementFacts", "TriageError", "assessment_inputs", "check_mark",
           "default_rules", "due", "named_in", "youngest"]


@dataclass(frozen=True)
class Assessment:
    level: str
    rule_version: str
    rationale: str
    phrases: tuple[str, ...] = ()


@dataclass(frozen=True)
class RiskRules:
    version: str
    rules: tuple[dict[str, Any], ...]
    otherwise: str
    narrative_raise: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Groups of phrases that lift only together (one phrase of each group in the narrative).
    narrative_together: dict[str, tuple[tuple[tuple[str, ...], ...], ...]] = field(default_factory=dict)
    join_within_days: int = 30
    burst_reports: int = 3
    burst_hours: int = 72

    @classmethod
    def load(cls, filename: str = "risk_rules.v5.json") -> RiskRules:
        raw = json.loads(resources.files("services.triage").joinpath("data", filename).read_text())
        raise_, together = raw.get("narrative_raise", {}), raw.get("narrative_raise_together", {})
        repeat = raw.get("repeat_reports", {})
        return cls(version=raw["version"], rules=tuple(raw["rules"]), otherwise=raw["otherwise"],
                   narrative_raise={lvl: tuple(raise_.get(lvl, ())) for lvl in ("red", "orange")},
                   narrative_together={lvl: tuple(tuple(tuple(g) for g in groups)
                                                  for groups in together.get(lvl, ()))
                                       for lvl in ("red", "orange")},
                   join_within_days=repeat.get("join_within_days", 30),
                   burst_reports=repeat.get("burst_reports", 3), burst_hours=repeat.get("burst_hours", 72))

    def assess(self, concerns: list[str], immediate_danger: bool, narrative: str = "") -> Assessment:
        """The first matching rule decides; narrative phrases may lift the level, never lower it."""
        level, reason = self.otherwise, None
        for rule in self.rules:
            reason = self._match(rule, set(concerns), immediate_danger)
            if reason:
                level = rule["level"]
                break
        if reason is None:
            what = "no concern given" if not concerns else "only " + ", ".join(sorted(concerns))
            reason = f"{self.otherwise}: {what}"
        for phrase_level in ("red", "orange"):
            hits = tuple(p for p in self.narrative_raise.get(phrase_level, ()) if p in narrative) + tuple(
                "+".join(found) for groups in self.narrative_together.get(phrase_level, ())
                if all(found := [next((p for p in g if p in narrative), "") for g in groups]))
            if hits and higher(phrase_level, level) != level:
                return Assessment(phrase_level, self.version,
                                  f"{phrase_level}: narrative mentions {'、'.join(hits)} ({reason})",
                                  hits)
        return Assessment(level, self.version, reason)

    @staticmethod
    def _match(rule: dict[str, Any], concerns: set[str], immediate_danger: bool) -> str | None:
        level = rule["level"]
        if rule.get("when_immediate_danger") and immediate_danger:
            return f"{level}: immediate danger reported"
        hits = sorted(concerns & set(rule.get("concerns_any", ())))
        if hits:
            return f"{level}: " + ", ".join(hits)
        if "concerns_any_except" in rule:
            others = sorted(concerns - set(rule["concerns_any_except"]))
            if others:
                return f"{level}: " + ", ".join(others)
        return None


@dataclass(frozen=True)
class ReportFacts:
    """A report message's facts; the narrative only for its phrases (never stored)."""

    report_id: str
    at: datetime
    concerns: list[str]
    immediate_danger: bool
    region_code: str
    narrative: str = field(default="", repr=False)
    channel: str | None = None
    submitter_ref: str | None = None
    sentinel_id: str | None = None
    youngest_age: int | None = None
    child_died: bool = False

    @classmethod
    def of(cls, data: dict[str, Any], narrative: str) -> ReportFacts:
        ages = [c["age"] for c in data.get("children") or [] if c.get("age") is not None]
        return cls(report_id=data["report_id"], at=datetime.fromisoformat(data["received_at"]),
                   concerns=list(data["concerns"]), immediate_danger=bool(data["immediate_danger"]),
                   region_code=data["region_code"], narrative=narrative,
                   channel=data.get("channel"), submitter_ref=data.get("submitter_ref"),
                   sentinel_id=data.get("sentinel_id"), youngest_age=min(ages) if ages else None,
                   child_died=bool(data.get("child_died")))


@dataclass(frozen=True)
class SupplementFacts:
    """New information on a report: concerns, danger, and the narrative it opened."""

    report_id: str
    supplement_id: str
    concerns: list[str]
    immediate_danger: bool
    narrative: str = field(default="", repr=False)
    child_died: bool = False
    complaint: bool = False  # the caller complained or pressed for action: a supervisor reviews

    @classmethod
    def of(cls, data: dict[str, Any], narrative: str) -> SupplementFacts:
        return cls(report_id=data["report_id"], supplement_id=data["supplement_id"],
                   concerns=list(data["concerns"]), immediate_danger=bool(data["immediate_danger"]),
                   narrative=narrative, child_died=bool(data.get("child_died")),
                   complaint=bool(data.get("complaint")))


def assessment_inputs(concerns: list[str], danger: bool, assessment: Assessment) -> dict[str, Any]:
    """What an assessment was made from, kept on its event (the phrases, not the narrative)."""
    return {"concerns": concerns, "immediate_danger": danger,
            "narrative_phrases": list(assessment.phrases)}


AUTO, MARK, DEATH = "auto", "mark", "death"  # why a case went upward
_ID_LIKE = re.compile(r"[0-9]{17}[0-9X]")
_LONG_NUMBER = re.compile(r"[0-9]{15,}")  # no summary needs one; a mistyped id number is still one
# Phone numbers: a mobile (spaces or dashes between its groups), a landline with its area code, or
# any run of 7+ digits (no summary needs one).
_PHONE = re.compile(r"1[3-9][0-9][ -]?[0-9]{4}[ -]?[0-9]{4}|0[0-9]{2,3}-[0-9]{7,8}|[0-9]{7,}")
_HOUSE_NUMBER = re.compile(r"[0-9]+\s*(?:号|栋|幢|室|单元)")


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


def check_mark(rules: IncidentRules, already: str | None, summary: str, names: list[str],
               addresses: Sequence[str] = ()) -> None:
    """A supervisor's mark: once, its summary naming no one, every kind found said at once."""
    if already is not None:
        raise Conflict("该案件已是重大事项，已向上级报告。 (This case is already a major incident.)")
    text = summary.strip()
    if not text:
        raise TriageError("summary", "请填写重大事项摘要。")
    if len(text) > (most := rules.summary_max_length):
        raise TriageError("summary", f"摘要不能超过{most}字（现有{len(text)}字），请删减。")
    folded = fold(text).upper()
    found: list[str] = []
    if any(check_character(m[:17]) == m[17] for m in _ID_LIKE.findall(folded)) or _LONG_NUMBER.search(folded):
        found.append("身份证号码")
    if _PHONE.search(folded):
        found.append("电话号码")
    if _HOUSE_NUMBER.search(folded):
        found.append("门牌号（几号、几栋、几室、几单元）")
    if named := named_in(text, names):
        found.append(f"儿童或报告人的{named}")
    if any(a and a in bare(text) for a in map(bare, addresses)):
        found.append("报告中登记的住址")
    if found:  # one kind, or several listed
        raise TriageError("summary", f"摘要不能含有{'以下信息：' * (len(found) > 1)}{'；'.join(found)}。")
