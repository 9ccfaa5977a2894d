"""What the notifier knows of a referral (`Watch`) and each webhook it owes someone (`Delivery`),
with every attempt recorded on the delivery itself: a receiver's health is derived from them
(`ledger.py`), so no record is written by every attempt. `UnitLog` is no longer written; it stays
so the events an older release stored still load."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.common.errors import Conflict
from services.common.vocabulary import RISK_RANK

NOTIFY_NS = uuid5(NAMESPACE_URL, "urn:hotline:notify")
URGENT = ("red", "orange")  # reminded at half their acknowledgement time, escalated at due
SUPERVISORS = "supervisors"  # the supervisors' webhook, as a contact's name
UPWARD = "upward"  # the upward report of major incidents (§12), as a contact's and a unit's name
HOOKS = (SUPERVISORS, UPWARD)  # receivers of their own, whatever the unit


def watch_id(referral_id: str) -> UUID:
    return uuid5(NOTIFY_NS, f"watch/{referral_id}")


def delivery_id(referral_id: str, event_name: str, contact: str) -> UUID:
    """One delivery per referral, event and contact: a repeated message plans nothing new."""
    return uuid5(NOTIFY_NS, f"delivery/{referral_id}/{event_name}/{contact}")


def unit_log_id(agency_id: str) -> UUID:
    return uuid5(NOTIFY_NS, f"unit/{agency_id}")


def receiver_of(agency_id: str, contact: str) -> str:
    """Whom a delivery goes to, as fairness and health count them: one contact of one unit, or the
    supervisors' webhook (one receiver whatever the unit)."""
    return contact if contact in HOOKS else f"{agency_id}/{contact}"


class Watch(Aggregate):
    """A referral from its dispatch until it is acknowledged (or declined, closed); then the
    reports that join its case, each told once."""

    reports_told: tuple[str, ...] = ()  # a class default: a watch stored before reads as none

    @event("Opened")
    def __init__(self, *, referral_id: str, case_id: str, agency_id: str, agency_kind: str,
                 risk_level: str, dispatched_at: datetime, due_at: datetime, on_duty: int):
        self.referral_id, self.case_id, self.agency_id = referral_id, case_id, agency_id
        self.agency_kind, self.risk_level = agency_kind, risk_level
        self.dispatched_at, self.due_at = dispatched_at, due_at
        self.timed_from = dispatched_at  # the clock's start: the dispatch, or the last raise
        # How many contacts with a webhook were on duty at dispatch (0: nobody was reached).
        self.on_duty = on_duty
        self.contacted: list[str] = []
        self.deliveries: list[str] = []
        self.settled: str | None = None
        self.reminded = False
        self.escalated = False

    @classmethod
    def create_id(cls, *, referral_id: str, **_: Any) -> UUID:
        return watch_id(referral_id)

    @property
    def remind_at(self) -> datetime:
        return self.timed_from + (self.due_at - self.timed_from) / 2

    def needs_reminder(self, now: datetime) -> bool:
        return (self.risk_level in URGENT and self.settled is None and not self.reminded
                and not self.escalated and now >= self.remind_at)

    @event("Contacted")
    def contacted_by(self, *, contact: str, delivery_id: str) -> None:
        if contact not in self.contacted:
            self.contacted.append(contact)
        self.deliveries.append(delivery_id)

    def settle(self, status: str, at: datetime) -> bool:
        """Acknowledged, declined or closed: no reminder after it. True if this changed anything."""
        if self.settled is not None:
            return False
        self._settled(status=status, at=at)
        return True

    @event("Settled")
    def _settled(self, *, status: str, at: datetime) -> None:
        self.settled = status

    def tell_of_report(self, *, report_id: str, at: datetime) -> bool:
        """A report joined the case after the unit took it on: told once (a message delivered
        again plans nothing). True if this changed anything."""
        if self.settled != "acknowledged" or report_id in self.reports_told:
            return False
        self._report_told(report_id=report_id, at=at)
        return True

    @event("ReportTold")
    def _report_told(self, *, report_id: str, at: datetime) -> None:
        self.reports_told = (*self.reports_told, report_id)

    def tell_late(self, *, on_duty: int, at: datetime) -> bool:
        """Nobody was told at dispatch; now someone is on duty: told now, once (True if it changed)."""
        if self.settled is not None or self.on_duty or self.contacted or not on_duty:
            return False
        self._told_late(on_duty=on_duty, at=at)
        return True

    @event("ToldLate")
    def _told_late(self, *, on_duty: int, at: datetime) -> None:
        self.on_duty = on_duty

    def raise_level(self, *, risk_level: str, due_at: datetime, at: datetime, on_duty: int) -> bool:
        """The referral was raised before it was taken on: its new level and due time, on a clock
        from now (a reminder at half of it, unless one was sent), and who could be told now (a
        roster set since the dispatch counts: the board's 无人值守 follows it). True if this changed
        anything."""
        if self.settled is not None or RISK_RANK[risk_level] >= RISK_RANK[self.risk_level]:
            return False
        remind = risk_level in URGENT and not self.reminded and not self.escalated and due_at > at
        self._raised(referral_id=self.referral_id, risk_level=risk_level, due_at=due_at, at=at,
                     remind_at=at + (due_at - at) / 2 if remind else None, on_duty=on_duty)
        return True

    @event("Raised")
    def _raised(self, *, referral_id: str, risk_level: str, due_at: datetime, at: datetime,
                remind_at: datetime | None, on_duty: int) -> None:
        self.risk_level, self.due_at, self.timed_from = risk_level, due_at, at
        self.on_duty = on_duty

    def remind(self, at: datetime) -> None:
        if not self.needs_reminder(at):
            raise Conflict("This referral needs no reminder")
        self._reminded(at=at)

    @event("Reminded")
    def _reminded(self, *, at: datetime) -> None:
        self.reminded = True

    def escalate(self, at: datetime) -> bool:
        if self.escalated or self.settled is not None or self.risk_level not in URGENT:
            return False
        self._escalated(at=at)
        return True

    @event("Escalated")
    def _escalated(self, *, at: datetime) -> None:
        self.escalated = True


