"""The audit trail: who read or did what, when, from where. Queue, then integrate (the design of
Certificate Transparency): a request queues its entry (a sealed row, INSERT only, no head to
contend on) before it answers; one sequencer takes queued entries and the services' audit notes
into the chain, each sealed and hash-chained to the one before, and checkpoints signed heads."""

from __future__ import annotations

import hashlib
import json
import re
import threading
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from eventsourcing.persistence import IntegrityError

from services.common.crypto import Sealer
from services.common.sqlstore import Sql

log = structlog.get_logger("audit")

GENESIS = "0" * 64
# An auditor's own page views, which the auditor's page can leave out of the list.
OWN_READS = frozenset({"audit.read", "stats.read"})
FIELDS = ("seq", "at", "actor", "role", "unit", "action", "resource_type", "resource_id",
          "case_id", "client")
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


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """Each entry's hash covers its fields and the previous entry's hash."""
    canonical = json.dumps({k: fields.get(k) for k in FIELDS}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{prev_hash}\x1f{canonical}".encode()).hexdigest()


@dataclass(frozen=True)
class Head:
    length: int
    head: str


class AuditTrail:
    """Requests `record` (queue); the sequencer (`take`) chains. Sequencers
    meet each other (the CLI, a restarted one) on the chain's primary key: a conflict means
    someone appended first; build on theirs."""

    def __init__(self, sql: Sql, seal_key_b64: str):
        self.sql = sql
        self._sealer = Sealer(seal_key_b64)
        self._lock = threading.Lock()
        self._head: Head | None = None  # as this process last wrote or read it
        self.appended = 0  # entries this process chained (the CLI checkpoints only if it did)
        self.recorded = 0  # entries this process queued

    def create_tables(self) -> None:
        with self.sql.transaction(commit=True) as c:
            for statement in DDL:
                c.execute(statement)

    def head(self) -> Head | None:
        """The newest entry's position and hash (None before the first entry)."""
        row = self.sql.one("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        return Head(int(row["seq"]), str(row["hash"])) if row else None

    def record(self, *, actor: str, role: str, action: str, resource_type: str,
               resource_id: str | None = None, case_id: str | None = None,
               unit: str | None = None, client: str | None = None) -> dict[str, Any]:
        """Queue an entry; durable when this returns (the sequencer chains it within a second)."""
        entry = {"at": datetime.now(UTC).isoformat(), "actor": actor, "role": role, "unit": unit,
                 "action": action, "resource_type": resource_type, "resource_id": resource_id,
                 "case_id": case_id, "client": client}
        with self.sql.transaction(commit=True) as c:
            self.sql.execute(c, "INSERT INTO audit_queue (id, at, sealed) VALUES (?,?,?)",
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
        another sequencer claimed any of them first (nothing written)."""
        if not entries:
            return True

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
                    digest = entry_hash(prev.head, fields)
                    rows.append((fields["seq"], fields.get("case_id"), self._sealer.seal(fields),
                                 prev.head, digest))
                    prev = Head(prev.length + 1, digest)
                try:
                    with self.sql.transaction(commit=True) as c:
                        take(c)
                        for row in rows:
                            self.sql.execute(c, "INSERT INTO audit_log (seq, case_id, sealed,"
                                                " prev_hash, hash) VALUES (?,?,?,?,?)", row)
                except _Taken:
                    return False
                except IntegrityError:
                    self._head = None  # another sequencer appended first: build on its entry
                    continue
                self._head = prev
                self.appended += len(rows)
                return True
        raise RuntimeError("could not append to the audit trail")

    def _rows(self, where: str = "1 = 1", params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        after = 0
        while True:
            batch = self.sql.rows(f"SELECT seq, sealed, prev_hash, hash FROM audit_log WHERE {where}"
                                  " AND seq > ? ORDER BY seq LIMIT 1000", (*params, after))
            out.extend(batch)
            if len(batch) < 1000:
                return out
            after = int(batch[-1]["seq"])

    def entries(self, case_id: str | None = None) -> list[dict[str, Any]]:
        rows = self._rows("case_id = ?", (case_id,)) if case_id else self._rows()
        return [{**self._sealer.open(r["sealed"]), "hash": r["hash"]} for r in rows]

    def case_ids(self, prefix: str, limit: int = 20) -> list[str]:
        """The full ids of the cases on the trail whose id starts with `prefix` (hex and dashes)."""
        if not re.fullmatch(r"[0-9a-f-]+", prefix):
            return []
        rows = self.sql.rows("SELECT DISTINCT case_id FROM audit_log WHERE case_id LIKE ?"
                             " ORDER BY case_id LIMIT ?", (f"{prefix}%", limit))
        return [str(r["case_id"]) for r in rows]

    def search(self, *, actor: str | None = None, role: str | None = None, action: str | None = None,
               case_id: str | None = None, since: datetime | None = None,
               until: datetime | None = None, before: int | None = None, limit: int = 50,
               scan: int = 20000, case_prefix: str | None = None,
               report_ids: Collection[str] = (), hide_reads_of: str | None = None,
               ) -> tuple[list[dict[str, Any]], int | None]:
        """Entries matching every filter given, newest first, at most `limit`; and the position to
        continue from (older entries), or None when there are none. Fields other than the case
        are sealed, so entries are opened and filtered here, scanning at most `scan` per call.
        `actor` matches the start of the name, in any case; with a case, `report_ids` adds the
        entries about its reports recorded without the case (a report filed before the case
        existed); `hide_reads_of` leaves out that person's own reading of the trail and statistics."""
        found: list[dict[str, Any]] = []
        cursor = before if before is not None else (self.head() or Head(0, GENESIS)).length + 1
        where, params = ("case_id = ?", (case_id,)) if case_id else ("", ())
        if case_prefix is not None:  # the short case id the pages show (hex digits and dashes only)
            if not re.fullmatch(r"[0-9a-f-]+", case_prefix):
                return [], None
            where, params = "case_id LIKE ?", (f"{case_prefix}%",)
        if where and report_ids:
            where = f"({where} OR case_id IS NULL)"
        where = f"{where} AND seq < ?" if where else "seq < ?"
        wanted_actor = actor.lower() if actor else None
        scanned = 0
        # Entries are appended in time order, give or take the follower's batches: a margin.
        floor = since - timedelta(minutes=5) if since else None
        while scanned < scan:
            batch = self.sql.rows(f"SELECT seq, sealed, hash FROM audit_log WHERE {where}"
                                  " ORDER BY seq DESC LIMIT 500", (*params, cursor))
            if not batch:
                return found, None
            for row in batch:
                scanned += 1
                cursor = int(row["seq"])
                entry = {**self._sealer.open(row["sealed"]), "hash": row["hash"]}
                at = datetime.fromisoformat(entry["at"])
                if floor and at < floor:
                    return found, None
                if report_ids and entry.get("case_id") is None and not (
                        entry.get("resource_type") == "report" and entry.get("resource_id") in report_ids):
                    continue
                if ((wanted_actor and not str(entry.get("actor") or "").lower().startswith(wanted_actor))
                        or (role and entry.get("role") != role)
                        or (action and not str(entry.get("action", "")).startswith(action))
                        or (hide_reads_of and entry.get("actor") == hide_reads_of
                            and entry.get("action") in OWN_READS)
                        or (since and at < since) or (until and at >= until)):
                    continue
                found.append(entry)
                if len(found) == limit:
                    return found, cursor
            if len(batch) < 500:
                return found, None
        return found, cursor

    def entry_hashes(self) -> list[str]:
        """Each entry's hash, entry 1 first."""
        return [str(r["hash"]) for r in self._rows()]

    def verify(self) -> tuple[bool, int, str]:
        """(ok, entries checked, problem): altered, removed or reordered entries. A cut tail
        leaves a consistent chain; the signed checkpoints (checkpoints.py) catch that."""
        prev = GENESIS
        rows = self._rows()
        for n, row in enumerate(rows, start=1):
            try:
                fields = self._sealer.open(row["sealed"])
            except ValueError:
                return False, n - 1, f"entry {n}: cannot be opened (altered)"
            if int(row["seq"]) != n or fields.get("seq") != n:
                return False, n - 1, f"entry {n}: sequence is {row['seq']} (missing entry?)"
            if row["prev_hash"] != prev:
                return False, n - 1, f"entry {n}: does not follow entry {n - 1}"
            if entry_hash(prev, fields) != row["hash"]:
                return False, n - 1, f"entry {n}: content does not match its hash (altered)"
            prev = row["hash"]
        return True, len(rows), ""

    def close(self) -> None:
        self.sql.datastore.close()
