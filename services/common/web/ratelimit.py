"""In-process sliding-window rate limits (login, receipt lookup)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

from fastapi import HTTPException, Request, status

from services.common.web.proxies import client_address


class RateLimiter:
    """At most `limit` hits per key within `window` seconds; beyond that, 429."""

    def __init__(self, limit: int, window: float):
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def hit(self, key: str) -> None:
        now = time.monotonic()
        with self._lock:
            hits = self._hits[key]
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                retry = int(hits[0] + self.window - now) + 1
                raise HTTPException(
                    status_code=status.HTTP_429_TOO_MANY_REQUESTS,
                    detail=f"Too many attempts; try again in {retry} seconds",
                    headers={"Retry-After": str(retry)},
                )
            hits.append(now)
            if len(self._hits) > 100_000:  # bound memory under a flood of distinct keys
                self._hits = defaultdict(deque, {k: v for k, v in self._hits.items() if v})


def client_key(request: Request) -> str:
    return client_address(request)
