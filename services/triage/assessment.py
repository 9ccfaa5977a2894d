"""What triage decides on and how: a report's or a supplement's facts, with the narrative it
opened, and the risk assessment by the versioned rule data of contract §3 (and its narrative
phrases)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from typing import Any

from services.common.vocabulary import higher

__all__ = ["Assessment", "ReportFacts", "RiskRules", "SupplementFacts", "assessment_inputs"]


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
    join_within_days: int = 30
    burst_reports: int = 3
    burst_hours: int = 72

    @classmethod
    def load(cls, filename: str = "risk_rules.v1.json") -> RiskRules:
        raw = json.loads(resources.files("services.triage").joinpath("data", filename).read_text())
        raise_ = raw.get("narrative_raise", {})
        repeat = raw.get("repeat_reports", {})
        return cls(
            version=raw["version"],
            rules=tuple(raw["rules"]),
            otherwise=raw["otherwise"],
            narrative_raise={lvl: tuple(raise_.get(lvl, ())) for lvl in ("red", "orange")},
            join_within_days=repeat.get("join_within_days", 30),
            burst_reports=repeat.get("burst_reports", 3),
            burst_hours=repeat.get("burst_hours", 72),
        )

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
            hits = tuple(p for p in self.narrative_raise.get(phrase_level, ()) if p in narrative)
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

    @classmethod
    def of(cls, data: dict[str, Any], narrative: str) -> SupplementFacts:
        return cls(report_id=data["report_id"], supplement_id=data["supplement_id"],
                   concerns=list(data["concerns"]), immediate_danger=bool(data["immediate_danger"]),
                   narrative=narrative, child_died=bool(data.get("child_died")))


def assessment_inputs(concerns: list[str], danger: bool, assessment: Assessment) -> dict[str, Any]:
    """What an assessment was made from, kept on its event (the phrases, not the narrative)."""
    return {"concerns": concerns, "immediate_danger": danger,
            "narrative_phrases": list(assessment.phrases)}
