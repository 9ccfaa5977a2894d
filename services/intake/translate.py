"""Intake domain events as integration messages on hotline.reports.v1 (personal data sealed)."""

from __future__ import annotations

from typing import Any

from services.common.messages import REPORT_ERASED, REPORT_RECEIVED, REPORT_SUPPLEMENTED, Message, envelope
from services.common.store import event_topics
from services.intake.domain import Report

APP = "intake"
# What the relay reads of intake's log: the report's events (receipts, callbacks stay inside).
TOPICS = event_topics(Report)


class IntakeTranslator:
    """Turns Report events into messages. Personal data travels only as the report's sealed
    `pii` blob (its own data key), so erasing the report shreds its Kafka history too."""

    def __call__(self, domain_event: Any) -> Message | None:
        if isinstance(domain_event, Report.Received):
            return envelope(APP, domain_event, REPORT_RECEIVED, self._received(domain_event))
        if isinstance(domain_event, Report.Supplemented):  # type: ignore[attr-defined]
            return envelope(APP, domain_event, REPORT_SUPPLEMENTED, self._supplemented(domain_event))
        if isinstance(domain_event, Report.Erased):  # type: ignore[attr-defined]
            # Who erased it and why stay in the store: the message says only that it happened.
            return envelope(APP, domain_event, REPORT_ERASED, {
                "report_id": str(domain_event.originator_id), "at": domain_event.at.isoformat()})
        return None

    def _supplemented(self, e: Any) -> dict[str, Any]:
        return {
            "report_id": str(e.originator_id),
            "supplement_id": e.supplement_id,
            "concerns": e.concerns,
            "immediate_danger": e.immediate_danger,
            "child_died": e.child_died,
            "at": e.at.isoformat(),
            "pii": e.pii,
        }

    def _received(self, e: Report.Received) -> dict[str, Any]:
        return {
            "report_id": str(e.originator_id),
            "receipt_no": e.receipt_no,
            "channel": e.channel,
            "sentinel_id": e.sentinel_id,
            "received_at": e.received_at.isoformat(),
            "occurred_at": e.occurred_at,
            "region_code": e.region_code,
            "concerns": e.concerns,
            "immediate_danger": e.immediate_danger,
            "child_died": e.child_died,
            "reporter": e.reporter,
            # Matching keys of reports stored before v1.1 stay in the store, off the wire.
            "children": [{k: v for k, v in c.items() if k != "keys"} for c in e.children],
            "pii": e.pii,
            "submitter_ref": e.submitter_ref,
            "filing_unit": e.filing_unit,  # the agency unit of an agency notice (§12), else null
        }
