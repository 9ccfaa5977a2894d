"""Progress bars for long admin work, on standard error (standard output stays JSON)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

T = TypeVar("T")


def progress() -> Progress:
    """A bar when a person watches (a terminal); silent in scripts and logs."""
    console = Console(file=sys.stderr)
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=False,
                    disable=not console.is_terminal)


def counted(items: Iterable[T], bar: Progress, task: Any) -> Iterator[T]:
    for item in items:
        yield item
        bar.advance(task)
