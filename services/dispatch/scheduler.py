"""The SLA clock: escalates referrals whose acknowledgement is overdue, exactly once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import UUID

import structlog
from eventsourcing.persistence import IntegrityError

from services.dispatch.application import DispatchApplication

log = structlog.get_logger("scheduler")


class DueReferrals(Protocol):
    """Where the scheduler learns which referrals look overdue (the desk view provides it)."""

    def due_referrals(self, now: datetime) -> list[Any]: ...


class EscalationScheduler:
    """Stateless: the view says which referrals look overdue, the Referral aggregate decides.
    A restart re-reads what is due (nothing missed); the aggregate escalates only once and
    never after an acknowledgement (nothing repeated), whatever the view's lag."""

    def __init__(
        self,
        dispatch: DispatchApplication,
        view: DueReferrals,
        *,
        interval: float = 1.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self.dispatch = dispatch
        self.view = view
        self.interval = interval
        self.clock = clock
        self._stop_event = threading.Event()

    def tick(self) -> int:
        now = self.clock()
        escalated = 0
        for referral in self.view.due_referrals(now):
            try:
                if self.dispatch.escalate_if_due(UUID(referral["referral_id"]), now=now):
                    escalated += 1
            except IntegrityError:
                # Acknowledged (or escalated by another scheduler) at the same moment: the
                # next tick reads the new state.
                log.info("escalation raced; will re-check", referral_id=referral["referral_id"])
        return escalated

    def run(self) -> None:
        log.info("scheduler started", interval=self.interval)
        while not self._stop_event.is_set():
            try:
                self.tick()
            except Exception:
                log.exception("scheduler tick failed; retrying")
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
