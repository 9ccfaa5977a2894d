"""Dispatch domain events as integration messages on hotline.referrals.v1 (no personal data:
decline reasons, outcomes, notes, visit findings and closure reasons stay in the encrypted
event store)."""

from __future__ import annotations

from typing import Any

from services.common.messages import (
    FOLLOWUP_CLOSED,
    FOLLOWUP_HELPER_MISSING,
    FOLLOWUP_HELPER_PAIRED,
    FOLLOWUP_LEAD_CHANGED,
    FOLLOWUP_OPENED,
    FOLLOWUP_OVERDUE,
    FOLLOWUP_REOPENED,
    FOLLOWUP_REPLANNED,
    FOLLOWUP_VISITED,
    REFERRAL_ACKNOWLEDGED,
    REFERRAL_CLOSED,
    REFERRAL_DECLINED,
    REFERRAL_DISPATCHED,
    REFERRAL_ESCALATED,
    REFERRAL_PHONED,
    REFERRAL_PROGRESSED,
    REFERRAL_RAISED,
    REFERRAL_REPORTED,
    ROUTING_GAP,
    Message,
    envelope,
)
from services.common.store import event_topics
from services.dispatch.domain import Referral, RoutingGap
from services.dispatch.followup import FollowUpPlan

APP = "dispatch"
# What the relay reads of dispatch's log.
TOPICS = event_topics(FollowUpPlan, Referral, RoutingGap)

STATUS_CHANGES = {
    "Acknowledged": (REFERRAL_ACKNOWLEDGED, "acknowledged"),
    "Declined": (REFERRAL_DECLINED, "declined"),
    "Withdrawn": (REFERRAL_DECLINED, "declined"),  # by a supervisor: said by `withdrawn` (an extension)
    "Closed": (REFERRAL_CLOSED, "closed"),
    "Escalated": (REFERRAL_ESCALATED, "escalated"),
}
# Who changed a referral's status: a unit's desk, or the scheduler that escalates at the due time.
ACTED_BY_SCHEDULER = frozenset({"Escalated"})


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _plan_data(e: Any) -> tuple[str, dict[str, Any]] | None:
    """A plan event's message type and data (what the desk view, statistics and notices need)."""
    kind = type(e).__name__
    if kind == "ReferralsNoted":
        return None  # dispatch's own bookkeeping (closure waits for these referrals)
    # Every plan event but the opening carries when it happened.
    at = e.opened_at.isoformat() if kind == "Opened" else _iso(e.at)
    common = {"case_id": e.case_id, "plan_id": str(e.originator_id), "at": at}
    if kind == "Opened":
        return FOLLOWUP_OPENED, {**common, "lead_agency_id": e.lead_agency_id, "risk_level": e.risk_level,
                                 "region_code": e.region_code, "opened_at": e.opened_at.isoformat(),
                                 "next_visit_due": e.next_due.isoformat()}
    if kind == "Replanned":
        return FOLLOWUP_REPLANNED, {**common, "risk_level": e.risk_level,
                                    "next_visit_due": e.next_due.isoformat()}
    if kind == "Visited":  # the findings stay sealed in the store
        return FOLLOWUP_VISITED, {**common, "at": _iso(e.at) or e.visited_at.isoformat(),
                                  "visit_id": e.visit_id, "visited_at": e.visited_at.isoformat(),
                                  "visitor": e.visitor, "child_seen": e.child_seen,
                                  "measures": e.measures, "suggested_risk_level": e.suggested_level,
                                  "next_visit_due": e.next_due.isoformat(), "by": e.by}
    if kind == "HelperPaired":
        return FOLLOWUP_HELPER_PAIRED, {**common, "helper": e.helper, "by": e.by}
    if kind == "HandedOver":  # the reason stays in the store: it may say where the child went
        return FOLLOWUP_LEAD_CHANGED, {**common, "lead_agency_id": e.lead_agency_id, "previous": e.previous,
                                       "by": e.by}
    if kind == "HelperMissing":
        return FOLLOWUP_HELPER_MISSING, common
    if kind == "Overdue":
        return FOLLOWUP_OVERDUE, {**common, "due": e.due.isoformat()}
    if kind == "Closed":  # the reason stays in the store: it may name people
        return FOLLOWUP_CLOSED, {**common, "by": e.by}
    if kind == "Reopened":  # 重办 names who sent it back to which unit; the reason stays in the store
        return FOLLOWUP_REOPENED, {**common, "next_visit_due": e.next_due.isoformat(), "by": e.by,
                                   "agency_id": e.agency_id, "referral_id": e.referral_id}
    return None


def dispatch_translator(domain_event: Any) -> Message | None:
    e: Any = domain_event
    if isinstance(domain_event, FollowUpPlan.Event):
        found = _plan_data(e)
        return envelope(APP, e, found[0], found[1], key=e.case_id) if found else None
    if isinstance(e, Referral.Dispatched):  # type: ignore[attr-defined]
        return envelope(APP, e, REFERRAL_DISPATCHED, key=e.case_id, data={
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
    if isinstance(e, Referral.Raised):  # type: ignore[attr-defined]
        return envelope(APP, e, REFERRAL_RAISED, key=e.case_id, data={
            "referral_id": str(e.originator_id),
            "case_id": e.case_id,
            "agency_id": e.agency_id,
            "risk_level": e.risk_level,
            "previous_risk_level": e.previous_risk_level,
            "due_at": e.due_at.isoformat(),
            "at": e.at.isoformat(),
        })
    if isinstance(e, Referral.Phoned):  # type: ignore[attr-defined]  # what was said stays in the store
        return envelope(APP, e, REFERRAL_PHONED, key=e.case_id, data={
            "referral_id": str(e.originator_id),
            "case_id": e.case_id,
            "agency_id": e.agency_id,
            "reached": e.reached,
            "way": e.way,
            "by": e.by,
            "at": e.at.isoformat(),
        })
    if isinstance(e, Referral.Progressed):  # type: ignore[attr-defined]  # what was done stays in the store
        return envelope(APP, e, REFERRAL_PROGRESSED, key=e.case_id, data={
            "referral_id": str(e.originator_id),
            "case_id": e.case_id,
            "agency_id": e.agency_id,
            "by": e.by,
            "at": e.at.isoformat(),
        })
    if isinstance(e, Referral.Reported):  # type: ignore[attr-defined]
        return envelope(APP, e, REFERRAL_REPORTED, key=e.case_id, data={
            "referral_id": str(e.originator_id),
            "case_id": e.case_id,
            "agency_id": e.agency_id,
            "report_id": e.report_id,
            "supplement_id": e.supplement_id,
            "risk_level": e.risk_level,
            "at": e.at.isoformat(),
        })
    if isinstance(e, RoutingGap.Found):  # type: ignore[attr-defined]
        return envelope(APP, e, ROUTING_GAP, key=e.case_id, data={
            "case_id": e.case_id,
            "agency_kind": e.agency_kind,
            "region_code": e.region_code,
            "directory_version": e.directory_version,
        })
    change = STATUS_CHANGES.get(type(e).__name__)
    if change and isinstance(domain_event, Referral.Event):
        ce_type, status = change
        return envelope(APP, e, ce_type, key=e.case_id, data={
            "referral_id": str(e.originator_id),
            "case_id": e.case_id,
            "agency_id": e.agency_id,
            "status": status,
            "at": e.at.isoformat(),
            "by": "scheduler" if type(e).__name__ in ACTED_BY_SCHEDULER else e.by,
            **({"withdrawn": True} if type(e).__name__ == "Withdrawn" else {}),
        })
    return None
