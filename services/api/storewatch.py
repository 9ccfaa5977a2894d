"""Whether the database answers, probed apart from the requests. While it does not, the API
answers 503 at once: a request would otherwise wait out the store's own retries (ten attempts,
each as long as the pool's wait) before saying the same."""

from __future__ import annotations

import psycopg
import structlog

from services.common.periodic import Periodic

log = structlog.get_logger("storewatch")


class StoreWatch:
    def __init__(self, url: str, interval: float = 1.0, timeout: int = 1):
        self.url = url
        self.timeout = timeout
        self.down = False
        self._periodic = Periodic("store-watch", interval, self.probe)

    def probe(self) -> bool:
        try:
            with psycopg.connect(self.url, connect_timeout=self.timeout) as conn:
                conn.execute("SELECT 1")
            answered = True
        except psycopg.Error:
            answered = False
        if answered == self.down:  # a change: say it once
            log.warning("store answers again" if answered else "store does not answer")
        self.down = not answered
        return answered

    def start(self) -> None:
        self._periodic.start()

    def stop(self) -> None:
        self._periodic.stop()
