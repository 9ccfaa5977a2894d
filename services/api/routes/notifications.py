"""On-call rosters (admin) and what the notifier did (supervisors): contract §8."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from services.api.deps import Admin, AuditDep, ContainerDep, Supervisor
from services.common.digits import Folded
from services.common.errors import NotFound
from services.common.schemas import Strict
from services.notify import webhook
from services.notify.application import NotifyApplication
from services.notify.domain import SUPERVISORS, Delivery, receiver_of
from services.notify.oncall import CLOCK, MIN_SECRET, PHONE

oncall_router = APIRouter(prefix="/v1/agencies", tags=["on-call"])
router = APIRouter(prefix="/v1/notifications", tags=["on-call"])


class WebhookFormat(StrEnum):
    """How a contact's webhook is written: the contract's signed JSON, or a group robot's."""

    json = "json"
    wecom = "wecom"  # 企业微信群机器人: markdown message
    dingtalk = "dingtalk"  # 钉钉群机器人: markdown message, the URL signed with the secret


Weekday = Annotated[int, Field(ge=1, le=7, description="1 = Monday … 7 = Sunday")]
Clock = Annotated[str, Field(pattern=CLOCK.pattern, description="HH:MM, Beijing time")]


class ContactIn(BaseModel):
    """One contact; without `weekdays`, `from` and `to` always on duty. A shift whose `to` is
    before its `from` runs past midnight and belongs to the day it starts."""

    model_config = {**Strict, "populate_by_name": True}
    name: Annotated[str, Field(min_length=1, max_length=64, description="unique within the roster")]
    phone: Annotated[str | None, Field(pattern=PHONE.pattern), Folded] = None
    webhook_url: Annotated[str | None, Field(
        pattern=r"^(?i:https?)://[^\s/]+", description="http(s); without one, the "
        "contact is on the roster but never notified automatically")] = None
    format: WebhookFormat = WebhookFormat.json
    weekdays: Annotated[list[Weekday] | None, Field(min_length=1, max_length=7)] = None
    start: Annotated[Clock | None, Field(alias="from")] = None
    end: Annotated[Clock | None, Field(alias="to")] = None

    def raw(self) -> dict[str, Any]:
        """As the roster's use case takes it (the contract's field names, no empty fields)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class RosterIn(BaseModel):
    """Contacts in order of escalation, checked one by one (a wrong one is named: contacts.1.to)."""

    model_config = Strict
    contacts: Annotated[list[ContactIn], Field(min_length=1, max_length=20)]
    secret: Annotated[str, Field(min_length=MIN_SECRET, max_length=256, description=(
        "signs every webhook (HMAC-SHA256 of the body, X-Hotline-Signature)"))]


class RosterOut(BaseModel):
    agency_id: str
    contacts: list[ContactIn]
    on_duty_now: Annotated[list[str], Field(description="names of the contacts on duty now")]


def _known_unit(container: Any, agency_id: str) -> None:
    if agency_id not in {a.agency_id for a in container.directory.agencies}:
        raise NotFound("No such agency unit")


def roster_out(notify: NotifyApplication, agency_id: str) -> dict[str, Any]:
    roster = notify.roster(agency_id)
    now = datetime.now(UTC)
    return {"agency_id": agency_id, "contacts": [c.public() for c in roster.contacts] if roster else [],
            "on_duty_now": [c.name for c in roster.on_duty(now)] if roster else []}


@oncall_router.put("/{agency_id}/oncall", response_model=RosterOut, response_model_exclude_none=True)
def set_oncall(agency_id: str, body: RosterIn, container: ContainerDep, audit: AuditDep,
               admin: Admin) -> dict[str, Any]:
    _known_unit(container, agency_id)
    container.notify.set_roster(agency_id, [c.raw() for c in body.contacts], body.secret,
                                by=admin.subject, actor=audit.actor(admin))
    return roster_out(container.notify, agency_id)


@oncall_router.get("/{agency_id}/oncall", response_model=RosterOut, response_model_exclude_none=True)
def get_oncall(agency_id: str, container: ContainerDep, audit: AuditDep, admin: Admin) -> dict[str, Any]:
    _known_unit(container, agency_id)
    audit(admin, "oncall.read", "agency", agency_id)
    return roster_out(container.notify, agency_id)


def delivery_out(d: Delivery) -> dict[str, Any]:
    return {"event": d.event_name, "contact": d.contact, "attempts": d.attempts,
            "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None,
            "last_error": webhook.recorded(d.last_error), "gave_up": d.gave_up, "next_attempt_at":
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
