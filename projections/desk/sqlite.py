"""The desk view in its own SQLite file (embedded wiring, and in memory for unit tests)."""

from __future__ import annotations

from eventsourcing.sqlite import SQLiteTrackingRecorder

from projections.desk.schema import DDL
from projections.desk.view import DeskView


class SQLiteDeskView(DeskView, SQLiteTrackingRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *DDL]
