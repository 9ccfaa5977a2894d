"""Risk assessment by the versioned rule data of contract §3 (and its narrative phrases)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from services.common.vocabulary import higher

__all__ = ["Assessment", "RiskRules"]


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
