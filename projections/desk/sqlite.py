"""The desk view in its own SQLite file (embedded wiring, and in memory for unit tests)."""

from __future__ import annotations

from eventsourcing.sqlite import SQLiteTrackingRecorder

from projections.desk.schema import ADDED_COLUMNS, DDL, LATER_INDEXES, backfill
from projections.desk.view import DeskView


class SQLiteDeskView(DeskView, SQLiteTrackingRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *DDL]

    def create_table(self) -> None:
        """The tables, then the columns added since (SQLite has no ADD COLUMN IF NOT EXISTS)."""
        super().create_table()
        with self.datastore.transaction(commit=True) as c:
            for table, column, kind in ADDED_COLUMNS:
                c.execute(f"PRAGMA table_info({table})")
                if column not in {row["name"] for row in c.fetchall()}:
                    c.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
            for statement in (*LATER_INDEXES, *backfill(self.sql.floor)):
                c.execute(statement)
