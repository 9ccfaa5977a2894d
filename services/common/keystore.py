"""Per-report data keys, wrapped under the master key. Destroying one is crypto-shredding: the
personal data sealed with it becomes unreadable in every event, view and Kafka message."""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime
from typing import Any

from services.common.crypto import Sealer
from services.common.sqlstore import Sql

DDL = (
    "CREATE TABLE IF NOT EXISTS data_keys ("
    " owner_id TEXT PRIMARY KEY, wrapped TEXT NOT NULL, created_at TEXT NOT NULL)"
)


class KeyStore:
    """One data key per owner (a report). No cache: a key destroyed anywhere is gone everywhere."""

    def __init__(self, datastore: Any, kek_b64: str):
        self.datastore = datastore
        self._sql = Sql(datastore)
        self._kek = Sealer(kek_b64)

    def create_table(self) -> None:
        with self._sql.transaction(commit=True) as c:
            c.execute(DDL)

    def key_for(self, owner_id: str, *, create: bool = False) -> Sealer | None:
        """The owner's sealer; with create, make the key first (concurrent callers share one)."""
        if create:
            dek = base64.b64encode(os.urandom(32)).decode()
            with self._sql.transaction(commit=True) as c:
                self._sql.execute(
                    c,
                    "INSERT INTO data_keys (owner_id, wrapped, created_at) VALUES (?,?,?)"
                    " ON CONFLICT (owner_id) DO NOTHING",
                    (owner_id, self._kek.seal(dek), datetime.now(UTC).isoformat()),
                )
        row = self._sql.one("SELECT wrapped FROM data_keys WHERE owner_id = ?", (owner_id,))
        if row is None:
            return None
        return Sealer(self._kek.open(row["wrapped"]))

    def destroy(self, owner_id: str) -> bool:
        with self._sql.transaction(commit=True) as c:
            self._sql.execute(c, "DELETE FROM data_keys WHERE owner_id = ?", (owner_id,))
            return bool(getattr(c, "rowcount", 1))

    def open(self, owner_id: str, sealed: str | None) -> Any:
        """The sealed value, or None when there is nothing or the key was destroyed."""
        if not sealed:
            return None
        key = self.key_for(owner_id)
        return key.open(sealed) if key else None
