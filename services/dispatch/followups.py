"""The follow-up side of dispatch (contract §6): the policy's plan step, the commands of the
lead unit's desk, the supervisor and the scheduler on a case's plan, and the clock its visits fall
due by (`VisitClock`): the first within the level's hours of the case opening, then every interval
after the last visit; a level change re-plans from the last visit, or, before the first visit,
from the moment of the change. After a visit that did not see the child the pages suggest going
again within the first visit's hours (`revisit_by`); the plan's due date stays the contract's."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

import structlog
from eventsourcing.application import ProcessingEvent
from eventsourcing.persistence import IntegrityError

from services.common import store
from services.common.auditnote import Actor
from services.common.auditnote import note as audit_note
from services.common.clocks import (
    DEFAULT_FIRST_VISIT_HOURS,
    DEFAULT_VISIT_INTERVAL_DAYS,
    parse_visit_clock,
)
from services.common.errors import Conflict, FieldError, NotFound
from services.common.vocabulary import OPEN_REFERRAL_STATUSES
from services.dispatch.domain import Referral
from services.dispatch.followup import HELPER_WITHIN, FollowUpPlan, overdue, plan_id_for
from services.dispatch.routing import Directory

log = structlog.get_logger("followup")
T = TypeVar("T")


@dataclass(frozen=True)
class VisitClock:
    first_visit_hours: Mapping[str, float]
    visit_interval_days: Mapping[str, float]

    @classmethod
    def default(cls) -> VisitClock:
        """The contract's defaults (what the settings give when nothing is set)."""
        return cls(*parse_visit_clock(DEFAULT_FIRST_VISIT_HOURS, DEFAULT_VISIT_INTERVAL_DAYS))

    def first_due(self, level: str, opened_at: datetime) -> datetime:
        return opened_at + timedelta(hours=self.first_visit_hours[level])

    def after_visit(self, level: str, visited_at: datetime) -> datetime:
        return visited_at + timedelta(days=self.visit_interval_days[level])

    def revisit_by(self, level: str, visited_at: datetime) -> datetime:
        """After a visit that did not see the child: when to go again, as a first visit would be
        (never later than the next due date itself). A suggestion the pages show."""
        return min(self.after_visit(level, visited_at), self.first_due(level, visited_at))

    def go_again_by(self, level: str, visits: Iterable[tuple[datetime, bool]],
                    due: datetime) -> datetime | None:
        """(visited_at, child_seen) of a plan's visits and its due date: when the latest visit in
        time did not see the child, when to go again, never later than `due` (the one date the
        pages give to act on); otherwise None."""
        at, seen = max(visits, default=(None, True))
        return None if at is None or seen else min(due, self.revisit_by(level, at))

    def replanned(self, level: str, *, last_visit: datetime | None, changed_at: datetime) -> datetime:
        """The next due date after the case's level became `level` at `changed_at`."""
        if last_visit is not None:
            return self.after_visit(level, last_visit)
        return self.first_due(level, changed_at)

    overdue = staticmethod(overdue)


class PlanNotFound(NotFound):
    """No plan for this case, or not one the caller's unit leads (its existence is not revealed)."""

    def __init__(self) -> None:
        super().__init__("没有这个案件。")


