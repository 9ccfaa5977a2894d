"""What notify's policy plans after a referral's dispatch: a raise (the unit told of its new level
and time), an escalation (everyone and the supervisors), and the warning when nobody on duty can
be told. Mixed into `NotifyApplication`, which plans the dispatch itself."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

import structlog
from eventsourcing.application import ProcessingEvent
from eventsourcing.persistence import IntegrityError

from services.common import store
from services.notify.domain import SUPERVISORS, Delivery, Watch, watch_id
from services.notify.oncall import Contact, Roster

log = structlog.get_logger("notify")
UNREACHABLE_EVERY = 60.0  # seconds between warnings about one unit nobody can be told of
RAISED_EVENT = "referral.raised"  # the webhook's event for a raise (an addition to §8's three)
REPORTED_EVENT = "referral.new_report"  # a report joined a case the unit took on (another addition)


class LaterPlans:
    """The policy's steps after a dispatch; each collects what it plans with the tracking."""

    supervisors: Any  # SupervisorHook | None
    _silent: dict[str, tuple[float, int]]
    _found: Callable[[dict[str, Any], datetime], tuple[Watch | None, Roster | None, list[Contact]]]
    _deliver: Callable[..., Delivery]
    roster: Callable[[str], Roster | None]
    save: Callable[..., Any]

    def _escalation(self, watch: Watch, roster: Roster | None, at: datetime) -> list[Delivery]:
        """Every contact of the unit with a webhook, and the supervisors' webhook."""
        everyone = [c for c in (roster.contacts if roster else []) if c.webhook_url]
        planned = [self._deliver(watch, "referral.escalated", c, at) for c in everyone]
        if self.supervisors is not None:
            planned.append(self._deliver(watch, "referral.escalated", Contact(
                SUPERVISORS, webhook_url=self.supervisors.url, format=self.supervisors.format), at))
        return planned

    def _raised(self, d: dict[str, Any], at: datetime, processing_event: ProcessingEvent[UUID]) -> None:
        """The case's level went up before the unit took it on: the first on-duty contact is told
        of the new level and due time (`referral.raised`); past its due time already and now urgent,
        the referral is escalated as the scheduler's message would have (it came while not urgent)."""
        watch, roster, reachable = self._found(d, at)
        if watch is None or not watch.raise_level(
                risk_level=d["risk_level"], due_at=datetime.fromisoformat(d["due_at"]), at=at,
                on_duty=len(reachable)):
            return
        planned = [self._deliver(watch, RAISED_EVENT, reachable[0], at)] if reachable else []
        if not reachable:
            self._unreachable(d)
        if watch.due_at <= at and watch.escalate(at):
            planned.extend(self._escalation(watch, roster, at))
        processing_event.collect_events(watch, *planned)

    def _reported(self, d: dict[str, Any], at: datetime, processing_event: ProcessingEvent[UUID]) -> None:
        """A report joined a red or orange case the unit took on: its first on-duty contact is told,
        with the case's level now (the police desk's review, stop 55: only an open inbox rang)."""
        watch, _, reachable = self._found(d, at)
        told = d.get("supplement_id") or d["report_id"]  # a call-back's 补充 is told on its own
        if watch is None or not watch.tell_of_report(report_id=told, at=at):
            return
        if not reachable:
            self._unreachable(d)
            processing_event.collect_events(watch)
            return
        processing_event.collect_events(watch, self._deliver(watch, REPORTED_EVENT, reachable[0], at,
                                                             d["risk_level"], d["report_id"],
                                                             d.get("supplement_id") or None))

    def _unreachable(self, d: dict[str, Any]) -> None:
        """A warning per unit and minute, with how many referrals it stands for: a unit without a
        roster would otherwise log every referral (and pay the redactor on each line)."""
        agency, now = d["agency_id"], time.monotonic()
        first, count = self._silent.get(agency, (now - UNREACHABLE_EVERY, 0))
        if now - first < UNREACHABLE_EVERY:
            self._silent[agency] = (first, count + 1)
            return
        self._silent[agency] = (now, 0)
        log.warning("no on-duty contact with a webhook", referral_id=d["referral_id"], agency_id=agency,
                    risk_level=d["risk_level"], also_since_last_warning=count)

    def tell_waiting(self, agency_id: str, referral_ids: Iterable[str], at: datetime) -> int:
        """The unit's waiting referrals that nobody could be told of, told now to its first contact
        on duty (the IT office's second review, stop 60: a red one sent before the roster was set
        waited for its half-time reminder); how many. One the policy changed meanwhile is left."""
        roster = self.roster(agency_id)
        reachable = [c for c in (roster.on_duty(at) if roster else []) if c.webhook_url]
        found = store.find_all(self, [watch_id(r) for r in referral_ids]) if reachable else {}  # type: ignore[arg-type]
        told = 0
        for watch in found.values():
            if isinstance(watch, Watch) and watch.agency_id == agency_id \
                    and watch.tell_late(on_duty=len(reachable), at=at):
                try:
                    self.save(watch, self._deliver(watch, "referral.dispatched", reachable[0], at))
                    told += 1
                except IntegrityError:
                    continue
        return told
