"""Least privilege: what each recipient may read of a report's personal data (versioned data)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from services.intake.domain import Report


@dataclass(frozen=True)
class Disclosure:
    version: str
    recipients: dict[str, dict[str, Any]]

    @classmethod
    def load(cls, filename: str = "disclosure.v2.json") -> Disclosure:
        raw = json.loads(resources.files("services.intake").joinpath("data", filename).read_text())
        return cls(version=raw["version"], recipients=raw["recipients"])

    def view(self, report: Report, personal: dict[str, Any] | None, recipient: str) -> dict[str, Any]:
        """The report as this recipient may see it; unknown recipients see no personal data."""
        rule = self.recipients.get(recipient, {"child": ["gender", "age"], "reporter": []})
        personal = personal or {}
        names = personal.get("children") or [{} for _ in report.children]
        children = []
        for public, private in zip(report.children, names, strict=False):
            merged = {"gender": public.get("gender"), "age": public.get("age"), **private}
            children.append({k: merged.get(k) for k in rule["child"]})
        reporter_all = {**report.reporter, **(personal.get("reporter") or {})}
        body: dict[str, Any] = {
            "report_id": str(report.id),
            "channel": report.channel,
            "filing_unit": report.filing_unit,
            "received_at": report.received_at.isoformat(),
            "region_code": report.region_code,
            "concerns": report.concerns,
            "immediate_danger": report.immediate_danger,
            "children": children,
            "reporter": {k: reporter_all.get(k) for k in rule["reporter"]},
            "erased": report.erased_at is not None,
            # The operator put the caller through (110 / 120): a fact of the call, not personal data.
            "transfers": [{"to": t["to"], "at": t["at"]} for t in report.transfers],
            "disclosure_version": self.version,
        }
        if rule.get("address"):
            body["address"] = personal.get("address")
        if rule.get("narrative"):
            body["narrative"] = personal.get("narrative")
            body["supplements"] = personal.get("supplements", [])
        return body
