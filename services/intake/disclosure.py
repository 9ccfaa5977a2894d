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
    # What any recipient still on the case reads of an agency notice's filer (v3): an officer of
    # the filing unit, to be called back (the police desk's review, stop 54: civil affairs read
    # "联系方式不向本单位提供" of the police officer who filed it).
    notice_filer: tuple[str, ...] = ()

    @classmethod
    def load(cls, filename: str = "disclosure.v4.json") -> Disclosure:
        raw = json.loads(resources.files("services.intake").joinpath("data", filename).read_text())
        return cls(version=raw["version"], recipients=raw["recipients"],
                   notice_filer=tuple(raw.get("notice_filer", ())))

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
            # The number the caller holds and reads out (stop 63's hospital desk: nowhere on its
            # pages, so a referral found by it could not be read back): not personal data.
            "receipt_no": report.receipt_no,
            "channel": report.channel,
            "filing_unit": report.filing_unit,
            # The sentinel point that filed it (a school, a village): an institution, not a
            # person; where the child is found (the education desk's review, stop 60).
            "sentinel_id": report.sentinel_id,
            "received_at": report.received_at.isoformat(),
            "region_code": report.region_code,
            "concerns": report.concerns,
            "immediate_danger": report.immediate_danger,
            "children": children,
            "reporter": {k: reporter_all.get(k) for k in self._reporter_fields(report, rule, recipient)},
            "erased": report.erased_at is not None,
            # The operator put the caller through (110 / 120): a fact of the call, not personal data.
            "transfers": [{"to": t["to"], "at": t["at"]} for t in report.transfers],
            # Whether the reporter asked that the family not learn who reported: an instruction
            # to every unit, not personal data (an extension).
            "reporter_confidential": bool(report.reporter.get("confidential")),
            "disclosure_version": self.version,
        }
        if rule.get("address"):
            body["address"] = personal.get("address")
        if rule.get("narrative"):
            body["narrative"] = personal.get("narrative")
            body["supplements"] = personal.get("supplements", [])
            body["supplement_facts"] = list(report.supplement_facts)  # when, and whether in danger
        return body

    def _reporter_fields(self, report: Report, rule: dict[str, Any], recipient: str) -> list[str]:
        fields = list(rule["reporter"])
        if report.channel == "agency_notice" and recipient != "ended":
            fields += [k for k in self.notice_filer if k not in fields]
        return fields
