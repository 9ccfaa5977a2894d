"""The desk view in PostgreSQL (distributed wiring); tables made by `hotline setup`."""

from __future__ import annotations

from typing import Any

from eventsourcing.postgres import PostgresTrackingRecorder
from psycopg.sql import SQL

from projections.desk.schema import ADDED_COLUMNS, DDL, LATER_INDEXES, backfill
from projections.desk.view import DeskView


class PostgresDeskView(DeskView, PostgresTrackingRecorder):
    def __init__(self, datastore: Any, **kwargs: Any):
        super().__init__(datastore, **kwargs)
        added = [f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {kind}"
                 for table, column, kind in ADDED_COLUMNS]
        statements = (*DDL, *added, *LATER_INDEXES, *backfill(self.sql.floor))
        self.sql_create_statements.extend(SQL(stmt) for stmt in statements)  # type: ignore[misc,arg-type]
