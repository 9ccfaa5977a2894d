"""The notifier's metrics: attempts by outcome, and what is owed, on /metrics every round."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import Counter as Counted
from prometheus_client import Gauge

from services.notify.ledger import Ledger, unit_of

ATTEMPTS = Counted("hotline_webhook_attempts", "Webhook attempts by outcome", ["outcome"])
PENDING = Gauge("hotline_notify_pending", "Deliveries owed per receiver: a unit's contact by its number"
                " there (no names), or a hook of its own (supervisors, upward) as contact 1",
                ["unit", "contact"])
OLDEST_DUE = Gauge("hotline_notify_oldest_due_seconds", "How long the oldest due delivery has waited")
OLDEST_PENDING = Gauge("hotline_notify_oldest_pending_seconds", "Age of the oldest delivery still owed")
RED_WAITING = Gauge("hotline_notify_red_first_delivery_age_seconds",
                    "Age of the oldest red referral's dispatch not yet delivered")


def numbered(receivers: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Each receiver's labels, no name in them: its unit and its number among the unit's contacts
    in the order the ledger first met them (kept in the saved ledger, so stable across restarts)."""
    count: dict[str, int] = {}
    labels = {}
    for receiver in dict.fromkeys(receivers):
        unit = unit_of(receiver)
        count[unit] = count.get(unit, 0) + 1
        labels[receiver] = (unit, str(count[unit]))
    return labels


def publish(ledger: Ledger, now: float) -> None:
    """Deliveries pending per receiver (a dead second contact shows beside a live first), the
    oldest due, the oldest red dispatch not yet taken."""
    pending = ledger.pending()
    for receiver, (unit, contact) in numbered([*ledger.receivers, *pending]).items():
        PENDING.labels(unit, contact).set(pending.get(receiver, 0))
    OLDEST_DUE.set(ledger.oldest_due_seconds(now))
    OLDEST_PENDING.set(ledger.oldest_pending_seconds(now))
    RED_WAITING.set(ledger.oldest_red_first_seconds(now))
