"""A notifier round: the attempts in flight and which due ones start now (`fair`: fresh before
retries, receivers in turn, within the notifier's limits); then its metrics (attempts by outcome,
what is owed) on /metrics."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable

from prometheus_client import Counter as Counted
from prometheus_client import Gauge

from services.notify.ledger import Ledger, Owed, unit_of

PER_RECEIVER = 4  # attempts in flight to one receiver: a slow one holds no more workers than this
FAILING = 3  # failures in a row after which a receiver gets one attempt at a time until one succeeds


def fair(due: list[tuple[str, Owed]], busy: Counter[str], free: int, per_receiver: int, *,
         retries: int | None = None, failing: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Which due deliveries to start now, in order: every fresh dispatch before any retry (and at
    most `retries` of these); within each, one receiver at a time in turn (oldest first in each
    receiver's queue), none with more than `per_receiver` in flight (one if `failing`), at most
    `free` in all."""
    busy = Counter(busy)
    picked: list[str] = []
    for fresh in (True, False):
        limit = free if fresh else min(free, len(picked) + max(0, free if retries is None else retries))
        lanes: dict[str, deque[str]] = {}
        for i, o in sorted((d for d in due if d[1].fresh == fresh), key=lambda d: d[1].next_at):
            lanes.setdefault(o.receiver, deque()).append(i)
        while lanes and len(picked) < limit:
            for receiver in list(lanes):
                if len(picked) >= limit:
                    break
                cap = 1 if receiver in failing else per_receiver
                if busy[receiver] >= cap or not lanes[receiver]:
                    del lanes[receiver]
                    continue
                picked.append(lanes[receiver].popleft())
                busy[receiver] += 1
    return picked


class Slots:
    """Who holds the notifier's workers; the caller holds the ledger's lock around each call."""

    def __init__(self, concurrency: int, per_receiver: int = PER_RECEIVER, probe_every: float = 0.0):
        self.concurrency, self.per_receiver = concurrency, per_receiver
        # A failing receiver gets an attempt at most this often (seconds of the process's clock):
        # a dead one costs a write every so often, not one per delivery owed to it as fast as
        # refusals come back. Its deliveries wait their turn (and are given up when tried late).
        self.probe_every = probe_every
        self.probed: dict[str, float] = {}  # failing receiver → when its last attempt started
        self.running: dict[str, str] = {}  # delivery id → receiver, attempts in flight
        self.retrying: set[str] = set()  # those of them that are retries
        # Slots retries never take: a fresh dispatch finds one free at once, whatever is failing.
        self.kept_for_fresh = concurrency // 4

    def take(self, ledger: Ledger, now: float, monotonic: float) -> list[str]:
        """The due deliveries that start now (each then holds a slot until `free`)."""
        due = ledger.due(now, self.running)
        if not due:
            return []
        failing = {r for r, h in ledger.receivers.items() if h.consecutive_failures >= FAILING}
        if self.probe_every:
            resting = {r for r in failing if monotonic - self.probed.get(r, -1e9) < self.probe_every}
            due = [d for d in due if d[1].receiver not in resting]
        room = self.concurrency - self.kept_for_fresh - len(self.retrying)
        chosen = fair(due, Counter(self.running.values()), self.concurrency - len(self.running),
                      self.per_receiver, retries=room, failing=failing)
        for delivery_id in chosen:
            owed = ledger.owed[delivery_id]
            self.running[delivery_id] = owed.receiver
            if owed.receiver in failing:
                self.probed[owed.receiver] = monotonic
            if not owed.fresh:
                self.retrying.add(delivery_id)
        return chosen

    def free(self, delivery_id: str) -> None:
        """Its attempt ended: the slot is free."""
        self.running.pop(delivery_id, None)
        self.retrying.discard(delivery_id)


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
