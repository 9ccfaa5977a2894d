"""The data keys' distributed backend: one file per key in a private folder (see KeyBackend in
keystore.py), overwritten and unlinked on erasure."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


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

    def put(self, owner_id: str, wrapped: str) -> bool:
        final, tmp = self._path(owner_id), self.folder / f".{owner_id}.{os.getpid()}.{os.urandom(4).hex()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(wrapped)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, final)  # atomic and exclusive: the first key written wins
            kept = True
        except FileExistsError:
            kept = False
        finally:
            os.unlink(tmp)
        self._sync_folder()
        return kept

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
        fd = os.open(self.folder, os.O_RDONLY)  # the folder itself: no file among the keys
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def sweep(self) -> None:
        with self._locked():
            for left in [*self.folder.glob(".*.old"), *self.folder.glob(".*.new")]:
                self._drop_leftovers(left.name[1:-4])
            self._sync_folder()

    def replace(self, owner_id: str, old: str, new: str) -> bool:
        final = self._path(owner_id)
        previous, tmp = self._leftovers(owner_id)
        with self._locked():
            self._drop_leftovers(owner_id)
            if self.get(owner_id) != old:
                return False
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
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

    def _leftovers(self, owner_id: str) -> tuple[Path, Path]:
        """Where a replace keeps the old wrapping's link and writes the new one."""
        return self.folder / f".{self._path(owner_id).name}.old", self.folder / f".{owner_id}.new"

    def _drop_leftovers(self, owner_id: str) -> None:
        """What a replace cut short left: the new wrapping (overwritten), and the old one's link,
        which before the swap is the live key itself (only unlinked), after it the old wrapping
        of the same key (overwritten)."""
        previous, tmp = self._leftovers(owner_id)
        _wipe(tmp)
        try:
            if self._path(owner_id).exists() and previous.samefile(self._path(owner_id)):
                previous.unlink()
                return
        except FileNotFoundError:
            return
        _wipe(previous)

    def destroy(self, owner_id: str) -> bool:
        path = self._path(owner_id)
        with self._locked():
            for left in self._leftovers(owner_id):
                _wipe(left)
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
