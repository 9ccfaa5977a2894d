"""The attempts in flight, and which due ones start now: fairly, within the notifier's limits."""

from __future__ import annotations

from collections import Counter

from services.notify.ledger import Ledger, fair

PER_RECEIVER = 4  # attempts in flight to one receiver: a slow one holds no more workers than this
FAILING = 3  # failures in a row after which a receiver gets one attempt at a time until one succeeds


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
