"""The follow-up plan of a case (contract §6, 处置帮扶): led by the region's civil-affairs unit,
visits due by the case's level, a one-to-one helper, overdue once per due date, closed and
reopened with the case. The dispatch policy opens, re-plans and reopens it; the lead unit's desk
records visits and helpers; the scheduler notes what is late; a supervisor closes it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.common.errors import Conflict, FieldError
from services.common.vocabulary import higher
from services.dispatch.visit_rules import check_visit, due_after_visit

if TYPE_CHECKING:  # the clock lives with the use cases that drive the plan by it
    from services.dispatch.followups import VisitClock
FINDINGS_AFTER_CLOSE = timedelta(days=30)
PLAN_NS = uuid5(NAMESPACE_URL, "urn:hotline:followup-plan")

# Orange and red cases get a one-to-one helper (一对一结对帮扶); without one this long, flagged.
HELPER_LEVELS = ("orange", "red")
HELPER_WITHIN = timedelta(hours=72)


def plan_id_for(case_id: str) -> UUID:
    """One plan per case, however often the case is delivered."""
    return uuid5(PLAN_NS, case_id)


def overdue(due: datetime, now: datetime) -> bool:
    """Due and not done: a visit at the due moment itself is in time."""
    return now > due


def visit_id_for(case_id: str, visited_at: datetime, visitor: str, filed: str) -> UUID:
    """The same form filed twice (a retry) is one visit; `filed`, a keyed digest of the rest of it."""
    return uuid5(PLAN_NS, f"{case_id}|{visited_at.isoformat()}|{visitor.strip()}|{filed}")


class FollowUpError(Conflict):
    """The plan cannot change as asked (e.g. a visit to a closed plan)."""


class FollowUpPlan(Aggregate):
    """Visits due by level; `sealed_findings` are personal data, sealed before they get here."""

    closings: tuple[dict[str, object], ...] = ()  # each 结案's reason, for the board's timeline
    handovers: tuple[dict[str, object], ...] = ()  # each change of lead unit, with its reason

    @event("Opened")
    def __init__(self, id: UUID, *, case_id: str, lead_agency_id: str | None,  # noqa: A002
                 risk_level: str, opened_at: datetime, next_due: datetime, region_code: str = "",
                 referral_ids: list[str] | None = None):
        self.case_id = case_id
        self.lead_agency_id = lead_agency_id  # None: the region has no civil-affairs unit yet
        self.region_code = region_code
        self.referral_ids = list(referral_ids or [])
        self.risk_level = risk_level
        self.opened_at = opened_at
        self.next_due = next_due
        self.status = "active"
        self.helper: str | None = None
        self.visits: list[dict[str, object]] = []
        self.overdue_noted: list[datetime] = []
        self.flagged_level: str | None = None
        self.closed_at: datetime | None = None
        self.helper_flagged = False
        self.reworks: list[dict[str, object]] = []  # 重办: each time a supervisor sent it back

    @classmethod
    def open(cls, *, case_id: str, lead_agency_id: str | None, risk_level: str,
             opened_at: datetime, clock: VisitClock, region_code: str = "",
             referral_ids: list[str] | None = None) -> FollowUpPlan:
        return cls(plan_id_for(case_id), case_id=case_id, lead_agency_id=lead_agency_id,
                   risk_level=risk_level, opened_at=opened_at, region_code=region_code,
                   next_due=clock.first_due(risk_level, opened_at), referral_ids=referral_ids)

    def note_referrals(self, referral_ids: list[str]) -> bool:
        """Referrals made after the plan opened (a joined report, a supervisor's re-routing):
        closure waits for them too."""
        new = [r for r in referral_ids if r not in self.referral_ids]
        if new:
            self._referred(referral_ids=new)
        return bool(new)

    @event("ReferralsNoted")
    def _referred(self, *, referral_ids: list[str]) -> None:
        self.referral_ids.extend(referral_ids)

    @property
    def last_visit(self) -> datetime | None:
        return max((v["visited_at"] for v in self.visits), default=None)  # type: ignore[type-var,return-value]

    def _check_active(self, action: str) -> None:
        if self.status != "active":
            raise FollowUpError(f"该案件的随访帮扶已结束，不能再{action}。")

    def replan(self, *, risk_level: str, at: datetime, clock: VisitClock, joined: bool = False) -> bool:
        """The case's level changed: the next due date from the last visit, or from now; raised,
        never later than the one already set (stop 58's child director: a visit's sooner date was
        dropped for orange's seven days); with a new report `joined`, never later than the level's
        first-visit time of it. One change, one event (stop 54: 调整随访计划 twice in a row)."""
        if self.status != "active":
            return False
        if risk_level == self.risk_level:
            return self.due_again(at=at, clock=clock) if joined else False
        due = clock.replanned(risk_level, last_visit=self.last_visit, changed_at=at)
        if higher(risk_level, self.risk_level) == risk_level:
            due = min(due, self.next_due)
        if joined:
            due = min(due, clock.first_due(risk_level, at))
        self._replanned(case_id=self.case_id, risk_level=risk_level, at=at, next_due=due)
        return True

    def due_again(self, *, at: datetime, clock: VisitClock) -> bool:
        """A new report about the child joined: a visit is due within the level's first-visit time
        of it, unless one is due sooner (stop 54's review: a red "danger right now" report left
        the next visit three days away)."""
        due = clock.first_due(self.risk_level, at)
        if self.status != "active" or self.next_due <= due:
            return False
        self._replanned(case_id=self.case_id, risk_level=self.risk_level, at=at, next_due=due)
        return True

    @event("Replanned")
    def _replanned(self, *, case_id: str, risk_level: str, at: datetime, next_due: datetime) -> None:
        self.risk_level = risk_level
        self.next_due = next_due

    def record_visit(self, *, visit_id: str, visited_at: datetime, visitor: str, child_seen: bool,
                     sealed_findings: str, measures: list[str], suggested_level: str | None,
                     now: datetime, clock: VisitClock, by: str = "", next_by: datetime | None = None) -> None:
        self._check_active("登记走访")
        check_visit(visited_at=visited_at, visitor=visitor, measures=measures, opened_at=self.opened_at,
                    now=now)
        if any(v["visit_id"] == visit_id for v in self.visits):
            return  # the same visit again (a retry)
        latest = max(visited_at, self.last_visit or visited_at)
        due = due_after_visit(clock=clock, risk_level=self.risk_level, latest=latest, child_seen=child_seen,
                              due_now=self.next_due, next_by=next_by, now=now)
        flag = suggested_level if suggested_level and suggested_level != self.risk_level else None
        self._visited(case_id=self.case_id, visit_id=visit_id, visited_at=visited_at, visitor=visitor.strip(),
                      child_seen=child_seen, sealed_findings=sealed_findings, measures=measures,
                      suggested_level=flag, next_due=due, by=by, at=now)

    @event("Visited")
    def _visited(self, *, case_id: str, visit_id: str, visited_at: datetime, visitor: str, child_seen: bool,
                 sealed_findings: str, measures: list[str], suggested_level: str | None,
                 next_due: datetime, by: str = "", at: datetime | None = None) -> None:
        self.visits.append({"visit_id": visit_id, "visited_at": visited_at, "visitor": visitor,
                            "child_seen": child_seen, "sealed_findings": sealed_findings,
                            "measures": measures, "suggested_level": suggested_level})
        self.next_due = next_due
        if suggested_level:
            self.flagged_level = suggested_level  # for the supervisor: only a reassessment changes it

    def pair_helper(self, *, helper: str, by: str, at: datetime) -> None:
        self._check_active("结对帮扶")
        if not helper.strip():
            raise FieldError("helper", "请填写结对帮扶人姓名。")
        if helper.strip() != self.helper:
            self._paired(case_id=self.case_id, helper=helper.strip(), by=by, at=at)

    @event("HelperPaired")
    def _paired(self, *, case_id: str, helper: str, by: str, at: datetime) -> None:
        self.helper = helper

    def hand_over(self, *, lead_agency_id: str, reason: str, by: str, at: datetime) -> bool:
        """A supervisor gives the visits to another civil-affairs unit (stop 58's child director: a
        child gone to another town could not be handed to its officer). False: it leads already."""
        self._check_active("更换牵头单位")
        if lead_agency_id == self.lead_agency_id:
            return False
        if not reason.strip():
            raise FieldError("reason", "请填写更换牵头单位的原因。")
        self._handed_over(case_id=self.case_id, lead_agency_id=lead_agency_id,
                          previous=self.lead_agency_id or "", reason=reason.strip(), by=by, at=at)
        return True

    @event("HandedOver")
    def _handed_over(self, *, case_id: str, lead_agency_id: str, previous: str, reason: str, by: str,
                     at: datetime) -> None:
        self.lead_agency_id = lead_agency_id
        self.handovers = (*self.handovers, {"at": at, "by": by, "reason": reason, "from": previous,
                                            "to": lead_agency_id})

    def flag_missing_helper(self, *, now: datetime, within: timedelta = HELPER_WITHIN) -> bool:
        """An orange or red case still without a helper this long after it opened: flagged once."""
        if (self.status != "active" or self.helper or self.helper_flagged
                or self.risk_level not in HELPER_LEVELS or now < self.opened_at + within):
            return False
        self._helper_missing(case_id=self.case_id, at=now)
        return True

    @event("HelperMissing")
    def _helper_missing(self, *, case_id: str, at: datetime) -> None:
        self.helper_flagged = True

    def note_overdue(self, *, now: datetime) -> bool:
        """A visit not done by its due date: noted once per due date. True if this call did."""
        if self.status != "active" or not overdue(self.next_due, now):
            return False
        if self.next_due in self.overdue_noted:
            return False
        self._overdue(case_id=self.case_id, due=self.next_due, at=now)
        return True

    @event("Overdue")
    def _overdue(self, *, case_id: str, due: datetime, at: datetime) -> None:
        self.overdue_noted.append(due)

    def close(self, *, reason: str, by: str, at: datetime) -> None:
        self._check_active("结案")
        if not reason.strip():
            raise FieldError("reason", "请填写结案原因。")
        self._closed(case_id=self.case_id, reason=reason.strip(), by=by, at=at)

    @event("Closed")
    def _closed(self, *, case_id: str, reason: str, by: str, at: datetime) -> None:
        self.status = "closed"
        self.closed_at = at
        self.closings = (*self.closings, {"at": at, "by": by, "reason": reason})

    def findings_open(self, now: datetime) -> bool:
        """The lead unit reads visit findings while the plan is active and for 30 days after it
        closed (contract §10, "Closed means closed for findings too")."""
        closed_at = self.closed_at
        return self.status == "active" or closed_at is None or now - closed_at <= FINDINGS_AFTER_CLOSE

    def reopen(self, *, at: datetime, clock: VisitClock) -> bool:
        """A new report about the child within 30 days reopened the case: visits are due again."""
        if self.status == "active":
            return False
        self._reopened(case_id=self.case_id, at=at, next_due=clock.first_due(self.risk_level, at),
                       by="", reason="", agency_id="", referral_id="")
        return True

    def check_rework(self, reason: str) -> None:
        """重办 sends a closed case back to a unit, with the supervisor's reason."""
        if self.status != "closed":
            raise FollowUpError("该案件尚未结案：请用“改派”交给其他单位。")
        if not reason.strip():
            raise FieldError("reason", "请填写重新交办原因。")

    def rework(self, *, agency_id: str, referral_id: str, reason: str, by: str, at: datetime,
               clock: VisitClock) -> None:
        """A supervisor sent the closed case back to a unit: the plan is active again, and its
        closure waits for the new referral too."""
        self.check_rework(reason)
        self._reopened(case_id=self.case_id, at=at, next_due=clock.first_due(self.risk_level, at),
                       by=by, reason=reason.strip(), agency_id=agency_id, referral_id=referral_id)

    class Reopened(Aggregate.Event):
        """Version 2 says who sent the case back to which unit and why (重办); a reopening by a
        joined report leaves them blank."""

        class_version = 2
        case_id: str
        at: datetime
        next_due: datetime
        by: str
        reason: str
        agency_id: str
        referral_id: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            # Every reopening before 重办 came from a report joining the closed case.
            state.update(by="", reason="", agency_id="", referral_id="")

    @event(Reopened)
    def _reopened(self, *, case_id: str, at: datetime, next_due: datetime, by: str, reason: str,
                  agency_id: str, referral_id: str) -> None:
        self.status = "active"
        self.next_due = next_due
        self.closed_at = None
        if agency_id:
            self.reworks.append({"at": at, "by": by, "reason": reason, "agency_id": agency_id,
                                 "referral_id": referral_id})
            self.referral_ids.append(referral_id)
