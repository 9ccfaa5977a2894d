"""Dispatch domain events as integration messages on hotline.referrals.v1 (no personal data)."""

from __future__ import annotations

from typing import Any

from services.common.messages import REFERRAL_DISPATCHED, ROUTING_GAP, Message
from services.dispatch.domain import Referral, RoutingGap

SOURCE = "/hotline/dispatch"


def dispatch_translator(domain_event: Any) -> Message | None:
    if isinstance(domain_event, Referral.Dispatched):  # type: ignore[attr-defined]
        e = domain_event
        return Message(
            id=f"dispatch/{e.originator_id}/{e.originator_version}",
            source=SOURCE,
            type=REFERRAL_DISPATCHED,
            time=e.timestamp,
            key=e.case_id,
            data={
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
            },
        )
    if isinstance(domain_event, RoutingGap.Found):  # type: ignore[attr-defined]
        e2 = domain_event
        return Message(
            id=f"dispatch/{e2.originator_id}/{e2.originator_version}",
            source=SOURCE,
            type=ROUTING_GAP,
            time=e2.timestamp,
            key=e2.case_id,
            data={
                "case_id": e2.case_id,
                "agency_kind": e2.agency_kind,
                "region_code": e2.region_code,
                "directory_version": e2.directory_version,
            },
        )
    return None
