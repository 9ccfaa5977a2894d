"""Parts of `make bench` that measure the store and the processes rather than the API: the event
store's raw append rate on the same database (PostgreSQL or SQLite), and proportional memory."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from services.bootstrap import Wiring
from services.common.settings import Settings
from tests.bench import procstat


class Probe(Aggregate):
    """One small event per save, like a report's first event."""

    @event("Made")
    def __init__(self, payload: str):
        self.payload = payload


def floor_events_per_s(settings: Settings, threads: int, seconds: float = 5.0) -> float:
    """A throwaway application on the same database, cipher and compressor: how many events per
    second one aggregate per save reaches from this many threads. Its table is dropped after."""
    name = f"benchfloor{uuid.uuid4().hex[:6]}"
    env = Wiring.of(settings, create_tables=True).prepare_environment(name)
    app: Application[Any] = Application(env=env)
    app.name = name
    done = [0] * threads
    stop = time.monotonic() + seconds

    def work(i: int) -> None:
        while time.monotonic() < stop:
            app.save(Probe(payload="x" * 200))
            done[i] += 1

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(work, range(threads)))
    app.close()
    if settings.distributed:
        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            conn.execute(f"DROP TABLE IF EXISTS {name}_events")
    else:
        for leftover in Path(settings.var_dir).glob(f"{name}.sqlite*"):
            leftover.unlink()
    return round(sum(done) / seconds, 1)


def process_memory_mib(pid: int) -> dict[str, float]:
    """Proportional set size of one process and its children (the embedded wiring)."""
    return {"hotline run": round(sum(procstat.pss_kib(p) for p in procstat.tree(pid)) / 1024, 1)}


def stack_memory_mib(var: Path) -> dict[str, float]:
    """Proportional set size of every process the stack runs, by name: services, Kafka, PostgreSQL."""
    return procstat.stack_pss_mib(var)
