"""The audit trail: who read or did what, when, from where; append-only and hash-chained."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

import structlog
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError

log = structlog.get_logger("audit")

CHAIN_ID = uuid5(NAMESPACE_URL, "urn:hotline:audit-chain")
GENESIS = "0" * 64
FIELDS = ("seq", "at", "actor", "role", "unit", "action", "resource_type", "resource_id",
          "case_id", "client")


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """Each entry's hash covers its fields and the previous entry's hash."""
    canonical = json.dumps({k: fields.get(k) for k in FIELDS}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{prev_hash}\x1f{canonical}".encode()).hexdigest()


class AuditEntry(Aggregate):
    @event("Recorded")
    def __init__(self, id: UUID, *, entry: dict[str, Any], prev_hash: str, hash: str):  # noqa: A002
        self.entry = entry
        self.prev_hash = prev_hash
        self.hash = hash


class AuditChain(Aggregate):
    """The head of the chain; appending to it serializes writers (optimistic concurrency)."""

    @event("Started")
    def __init__(self, id: UUID):  # noqa: A002
        self.head = GENESIS
        self.length = 0

    @event("Advanced")
    def advance(self, head: str) -> None:
        self.head = head
        self.length += 1


class AuditApplication(Application[UUID]):
    name = "audit"
    snapshotting_intervals = {AuditChain: 100}

    def __init__(self, env: Any = None):
        super().__init__(env)
        # Appends in one process queue here instead of colliding on the chain head; other
        # processes (the CLI) still meet optimistic concurrency and retry.
        self._append_lock = threading.Lock()
        self._chain: Any = None  # the head as this process last saved it
        self.appended = 0  # entries this process added (the CLI checkpoints only if it did)

    def _head(self) -> Any:
        if self._chain is None:
            try:
                self._chain = self.repository.get(CHAIN_ID)
            except AggregateNotFoundError:
                self._chain = AuditChain(id=CHAIN_ID)
        return self._chain

    def record(self, *, actor: str, role: str, action: str, resource_type: str,
               resource_id: str | None = None, case_id: str | None = None,
               unit: str | None = None, client: str | None = None) -> dict[str, Any]:
        with self._append_lock:
            return self._append(actor=actor, role=role, action=action, resource_type=resource_type,
                                resource_id=resource_id, case_id=case_id, unit=unit, client=client)

    def _append(self, **entry: Any) -> dict[str, Any]:
        for _ in range(50):
            chain = self._head()
            fields = {"seq": chain.length + 1, "at": datetime.now(UTC).isoformat(), **entry}
            digest = entry_hash(chain.head, fields)
            record = AuditEntry(id=uuid4(), entry=fields, prev_hash=chain.head, hash=digest)
            chain.advance(digest)
            try:
                self.save(chain, record)
            except IntegrityError:
                self._chain = None  # another process appended first: build on the new head
                continue
            except BaseException:
                self._chain = None  # nothing was stored: never build on an unsaved head
                raise
            self.appended += 1
            return {**fields, "hash": digest}
        raise RuntimeError("could not append to the audit chain")

    def _entries(self) -> list[Any]:
        out: list[Any] = []
        start = 1
        topic = f"{AuditEntry.Recorded.__module__}:{AuditEntry.Recorded.__qualname__}"  # type: ignore[attr-defined]
        while True:
            batch = self.recorder.select_notifications(start=start, limit=500, topics=[topic])
            out.extend(self.mapper.to_domain_event(n) for n in batch)
            if len(batch) < 500:
                return out
            start = batch[-1].id + 1

    def entries(self, case_id: str | None = None) -> list[dict[str, Any]]:
        return [{**e.entry, "hash": e.hash} for e in self._entries()
                if case_id is None or e.entry.get("case_id") == case_id]

    def verify(self) -> tuple[bool, int, str]:
        """(ok, entries checked, problem). Detects altered, removed or reordered entries."""
        prev = GENESIS
        events = self._entries()
        for n, e in enumerate(events, start=1):
            if e.entry.get("seq") != n:
                return False, n - 1, f"entry {n}: sequence is {e.entry.get('seq')} (missing entry?)"
            if e.prev_hash != prev:
                return False, n - 1, f"entry {n}: does not follow entry {n - 1}"
            if entry_hash(prev, e.entry) != e.hash:
                return False, n - 1, f"entry {n}: content does not match its hash (altered)"
            prev = e.hash
        chain = self.head()
        if chain is None:
            if events:
                return False, len(events), "the chain head is missing while entries exist"
        elif chain.head != prev or chain.length != len(events):
            return False, len(events), "the chain head does not match the last entry"
        return True, len(events), ""

    def head(self) -> Any:
        """The chain head as stored now (None before the first entry)."""
        try:
            return self.repository.get(CHAIN_ID)
        except AggregateNotFoundError:
            return None

    def entry_hashes(self) -> list[str]:
        """Each entry's hash, entry 1 first."""
        return [str(e.hash) for e in self._entries()]
