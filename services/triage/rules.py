"""Risk assessment by the versioned rule data of contract §3."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

LEVEL_ORDER = ("blue", "yellow", "orange", "red")


@dataclass(frozen=True)
class Assessment:
    level: str
    rule_version: str
    rationale: str


@dataclass(frozen=True)
class RiskRules:
    version: str
    rules: tuple[dict[str, Any], ...]
    otherwise: str

    @classmethod
    def load(cls, filename: str = "risk_rules.v1.json") -> RiskRules:
        raw = json.loads(resources.files("services.triage").joinpath("data", filename).read_text())
        return cls(version=raw["version"], rules=tuple(raw["rules"]), otherwise=raw["otherwise"])

    def assess(self, concerns: list[str], immediate_danger: bool) -> Assessment:
        """The first rule that matches decides; its reason is kept for people to read."""
        for rule in self.rules:
            reason = self._match(rule, set(concerns), immediate_danger)
            if reason:
                return Assessment(rule["level"], self.version, reason)
        reason = "no concern given" if not concerns else "only " + ", ".join(sorted(concerns))
        return Assessment(self.otherwise, self.version, f"{self.otherwise}: {reason}")

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