class Delivery(Aggregate):
    """One webhook owed to one contact: tried until it is taken, or for `give_up_after`."""

    class Planned(Aggregate.Created):
        """Version 2 names the case, so each attempt goes on the audit trail under it."""

        class_version = 2
        referral_id: str
        case_id: str | None
        agency_id: str
        agency_kind: str
        event_name: str
        contact: str
        webhook_url: str
        format: str  # noqa: A003
        payload: dict[str, Any]
        planned_at: datetime

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Planned by the first notify release: the delivery never knew its case (its watch
            # does). Version 1 is also every delivery since, until the class had a version.
            state.setdefault("case_id", None)

    @event(Planned)
    def __init__(self, *, referral_id: str, case_id: str | None, agency_id: str, agency_kind: str,
                 event_name: str, contact: str, webhook_url: str, format: str,  # noqa: A002
                 payload: dict[str, Any], planned_at: datetime):
        self.referral_id, self.case_id = referral_id, case_id
        self.agency_id, self.agency_kind = agency_id, agency_kind
        self.event_name, self.contact = event_name, contact
        self.webhook_url, self.format, self.payload = webhook_url, format, payload
        self.planned_at = planned_at
        self.attempts = 0
        self.last_error: str | None = None
        self.delivered_at: datetime | None = None
        self.gave_up = False
        self.next_at = planned_at

    @classmethod
    def create_id(cls, *, referral_id: str, event_name: str, contact: str,
                  payload: dict[str, Any] | None = None, **_: Any) -> UUID:
        # A referral is raised at most once to each level: each raise is told once per contact.
        if event_name == "referral.raised" and payload is not None:
            event_name = f"{event_name}/{payload.get('risk_level')}"
        # Each report joining the case is told once per contact.
        if event_name == "referral.new_report" and payload is not None:
            event_name = f"{event_name}/{payload.get('supplement_id') or payload.get('report_id')}"
        return delivery_id(referral_id, event_name, contact)

    @property
    def pending(self) -> bool:
        return self.delivered_at is None and not self.gave_up

    def attempt(self, error: str | None, at: datetime, retry_in: float, give_up_after: timedelta) -> None:
        """Record one attempt: taken, failed (next try after `retry_in` seconds), or failed for
        the last time. A delivery is taken once; after that no attempt is made or recorded."""
        if not self.pending:
            raise Conflict("This delivery is done")
        last = error is not None and at + timedelta(seconds=retry_in) > self.planned_at + give_up_after
        self._attempted(error=error, at=at, next_at=at + timedelta(seconds=retry_in), last=last)

    @event("Attempted")
    def _attempted(self, *, error: str | None, at: datetime, next_at: datetime, last: bool) -> None:
        self.attempts += 1
        self.last_error = error
        if error is None:
            self.delivered_at = at
        self.gave_up = last
        self.next_at = next_at


class UnitLog(Aggregate):
    """Written by every attempt until #25 (a point they contended on): kept only so that stored
    `UnitLog` events still load; nothing writes it now."""

    WINDOW = timedelta(hours=24)

    @event("Started")
    def __init__(self, *, agency_id: str):
        self.agency_id = agency_id
        self.last_delivered_at: datetime | None = None
        self.failures: list[datetime] = []

    @classmethod
    def create_id(cls, *, agency_id: str) -> UUID:
        return unit_log_id(agency_id)

    @event("Noted")
    def note(self, *, error: str | None, at: datetime) -> None:
        if error is None:
            self.last_delivered_at = at
        else:
            self.failures = [*(f for f in self.failures if f > at - self.WINDOW), at]

    def failures_since(self, now: datetime) -> int:
        return sum(1 for f in self.failures if f > now - self.WINDOW)
