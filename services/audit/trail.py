"""The audit trail: who read or did what, when, from where. Queue, then integrate (the design of
Certificate Transparency): a request queues its entry (a sealed row, INSERT only, no head to
contend on) before it answers; one sequencer takes queued entries and the services' audit notes
into the chain, each sealed and hash-chained to the one before, and checkpoints signed heads."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import structlog
from eventsourcing.persistence import IntegrityError

from services.audit.chain import FIELDS, GENESIS, Head, entry_hash
from services.audit.reads import OWN_READS, TrailReads
from services.common.crypto import Sealer
from services.common.store import Sql

log = structlog.get_logger("audit")
__all__ = ["DDL", "FIELDS", "GENESIS", "OWN_READS", "AuditTrail", "Head", "entry_hash"]

SUITE_COLUMN = "suite TEXT NOT NULL DEFAULT 'aes'"  # each entry's suite (contract §14)
DDL = (
    "CREATE TABLE IF NOT EXISTS audit_log ("
    " seq BIGINT PRIMARY KEY, case_id TEXT, sealed TEXT NOT NULL,"
    " prev_hash TEXT NOT NULL, hash TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS audit_log_case ON audit_log (case_id, seq)",
    # Entries waiting for the sequencer; it deletes them as it chains them, in one transaction.
    "CREATE TABLE IF NOT EXISTS audit_queue (id TEXT PRIMARY KEY, at TEXT NOT NULL, sealed TEXT NOT NULL)",
    # How far the trail has taken each service's audit notes (see follower.py).
    "CREATE TABLE IF NOT EXISTS audit_sources (source TEXT PRIMARY KEY, position BIGINT NOT NULL)",
)


class _Taken(Exception):
    """Another sequencer took these notes or queued entries first."""


class AuditTrail(TrailReads):
    """Requests `record` (queue); the sequencer (`take`) chains. Sequencers
    meet each other (the CLI, a restarted one) on the chain's primary key: a conflict means
    someone appended first; build on theirs."""

    def __init__(self, sql: Sql, seal_key_b64: str, suite: str = "aes"):
        self.sql = sql
        self.suite = suite  # seals and chains new entries; each row names its own (contract §14)
        self._sealer = Sealer(seal_key_b64, suite=suite)
        self._lock = threading.Lock()
        self._head: Head | None = None  # as this process last wrote or read it
        self.appended = 0  # entries this process chained (the CLI checkpoints only if it did)
        self.recorded = 0  # entries this process queued

    def create_tables(self) -> None:
        with self.sql.transaction(commit=True) as c:
            for statement in DDL:
                c.execute(statement)
            # A trail made before #30 gains the column; its entries were all chained under aes.
            if self.sql.postgres:
                c.execute(f"ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS {SUITE_COLUMN}")
            else:
                c.execute("SELECT 1 FROM pragma_table_info('audit_log') WHERE name = 'suite'")
                if not c.fetchall():
                    c.execute(f"ALTER TABLE audit_log ADD COLUMN {SUITE_COLUMN}")

    def record(self, *, actor: str, role: str, action: str, resource_type: str,
               resource_id: str | None = None, case_id: str | None = None,
               unit: str | None = None, client: str | None = None) -> dict[str, Any]:
        """Queue an entry; durable when this returns (the sequencer chains it within a second)."""
        entry = {"at": datetime.now(UTC).isoformat(), "actor": actor, "role": role, "unit": unit,
                 "action": action, "resource_type": resource_type, "resource_id": resource_id,
                 "case_id": case_id, "client": client}
        self.sql.run("INSERT INTO audit_queue (id, at, sealed) VALUES (?,?,?)",
                     (uuid.uuid4().hex, entry["at"], self._sealer.seal(entry)))
        self.recorded += 1
        return entry

    def queued(self) -> int:
        row = self.sql.one("SELECT COUNT(*) AS n FROM audit_queue")
        return int(row["n"]) if row else 0

    def position(self, source: str) -> int:
        """How far the chain has taken a service's audit notes."""
        row = self.sql.one("SELECT position FROM audit_sources WHERE source = ?", (source,))
        return int(row["position"]) if row else 0

    def pending(self, limit: int = 500) -> list[tuple[str, dict[str, Any]]]:
        """The oldest queued entries (id, entry)."""
        rows = self.sql.rows("SELECT id, sealed FROM audit_queue ORDER BY at, id LIMIT ?", (limit,))
        return [(str(r["id"]), self._sealer.open(r["sealed"])) for r in rows]

    def integrate(self, limit: int = 500) -> int:
        """Chain the oldest queued entries; how many (0: none, or another sequencer took them)."""
        batch = self.pending(limit)
        ok = self.take([entry for _, entry in batch], queued=[i for i, _ in batch])
        return len(batch) if ok else 0

    def take(self, entries: list[dict[str, Any]], *, queued: Sequence[str] = (),
             moves: Sequence[tuple[str, int, int]] = ()) -> bool:
        """Chain entries (in time order) and claim them in the same transaction: delete the
        queued ones, move each source's position (source, from, to) of the notes. False when
        another sequencer claimed any of them first (nothing written). With no entries, the
        positions alone move (past a log's other events)."""

        def claim(c: Any) -> None:
            if queued:
                marks = ",".join("?" * len(queued))
                if self.sql.execute(c, f"DELETE FROM audit_queue WHERE id IN ({marks})",
                                    list(queued)) != len(queued):
                    raise _Taken
            for source, expected, position in moves:
                # Move the position first: whoever moves it from `expected` takes these.
                self.sql.execute(c, "INSERT INTO audit_sources (source, position)"
                                    " VALUES (?, 0) ON CONFLICT (source) DO NOTHING", (source,))
                if not self.sql.execute(c, "UPDATE audit_sources SET position = ?"
                                           " WHERE source = ? AND position = ?",
                                        (position, source, expected)):
                    raise _Taken
        if not entries:
            return self._claim_only(claim) if moves else True
        ordered = sorted(entries, key=lambda e: str(e.get("at", "")))
        return self._chain(ordered, claim)

    def _chain(self, entries: list[dict[str, Any]], take: Callable[[Any], None]) -> bool:
        """Entries onto the chain, with `take` (which claims them) in the same transaction."""
        with self._lock:
            for _ in range(50):
                head = self._head or self.head() or Head(0, GENESIS)
                rows, prev = [], head
                for entry in entries:
                    fields = {**entry, "seq": prev.length + 1}
                    digest = entry_hash(prev.head, fields, self.suite)
                    rows.append((fields["seq"], fields.get("case_id"), self._sealer.seal(fields),
                                 prev.head, digest, self.suite))
                    prev = Head(prev.length + 1, digest)
                try:
                    with self.sql.transaction(commit=True) as c:
                        take(c)
                        for row in rows:
                            self.sql.execute(c, "INSERT INTO audit_log (seq, case_id, sealed,"
                                                " prev_hash, hash, suite) VALUES (?,?,?,?,?,?)", row)
                except _Taken:
                    return False
                except IntegrityError:
                    self._head = None  # another sequencer appended first: build on its entry
                    continue
                self._head = prev
                self.appended += len(rows)
                return True
        raise RuntimeError("could not append to the audit trail")

    def _claim_only(self, claim: Callable[[Any], None]) -> bool:
        try:
            with self.sql.transaction(commit=True) as c:
                claim(c)
        except _Taken:
            return False
        return True

    def close(self) -> None:
        self.sql.datastore.close()
