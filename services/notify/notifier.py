"""The notifier: follows notify's own log to know which deliveries are owed and when, and which
urgent referrals may need a reminder; makes the attempts and records each one. What it knows is
rebuilt from the log when it starts, so a restart resumes every delivery still owed.

Guarantees: a delivery is recorded as taken once, and no attempt follows that record. An attempt
whose answer is lost with the process (killed between the receiver's 2xx and the record) is made
again after the restart: receivers drop the repeat by its `X-Hotline-Delivery` id. One notifier
per deployment (the notify consumer group has one member)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from uuid import UUID

import structlog
from prometheus_client import Counter

from services.common.errors import Conflict
from services.common.wakeup import CommitSignal, after_commit
from services.notify import webhook
from services.notify.application import NotifyApplication
from services.notify.domain import Delivery, Watch

log = structlog.get_logger("notifier")
ATTEMPTS = Counter("hotline_webhook_attempts", "Webhook attempts by outcome", ["outcome"])
Clock = Callable[[], datetime]


class Notifier(threading.Thread):
    def __init__(self, app: NotifyApplication, *, clock: Clock = lambda: datetime.now(UTC),
                 post: Callable[[webhook.Request], str | None] = webhook.post, interval: float = 0.5,
                 workers: int = 8):
        super().__init__(name="notifier", daemon=True)
        self.app, self.clock, self.post, self.interval = app, clock, post, interval
        self.position = 0
        self.pending: dict[UUID, datetime] = {}  # delivery → when to try it next
        self.watching: dict[str, datetime] = {}  # referral → when it needs a reminder
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="webhook")
        self._signal = CommitSignal()
        after_commit(app, self._signal)
        self._stopping = threading.Event()
        self.error: BaseException | None = None

    def follow(self, page: int = 500) -> None:
        """Read the log since last time; look again at each delivery and watch it names."""
        while True:
            notes = self.app.recorder.select_notifications(start=self.position, limit=page,
                                                            inclusive_of_start=False)
            for originator in dict.fromkeys(n.originator_id for n in notes
                                            if ":Delivery." in n.topic or ":Watch." in n.topic):
                self._look_at(self.app.repository.get(UUID(str(originator))))
            if notes:
                self.position = notes[-1].id
            if len(notes) < page:
                return

    def _look_at(self, aggregate: object) -> None:
        if isinstance(aggregate, Delivery):
            if aggregate.pending:
                self.pending[aggregate.id] = aggregate.next_at
            else:
                self.pending.pop(aggregate.id, None)
        elif isinstance(aggregate, Watch):
            if aggregate.needs_reminder(aggregate.remind_at):
                self.watching[aggregate.referral_id] = aggregate.remind_at
            else:
                self.watching.pop(aggregate.referral_id, None)

    def tick(self) -> int:
        """Reminders that are due, then every attempt that is due; how many attempts were made."""
        self.follow()
        now = self.clock()
        reminders = [r for r, at in self.watching.items() if at <= now]
        for referral_id in reminders:
            self.app.remind(referral_id, now)
        if reminders:  # what the reminders planned (else the log has nothing new of ours)
            self.follow()
        due = [d for d, at in self.pending.items() if at <= now]
        done = sum(self._pool.map(self._attempt, due))
        if due:
            self.follow()
        return done

    def _attempt(self, delivery_id: UUID) -> int:
        delivery: Delivery = self.app.repository.get(delivery_id)
        if not delivery.pending:
            return 0
        secret = self.app.secret_for(delivery)
        error = "no secret: the unit's roster is gone" if secret is None else self.post(webhook.request(
            delivery.format, delivery.webhook_url, secret, delivery.payload, str(delivery.id),
            now_ms=int(self.clock().timestamp() * 1000), kind=delivery.agency_kind))
        try:
            retry_in = webhook.next_delay(delivery.attempts + 1)
            done = self.app.attempt(delivery_id, error, self.clock(), retry_in)
        except Conflict:  # recorded by another attempt meanwhile: nothing more to do
            return 0
        ATTEMPTS.labels("delivered" if error is None else "gave_up" if done.gave_up else "failed").inc()
        return 1

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.tick()
            except Exception as exc:  # keep going: a failed look is looked at again next time
                self.error = exc
                log.exception("notifier round failed; retrying")
                self._stopping.wait(1.0)
            self._signal.wait(self.interval)

    def stop(self) -> None:
        self._stopping.set()
        self._signal.close()
        if self.is_alive():
            self.join(timeout=10)
        self._pool.shutdown(wait=False, cancel_futures=True)
