"""When a case's next follow-up visit is due (contract §6, 处置帮扶): the first within the level's
hours of the case opening, then every interval after the last visit. A level change re-plans
from the last visit, or, before the first visit, from the moment of the change. After a visit
that did not see the child the pages suggest going again within the first visit's hours
(`revisit_by`); the plan's due date stays the contract's."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.common.clocks import (
    DEFAULT_FIRST_VISIT_HOURS,
    DEFAULT_VISIT_INTERVAL_DAYS,
    parse_visit_clock,
)


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

    @staticmethod
    def overdue(due: datetime, now: datetime) -> bool:
        """Due and not done: a visit at the due moment itself is in time."""
        return now > due
