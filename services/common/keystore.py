"""Per-report data keys, wrapped under the data key. Destroying one is crypto-shredding: the
personal data sealed with it becomes unreadable in every event, view and Kafka message. The
keys live in a store of their own whose deletion is final (no copy left in a file under var/)."""

from __future__ import annotations

import base64
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from services.common.crypto import SEALED_PREFIX, Sealer
from services.common.sqlstore import Sql


class KeyBackend(Protocol):
    """Where wrapped keys rest. `put` keeps the first value for an owner (concurrent callers
    share one key); `destroy` leaves nothing readable behind."""

    def put(self, owner_id: str, wrapped: str) -> None: ...
    def get(self, owner_id: str) -> str | None: ...
    def destroy(self, owner_id: str) -> bool: ...
    def owners(self) -> list[str]: ...
    def replace(self, owner_id: str, old: str, new: str) -> bool:
        """`new` for `old`, atomically, only if the owner still holds `old` (never revives an
        erased key); whether it did."""
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

    def put(self, owner_id: str, wrapped: str) -> None:
        with self.sql.transaction(commit=True) as c:
            self.sql.execute(c, "INSERT INTO data_keys (owner_id, wrapped) VALUES (?,?)"
                                " ON CONFLICT (owner_id) DO NOTHING", (owner_id, wrapped))

    def get(self, owner_id: str) -> str | None:
        row = self.sql.one("SELECT wrapped FROM data_keys WHERE owner_id = ?", (owner_id,))
        return str(row["wrapped"]) if row else None

    def owners(self) -> list[str]:
        return [str(r["owner_id"]) for r in self.sql.rows("SELECT owner_id FROM data_keys ORDER BY owner_id")]

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

    def owners(self) -> list[str]:
        return sorted(p.name for p in self.folder.iterdir() if not p.name.startswith("."))

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Replacing and destroying exclude each other: a re-sealed key never revives an erased one."""
        fd = os.open(self.folder / ".lock", os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def replace(self, owner_id: str, old: str, new: str) -> bool:
        final, previous = self._path(owner_id), self.folder / f".{owner_id}.old"
        with self._locked():
            _wipe(previous)  # left by a replace that crashed: the old wrapping, same key
            if self.get(owner_id) != old:
                return False
            tmp = self.folder / f".{owner_id}.new"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(new)
                f.flush()
                os.fsync(f.fileno())
            os.link(final, previous)
            os.replace(tmp, final)  # atomic: the key is readable under one wrapping or the other
            self._sync_folder()
            _wipe(previous)
            self._sync_folder()
        return True

    def destroy(self, owner_id: str) -> bool:
        path = self._path(owner_id)
        with self._locked():
            _wipe(self.folder / f".{owner_id}.old")
            destroyed = _wipe(path)
            self._sync_folder()
        return destroyed

    def _sync_folder(self) -> None:
        fd = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def close(self) -> None:
        pass


def _wipe(path: Path) -> bool:
    """Overwrite a key file and unlink it; whether there was one."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return False
    with open(path, "r+b") as f:
        f.write(b"\0" * size)
        f.flush()
        os.fsync(f.fileno())
    path.unlink()
    return True


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
            self.backend.put(owner_id, self._kek.seal(dek, context=_wrapping(owner_id)))
        wrapped = self.backend.get(owner_id)
        if not wrapped:
            return None
        return Sealer(self._kek.open(wrapped, context=_wrapping(owner_id)), context=f"report:{owner_id}",
                      suite=self.suite)

    def reseal(self) -> tuple[int, int]:
        """Every wrapped key not under this store's suite opened and wrapped again under it:
        (re-sealed now, already under it). Idempotent: a run cut short is finished by the next;
        a key erased meanwhile stays erased."""
        done = kept = 0
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