class FollowUps:
    """Mixed into DispatchApplication: the plan lives beside the referrals it waits for."""

    directory: Directory
    visit_clock: VisitClock
    helper_within: timedelta = HELPER_WITHIN
    repository: Any
    save: Callable[..., Any]

    def _plan(self, case: dict[str, Any], new_referrals: list[str], reason: str | None,
              processing_event: ProcessingEvent[UUID], plan: FollowUpPlan | None) -> None:
        """Every case has a plan led by its region's civil-affairs unit (whether or not that unit
        got a referral); a level change re-plans it (`plan`, the stored one); a report joining a
        closed case reopens it."""
        now = datetime.now(UTC)
        if plan is None:
            lead = self.directory.resolve("civil_affairs", case["region_code"])
            if lead is None:
                log.warning("no civil-affairs unit to lead the follow-up", case_id=case["case_id"])
            opened = datetime.fromisoformat(case["opened_at"]) if case.get("opened_at") else now
            processing_event.collect_events(FollowUpPlan.open(
                case_id=case["case_id"], lead_agency_id=lead.agency_id if lead else None,
                risk_level=case["risk_level"], opened_at=opened, clock=self.visit_clock,
                region_code=case["region_code"], referral_ids=new_referrals))
            return
        changed = plan.note_referrals(new_referrals)
        if reason == "report_joined":
            changed = plan.reopen(at=now, clock=self.visit_clock) or changed
        changed = plan.replan(risk_level=case["risk_level"], at=now, clock=self.visit_clock,
                              joined=reason == "report_joined") or changed
        if changed:
            processing_event.collect_events(plan)

    def followup_plan(self, case_id: str) -> FollowUpPlan | None:
        return store.find(self.repository, plan_id_for(case_id), FollowUpPlan)

    def plan_for(self, case_id: str, *, unit: str | None = None) -> FollowUpPlan:
        """The case's plan; with `unit`, only if that unit leads it (a desk's scope)."""
        try:
            plan = self.followup_plan(str(UUID(str(case_id))))
        except ValueError:
            plan = None
        if plan is None or (unit is not None and plan.lead_agency_id != unit):
            raise PlanNotFound()
        return plan

    def _change(self, case_id: str, unit: str | None, change: Callable[[FollowUpPlan], T],
                notes: Callable[[FollowUpPlan], list[Any]] = lambda _: []) -> tuple[FollowUpPlan, T]:
        """Get, change, save; a concurrent change to the same plan (the policy re-planning, the
        scheduler noting it late) makes the save fail, and the change is tried on the new state."""
        for attempt in range(5):
            plan = self.plan_for(case_id, unit=unit)
            result = change(plan)
            extra = notes(plan)
            if not plan.pending_events and not extra:
                return plan, result
            try:
                self.save(plan, *extra)
                return plan, result
            except IntegrityError:
                if attempt == 4:
                    raise
        raise AssertionError("unreachable")

    def record_visit(self, case_id: str, *, visit_id: str, visited_at: datetime, visitor: str,
                     child_seen: bool, sealed_findings: str, measures: list[str],
                     suggested_level: str | None, by: str, unit: str | None,
                     actor: Actor | None = None, next_by: datetime | None = None) -> FollowUpPlan:
        plan, _ = self._change(case_id, unit, lambda p: p.record_visit(
            visit_id=visit_id, visited_at=visited_at, visitor=visitor, child_seen=child_seen,
            sealed_findings=sealed_findings, measures=measures, suggested_level=suggested_level,
            now=datetime.now(UTC), clock=self.visit_clock, by=by, next_by=next_by),
            lambda p: audit_note(actor, "followup.visit", "case", case_id, case_id))
        log.info("follow-up visit recorded", case_id=case_id, visit_id=visit_id)
        return plan

    def pair_helper(self, case_id: str, *, helper: str, by: str, unit: str | None,
                    actor: Actor | None = None) -> FollowUpPlan:
        plan, _ = self._change(case_id, unit, lambda p: p.pair_helper(
            helper=helper, by=by, at=datetime.now(UTC)),
            lambda p: audit_note(actor, "followup.helper", "case", case_id, case_id))
        log.info("one-to-one helper paired", case_id=case_id)
        return plan

    def hand_over_followup(self, case_id: str, *, agency_id: str, reason: str, by: str,
                           actor: Actor | None = None) -> FollowUpPlan:
        """A supervisor makes another civil-affairs unit lead the case's visits."""
        unit = self.directory.get(agency_id)
        if unit is None or unit.kind != "civil_affairs":
            raise FieldError("agency_id", "请选择一个民政单位（儿童督导员或民政局）牵头随访。")
        plan, _ = self._change(case_id, None, lambda p: p.hand_over(
            lead_agency_id=agency_id, reason=reason, by=by, at=datetime.now(UTC)),
            lambda p: audit_note(actor, "followup.lead", "case", case_id, case_id))
        log.info("follow-up lead handed over", case_id=case_id, agency_id=agency_id)
        return plan

    def close_followup_plan(self, case_id: str, *, reason: str, by: str,
                            actor: Actor | None = None) -> FollowUpPlan:
        """A supervisor closes the case and its plan, once no referral is still open."""
        def close(plan: FollowUpPlan) -> None:
            referrals = [store.find(self.repository, r, Referral) for r in plan.referral_ids]
            still_open = [r.agency_id for r in referrals
                          if r is not None and r.status in OPEN_REFERRAL_STATUSES]
            if still_open:
                names = "、".join(sorted(getattr(self.directory.get(i), "name", i) for i in still_open))
                raise Conflict(f"以下转介尚未办结或退回：{names}。请先办结或退回全部转介再结案。")
            plan.close(reason=reason, by=by, at=datetime.now(UTC))

        plan, _ = self._change(case_id, None, close,
                               lambda p: audit_note(actor, "case.close", "case", case_id, case_id))
        log.info("case closed", case_id=case_id)
        return plan

    def note_overdue(self, case_id: str, *, now: datetime) -> bool:
        """The scheduler's round: a visit not done by its due date, noted once per due date."""
        _, noted = self._change(case_id, None, lambda p: p.note_overdue(now=now))
        if noted:
            log.warning("follow-up visit overdue", case_id=case_id)
        return noted

    def flag_missing_helper(self, case_id: str, *, now: datetime) -> bool:
        _, flagged = self._change(case_id, None,
                                  lambda p: p.flag_missing_helper(now=now, within=self.helper_within))
        if flagged:
            log.warning("orange or red case still without a helper", case_id=case_id)
        return flagged
