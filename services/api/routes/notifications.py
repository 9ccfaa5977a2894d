"""On-call rosters (admin) and what the notifier did (supervisors): contract §8."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from services.api.deps import Admin, AuditDep, ContainerDep, Supervisor
from services.oversight.notifications import all_health, referral_deliveries, set_roster
from services.oversight.rosters import RosterIn, RosterOut, known_unit, roster_out

oncall_router = APIRouter(prefix="/v1/agencies", tags=["on-call"])
router = APIRouter(prefix="/v1/notifications", tags=["on-call"])


@oncall_router.put("/{agency_id}/oncall", response_model=RosterOut, response_model_exclude_none=True)
def set_oncall(agency_id: str, body: RosterIn, container: ContainerDep, audit: AuditDep,
               admin: Admin) -> dict[str, Any]:
    known_unit(container, agency_id)
    set_roster(container, agency_id, [c.raw() for c in body.contacts], body.secret,
               by=admin.subject, actor=audit.actor(admin))
    return roster_out(container.notify, agency_id)


@oncall_router.get("/{agency_id}/oncall", response_model=RosterOut, response_model_exclude_none=True)
def get_oncall(agency_id: str, container: ContainerDep, audit: AuditDep, admin: Admin) -> dict[str, Any]:
    known_unit(container, agency_id)
    audit(admin, "oncall.read", "agency", agency_id)
    return roster_out(container.notify, agency_id)


@router.get("")
def list_notifications(container: ContainerDep, audit: AuditDep, supervisor: Supervisor,
                       referral_id: Annotated[str, Query(min_length=1, max_length=64)],
                       ) -> list[dict[str, Any]]:
    """Every webhook owed for the referral and every attempt's outcome, oldest first."""
    audit(supervisor, "notifications.read", "referral", referral_id)
    return referral_deliveries(container, supervisor, referral_id)


@router.get("/health")
def notification_health(container: ContainerDep, audit: AuditDep,
                        supervisor: Supervisor) -> list[dict[str, Any]]:
    """Per unit: contacts on duty now, the last delivery taken, failures in the last 24 hours, and
    per receiver (each contact with a webhook) failures in a row, the last delivery taken and
    deliveries pending; units nobody would be told about first; the supervisors' webhook last."""
    audit(supervisor, "notifications.health", "agency")
    return all_health(container)
