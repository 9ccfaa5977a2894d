"""Intake's event recorder on PostgreSQL: a new report's caller-index rows go in the transaction
that stores the report (one commit per report, not two; #31)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder

from services.common.sqlstore import Sql
from services.intake.callers import Statements


class IntakeRecorder(PostgresApplicationRecorder):
    """`save(..., caller_rows=…)`: the statements run first in the events' transaction (eventsourcing's
    hook for "other things", pipelined with the insert), so both commit or neither does."""

    def _insert_events(self, curs: Any, stored_events: Sequence[StoredEvent], *,
                       caller_rows: Statements | None = None, **kwargs: Any) -> None:
        super()._insert_events(curs, stored_events, **kwargs)
        for statement, params in caller_rows or ():
            curs.execute(self._sql.q(statement), params)

    @cached_property
    def _sql(self) -> Sql:
        return Sql(self.datastore)
