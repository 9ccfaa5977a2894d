"""On-call rosters (admin) and what the notifier did (supervisors): contract §8."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from services.common.errors import NotFound
from services.common.schemas import Strict
from services.gateway.deps import Admin, AuditDep, ContainerDep, Supervisor
from services.notify.application import NotifyApplication
from services.notify.domain import Delivery

oncall_router = APIRouter(prefix="/v1/agencies", tags=["on-call"])
router = APIRouter(prefix="/v1/notifications", tags=["on-call"])


class RosterIn(BaseModel):
    """Contacts in order of escalation, checked one by one (a wrong one is named: contacts.1.to)."""

    model_config = Strict
    contacts: list[dict[str, Any]]
    secret: Annotated[str, Field(min_length=16, max_length=256)]


def _known_unit(container: Any, agency_id: str) -> None:
    if agency_id not in {a.agency_id for a in container.directory.agencies}:
        raise NotFound("No such agency unit")


def roster_out(notify: NotifyApplication, agency_id: str) -> dict[str, Any]:
    roster = notify.roster(agency_id)
    now = datetime.now(UTC)
    return {"agency_id": agency_id, "contacts": [c.public() for c in roster.contacts] if roster else [],
            "on_duty_now": [c.name for c in roster.on_duty(now)] if roster else []}


@oncall_router.put("/{agency_id}/oncall")
def set_oncall(agency_id: str, body: RosterIn, container: ContainerDep, audit: AuditDep,
               admin: Admin) -> dict[str, Any]:
    _known_unit(container, agency_id)
    container.notify.set_roster(agency_id, body.contacts, body.secret, by=admin.subject,
                                actor=audit.actor(admin))
    return roster_out(container.notify, agency_id)


@oncall_router.get("/{agency_id}/oncall")
def get_oncall(agency_id: str, container: ContainerDep, audit: AuditDep, admin: Admin) -> dict[str, Any]:
    _known_unit(container, agency_id)
    audit(admin, "oncall.read", "agency", agency_id)
    return roster_out(container.notify, agency_id)


def delivery_out(d: Delivery) -> dict[str, Any]:
    return {"event": d.event_name, "contact": d.contact, "attempts": d.attempts,
            "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None,
            "last_error": d.last_error, "gave_up": d.gave_up, "next_attempt_at":
                d.next_at.isoformat() if d.pending else None}


@router.get("")
def list_notifications(container: ContainerDep, audit: AuditDep, supervisor: Supervisor,
                       referral_id: Annotated[str, Query(min_length=1, max_length=64)],
                       ) -> list[dict[str, Any]]:
    """Every webhook owed for the referral and every attempt's outcome, oldest first."""
    audit(supervisor, "notifications.read", "referral", referral_id)
    return [delivery_out(d) for d in container.notify.deliveries(referral_id)]


@router.get("/health")
def notification_health(container: ContainerDep, audit: AuditDep,
                        supervisor: Supervisor) -> list[dict[str, Any]]:
    """Per unit: contacts on duty now, the last delivery taken, failures in the last 24 hours;
    units nobody would be told about first."""
    audit(supervisor, "notifications.health", "agency")
    return unit_health(container)


def unit_health(container: Any) -> list[dict[str, Any]]:
    now, notify = datetime.now(UTC), container.notify
    rows = []
    for agency in container.directory.agencies:
        roster, log = notify.roster(agency.agency_id), notify.unit_log(agency.agency_id)
        reachable = [c.name for c in (roster.on_duty(now) if roster else []) if c.webhook_url]
        rows.append({"agency_id": agency.agency_id, "name": agency.name, "kind": agency.kind,
                     "on_duty_now": reachable, "unreachable": not reachable,
                     "last_delivery_at": log.last_delivered_at.isoformat()
                     if log and log.last_delivered_at else None,
                     "failures_24h": log.failures_since(now) if log else 0})
    rows.sort(key=lambda r: (not r["unreachable"], -r["failures_24h"], r["agency_id"]))
    return rows
