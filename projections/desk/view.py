"""The desk view: row writes with their tracking position in one transaction, and the reads."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import cached_property
from typing import Any

from eventsourcing.persistence import Tracking

from projections.desk import stats as stats_sql
from projections.desk.processor import Write
from projections.desk.reader import DeskQueries
from services.common.store import Sql


class DeskView(DeskQueries):
    """Mixed into eventsourcing's tracking recorders (SQLite, PostgreSQL) so that the rows and
    the position they were written for commit together: a redelivered message changes nothing."""

    datastore: Any
    max_tracking_id: Callable[[str], int | None]
    _insert_tracking: Callable[[Any, Tracking], None]

    @cached_property
    def sql(self) -> Sql:  # type: ignore[override]
        return Sql(self.datastore)

    def apply(self, writes: list[Write], tracking: Tracking) -> None:
        with self.sql.transaction(commit=True) as c:
            self.sql.execute_all(c, writes)  # a message's dozen rows in one round trip (#31)
            self._insert_tracking(c, tracking)

    @property
    def tracking_table(self) -> str:
        """eventsourcing's table of positions: its own name in PostgreSQL, `tracking` in SQLite."""
        return str(getattr(self, "tracking_table_name", "tracking"))

    def generation(self) -> int:
        row = self.sql.one("SELECT generation FROM view_generation WHERE id = 1")
        return int(row["generation"]) if row else 0

    def ping(self) -> int | None:
        return self.max_tracking_id("intake")

    def stats(self, since: datetime | None, until: datetime | None, now: datetime, *,
              region: str | None = None, sla: Mapping[str, int] | None = None,
              sentinels: Sequence[Mapping[str, Any]] = (), daily: bool = True,
              shallower: int | None = None) -> dict[str, Any]:
        return stats_sql.stats(self.sql, since, until, now, region=region, sla=sla, sentinels=sentinels,
                               daily=daily, shallower=shallower)


class GenerationWatch:
    """Tells the projection's consumer when a rebuild has set its positions back."""

    def __init__(self, view: DeskView):
        self.view = view
        self.seen = view.generation()

    def changed(self) -> bool:
        now = self.view.generation()
        changed, self.seen = now != self.seen, now
        return changed
