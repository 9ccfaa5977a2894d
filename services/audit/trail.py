"""The audit trail: who read or did what, when, from where. Append-only rows in a table of
their own, each sealed and hash-chained to the one before. Writers need only INSERT and SELECT
(no eventsourcing table lock, which PostgreSQL grants only with UPDATE, DELETE or TRUNCATE)."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from eventsourcing.persistence import IntegrityError

from services.common.crypto import Sealer
from services.common.sqlstore import Sql

log = structlog.get_logger("audit")

GENESIS = "0" * 64
FIELDS = ("seq", "at", "actor", "role", "unit", "action", "resource_type", "resource_id",
          "case_id", "client")
DDL = (
    "CREATE TABLE IF NOT EXISTS audit_log ("
    " seq BIGINT PRIMARY KEY, case_id TEXT, sealed TEXT NOT NULL,"
    " prev_hash TEXT NOT NULL, hash TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS audit_log_case ON audit_log (case_id, seq)",
    # How far the trail has taken each service's audit notes (see follower.py).
    "CREATE TABLE IF NOT EXISTS audit_sources (source TEXT PRIMARY KEY, position BIGINT NOT NULL)",
)


class _PositionMoved(Exception):
    """Another process took these notes first."""


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """Each entry's hash covers its fields and the previous entry's hash."""
    canonical = json.dumps({k: fields.get(k) for k in FIELDS}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{prev_hash}\x1f{canonical}".encode()).hexdigest()


@dataclass(frozen=True)
class Head:
    length: int
    head: str


class AuditTrail:
    """Appends queue behind a lock per process and meet other processes (the CLI, more API
    processes) on the primary key: a conflict means someone appended first; build on theirs."""

    def __init__(self, sql: Sql, seal_key_b64: str):
        self.sql = sql
        self._sealer = Sealer(seal_key_b64)
        self._lock = threading.Lock()
        self._head: Head | None = None  # as this process last wrote or read it
        self.appended = 0  # entries this process added (the CLI checkpoints only if it did)

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
        entry = {"actor": actor, "role": role, "unit": unit, "action": action,
                 "resource_type": resource_type, "resource_id": resource_id,
                 "case_id": case_id, "client": client}
        with self._lock:
            for _ in range(50):
                head = self._head or self.head() or Head(0, GENESIS)
                seq = head.length + 1
                fields = {"seq": seq, "at": datetime.now(UTC).isoformat(), **entry}
                digest = entry_hash(head.head, fields)
                try:
                    with self.sql.transaction(commit=True) as c:
                        self.sql.execute(
                            c, "INSERT INTO audit_log (seq, case_id, sealed, prev_hash, hash)"
                               " VALUES (?,?,?,?,?)",
                            (seq, case_id, self._sealer.seal(fields), head.head, digest))
                except IntegrityError:
                    self._head = None  # another process appended first: build on its entry
                    continue
                self._head = Head(seq, digest)
                self.appended += 1
                return {**fields, "hash": digest}
        raise RuntimeError("could not append to the audit trail")

    def position(self, source: str) -> int:
        row = self.sql.one("SELECT position FROM audit_sources WHERE source = ?", (source,))
        return int(row["position"]) if row else 0

    def append_from(self, source: str, expected: int, position: int,
                    entries: list[dict[str, Any]]) -> bool:
        """Append entries taken from a service's notes and move that source's position, in one
        transaction; False when another process moved the position first (nothing written)."""
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
                        # Move the position first: whoever moves it from `expected` takes these.
                        self.sql.execute(c, "INSERT INTO audit_sources (source, position)"
                                            " VALUES (?, 0) ON CONFLICT (source) DO NOTHING", (source,))
                        moved = self.sql.execute(c, "UPDATE audit_sources SET position = ?"
                                                    " WHERE source = ? AND position = ?",
                                                 (position, source, expected))
                        if not moved:
                            raise _PositionMoved
                        for row in rows:
                            self.sql.execute(c, "INSERT INTO audit_log (seq, case_id, sealed,"
                                                " prev_hash, hash) VALUES (?,?,?,?,?)", row)
                except _PositionMoved:
                    return False
                except IntegrityError:
                    self._head = None  # another process appended an entry first: build on it
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

    def search(self, *, actor: str | None = None, role: str | None = None, action: str | None = None,
               case_id: str | None = None, since: datetime | None = None,
               until: datetime | None = None, before: int | None = None, limit: int = 50,
               scan: int = 20000) -> tuple[list[dict[str, Any]], int | None]:
        """Entries matching every filter given, newest first, at most `limit`; and the position to
        continue from (older entries), or None when there are none. Fields other than the case
        are sealed, so entries are opened and filtered here, scanning at most `scan` per call."""
        found: list[dict[str, Any]] = []
        cursor = before if before is not None else (self.head() or Head(0, GENESIS)).length + 1
        where, params = ("case_id = ? AND seq < ?", (case_id,)) if case_id else ("seq < ?", ())
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
                if ((actor and entry.get("actor") != actor) or (role and entry.get("role") != role)
                        or (action and not str(entry.get("action", "")).startswith(action))
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
