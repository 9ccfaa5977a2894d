"""The follow-up plan of a case (contract §6, 处置帮扶): led by the region's civil-affairs unit,
visits due by the case's level, a one-to-one helper, overdue once per due date, closed and
reopened with the case. The dispatch policy opens and re-plans it; visits, helpers, closure and
the overdue round are not yet driven by the API or the scheduler (issue #13 in progress)."""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.common.errors import Conflict, FieldError
from services.dispatch.visits import VisitClock

PLAN_NS = uuid5(NAMESPACE_URL, "urn:hotline:followup-plan")
MEASURES = ("psychological_support", "living_assistance", "legal_aid", "school_placement",
            "medical_care", "guardianship_guidance", "entrusted_guardianship",
            "guardianship_transfer", "other")


def plan_id_for(case_id: str) -> UUID:
    """One plan per case, however often the case is delivered."""
    return uuid5(PLAN_NS, case_id)


class FollowUpError(Conflict):
    """The plan cannot change as asked (e.g. a visit to a closed plan)."""


class FollowUpPlan(Aggregate):
    """Visits due by level; `sealed_findings` are personal data, sealed before they get here."""

    @event("Opened")
    def __init__(self, id: UUID, *, case_id: str, lead_agency_id: str, risk_level: str,  # noqa: A002
                 opened_at: datetime, next_due: datetime):
        self.case_id = case_id
        self.lead_agency_id = lead_agency_id
        self.risk_level = risk_level
        self.opened_at = opened_at
        self.next_due = next_due
        self.status = "active"
        self.helper: str | None = None
        self.visits: list[dict[str, object]] = []
        self.overdue_noted: list[datetime] = []
        self.flagged_level: str | None = None

    @classmethod
    def open(cls, *, case_id: str, lead_agency_id: str, risk_level: str, opened_at: datetime,
             clock: VisitClock) -> FollowUpPlan:
        return cls(plan_id_for(case_id), case_id=case_id, lead_agency_id=lead_agency_id,
                   risk_level=risk_level, opened_at=opened_at,
                   next_due=clock.first_due(risk_level, opened_at))

    @property
    def last_visit(self) -> datetime | None:
        return max((v["visited_at"] for v in self.visits), default=None)  # type: ignore[type-var,return-value]

    def _check_active(self, action: str) -> None:
        if self.status != "active":
            raise FollowUpError(f"cannot {action}: the follow-up plan is {self.status}")

    def replan(self, *, risk_level: str, at: datetime, clock: VisitClock) -> bool:
        """The case's level changed: the next due date from the last visit, or from now."""
        if risk_level == self.risk_level or self.status != "active":
            return False
        self._replanned(risk_level=risk_level, at=at,
                        next_due=clock.replanned(risk_level, last_visit=self.last_visit, changed_at=at))
        return True

    @event("Replanned")
    def _replanned(self, *, risk_level: str, at: datetime, next_due: datetime) -> None:
        self.risk_level = risk_level
        self.next_due = next_due

    def record_visit(self, *, visit_id: str, visited_at: datetime, visitor: str, child_seen: bool,
                     sealed_findings: str, measures: list[str], suggested_level: str | None,
                     now: datetime, clock: VisitClock) -> None:
        self._check_active("record a visit")
        if visited_at > now:
            raise FieldError("visited_at", "a visit cannot be in the future")
        if visited_at < self.opened_at:
            raise FieldError("visited_at", "a visit cannot be before the case opened")
        if not visitor.strip():
            raise FieldError("visitor", "name who visited")
        unknown = [m for m in measures if m not in MEASURES]
        if unknown:
            raise FieldError("measures", f"unknown measures {unknown}; use {', '.join(MEASURES)}")
        if any(v["visit_id"] == visit_id for v in self.visits):
            return  # the same visit again (a retry)
        latest = max(visited_at, self.last_visit or visited_at)
        flag = suggested_level if suggested_level and suggested_level != self.risk_level else None
        self._visited(visit_id=visit_id, visited_at=visited_at, visitor=visitor.strip(),
                      child_seen=child_seen, sealed_findings=sealed_findings, measures=measures,
                      suggested_level=flag, next_due=clock.after_visit(self.risk_level, latest))

    @event("Visited")
    def _visited(self, *, visit_id: str, visited_at: datetime, visitor: str, child_seen: bool,
                 sealed_findings: str, measures: list[str], suggested_level: str | None,
                 next_due: datetime) -> None:
        self.visits.append({"visit_id": visit_id, "visited_at": visited_at, "visitor": visitor,
                            "child_seen": child_seen, "sealed_findings": sealed_findings,
                            "measures": measures})
        self.next_due = next_due
        if suggested_level:
            self.flagged_level = suggested_level  # for the supervisor: only a reassessment changes it

    def pair_helper(self, *, helper: str, by: str, at: datetime) -> None:
        self._check_active("pair a helper")
        if not helper.strip():
            raise FieldError("helper", "name the one-to-one helper")
        if helper.strip() != self.helper:
            self._paired(helper=helper.strip(), by=by, at=at)

    @event("HelperPaired")
    def _paired(self, *, helper: str, by: str, at: datetime) -> None:
        self.helper = helper

    def note_overdue(self, *, now: datetime) -> bool:
        """A visit not done by its due date: noted once per due date. True if this call did."""
        if self.status != "active" or not VisitClock.overdue(self.next_due, now):
            return False
        if self.next_due in self.overdue_noted:
            return False
        self._overdue(due=self.next_due, at=now)
        return True

    @event("Overdue")
    def _overdue(self, *, due: datetime, at: datetime) -> None:
        self.overdue_noted.append(due)

    def close(self, *, reason: str, by: str, at: datetime) -> None:
        self._check_active("close")
        if not reason.strip():
            raise FieldError("reason", "say why the follow-up ends")
        self._closed(reason=reason.strip(), by=by, at=at)

    @event("Closed")
    def _closed(self, *, reason: str, by: str, at: datetime) -> None:
        self.status = "closed"

    def reopen(self, *, at: datetime, clock: VisitClock) -> bool:
        """A new report about the child within 30 days reopened the case: visits are due again."""
        if self.status == "active":
            return False
        self._reopened(at=at, next_due=clock.first_due(self.risk_level, at))
        return True

    @event("Reopened")
    def _reopened(self, *, at: datetime, next_due: datetime) -> None:
        self.status = "active"
        self.next_due = next_due
