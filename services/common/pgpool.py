"""PostgreSQL connection pools come back within about two seconds of the database, and check
a connection before use only when it sat idle.

psycopg_pool retries a lost connection with a delay that doubles without bound (1, 2, 4, 8,
16 s …), so after a 15-second restart the pools of every process waited another 16 s before
trying again (measured by `make chaos`). Here the delay stops growing at two seconds; the pool
still gives up after its reconnect timeout.

eventsourcing's pre-ping checks every connection at every checkout: one round trip more per
statement (a report took four). A connection handed out within the last second was working
then; only one idle for longer is checked (a database restart takes longer than that, and a
failure in between is retried by eventsourcing's recorders)."""

from __future__ import annotations

import time
import weakref
from typing import Any

import psycopg_pool.pool
from psycopg_pool.base import AttemptWithBackoff

MAX_DELAY = 2.0
RECENT = 1.0  # seconds: a connection handed out this recently is not checked again

_checked: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()
_ping = psycopg_pool.pool.ConnectionPool.check_connection


class BoundedBackoff(AttemptWithBackoff):
    def update_delay(self, now: float) -> None:
        super().update_delay(now)
        self.delay = min(self.delay, MAX_DELAY)


def check_if_idle(conn: Any) -> None:
    """The pool's check: a round trip only for a connection not handed out within RECENT."""
    now = time.monotonic()
    if now - _checked.get(conn, float("-inf")) >= RECENT:
        _ping(conn)
    _checked[conn] = now


def install() -> None:
    """The pool module builds its attempts, and eventsourcing its pre-ping check, by these
    names; idempotent."""
    psycopg_pool.pool.AttemptWithBackoff = BoundedBackoff  # type: ignore[misc]
    psycopg_pool.pool.ConnectionPool.check_connection = staticmethod(check_if_idle)  # type: ignore[method-assign,assignment]
