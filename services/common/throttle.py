"""Failure-only throttling (logins, receipt lookups), per account and per address. Failures
are rows in the database, so every API process of the distributed wiring sees the same count."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from services.common.store import Sql

DDL = (
    "CREATE TABLE IF NOT EXISTS throttle_failures ("
    " scope TEXT NOT NULL, subject TEXT NOT NULL, at DOUBLE PRECISION NOT NULL)",
    "CREATE INDEX IF NOT EXISTS throttle_failures_subject ON throttle_failures (scope, subject, at)",
    # The repeat check's allowance (allowance.py): one row per distinct child an operator checked.
    "CREATE TABLE IF NOT EXISTS repeat_checks ("
    " subject TEXT NOT NULL, fingerprint TEXT NOT NULL, at DOUBLE PRECISION NOT NULL)",
    "CREATE INDEX IF NOT EXISTS repeat_checks_subject ON repeat_checks (subject, at)",
)


@dataclass(frozen=True)
class Limit:
    scope: str
    failures: int
    window: float


# An account's failures count per address it is tried from (the IT office's review, stop 60:
# ten wrong passwords from anywhere locked the county hospital's only desk out for 15 minutes,
# a red referral waiting); from every address together a looser bound still stops guessing.
LOGIN_PER_ACCOUNT = Limit("login-account", 10, 15 * 60)
LOGIN_ANYWHERE = Limit("login-account-any", 100, 15 * 60)
LOGIN_PER_ADDRESS = Limit("login-address", 20, 60)
LOOKUP_PER_ADDRESS = Limit("lookup-address", 10, 60)


def login_limits(username: str, address: str) -> tuple[tuple[Limit, str], ...]:
    """The limits a login attempt counts against, each with its key."""
    return ((LOGIN_PER_ADDRESS, address), (LOGIN_PER_ACCOUNT, f"{username}\x1f{address}"),
            (LOGIN_ANYWHERE, username))


def _subject(key: str) -> str:
    # What someone typed as a username may be a password: only a digest is kept.
    return hashlib.sha256(key.lower().encode()).hexdigest()[:32]


class Throttle:
    def __init__(self, sql: Sql, clock: Callable[[], float] = time.time):
        self.sql = sql
        self.clock = clock
        self._writes = 0

    def close(self) -> None:
        self.sql.datastore.close()

    def create_tables(self) -> None:
        with self.sql.transaction(commit=True) as c:
            for statement in DDL:
                c.execute(statement)

    def check(self, limit: Limit, key: str) -> None:
        """429 with Retry-After once the key has used up its failures in the window."""
        now = self.clock()
        rows = self.sql.rows(
            "SELECT at FROM throttle_failures WHERE scope = ? AND subject = ? AND at > ?"
            " ORDER BY at", (limit.scope, _subject(key), now - limit.window))
        if len(rows) >= limit.failures:
            retry = int(rows[-limit.failures]["at"] + limit.window - now) + 1
            # Imported here: the workers that share this module never load the web framework.
            from fastapi import HTTPException, status

            raise HTTPException(status_code=status.HTTP_429_TOO_MANY_REQUESTS,
                                detail=f"Too many failed attempts; try again in {retry} seconds",
                                headers={"Retry-After": str(max(retry, 1))})

    def failures(self, limit: Limit, key: str, within: float) -> int:
        """How many failures the key has had in the last `within` seconds (at most a day is kept)."""
        row = self.sql.one("SELECT COUNT(*) AS n FROM throttle_failures WHERE scope = ? AND subject = ?"
                           " AND at > ?", (limit.scope, _subject(key), self.clock() - within))
        return int(row["n"]) if row else 0

    def fail(self, *keyed: tuple[Limit, str]) -> None:
        now = self.clock()
        with self.sql.transaction(commit=True) as c:
            for limit, key in keyed:
                self.sql.execute(c, "INSERT INTO throttle_failures (scope, subject, at) VALUES (?,?,?)",
                                 (limit.scope, _subject(key), now))
            self._writes += 1
            if self._writes % 500 == 0:  # forget failures older than any window
                self.sql.execute(c, "DELETE FROM throttle_failures WHERE at < ?", (now - 86400,))
