"""A unit's on-call roster (contract §8): its body as the API, the admin's page and `hotline
oncall set` take it (one set of checks), and as they show it."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, Field

from services.common.errors import NotFound
from services.common.numbers import Folded
from services.common.schemas import Strict
from services.notify.application import NotifyApplication
from services.notify.oncall import CLOCK, MIN_SECRET, PHONE


class WebhookFormat(StrEnum):
    """How a contact's webhook is written: the contract's signed JSON, or a group robot's."""

    json = "json"
    wecom = "wecom"  # 企业微信群机器人: markdown message
    dingtalk = "dingtalk"  # 钉钉群机器人: markdown message, the URL signed with the secret


Weekday = Annotated[int, Field(ge=1, le=7, description="1 = Monday … 7 = Sunday")]
Clock = Annotated[str, Field(pattern=CLOCK.pattern, description="HH:MM, Beijing time; fullwidth forms "
                             "(０８：３０) are folded"), Folded]


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


def known_unit(container: Any, agency_id: str) -> None:
    if agency_id not in {a.agency_id for a in container.directory.agencies}:
        raise NotFound("No such agency unit")


def roster_out(notify: NotifyApplication, agency_id: str) -> dict[str, Any]:
    roster = notify.roster(agency_id)
    now = datetime.now(UTC)
    return {"agency_id": agency_id, "contacts": [c.public() for c in roster.contacts] if roster else [],
            "on_duty_now": [c.name for c in roster.on_duty(now)] if roster else []}
