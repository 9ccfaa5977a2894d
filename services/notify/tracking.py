"""What notify's log tells the notifier's ledger: deliveries planned and attempted, watches."""

from __future__ import annotations

from typing import Any

from eventsourcing.application import Repository

from services.notify.domain import URGENT, Delivery, Watch, receiver_of
from services.notify.ledger import Ledger

PLANNED, ATTEMPTED = Delivery.Planned, Delivery.Attempted  # type: ignore[attr-defined]  # made by @event
OPENED = Watch.Opened  # type: ignore[attr-defined]
WATCH_CHANGES = (":Watch.Opened", ":Watch.Settled", ":Watch.Reminded", ":Watch.Escalated")


def track_delivery(ledger: Ledger, event: Any, repository: Repository) -> None:
    """A delivery's plan or attempt onto the ledger."""
    key = str(event.originator_id)
    if isinstance(event, PLANNED):
        ledger.plan(key, agency_id=event.agency_id, receiver=receiver_of(event.agency_id, event.contact),
                    planned_at=event.planned_at, red_first=event.event_name == "referral.dispatched"
                    and event.payload.get("risk_level") == "red")
    elif isinstance(event, ATTEMPTED):
        owed = ledger.owed.get(key)
        if owed is None:  # planned before the saved position and already settled: health only
            delivery: Delivery = repository.get(event.originator_id)
            receiver, agency = receiver_of(delivery.agency_id, delivery.contact), delivery.agency_id
        else:
            receiver, agency = owed.receiver, ledger.receivers[owed.receiver].agency_id
        ledger.attempted(key, receiver, agency, error=event.error, at=event.at, next_at=event.next_at,
                         last=event.last)


def track_watch(ledger: Ledger, event: Any) -> None:
    """An urgent referral is watched from its dispatch until it is reminded, escalated or
    settled (the events say so: no watch is read back)."""
    key = str(event.originator_id)
    if isinstance(event, OPENED):
        if event.risk_level in URGENT:
            ledger.watch(key, event.referral_id,
                         (event.dispatched_at + (event.due_at - event.dispatched_at) / 2).timestamp())
    else:
        ledger.watching.pop(key, None)
