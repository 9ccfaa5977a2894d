"""A piece of work run every few seconds on a thread, and once more when stopped."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import structlog

log = structlog.get_logger("periodic")


class Periodic:
    """A failed round is logged and the next one tries again (the work must be idempotent)."""

    def __init__(self, name: str, interval: float, work: Callable[[], Any]):
        self.name = name
        self.interval = interval
        self.work = work
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _once(self) -> None:
        try:
            self.work()
        except Exception:
            log.exception("periodic work failed", work=self.name)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._once()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._once()
