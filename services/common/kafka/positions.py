"""Where a relay records how far it has published, on PostgreSQL: committed without waiting for
the disk (#31). A position lost with the database (its last fraction of a second before a
crash) only makes the relay publish those messages again, which every consumer meets as a
redelivery, as when a relay dies between publishing and recording; the wait it saves was one
in three of the flushes a report's relays made."""

from __future__ import annotations

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresTrackingRecorder


class RelayPositions(PostgresTrackingRecorder):
    def insert_tracking(self, tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute("SET LOCAL synchronous_commit TO OFF")  # this transaction only
            self._insert_tracking(curs, tracking)
