"""Intake domain events as integration messages on hotline.reports.v1 (personal data sealed)."""

from __future__ import annotations

from typing import Any

from services.common.crypto import Hasher, Sealer
from services.common.messages import REPORT_RECEIVED, REPORT_SUPPLEMENTED, Message
from services.intake.domain import Report

SOURCE = "/hotline/intake"


class IntakeTranslator:
    """Turns Report events into messages; names, phones, ids, address, narrative are sealed."""

    def __init__(self, sealer: Sealer, hasher: Hasher):
        self.sealer = sealer
        self.hasher = hasher

    def __call__(self, domain_event: Any) -> Message | None:
        if isinstance(domain_event, Report.Received):  # type: ignore[attr-defined]
            return self._received(domain_event)
        if isinstance(domain_event, Report.Supplemented):  # type: ignore[attr-defined]
            return self._supplemented(domain_event)
        return None

    def _supplemented(self, e: Any) -> Message:
        report_id = str(e.originator_id)
        return Message(
            id=f"intake/{report_id}/{e.originator_version}",
            source=SOURCE,
            type=REPORT_SUPPLEMENTED,
            time=e.timestamp,
            key=report_id,
            data={
                "report_id": report_id,
                "supplement_id": e.supplement_id,
                "concerns": e.concerns,
                "immediate_danger": e.immediate_danger,
                "at": e.at.isoformat(),
                "pii": self.sealer.seal({"narrative": e.narrative}),
            },
        )

    def _received(self, e: Any) -> Message:
        report_id = str(e.originator_id)
        region_code = e.location["region_code"]
        pii = {
            "reporter": {k: e.reporter.get(k) for k in ("name", "phone")},
            "children": [{k: c.get(k) for k in ("name", "id_number")} for c in e.children],
            "address": e.location.get("address"),
            "narrative": e.narrative,
        }
        data = {
            "report_id": report_id,
            "receipt_no": e.receipt_no,
            "channel": e.channel,
            "sentinel_id": e.sentinel_id,
            "received_at": e.received_at.isoformat(),
            "occurred_at": e.occurred_at,
            "region_code": region_code,
            "concerns": e.concerns,
            "immediate_danger": e.immediate_danger,
            "reporter": {
                "relation": e.reporter["relation"],
                "anonymous": e.reporter["anonymous"],
            },
            "children": [
                {
                    "gender": c.get("gender"),
                    "age": c.get("age"),
                    "keys": self.hasher.child_keys(c, region_code),
                }
                for c in e.children
            ],
            "pii": self.sealer.seal(pii),
        }
        return Message(
            id=f"intake/{report_id}/{e.originator_version}",
            source=SOURCE,
            type=REPORT_RECEIVED,
            time=e.timestamp,
            key=report_id,
            data=data,
        )
