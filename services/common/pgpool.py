"""PostgreSQL connection pools come back within about two seconds of the database.

psycopg_pool retries a lost connection with a delay that doubles without bound (1, 2, 4, 8,
16 s …), so after a 15-second restart the pools of every process waited another 16 s before
trying again (measured by `make chaos`). Here the delay stops growing at two seconds; the pool
still gives up after its reconnect timeout."""

from __future__ import annotations

import psycopg_pool.pool
from psycopg_pool.base import AttemptWithBackoff

MAX_DELAY = 2.0


class BoundedBackoff(AttemptWithBackoff):
    def update_delay(self, now: float) -> None:
        super().update_delay(now)
        self.delay = min(self.delay, MAX_DELAY)


def install() -> None:
    """The pool module builds its attempts by this name; idempotent."""
    psycopg_pool.pool.AttemptWithBackoff = BoundedBackoff  # type: ignore[misc]
