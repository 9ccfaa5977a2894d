"""The follow-up clock (contract §6): first visits by level, intervals after a visit, re-planning
on a level change, and the settings that drive it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from services.common.settings import Settings
from services.dispatch.followups import VisitClock

OPENED = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
CLOCK = VisitClock(*Settings(var_dir="var-unused").visit_clock)


@pytest.mark.parametrize(("level", "hours", "days"), [
    ("red", 24, 3), ("orange", 72, 7), ("yellow", 168, 30), ("blue", 720, 90)])
def test_each_level_has_its_first_visit_and_its_interval(level: str, hours: int, days: int) -> None:
    assert CLOCK.first_due(level, OPENED) == OPENED + timedelta(hours=hours)
    visited = OPENED + timedelta(hours=5)
    assert CLOCK.after_visit(level, visited) == visited + timedelta(days=days)


def test_a_level_change_replans_from_the_last_visit_or_from_the_change() -> None:
    changed = OPENED + timedelta(days=2)
    # No visit yet: the new level's first-visit time, counted from the change.
    assert CLOCK.replanned("red", last_visit=None, changed_at=changed) == changed + timedelta(hours=24)
    assert CLOCK.replanned("blue", last_visit=None, changed_at=changed) == changed + timedelta(hours=720)
    # After a visit: the new level's interval, counted from that visit.
    visit = OPENED + timedelta(hours=20)
    assert CLOCK.replanned("orange", last_visit=visit, changed_at=changed) == visit + timedelta(days=7)
    assert CLOCK.replanned("red", last_visit=visit, changed_at=changed) == visit + timedelta(days=3)


def test_overdue_only_after_the_due_moment() -> None:
    due = CLOCK.first_due("red", OPENED)
    assert not VisitClock.overdue(due, due)
    assert VisitClock.overdue(due, due + timedelta(microseconds=1))


def test_decimals_make_short_clocks_for_tests_and_drills() -> None:
    clock = VisitClock(*Settings(var_dir="v", first_visit_hours="red=0.001,orange=1,yellow=2,blue=3",
                                 visit_interval_days="red=1,orange=2,yellow=0.001,blue=4").visit_clock)
    assert clock.first_due("red", OPENED) == OPENED + timedelta(seconds=3.6)
    assert clock.after_visit("yellow", OPENED) == OPENED + timedelta(seconds=86.4)


@pytest.mark.parametrize(("field", "value", "named"), [
    ("first_visit_hours", "red=soon,orange=72,yellow=168,blue=720", "'red=soon'"),
    ("first_visit_hours", "red=24,orange=72,yellow=168", "lacks levels: blue"),
    ("visit_interval_days", "red=0,orange=7,yellow=30,blue=90", "'red=0'"),
    ("visit_interval_days", "purple=3,red=3,orange=7,yellow=30,blue=90", "'purple=3'"),
    ("visit_interval_days", "red=-1,orange=7,yellow=30,blue=90", "'red=-1'"),
])
def test_a_bad_setting_is_refused_with_the_entry_named(field: str, value: str, named: str) -> None:
    variable = f"HOTLINE_{field.upper()}"
    with pytest.raises(ValidationError) as refused:
        Settings(var_dir="v", **{field: value})
    assert variable in str(refused.value) and named in str(refused.value)


@pytest.mark.parametrize(("level", "hours"), [("red", 24), ("orange", 72), ("yellow", 168), ("blue", 720)])
def test_after_a_visit_that_did_not_see_the_child_go_again_within_the_first_visits_hours(
        level: str, hours: int) -> None:
    visited = OPENED + timedelta(days=1)
    assert CLOCK.revisit_by(level, visited) == visited + timedelta(hours=hours)
    assert CLOCK.after_visit(level, visited) > CLOCK.revisit_by(level, visited)  # the due date stays
    short = VisitClock({level: 24 * 40}, {level: 1})  # a first window longer than the interval
    assert short.revisit_by(level, visited) == visited + timedelta(days=1)


def test_go_again_by_reads_the_latest_visit_in_time_whatever_the_order() -> None:
    clock = VisitClock.default()
    monday = datetime(2026, 12, 7, 9, tzinfo=UTC)
    due = monday + timedelta(days=30)
    assert clock.go_again_by("red", [], due) is None  # no visit yet: the plan's first visit
    assert clock.go_again_by("red", [(monday, True)], due) is None  # seen
    not_seen = [(monday + timedelta(days=1), False), (monday, True)]  # entered out of order
    assert clock.go_again_by("red", not_seen, due) == clock.revisit_by("red", monday + timedelta(days=1))
    assert clock.go_again_by("red", [(monday, False), (monday + timedelta(days=1), True)], due) is None
    sooner = monday + timedelta(hours=1)  # the plan's own date is sooner (a level raised): that one
    assert clock.go_again_by("red", [(monday, False)], sooner) == sooner
