"""Events written to PostgreSQL in two round trips, not five (#31): eventsourcing opens its
transaction inside a pipeline, which psycopg keeps in step by a sync on entering and on leaving
each level; here the transaction is explicit statements in one pipeline: BEGIN, the service's own
rows, the lock, the insert, one sync (so a duplicate raises IntegrityError there, as before),
then COMMIT with the pipeline's last sync. What is written, and in what order, is unchanged."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresProcessRecorder
from eventsourcing.utils import retry
from psycopg import Cursor, Pipeline
from psycopg.pq import TransactionStatus

OPEN = (TransactionStatus.INTRANS, TransactionStatus.INERROR)


@contextmanager
def two_trips(datastore: Any) -> Iterator[tuple[Pipeline, Cursor[Any]]]:
    """A write transaction on one pooled (autocommit) connection: BEGIN queued first; the body
    queues its statements and syncs once (where a violated constraint raises); COMMIT leaves with
    the pipeline's closing sync. A failed one is rolled back before the connection goes back."""
    failed: Exception | None = None
    with datastore.get_connection() as conn:
        try:
            with conn.pipeline() as pipeline, conn.cursor() as curs:
                curs.execute("BEGIN")
                yield pipeline, curs
                curs.execute("COMMIT")
        except Exception as e:  # raised after the pipeline is left (psycopg warns otherwise)
            failed = e
        if failed is not None:
            if not conn.closed and conn.pgconn.transaction_status in OPEN:
                conn.rollback()
            raise failed


class TwoTripApplicationRecorder(PostgresApplicationRecorder):
    """An application's events (intake's report, notify's deliveries, …); the process recorder
    below adds a consumer's tracking position to the same transaction."""

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if self.datastore.enable_db_functions:  # never set here; eventsourcing's own path then
            return super().insert_events(stored_events, **kwargs)  # type: ignore[no-any-return]
        ids: Sequence[int] | None = None
        with two_trips(self.datastore) as (pipeline, curs):
            self._insert_events(curs, stored_events, **kwargs)
            if stored_events:
                self._insert_stored_events(curs, stored_events, **kwargs)
            pipeline.sync()  # the first round trip: a constraint violated raises here
            if stored_events:
                ids = self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        return ids


class TwoTripProcessRecorder(TwoTripApplicationRecorder, PostgresProcessRecorder):
    """A consumer's events with its tracking position, in one transaction as before."""
