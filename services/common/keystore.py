"""Per-report data keys, wrapped under the data key. Destroying one is crypto-shredding: the
personal data sealed with it becomes unreadable in every event, view and Kafka message. The
keys live in a store of their own whose deletion is final (no copy left in a file under var/)."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any, Protocol

from services.common.crypto import Sealer
from services.common.sqlstore import Sql


class KeyBackend(Protocol):
    """Where wrapped keys rest. `put` keeps the first value for an owner (concurrent callers
    share one key); `destroy` leaves nothing readable behind."""

    def put(self, owner_id: str, wrapped: str) -> None: ...
    def get(self, owner_id: str) -> str | None: ...
    def destroy(self, owner_id: str) -> bool: ...
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

    def put(self, owner_id: str, wrapped: str) -> None:
        with self.sql.transaction(commit=True) as c:
            self.sql.execute(c, "INSERT INTO data_keys (owner_id, wrapped) VALUES (?,?)"
                                " ON CONFLICT (owner_id) DO NOTHING", (owner_id, wrapped))

    def get(self, owner_id: str) -> str | None:
        row = self.sql.one("SELECT wrapped FROM data_keys WHERE owner_id = ?", (owner_id,))
        return str(row["wrapped"]) if row else None

    def destroy(self, owner_id: str) -> bool:
        with self.sql.transaction(commit=True) as c:
            c.execute("PRAGMA secure_delete = ON")
            deleted = bool(self.sql.execute(c, "DELETE FROM data_keys WHERE owner_id = ?", (owner_id,)))
        with self.sql.transaction(commit=False) as c:
            c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return deleted

    def close(self) -> None:
        self.sql.datastore.close()


class FileKeys:
    """Distributed (the default behind the interface): one file per key in a private folder,
    overwritten and unlinked on erasure. Not in PostgreSQL, whose dead tuples, WAL and backups
    would keep the key next to the events it unlocks. Several hosts need a shared key service
    behind the same interface."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)

    def _path(self, owner_id: str) -> Path:
        if not owner_id.replace("-", "").isalnum():
            raise ValueError(f"not a key owner id: {owner_id!r}")
        return self.folder / owner_id

    def put(self, owner_id: str, wrapped: str) -> None:
        final, tmp = self._path(owner_id), self.folder / f".{owner_id}.{os.getpid()}.{os.urandom(4).hex()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(wrapped)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, final)  # atomic and exclusive: the first key written wins
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
        self._sync_folder()

    def get(self, owner_id: str) -> str | None:
        try:
            return self._path(owner_id).read_text()
        except FileNotFoundError:
            return None

    def destroy(self, owner_id: str) -> bool:
        path = self._path(owner_id)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return False
        with open(path, "r+b") as f:
            f.write(b"\0" * size)
            f.flush()
            os.fsync(f.fileno())
        path.unlink()
        self._sync_folder()
        return True

    def _sync_folder(self) -> None:
        fd = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def close(self) -> None:
        pass


def case_key_owner(case_id: str) -> str:
    """The data key of a case's own personal data (follow-up findings): erasing any report of
    the case destroys it too, so nothing written about the child outlives the erasure."""
    return f"case-{case_id}"


class KeyStore:
    """One data key per owner (a report). No cache: a key destroyed anywhere is gone everywhere."""

    def __init__(self, backend: KeyBackend, kek_b64: str):
        self.backend = backend
        self._kek = Sealer(kek_b64)

    def key_for(self, owner_id: str, *, create: bool = False) -> Sealer | None:
        """The owner's sealer; with create, make the key first (concurrent callers share one)."""
        wrapping = f"data-key:{owner_id}"  # a wrapped key moved to another owner does not open
        if create:
            dek = base64.b64encode(os.urandom(32)).decode()
            self.backend.put(owner_id, self._kek.seal(dek, context=wrapping))
        wrapped = self.backend.get(owner_id)
        if not wrapped:
            return None
        return Sealer(self._kek.open(wrapped, context=wrapping), context=f"report:{owner_id}")

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
