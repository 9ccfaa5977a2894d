"""The notifier: follows notify's own log to know which deliveries are owed and when, and which
urgent referrals may need a reminder; makes the attempts and records each one.

A receiver that is down, slow or redirecting costs only its own deliveries (contract §11): each
attempt is independent (its failure, even an exception, is its own), bounded in time (the
webhook timeout) and in number (`concurrency` at once, at most `PER_RECEIVER` to one receiver),
and the due ones start fairly: every fresh dispatch before any retry, receivers in turn.
What it knows (`ledger.py`) is saved with its log position about once a second, so a restart
reads that and the log after it, whatever the history's length.

Guarantees: a delivery is recorded as taken once, and no attempt follows that record. An attempt
whose answer is lost with the process (killed between the receiver's 2xx and the record) is made
again after the restart: receivers drop the repeat by its `X-Hotline-Delivery` id. One notifier
per deployment (the notify consumer group has one member)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from functools import partial
from typing import Any
from uuid import UUID

import structlog
from prometheus_client import Counter as Counted
from prometheus_client import Gauge

from services.common.errors import Conflict
from services.common.wakeup import CommitSignal, after_commit
from services.notify import webhook
from services.notify.application import NotifyApplication
from services.notify.domain import URGENT, Delivery, Watch, receiver_of
from services.notify.ledger import SETTLED, Ledger, fair, unit_of

PLANNED, ATTEMPTED = Delivery.Planned, Delivery.Attempted  # type: ignore[attr-defined]  # made by @event
OPENED = Watch.Opened  # type: ignore[attr-defined]
WATCH_CHANGES = (":Watch.Opened", ":Watch.Settled", ":Watch.Reminded", ":Watch.Escalated")
log = structlog.get_logger("notifier")
ATTEMPTS = Counted("hotline_webhook_attempts", "Webhook attempts by outcome", ["outcome"])
PENDING = Gauge("hotline_notify_pending", "Deliveries owed, per unit's receivers (or the supervisors')",
                ["receiver"])
OLDEST_DUE = Gauge("hotline_notify_oldest_due_seconds", "How long the oldest due delivery has waited")
OLDEST_PENDING = Gauge("hotline_notify_oldest_pending_seconds", "Age of the oldest delivery still owed")
RED_WAITING = Gauge("hotline_notify_red_first_delivery_age_seconds",
                    "Age of the oldest red referral's dispatch not yet delivered")
Clock = Callable[[], datetime]
PER_RECEIVER = 4  # attempts in flight to one receiver: a slow one holds no more workers than this
FAILING = 3  # failures in a row after which a receiver gets one attempt at a time until one succeeds
PROBE_EVERY = 0.5  # seconds between two attempts to a failing receiver (the deployed notifier's)
SAVE_EVERY = 1.0  # seconds between saves of the ledger while running
MIN_ROUND = 0.05  # seconds


class Notifier(threading.Thread):
    def __init__(self, app: NotifyApplication, *, clock: Clock = lambda: datetime.now(UTC),
                 post: Callable[[webhook.Request], str | None] | None = None, interval: float = 0.5,
                 timeout: float = webhook.TIMEOUT_SECONDS, concurrency: int = 16,
                 per_receiver: int = PER_RECEIVER, probe_every: float = 0.0):
        super().__init__(name="notifier", daemon=True)
        self.app, self.clock, self.interval = app, clock, interval
        self.post = post or partial(webhook.post, timeout=timeout, guard=app.guard)
        self.concurrency, self.per_receiver = concurrency, per_receiver
        # A failing receiver gets an attempt at most this often (seconds of the process's clock):
        # a dead one costs a write every so often, not one per delivery owed to it as fast as
        # refusals come back. Its deliveries wait their turn (and are given up when tried late).
        self.probe_every = probe_every
        self._probed: dict[str, float] = {}  # failing receiver → when its last attempt started
        self.monotonic = time.monotonic
        self._ledger: Ledger | None = None
        self._lock = threading.Lock()  # the ledger's schedule, changed by attempts as they end
        self._running: dict[str, str] = {}  # delivery id → receiver, attempts in flight
        self._retrying: set[str] = set()  # those of them that are retries
        # Slots retries never take: a fresh dispatch finds one free at once, whatever is failing.
        self.kept_for_fresh = concurrency // 4
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="webhook")
        self._signal = CommitSignal()
        after_commit(app, self._signal)
        self._stopping = threading.Event()
        self._saved = (-1, 0.0)  # the position last saved, and when
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
                        self._apply(self.app.mapper.to_domain_event(n))
                    elif n.topic.endswith(WATCH_CHANGES):
                        self._watch(self.app.mapper.to_domain_event(n))
            if notes:
                ledger.position = notes[-1].id
            if len(notes) < page:
                return

    def _apply(self, event: Any) -> None:
        ledger, key = self.ledger, str(event.originator_id)
        if isinstance(event, PLANNED):
            ledger.plan(key, agency_id=event.agency_id, receiver=receiver_of(event.agency_id, event.contact),
                        planned_at=event.planned_at, red_first=event.event_name == "referral.dispatched"
                        and event.payload.get("risk_level") == "red")
        elif isinstance(event, ATTEMPTED):
            owed = ledger.owed.get(key)
            if owed is None:  # planned before the saved position and already settled: health only
                delivery: Delivery = self.app.repository.get(event.originator_id)
                receiver, agency = receiver_of(delivery.agency_id, delivery.contact), delivery.agency_id
            else:
                receiver, agency = owed.receiver, ledger.receivers[owed.receiver].agency_id
            ledger.attempted(key, receiver, agency, error=event.error, at=event.at, next_at=event.next_at,
                             last=event.last)

    def _watch(self, event: Any) -> None:
        """An urgent referral is watched from its dispatch until it is reminded, escalated or
        settled (the events say so: no watch is read back)."""
        key = str(event.originator_id)
        if isinstance(event, OPENED):
            if event.risk_level in URGENT:
                self.ledger.watching[key] = (event.referral_id, (
                    event.dispatched_at + (event.due_at - event.dispatched_at) / 2).timestamp())
        else:
            self.ledger.watching.pop(key, None)

    def _remind(self, now: datetime) -> bool:
        due = [(key, referral) for key, (referral, at) in self.ledger.watching.items()
               if at <= now.timestamp()]
        for key, referral_id in due:
            try:
                if self.app.remind(referral_id, now) is None:  # none needed (or another sent it)
                    self.ledger.watching.pop(key, None)
            except Exception:  # this one is looked at again next round; the others go on
                log.exception("reminder failed", referral_id=referral_id)
        return bool(due)

    def _start_due(self) -> list[Future[int]]:
        """Start the due attempts that fit, fairly."""
        with self._lock:
            due = self.ledger.due(self.clock().timestamp(), self._running)
            if not due:
                return []
            failing = {r for r, h in self.ledger.receivers.items() if h.consecutive_failures >= FAILING}
            if self.probe_every:
                now = self.monotonic()
                resting = {r for r in failing if now - self._probed.get(r, -1e9) < self.probe_every}
                due = [d for d in due if d[1].receiver not in resting]
            room = self.concurrency - self.kept_for_fresh - len(self._retrying)
            chosen = fair(due, Counter(self._running.values()), self.concurrency - len(self._running),
                          self.per_receiver, retries=room, failing=failing)
            for delivery_id in chosen:
                owed = self.ledger.owed[delivery_id]
                self._running[delivery_id] = owed.receiver
                if owed.receiver in failing:
                    self._probed[owed.receiver] = self.monotonic()
                if not owed.fresh:
                    self._retrying.add(delivery_id)
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
                        agency_id=unit_of(self._running.get(delivery_id, "")),
                        error=f"{type(exc).__name__}: {exc}"[:300])
            next_at = next_at if next_at != SETTLED else self.clock().timestamp() + webhook.FIRST_DELAY
            return 0
        finally:
            with self._lock:
                self._running.pop(delivery_id, None)
                self._retrying.discard(delivery_id)
                owed = self.ledger.owed.get(delivery_id)
                if owed is not None:
                    owed.next_at = next_at
            self._signal()

    def _send(self, delivery: Delivery) -> str | None:
        secret = self.app.secret_for(delivery)
        if secret is None:
            return webhook.NO_SECRET
        try:
            return self.post(webhook.request(
                delivery.format, delivery.webhook_url, secret, delivery.payload, str(delivery.id),
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
            self.app.ledgers.save(self.ledger)
            self._saved = (self.ledger.position, time.monotonic())
        self.gauges()

    def gauges(self) -> None:
        """Deliveries pending per unit (its contacts together), the oldest due, the oldest red
        dispatch not yet taken: on /metrics, every round."""
        with self._lock:
            ledger, now = self.ledger, self.clock().timestamp()
            pending = Counter[str]()
            for receiver, n in ledger.pending().items():
                pending[unit_of(receiver)] += n
            for unit in {unit_of(r) for r in ledger.receivers} | set(pending):
                PENDING.labels(unit).set(pending.get(unit, 0))
            OLDEST_DUE.set(ledger.oldest_due_seconds(now))
            OLDEST_PENDING.set(ledger.oldest_pending_seconds(now))
            RED_WAITING.set(ledger.oldest_red_first_seconds(now))

    def run(self) -> None:
        while not self._stopping.is_set():
            began = time.monotonic()
            try:
                self.round()
                position, at = self._saved
                if position != self.ledger.position and time.monotonic() - at >= SAVE_EVERY:
                    self.save()  # only once the log moved: an idle notifier writes nothing
                else:
                    self.gauges()
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
