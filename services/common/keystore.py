"""Per-report data keys, wrapped under the data key. Destroying one is crypto-shredding: the
personal data sealed with it becomes unreadable in every event, view and Kafka message. The
keys live in a store of their own whose deletion is final (no copy left in a file under var/)."""

from __future__ import annotations

import base64
import os
from typing import Any, Protocol

from services.common.crypto import SEALED_PREFIX, Sealer
from services.common.keyfiles import FileKeys
from services.common.store import Sql

__all__ = ["FileKeys", "KeyBackend", "KeyStore", "SQLiteKeys", "case_key_owner"]


class KeyBackend(Protocol):
    """Where wrapped keys rest. `put` keeps the first value for an owner (concurrent callers
    share one key) and says whether it was this one; `destroy` leaves nothing readable behind."""

    def put(self, owner_id: str, wrapped: str) -> bool: ...
    def get(self, owner_id: str) -> str | None: ...
    def destroy(self, owner_id: str) -> bool: ...
    def owners(self) -> list[str]: ...
    def replace(self, owner_id: str, old: str, new: str) -> bool:
        """`new` for `old`, atomically, only if the owner still holds `old` (never revives an
        erased key); whether it did."""
        ...
    def sweep(self) -> None:
        """Leave nothing of a replace that was cut short (old wrappings)."""
        ...
    def close(self) -> None: ...


class SQLiteKeys:
    """Embedded: an SQLite file of its own; deleted rows are overwritten (secure_delete) and the
    write-ahead log is truncated after each erasure, so no old page keeps the key."""

    DDL = ("CREATE TABLE IF NOT EXISTS data_keys ("
           " owner_id TEXT PRIMARY KEY, wrapped TEXT NOT NULL)")

    def __init__(self, datastore: Any):
        self.sql = Sql(datastore)
        with self.sql.transaction(commit=True) as c:
            c.execute(self.DDL)

    def put(self, owner_id: str, wrapped: str) -> bool:
        with self.sql.transaction(commit=True) as c:
            return bool(self.sql.execute(c, "INSERT INTO data_keys (owner_id, wrapped) VALUES (?,?)"
                                            " ON CONFLICT (owner_id) DO NOTHING", (owner_id, wrapped)))

    def get(self, owner_id: str) -> str | None:
        row = self.sql.one("SELECT wrapped FROM data_keys WHERE owner_id = ?", (owner_id,))
        return str(row["wrapped"]) if row else None

    def owners(self) -> list[str]:
        return [str(r["owner_id"]) for r in self.sql.rows("SELECT owner_id FROM data_keys ORDER BY owner_id")]

    def sweep(self) -> None:
        pass  # a replace is one transaction: nothing is left of one cut short

    def replace(self, owner_id: str, old: str, new: str) -> bool:
        with self.sql.transaction(commit=True) as c:
            c.execute("PRAGMA secure_delete = ON")  # the old wrapping leaves no page behind
            return bool(self.sql.execute(c, "UPDATE data_keys SET wrapped = ? WHERE owner_id = ?"
                                            " AND wrapped = ?", (new, owner_id, old)))

    def destroy(self, owner_id: str) -> bool:
        with self.sql.transaction(commit=True) as c:
            c.execute("PRAGMA secure_delete = ON")
            deleted = bool(self.sql.execute(c, "DELETE FROM data_keys WHERE owner_id = ?", (owner_id,)))
        with self.sql.transaction(commit=False) as c:
            c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return deleted

    def close(self) -> None:
        self.sql.datastore.close()


def case_key_owner(case_id: str) -> str:
    """The data key of a case's own personal data (follow-up findings): erasing any report of
    the case destroys it too, so nothing written about the child outlives the erasure."""
    return f"case-{case_id}"


def _wrapping(owner_id: str) -> str:
    return f"data-key:{owner_id}"  # a wrapped key moved to another owner does not open


class KeyStore:
    """One data key per owner (a report). No cache: a key destroyed anywhere is gone everywhere."""

    def __init__(self, backend: KeyBackend, kek_b64: str, suite: str = "aes"):
        self.backend = backend
        self.suite = suite  # of new wrappings and of what the owners' sealers seal
        self._kek = Sealer(kek_b64, suite=suite)

    def key_for(self, owner_id: str, *, create: bool = False) -> Sealer | None:
        """The owner's sealer; with create, make the key first (concurrent callers share one)."""
        if create:
            dek = base64.b64encode(os.urandom(32)).decode()
            if self.backend.put(owner_id, self._kek.seal(dek, context=_wrapping(owner_id))):
                return self._sealer(owner_id, dek)  # this key is the one kept: no read back
        wrapped = self.backend.get(owner_id)
        if not wrapped:
            return None
        return self._sealer(owner_id, self._kek.open(wrapped, context=_wrapping(owner_id)))

    def _sealer(self, owner_id: str, dek: str) -> Sealer:
        return Sealer(dek, context=f"report:{owner_id}", suite=self.suite)

    def reseal(self) -> tuple[int, int]:
        """Every wrapped key not under this store's suite opened and wrapped again under it:
        (re-sealed now, already under it). Idempotent: a run cut short is finished by the next;
        a key erased meanwhile stays erased."""
        done = kept = 0
        self.backend.sweep()
        prefix = SEALED_PREFIX[self.suite]
        for owner_id in self.backend.owners():
            wrapped = self.backend.get(owner_id)
            if not wrapped:
                continue
            if wrapped.startswith(prefix):
                kept += 1
                continue
            dek = self._kek.open(wrapped, context=_wrapping(owner_id))
            if self.backend.replace(owner_id, wrapped, self._kek.seal(dek, context=_wrapping(owner_id))):
                done += 1
        return done, kept

    def destroy(self, owner_id: str) -> bool:
        return self.backend.destroy(owner_id)

    def open(self, owner_id: str, sealed: str | None) -> Any:
        """The sealed value, or None when there is nothing or the key was destroyed."""
        if not sealed:
            return None
        key = self.key_for(owner_id)
        return key.open(sealed) if key else None

    def close(self) -> None:
        self.backend.close()
