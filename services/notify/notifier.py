"""The notifier: follows notify's own log to know which deliveries are owed and when, and which
urgent referrals may need a reminder; makes the attempts and records each one.

A receiver that is down, slow or redirecting costs only its own deliveries (contract §11): each
attempt is independent (its failure, even an exception, is its own), bounded in time (the
webhook timeout) and in number (`concurrency` at once, at most `PER_RECEIVER` to one receiver),
and the due ones start fairly: every fresh dispatch before any retry, receivers in turn.
What it knows (`ledger.py`) is saved with its log position about once a second (less often when
it is large: a save takes at most 2 % of the time), so a restart
reads that and the log after it, whatever the history's length.

Guarantees: a delivery is recorded as taken once, and no attempt follows that record. An attempt
whose answer is lost with the process (killed between the receiver's 2xx and the record) is made
again after the restart: receivers drop the repeat by its `X-Hotline-Delivery` id. One notifier
per deployment (the notify consumer group has one member)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from functools import partial
from uuid import UUID

import structlog

from services.common.errors import Conflict
from services.common.outbox import CommitSignal, after_commit
from services.notify import webhook
from services.notify.application import NotifyApplication
from services.notify.domain import Delivery
from services.notify.ledger import SETTLED, WATCH_CHANGES, Ledger, track_delivery, track_watch, unit_of
from services.notify.rounds import ATTEMPTS, FAILING, PER_RECEIVER, Slots, publish

__all__ = ["FAILING", "PER_RECEIVER", "PROBE_EVERY", "Notifier"]
log = structlog.get_logger("notifier")
Clock = Callable[[], datetime]
PROBE_EVERY = 0.5  # seconds between two attempts to a failing receiver (the deployed notifier's)
SAVE_EVERY = 1.0  # seconds between saves of the ledger while running, at least
# A save takes at most this share of the notifier's time: a ledger grown large (thousands of
# referrals nobody acknowledged) is saved less often, not at a cost that grows with it (#31).
SAVE_SHARE = 0.02
SAVE_AT_LEAST_EVERY = 10.0  # seconds: the health view is never older (a save slowed by a busy disk)
MIN_ROUND = 0.05  # seconds


class Notifier(threading.Thread):
    def __init__(self, app: NotifyApplication, *, clock: Clock = lambda: datetime.now(UTC),
                 post: Callable[[webhook.Request], str | None] | None = None, interval: float = 0.5,
                 timeout: float = webhook.TIMEOUT_SECONDS, concurrency: int = 16,
                 per_receiver: int = PER_RECEIVER, probe_every: float = 0.0):
        super().__init__(name="notifier", daemon=True)
        self.app, self.clock, self.interval = app, clock, interval
        self.post = post or partial(webhook.post, timeout=timeout, guard=app.guard)
        self.concurrency = concurrency
        self.slots = Slots(concurrency, per_receiver, probe_every)
        self.monotonic = time.monotonic
        self._ledger: Ledger | None = None
        self._lock = threading.Lock()  # the ledger's schedule, changed by attempts as they end
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="webhook")
        self._signal = CommitSignal()
        after_commit(app, self._signal)
        self._stopping = threading.Event()
        self._saved = (-1, 0.0)  # the position last saved, and when
        self.save_every = SAVE_EVERY  # seconds until the next save: longer after a long one
        self._gauged_at = 0.0
        self.error: BaseException | None = None

    @property
    def ledger(self) -> Ledger:
        """What the last notifier saved (or nothing yet), then the log after its position."""
        if self._ledger is None:
            self._ledger = self.app.ledgers.load() or Ledger()
        return self._ledger

    @property
    def position(self) -> int:
        return self.ledger.position

    @property
    def pending(self) -> dict[UUID, datetime]:
        """Delivery → when it is tried next."""
        return {UUID(i): datetime.fromtimestamp(o.next_at, UTC) for i, o in self.ledger.owed.items()
                if o.next_at != SETTLED}

    def follow(self, page: int = 500) -> None:
        """Read the log since last time: each delivery's plan and attempts, each watch."""
        ledger = self.ledger
        while True:
            notes = self.app.recorder.select_notifications(start=ledger.position, limit=page,
                                                            inclusive_of_start=False)
            with self._lock:
                for n in notes:
                    if ":Delivery." in n.topic:
                        track_delivery(ledger, self.app.mapper.to_domain_event(n), self.app.repository)
                    elif n.topic.endswith(WATCH_CHANGES):
                        track_watch(ledger, self.app.mapper.to_domain_event(n))
            if notes:
                ledger.position = notes[-1].id
            if len(notes) < page:
                return

    def _remind(self, now: datetime) -> bool:
        due = self.ledger.due_watches(now.timestamp())
        for key, referral_id in due:
            try:
                if self.app.remind(referral_id, now) is None:  # none needed (or another sent it)
                    self.ledger.watching.pop(key, None)
            except Exception:  # this one is looked at again next round; the others go on
                self.ledger.remind_floor = now.timestamp()
                log.exception("reminder failed", referral_id=referral_id)
        return bool(due)

    def _start_due(self) -> list[Future[int]]:
        """Start the due attempts that fit, fairly."""
        with self._lock:
            chosen = self.slots.take(self.ledger, self.clock().timestamp(), self.monotonic())
        return [self._pool.submit(self._attempt, delivery_id) for delivery_id in chosen]

    def _attempt(self, delivery_id: str) -> int:
        """One attempt, start to record; whatever goes wrong stays with this delivery."""
        next_at = SETTLED
        try:
            delivery: Delivery = self.app.repository.get(UUID(delivery_id))
            if not delivery.pending:
                return 0
            retry_in = webhook.next_delay(delivery.attempts + 1)
            next_at = self.clock().timestamp() + retry_in
            error = self._send(delivery)
            done = self.app.attempt(delivery.id, error, self.clock(), retry_in)
            if not done.pending:
                next_at = SETTLED
            ATTEMPTS.labels("delivered" if error is None else "gave_up" if done.gave_up else "failed").inc()
            return 1
        except Conflict:  # recorded by another attempt meanwhile: nothing more to do
            return 0
        except Exception as exc:  # a line, not a traceback: a dead store would otherwise cost more
            ATTEMPTS.labels("unrecorded").inc()
            log.warning("webhook attempt not recorded; tried again later", delivery_id=delivery_id,
                        agency_id=unit_of(self.slots.running.get(delivery_id, "")),
                        error=f"{type(exc).__name__}: {exc}"[:300])
            next_at = next_at if next_at != SETTLED else self.clock().timestamp() + webhook.FIRST_DELAY
            return 0
        finally:
            with self._lock:
                self.slots.free(delivery_id)
                owed = self.ledger.owed.get(delivery_id)
                if owed is not None:
                    owed.next_at = next_at
            self._signal()

    def _send(self, delivery: Delivery) -> str | None:
        secret, url, fmt = self.app.target_for(delivery)
        if secret is None:
            return webhook.NO_SECRET
        try:
            return self.post(webhook.request(
                fmt, url, secret, delivery.payload, str(delivery.id),
                now_ms=int(self.clock().timestamp() * 1000), kind=delivery.agency_kind))
        except Exception as e:  # a transport that raises fails this attempt, and only it
            return type(e).__name__  # its class only: a message may quote the receiver

    def round(self) -> list[Future[int]]:
        """Follow the log, send the reminders due, start the attempts due."""
        self.follow()
        if self._remind(self.clock()):
            self.follow()  # what the reminders planned
        return self._start_due()

    def tick(self) -> int:
        """One round, waiting for every attempt it starts (and those due meanwhile); how many
        attempts were recorded. The tests' and tools' step; `run` does not wait."""
        running, made = set(self.round()), 0
        while running:
            done, running = wait(running, return_when=FIRST_COMPLETED)
            made += sum(f.result() for f in done)
            running |= set(self._start_due())
        self.follow()
        self.save()
        return made

    def save(self) -> None:
        """The ledger as of its position, for a restart and for the health view."""
        with self._lock:
            began = self.monotonic()
            self.app.ledgers.save(self.ledger)
            self._saved = (self.ledger.position, self.monotonic())
            took = self._saved[1] - began
            self.save_every = min(SAVE_AT_LEAST_EVERY, max(SAVE_EVERY, took / SAVE_SHARE))
        self.gauges()

    def save_due(self) -> bool:
        """Whether the running notifier saves now: the log moved since the last save, and that
        was long enough ago (`save_every`). An idle notifier writes nothing."""
        position, at = self._saved
        return position != self.ledger.position and self.monotonic() - at >= self.save_every

    def gauges(self) -> None:
        """Deliveries pending per receiver (no names), the oldest due, the oldest red
        dispatch not yet taken: on /metrics, at most once a second while running."""
        with self._lock:
            publish(self.ledger, self.clock().timestamp())
            self._gauged_at = time.monotonic()

    def run(self) -> None:
        while not self._stopping.is_set():
            began = time.monotonic()
            try:
                self.round()
                if self.save_due():
                    self.save()
                elif time.monotonic() - self._gauged_at >= SAVE_EVERY:
                    self.gauges()  # O(deliveries owed): once a second, not at every commit's round
            except Exception as exc:  # keep going: a failed look is looked at again next time
                self.error = exc
                log.exception("notifier round failed; retrying")
                self._stopping.wait(1.0)
            # Every commit and every attempt's end wakes it: a round at most every 50 ms, so a
            # pile of quick failures does not turn into a query and a scan per attempt.
            self._stopping.wait(max(0.0, MIN_ROUND - (time.monotonic() - began)))
            self._signal.wait(self.interval)

    def stop(self) -> None:
        self._stopping.set()
        self._signal.close()
        if self.is_alive():
            self.join(timeout=10)
        self._pool.shutdown(wait=False, cancel_futures=True)
        try:
            self.save()
        except Exception:  # the next start reads a little more of the log
            log.exception("notifier state not saved at stop")
