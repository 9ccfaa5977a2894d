"""The follow-up plan aggregate (contract §6): due dates by level, visits, level changes,
overdue once per due date, helpers, closure and reopening; and that it survives a store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from eventsourcing.application import Application

from services.common.errors import FieldError
from services.common.settings import Settings
from services.dispatch.followup import FollowUpError, FollowUpPlan, plan_id_for
from services.dispatch.followups import VisitClock

OPENED = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
CLOCK = VisitClock(*Settings(var_dir="v").visit_clock)


def plan(level: str = "orange") -> FollowUpPlan:
    return FollowUpPlan.open(case_id="case-1", lead_agency_id="civil-affairs-441823", risk_level=level,
                             opened_at=OPENED, clock=CLOCK)


def visit(p: FollowUpPlan, at: datetime, visit_id: str = "v1", **kw: object) -> None:
    p.record_visit(visit_id=visit_id, visited_at=at, visitor="王主任", child_seen=kw.pop("seen", True),  # type: ignore[arg-type]
                   sealed_findings="v2:sealed", measures=kw.pop("measures", ["living_assistance"]),  # type: ignore[arg-type]
                   suggested_level=kw.pop("suggested_level", None), now=at + timedelta(minutes=1),  # type: ignore[arg-type]
                   clock=CLOCK)


@pytest.mark.parametrize(("level", "first_hours", "interval_days"), [
    ("red", 24, 3), ("orange", 72, 7), ("yellow", 168, 30), ("blue", 720, 90)])
def test_every_level_has_its_first_visit_then_its_interval(level: str, first_hours: int,
                                                          interval_days: int) -> None:
    p = plan(level)
    assert p.id == plan_id_for("case-1") and p.next_due == OPENED + timedelta(hours=first_hours)
    at = OPENED + timedelta(hours=10)
    visit(p, at)
    assert p.next_due == at + timedelta(days=interval_days) and len(p.visits) == 1
    visit(p, at, visit_id="v1")  # the same visit again: nothing new
    assert len(p.visits) == 1


def test_a_level_change_replans_and_a_suggested_level_only_flags() -> None:
    p = plan("yellow")
    changed = OPENED + timedelta(days=1)
    assert p.replan(risk_level="red", at=changed, clock=CLOCK)
    assert p.next_due == changed + timedelta(hours=24)  # no visit yet: from the change
    at = OPENED + timedelta(days=1, hours=2)
    visit(p, at, suggested_level="orange")
    assert p.flagged_level == "orange" and p.risk_level == "red"  # a flag, not a change
    assert p.replan(risk_level="blue", at=at + timedelta(hours=1), clock=CLOCK)
    assert p.next_due == at + timedelta(days=90)  # after a visit: from the last visit
    assert not p.replan(risk_level="blue", at=at, clock=CLOCK)  # same level: nothing


def test_overdue_is_noted_once_per_due_date() -> None:
    p = plan("red")
    due = p.next_due
    assert not p.note_overdue(now=due)
    assert p.note_overdue(now=due + timedelta(seconds=1))
    assert not p.note_overdue(now=due + timedelta(hours=5))  # the same due date: once
    visit(p, due + timedelta(hours=6))
    assert p.note_overdue(now=p.next_due + timedelta(seconds=1))  # the next due date: once more
    assert len(p.overdue_noted) == 2


def test_a_visit_that_did_not_see_the_child_never_puts_the_date_back() -> None:
    """Stop 62's child director: the first visit was due 12-10 03:04; after a 未见到 visit it was
    12-10 03:11, and visits that never see the child could keep a case from ever being overdue."""
    p = plan("orange")
    first = p.next_due
    for hours in (10, 40, 70):
        visit(p, OPENED + timedelta(hours=hours), visit_id=f"unseen-{hours}", seen=False)
        assert p.next_due == first  # still the date the child must be seen by
    assert p.note_overdue(now=first + timedelta(seconds=1))
    visit(p, first + timedelta(hours=2), visit_id="seen")
    assert p.next_due == first + timedelta(hours=2, days=7)  # seen: the level's interval from then


def test_visits_are_checked_before_they_are_recorded() -> None:
    p = plan()
    with pytest.raises(FieldError, match="晚于现在"):
        p.record_visit(visit_id="f", visited_at=OPENED + timedelta(days=2), visitor="x", child_seen=False,
                       sealed_findings="", measures=[], suggested_level=None, now=OPENED + timedelta(days=1),
                       clock=CLOCK)
    with pytest.raises(FieldError, match="早于立案时间"):
        visit(p, OPENED - timedelta(hours=1))
    with pytest.raises(FieldError, match="帮扶措施无法识别"):
        visit(p, OPENED + timedelta(hours=1), measures=["prayer"])
    assert p.visits == []


def test_closed_plans_take_nothing_until_reopened() -> None:
    p = plan("orange")
    p.pair_helper(helper="李老师", by="civil1", at=OPENED)
    p.close(reason="监护落实", by="supervisor1", at=OPENED + timedelta(days=3))
    with pytest.raises(FollowUpError):
        visit(p, OPENED + timedelta(days=4))
    assert not p.note_overdue(now=OPENED + timedelta(days=40))  # a closed plan is never overdue
    again = OPENED + timedelta(days=20)
    assert p.reopen(at=again, clock=CLOCK) and p.status == "active"
    assert p.next_due == again + timedelta(hours=72) and p.helper == "李老师"


def test_the_plan_is_rebuilt_from_its_events() -> None:
    app: Application = Application(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})  # type: ignore[type-arg]
    p = plan("red")
    visit(p, OPENED + timedelta(hours=3))
    p.pair_helper(helper="李老师", by="civil1", at=OPENED)
    app.save(p)
    again = app.repository.get(p.id)
    assert (again.next_due, again.helper, len(again.visits)) == (p.next_due, "李老师", 1)


def test_a_visit_that_did_not_see_the_child_keeps_the_date_in_force() -> None:
    """Contract §6's "every interval after the last visit" counts visits that saw the child: one
    that did not leaves the date the child must be seen by (stop 62; until then it moved the date
    an interval on); the pages suggest going again sooner (`VisitClock.revisit_by`)."""
    p = plan("yellow")
    at = OPENED + timedelta(hours=10)
    visit(p, at, seen=False)
    assert p.next_due == OPENED + timedelta(hours=168) and p.visits[-1]["child_seen"] is False
    assert CLOCK.revisit_by("yellow", at) == at + timedelta(hours=168)


def test_a_raised_level_never_puts_the_next_visit_later() -> None:
    """Stop 58's child director: a visit set the next one for two days on and suggested orange;
    the supervisor raised the case to orange and the next visit moved to seven days on."""
    p = plan("yellow")
    at = OPENED + timedelta(hours=5)
    sooner = at + timedelta(days=2)
    p.record_visit(visit_id="v1", visited_at=at, visitor="王主任", child_seen=True,
                   sealed_findings="v2:sealed", measures=[], suggested_level="orange",
                   now=at + timedelta(minutes=1), clock=CLOCK, next_by=sooner)
    assert p.next_due == sooner
    assert p.replan(risk_level="orange", at=at + timedelta(hours=1), clock=CLOCK)
    assert p.risk_level == "orange" and p.next_due == sooner  # not at + 7 days
    assert p.replan(risk_level="red", at=at + timedelta(hours=2), clock=CLOCK)
    assert p.next_due == sooner  # red's three days from the visit are later still
    assert p.replan(risk_level="blue", at=at + timedelta(hours=3), clock=CLOCK)
    assert p.next_due == at + timedelta(days=90)  # lowered: the level's own interval (contract §6)


def test_a_latest_date_in_another_year_is_said_with_its_year() -> None:
    """Stop 62's child director: "01-06 03:13" in the message, "2027-01-06 03:09" on the card."""
    p = plan("yellow")
    at = datetime(2026, 12, 20, 2, 0, tzinfo=UTC)
    with pytest.raises(FieldError, match="下次走访最迟在2027-01-19 10:00"):
        p.record_visit(visit_id="late", visited_at=at, visitor="王主任", child_seen=True, sealed_findings="",
                       measures=[], suggested_level=None, now=at + timedelta(minutes=1), clock=CLOCK,
                       next_by=datetime(2027, 2, 1, tzinfo=UTC))
