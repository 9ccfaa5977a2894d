"""Signed checkpoints of the audit chain head, published outside the database: cutting the
newest entries (with every later head and snapshot) leaves a shorter, self-consistent trail
that `verify` still catches, because a checkpoint signed earlier names a longer one."""

from __future__ import annotations

import base64
import hmac
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from services.audit.trail import AuditTrail
from services.common.periodic import Periodic
from services.common.suites import SUITES, suite


class CheckpointLog(Protocol):
    """Somewhere append-only that the database's administrators cannot rewrite with it."""

    def publish(self, checkpoint: dict[str, Any]) -> None: ...
    def read_all(self) -> list[dict[str, Any]]: ...


def signature(key: bytes, seq: int, head: str, at: str, suite_name: str = "aes") -> str:
    """The checkpoint's MAC under its own suite (aes: HMAC-SHA256, sm: HMAC-SM3)."""
    return suite(suite_name).mac(key, f"audit-checkpoint\x1f{seq}\x1f{head}\x1f{at}".encode()).hex()


class FileCheckpointLog:
    """The embedded wiring's log: JSON lines in a file under var/, synced on every write."""

    def __init__(self, path: Path):
        self.path = path

    def publish(self, checkpoint: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a") as f:
            f.write(json.dumps(checkpoint, sort_keys=True) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def read_all(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines() if line.strip()]


class Checkpointer:
    """Signs and publishes the head whenever it moved, at least every `interval` seconds while
    entries arrive, and once more on stop."""

    def __init__(self, audit: AuditTrail, key_b64: str, sink: CheckpointLog, *,
                 interval: float = 5.0, clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.audit = audit
        self.suite = audit.suite  # signs under the suite its trail chains with
        self.key = base64.b64decode(key_b64)
        self.sink = sink
        self.interval = interval
        self.clock = clock
        self.published = -1
        self.published_at = clock()  # when the last checkpoint went out (or the checkpointer started)
        self._periodic = Periodic("audit-checkpoints", interval, self.checkpoint)

    def checkpoint(self) -> dict[str, Any] | None:
        head = self.audit.head()
        if head is None or head.length == self.published:
            return None
        at = self.clock().isoformat()
        checkpoint = {"seq": head.length, "head": head.head, "at": at, "suite": self.suite,
                      "signature": signature(self.key, head.length, head.head, at, self.suite)}
        self.sink.publish(checkpoint)
        self.published, self.published_at = head.length, self.clock()
        return checkpoint

    def start(self) -> None:
        self._periodic.start()

    def stop(self) -> None:
        """Stops the rounds and publishes the head once more (shutdown)."""
        self._periodic.stop()


def verify_checkpoints(audit: AuditTrail, key_b64: str, source: CheckpointLog
                       ) -> tuple[bool, dict[str, Any] | None, str]:
    """(ok, the newest checkpoint that verified, problem). Every signed checkpoint must name an
    entry the trail still holds, with the same hash; each is checked under its own suite (one
    written before #30 has none: aes)."""
    key = base64.b64decode(key_b64)
    hashes = audit.entry_hashes()
    newest: dict[str, Any] | None = None
    for cp in sorted(source.read_all(), key=lambda c: int(c.get("seq", 0))):
        named = str(cp.get("suite", "aes"))
        expected = (signature(key, int(cp["seq"]), str(cp["head"]), str(cp["at"]), named)
                    if named in SUITES else "")
        if not expected or not hmac.compare_digest(expected, str(cp.get("signature", ""))):
            return False, newest, f"checkpoint {cp.get('seq')} at {cp.get('at')}: bad signature"
        seq = int(cp["seq"])
        found = hashes[seq - 1] if 0 < seq <= len(hashes) else None
        if found is None:
            return False, newest, (f"checkpoint {cp['seq']} signed at {cp['at']} names entry "
                                   f"{cp['seq']}, which the trail no longer holds (cut?)")
        if found != cp["head"]:
            return False, newest, f"entry {cp['seq']} differs from its checkpoint of {cp['at']}"
        newest = cp
    return True, newest, ""
