"""The repeat check's allowance (contract §10): each operator may look up so many distinct children
an hour; the same child again within the hour costs nothing. Rows in the database (the table is
created with the throttle's), so every API process of the distributed wiring counts alike."""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Collection

from services.common.store import Sql

HOUR = 3600.0


class AllowanceSpent(Exception):
    """The operator checked as many children as allowed this hour."""

    def __init__(self, retry_after: int):
        super().__init__(f"repeat-check allowance spent; try again in {retry_after} seconds")
        self.retry_after = retry_after


def _subject(username: str) -> str:
    return hashlib.sha256(f"repeat-check\x1f{username}".encode()).hexdigest()[:32]


def _lock_key(subject: str) -> int:
    # pg_advisory_xact_lock takes a signed 64-bit key.
    return int.from_bytes(bytes.fromhex(subject[:16]), "big", signed=True)


class RepeatAllowance:
    def __init__(self, sql: Sql, per_hour: int, clock: Callable[[], float] = time.time):
        self.sql = sql
        self.per_hour = per_hour
        self.clock = clock

    def spend(self, username: str, fingerprints: Collection[str]) -> int:
        """Count these children against the operator's hour; how many were new. Raises
        AllowanceSpent (nothing counted) when the new ones do not fit. One operator's checks
        take turns: an advisory lock (PostgreSQL) or the write lock taken first (SQLite)."""
        subject = _subject(username)
        with self.sql.transaction(commit=True) as c:
            if self.sql.postgres:
                self.sql.execute(c, "SELECT pg_advisory_xact_lock(?)", (_lock_key(subject),))
            # Forget what left the hour (in SQLite this write also takes the lock first).
            self.sql.execute(c, "DELETE FROM repeat_checks WHERE subject = ? AND at <= ?",
                             (subject, self.clock() - HOUR))
            # The clock read under the lock: a check that waited for it must not count from
            # before another's (its retry-after came out longer than the hour: 3601 s).
            now = self.clock()
            self.sql.execute(c, "SELECT fingerprint, at FROM repeat_checks WHERE subject = ? ORDER BY at",
                             (subject,))
            counted = [(str(r["fingerprint"]), float(r["at"])) for r in c.fetchall()]
            seen = {fingerprint for fingerprint, _ in counted}
            new = sorted(set(fingerprints) - seen)
            if new and len(seen) + len(new) > self.per_hour:
                # The oldest check that must leave the hour before these fit.
                must_leave = len(seen) + len(new) - self.per_hour
                at = counted[min(must_leave, len(counted)) - 1][1] if counted else now
                # Never past the hour, whatever the clocks of the processes that counted.
                raise AllowanceSpent(max(1, min(int(HOUR), math.ceil(at + HOUR - now))))
            for fingerprint in new:
                self.sql.execute(c, "INSERT INTO repeat_checks (subject, fingerprint, at) VALUES (?,?,?)",
                                 (subject, fingerprint, now))
        return len(new)
