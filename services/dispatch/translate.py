"""Dispatch domain events as integration messages on hotline.referrals.v1 (no personal data:
decline reasons, outcomes and notes stay in the encrypted event store)."""

from __future__ import annotations

from typing import Any

from services.common.messages import (
    REFERRAL_ACKNOWLEDGED,
    REFERRAL_CLOSED,
    REFERRAL_DECLINED,
    REFERRAL_DISPATCHED,
    REFERRAL_ESCALATED,
    ROUTING_GAP,
    Message,
)
from services.dispatch.domain import Referral, RoutingGap

SOURCE = "/hotline/dispatch"

STATUS_CHANGES = {
    "Acknowledged": (REFERRAL_ACKNOWLEDGED, "acknowledged"),
    "Declined": (REFERRAL_DECLINED, "declined"),
    "Closed": (REFERRAL_CLOSED, "closed"),
    "Escalated": (REFERRAL_ESCALATED, "escalated"),
}


def _message(e: Any, ce_type: str, key: str, data: dict[str, Any]) -> Message:
    return Message(id=f"dispatch/{e.originator_id}/{e.originator_version}", source=SOURCE,
                   type=ce_type, time=e.timestamp, key=key, data=data)


def dispatch_translator(domain_event: Any) -> Message | None:
    e: Any = domain_event
    if isinstance(e, Referral.Dispatched):  # type: ignore[attr-defined]
        return _message(e, REFERRAL_DISPATCHED, e.case_id, {
            "referral_id": str(e.originator_id),
            "case_id": e.case_id,
            "agency_id": e.agency_id,
            "agency_kind": e.agency_kind,
            "risk_level": e.risk_level,
            "concerns": e.concerns,
            "dispatched_at": e.dispatched_at.isoformat(),
            "due_at": e.due_at.isoformat(),
            "matrix_version": e.matrix_version,
            "directory_version": e.directory_version,
        })
    if isinstance(e, RoutingGap.Found):  # type: ignore[attr-defined]
        return _message(e, ROUTING_GAP, e.case_id, {
            "case_id": e.case_id,
            "agency_kind": e.agency_kind,
            "region_code": e.region_code,
            "directory_version": e.directory_version,
        })
    change = STATUS_CHANGES.get(type(e).__name__)
    if change and isinstance(domain_event, Referral.Event):
        ce_type, status = change
        return _message(e, ce_type, e.case_id, {
            "referral_id": str(e.originator_id),
            "case_id": e.case_id,
            "agency_id": e.agency_id,
            "status": status,
            "at": e.at.isoformat(),
            "by": getattr(e, "by", "scheduler"),
        })
    return None
