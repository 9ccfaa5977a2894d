"""The clocks: escalates referrals whose acknowledgement is overdue, and notes follow-up visits
not done by their due date and orange/red cases left without a helper, each exactly once."""

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
    """Where the scheduler learns what looks overdue (the desk view provides it)."""

    def due_referrals(self, now: datetime) -> list[Any]: ...
    def due_followups(self, now: datetime) -> list[str]: ...
    def helperless_followups(self, now: datetime, within_seconds: float) -> list[str]: ...


class EscalationScheduler:
    """Stateless: the view says what looks overdue, the aggregate (Referral, FollowUpPlan)
    decides. A restart re-reads what is due (nothing missed); the aggregate escalates or notes
    only once per due date and never after the thing was done (nothing repeated), whatever the
    view's lag."""

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
        self.followup_round(now)
        return escalated

    def followup_round(self, now: datetime) -> tuple[int, int]:
        """(visits noted overdue, cases flagged for want of a helper) in this round."""
        overdue = sum(self.dispatch.note_overdue(case_id, now=now)
                      for case_id in self.view.due_followups(now))
        within = self.dispatch.helper_within.total_seconds()
        helperless = sum(self.dispatch.flag_missing_helper(case_id, now=now)
                         for case_id in self.view.helperless_followups(now, within))
        return overdue, helperless

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
