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
from services.notify.domain import SUPERVISORS, Delivery, receiver_of

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
    """Per unit: contacts on duty now, the last delivery taken, failures in the last 24 hours, and
    per receiver (each contact with a webhook) failures in a row, the last delivery taken and
    deliveries pending; units nobody would be told about first; the supervisors' webhook last."""
    audit(supervisor, "notifications.health", "agency")
    rows = unit_health(container)
    if container.notify.supervisors is not None:
        rows.append(supervisors_health(container))
    return rows


def receiver_row(contact: str, seen: dict[str, Any] | None) -> dict[str, Any]:
    seen = seen or {}
    return {"contact": contact, "consecutive_failures": seen.get("consecutive_failures", 0),
            "last_success_at": seen.get("last_success_at"), "pending": seen.get("pending", 0)}


def unit_health(container: Any) -> list[dict[str, Any]]:
    now, notify = datetime.now(UTC), container.notify
    seen = notify.receiver_health(now)
    rows = []
    for agency in container.directory.agencies:
        roster = notify.roster(agency.agency_id)
        reachable = [c.name for c in (roster.on_duty(now) if roster else []) if c.webhook_url]
        mine = {k: v for k, v in seen.items() if k != SUPERVISORS and v["agency_id"] == agency.agency_id}
        last = max((v["last_success_at"] for v in mine.values() if v["last_success_at"]), default=None)
        hooked = [c.name for c in (roster.contacts if roster else []) if c.webhook_url]
        rows.append({"agency_id": agency.agency_id, "name": agency.name, "kind": agency.kind,
                     "on_duty_now": reachable, "unreachable": not reachable, "last_delivery_at": last,
                     "failures_24h": sum(v["failures_24h"] for v in mine.values()),
                     "receivers": [receiver_row(c, seen.get(receiver_of(agency.agency_id, c)))
                                   for c in hooked]})
    rows.sort(key=lambda r: (not r["unreachable"], -r["failures_24h"], r["agency_id"]))
    return rows


def supervisors_health(container: Any) -> dict[str, Any]:
    """The supervisors' webhook (HOTLINE_SUPERVISOR_WEBHOOK), as a row of its own."""
    seen = container.notify.receiver_health(datetime.now(UTC)).get(SUPERVISORS) or {}
    return {"agency_id": SUPERVISORS, "name": "上级督导", "kind": SUPERVISORS, "on_duty_now": [SUPERVISORS],
            "unreachable": False, "last_delivery_at": seen.get("last_success_at"),
            "failures_24h": seen.get("failures_24h", 0), "receivers": [receiver_row(SUPERVISORS, seen)]}
