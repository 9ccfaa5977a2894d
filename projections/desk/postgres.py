"""The desk view in PostgreSQL (distributed wiring); tables made by `hotline setup`."""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from psycopg.sql import SQL

from projections.desk.schema import ADDED_COLUMNS, DDL, LATER_INDEXES, backfill
from projections.desk.view import DeskView
from projections.desk.writes import Write
from services.common.pgwrites import two_trips


class PostgresDeskView(DeskView, PostgresTrackingRecorder):
    """Each message's rows and position in two round trips (`two_trips`), not four."""

    def __init__(self, datastore: Any, **kwargs: Any):
        super().__init__(datastore, **kwargs)
        added = [f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {kind}"
                 for table, column, kind in ADDED_COLUMNS]
        statements = (*DDL, *added, *LATER_INDEXES, *backfill(self.sql.floor))
        self.sql_create_statements.extend(SQL(stmt) for stmt in statements)  # type: ignore[misc,arg-type]

    def apply(self, writes: list[Write], tracking: Tracking) -> None:
        with two_trips(self.datastore) as (pipeline, c):
            self.sql.execute_all(c, writes)
            self._insert_tracking(c, tracking)
            pipeline.sync()  # a position recorded already raises IntegrityError here: nothing applied
