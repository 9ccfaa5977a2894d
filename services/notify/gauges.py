"""The notifier's metrics: attempts by outcome, and what is owed, on /metrics every round."""

from __future__ import annotations

from collections import Counter

from prometheus_client import Counter as Counted
from prometheus_client import Gauge

from services.notify.ledger import Ledger, unit_of

ATTEMPTS = Counted("hotline_webhook_attempts", "Webhook attempts by outcome", ["outcome"])
PENDING = Gauge("hotline_notify_pending", "Deliveries owed, per unit's receivers (or the supervisors')",
                ["receiver"])
OLDEST_DUE = Gauge("hotline_notify_oldest_due_seconds", "How long the oldest due delivery has waited")
OLDEST_PENDING = Gauge("hotline_notify_oldest_pending_seconds", "Age of the oldest delivery still owed")
RED_WAITING = Gauge("hotline_notify_red_first_delivery_age_seconds",
                    "Age of the oldest red referral's dispatch not yet delivered")


def publish(ledger: Ledger, now: float) -> None:
    """Deliveries pending per unit (its contacts together), the oldest due, the oldest red
    dispatch not yet taken."""
    pending = Counter[str]()
    for receiver, n in ledger.pending().items():
        pending[unit_of(receiver)] += n
    for unit in {unit_of(r) for r in ledger.receivers} | set(pending):
        PENDING.labels(unit).set(pending.get(unit, 0))
    OLDEST_DUE.set(ledger.oldest_due_seconds(now))
    OLDEST_PENDING.set(ledger.oldest_pending_seconds(now))
    RED_WAITING.set(ledger.oldest_red_first_seconds(now))
