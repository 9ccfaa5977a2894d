"""Whether the database answers, probed apart from the requests. While it does not, the API
answers 503 at once: a request would otherwise wait out the store's own retries (ten attempts,
each as long as the pool's wait) before saying the same."""

from __future__ import annotations

from typing import Any

import psycopg
import structlog

from services.common.periodic import Periodic

log = structlog.get_logger("storewatch")


class StoreWatch:
    """One kept session, asked `SELECT 1` each interval (a new connection a second in each worker
    cost the database a backend and an authentication each: #31); a failed question is asked
    again once on a new connection before the store is called away (a session closed by the
    server while idle is not an outage)."""

    def __init__(self, url: str, interval: float = 1.0, timeout: int = 1):
        self.url = url
        self.timeout = timeout
        self.down = False
        self._conn: psycopg.Connection[Any] | None = None
        self._periodic = Periodic("store-watch", interval, self.probe)

    def _ask(self) -> None:
        if self._conn is None or self._conn.closed:
            # tcp_user_timeout: a peer gone silent fails the question within the timeout too.
            self._conn = psycopg.connect(self.url, connect_timeout=self.timeout, autocommit=True,
                                         tcp_user_timeout=self.timeout * 1000)
        self._conn.execute("SELECT 1")

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None

    def probe(self) -> bool:
        answered = False
        for _ in range(2):  # the kept session, then a new one
            try:
                self._ask()
                answered = True
                break
            except psycopg.Error:
                self._drop()
        if answered == self.down:  # a change: say it once
            log.warning("store answers again" if answered else "store does not answer")
        self.down = not answered
        return answered

    def start(self) -> None:
        self._periodic.start()

    def stop(self) -> None:
        self._periodic.stop()
        self._drop()
