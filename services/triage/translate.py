"""Triage domain events as integration messages on hotline.cases.v1 (no personal data)."""

from __future__ import annotations

from typing import Any

from services.common.messages import CASE_OPENED, CASE_UPDATED, Message
from services.triage.domain import Case

SOURCE = "/hotline/triage"


def triage_translator(domain_event: Any) -> Message | None:
    if isinstance(domain_event, Case.Opened):  # type: ignore[attr-defined]
        e = domain_event
        case_id = str(e.originator_id)
        return Message(
            id=f"triage/{case_id}/{e.originator_version}",
            source=SOURCE,
            type=CASE_OPENED,
            time=e.timestamp,
            key=case_id,
            data={
                "case_id": case_id,
                "report_id": e.report_id,
                "risk_level": e.risk_level,
                "initial_risk_level": e.risk_level,
                "concerns": e.concerns,
                "region_code": e.region_code,
                "needs_review": e.needs_review,
                "rule_version": e.rule_version,
                "rationale": e.rationale,
                "opened_at": e.opened_at.isoformat(),
            },
        )
    if isinstance(domain_event, Case.Supplemented):  # type: ignore[attr-defined]
        e = domain_event
        case_id = str(e.originator_id)
        return Message(
            id=f"triage/{case_id}/{e.originator_version}",
            source=SOURCE,
            type=CASE_UPDATED,
            time=e.timestamp,
            key=case_id,
            data={
                "case_id": case_id,
                "report_id": e.report_id,
                "reason": "supplement",
                "risk_level": e.risk_level,
                "previous_risk_level": e.previous_risk_level,
                "added_concerns": e.added_concerns,
                "concerns": e.concerns,
                "region_code": e.region_code,
                "rule_version": e.rule_version,
                "rationale": e.rationale,
            },
        )
    return None
