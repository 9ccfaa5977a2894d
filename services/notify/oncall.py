"""On-call rosters (contract §8, 24小时值班): each unit's contacts in order of escalation, with
duty hours in Beijing time, and the secret its webhooks are signed with."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urlparse
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.common.errors import FieldError
from services.common.numbers import fold
from services.common.outbound import AddressGuard, AddressRefused
from services.common.vocabulary import BEIJING

ROSTER_NS = uuid5(NAMESPACE_URL, "urn:hotline:oncall")
FORMATS = ("json", "wecom", "dingtalk")
CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
PHONE = re.compile(r"^\+?[0-9\-]{3,20}(?:转[0-9]{1,8})?$")  # an extension after 转: 110转3
MIN_SECRET = 16
RESERVED = "supervisors"  # the supervisors' webhook


def roster_id(agency_id: str) -> UUID:
    return uuid5(ROSTER_NS, agency_id)


@dataclass(frozen=True)
class Contact:
    """One person (or group robot) on the roster; without weekdays and hours, always on duty.
    A shift whose end is before its start runs past midnight and belongs to the day it starts."""

    name: str
    phone: str | None = None
    webhook_url: str | None = None
    format: str = "json"
    weekdays: tuple[int, ...] | None = None  # 1 = Monday … 7 = Sunday
    start: str | None = None  # "HH:MM", Beijing time ("from" in the contract)
    end: str | None = None  # ("to")

    @classmethod
    def parse(cls, raw: dict[str, Any], where: str, guard: AddressGuard | None = None) -> Contact:
        """From the contract's JSON; a wrong field → FieldError naming it (`contacts.0.from`), a
        webhook whose host is or resolves inside (contract §10) too."""
        def wrong(name: str, message: str) -> FieldError:
            return FieldError(f"{where}.{name}", message)

        name = str(raw.get("name") or "").strip()
        if not name or len(name) > 64:
            raise wrong("name", "a name of 1 to 64 characters is required")
        phone = fold(raw.get("phone"))
        if phone is not None and not PHONE.match(str(phone)):
            raise wrong("phone", "digits, dashes, a leading + and an extension after 转 only")
        url = raw.get("webhook_url")
        if url is not None:
            try:
                parts = urlparse(str(url))
            except ValueError:  # e.g. an unbalanced "[" in the host
                raise wrong("webhook_url", "an http(s) URL is required") from None
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise wrong("webhook_url", "an http(s) URL is required")
            try:
                (guard or AddressGuard()).check(str(url))
            except AddressRefused as exc:
                raise wrong("webhook_url", str(exc)) from None
        fmt = raw.get("format") or "json"
        if fmt not in FORMATS:
            raise wrong("format", f"one of {', '.join(FORMATS)}")
        days = raw.get("weekdays")
        if days is not None and (not isinstance(days, list) or not days
                                 or any(isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= 7
                                        for d in days)):
            raise wrong("weekdays", "a list of days 1 (Monday) to 7 (Sunday)")
        start, end = raw.get("from"), raw.get("to")
        for key, value in (("from", start), ("to", end)):
            if value is not None and not CLOCK.match(str(value)):
                raise wrong(key, "a time HH:MM (Beijing time)")
        if (start is None) != (end is None):
            raise wrong("to" if end is None else "from", "give both from and to, or neither")
        if start is not None and start == end:
            raise wrong("to", "a shift must not start and end at the same minute")
        return cls(name=name, phone=str(phone) if phone is not None else None,
                   webhook_url=str(url) if url is not None else None, format=str(fmt),
                   weekdays=tuple(sorted(set(days))) if days else None, start=start, end=end)

    def on_duty(self, at: datetime) -> bool:
        local = at.astimezone(BEIJING)
        if self.start is None or self.end is None:
            return self.weekdays is None or local.isoweekday() in self.weekdays
        start, end, now = time.fromisoformat(self.start), time.fromisoformat(self.end), local.time()

        def working(day: datetime) -> bool:
            return self.weekdays is None or day.isoweekday() in self.weekdays

        if start < end:
            return working(local) and start <= now < end
        # Overnight: the evening of a working day, or the small hours after one.
        return (working(local) and now >= start) or (working(local - timedelta(days=1)) and now < end)

    def public(self) -> dict[str, Any]:
        """As the contract writes it (`from`/`to`), without empty fields."""
        out = {k: v for k, v in asdict(self).items() if v is not None and k not in ("start", "end")}
        if self.weekdays:
            out["weekdays"] = list(self.weekdays)
        if self.start is not None:
            out["from"], out["to"] = self.start, self.end
        return out


def parse_contacts(raw: Any, guard: AddressGuard | None = None) -> list[Contact]:
    if not isinstance(raw, list) or not raw or len(raw) > 20:
        raise FieldError("contacts", "a list of 1 to 20 contacts, in order of escalation")
    contacts = [Contact.parse(c if isinstance(c, dict) else {}, f"contacts.{i}", guard)
                for i, c in enumerate(raw)]
    for i, c in enumerate(contacts):
        if c.name == RESERVED or any(other.name == c.name for other in contacts[:i]):
            raise FieldError(f"contacts.{i}.name", "names must differ from each other and from "
                             f"{RESERVED!r} (each contact's deliveries are kept under its name)")
    return contacts


def check_secret(secret: Any) -> str:
    if not isinstance(secret, str) or len(secret) < MIN_SECRET or len(secret) > 256:
        raise FieldError("secret", f"a shared secret of {MIN_SECRET} to 256 characters is required")
    return secret


class Roster(Aggregate):
    """A unit's on-call roster: replaced whole by each change (the history stays in the events)."""

    @event("Created")
    def __init__(self, agency_id: str):
        self.agency_id = agency_id
        self.contacts: list[Contact] = []
        self.secret = ""

    @classmethod
    def create_id(cls, agency_id: str) -> UUID:
        return roster_id(agency_id)

    def replace(self, contacts: list[Contact], secret: str, *, by: str, at: datetime) -> None:
        """Public command: checked contacts and secret (see `parse_contacts`, `check_secret`)."""
        self._set(contacts=[asdict(c) for c in contacts], secret=secret, by=by, at=at)

    @event("Set")
    def _set(self, *, contacts: list[dict[str, Any]], secret: str, by: str, at: datetime) -> None:
        self.contacts = [Contact(**{**c, "weekdays": tuple(c["weekdays"]) if c.get("weekdays") else None})
                         for c in contacts]
        self.secret = secret

    def on_duty(self, at: datetime) -> list[Contact]:
        """The contacts on duty at that moment, in order of escalation."""
        return [c for c in self.contacts if c.on_duty(at)]
