"""Faults injected on purpose (`make chaos`): armed by a file, off unless the process was
started with HOTLINE_FAULT_INJECTION, never in production."""

from __future__ import annotations

import os
from pathlib import Path

import structlog

log = structlog.get_logger("faults")


class FaultFile:
    """A fault armed by creating `var/faults/<name>`; it fires once and disarms itself."""

    def __init__(self, path: Path):
        self.path = path

    def fired(self) -> bool:
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        log.warning("injected fault fires", fault=self.path.name)
        return True

    def crash_if_armed(self) -> None:
        """Die at once, as `kill -9` would: no cleanup, no position recorded."""
        if self.fired():
            os._exit(137)


def never() -> None:
    """The default hook: no fault."""
