"""Where the notifier keeps its ledger between starts: one row in `notify_state` beside notify's
events (the in-memory store's dictionary in tests), sealed like the events (it names contacts).
Written by the notifier alone (one per deployment), read by it at start and by the API for the
health view: no attempt writes it, so no attempt waits on it."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

from services.common.sqlstore import Sql
from services.notify.ledger import Ledger

DDL = ("CREATE TABLE IF NOT EXISTS notify_state (name TEXT PRIMARY KEY, position BIGINT NOT NULL,"
       " body TEXT NOT NULL, saved_at TEXT NOT NULL)")
UPSERT = ("INSERT INTO notify_state (name, position, body, saved_at) VALUES (?, ?, ?, ?)"
          " ON CONFLICT (name) DO UPDATE SET position = excluded.position, body = excluded.body,"
          " saved_at = excluded.saved_at")
NAME = "notifier"


class LedgerStore:
    """Saves and loads the notifier's ledger, sealed with the application's cipher."""

    def __init__(self, app: Any, *, create: bool):
        datastore = getattr(app.recorder, "datastore", None)
        self.sql = Sql(datastore) if datastore is not None else None
        self.mapper = app.mapper
        self._memory: dict[str, str] = {}
        self.reads = 0  # how many times the ledger was read (tests count them)
        if self.sql is not None and create:
            self.create_table()

    def create_table(self) -> None:
        if self.sql is not None:
            with self.sql.transaction(commit=True) as c:
                self.sql.execute(c, DDL)

    def save(self, ledger: Ledger) -> None:
        body = self._seal(json.dumps(ledger.to_json(), separators=(",", ":")).encode())
        if self.sql is None:
            self._memory[NAME] = body
            return
        with self.sql.transaction(commit=True) as c:
            self.sql.execute(c, UPSERT, (NAME, ledger.position, body, datetime.now(UTC).isoformat()))

    def load(self) -> Ledger | None:
        self.reads += 1
        if self.sql is None:
            body = self._memory.get(NAME)
        else:
            row = self.sql.one("SELECT body FROM notify_state WHERE name = ?", (NAME,))
            body = str(row["body"]) if row else None
        return Ledger.from_json(json.loads(self._open(body))) if body else None

    def _seal(self, data: bytes) -> str:
        if self.mapper.compressor:
            data = self.mapper.compressor.compress(data)
        if self.mapper.cipher:
            data = self.mapper.cipher.encrypt(data)
        return base64.b64encode(data).decode()

    def _open(self, body: str) -> bytes:
        data = base64.b64decode(body)
        if self.mapper.cipher:
            data = self.mapper.cipher.decrypt(data)
        if self.mapper.compressor:
            data = self.mapper.compressor.decompress(data)
        return data
