"""Parts of `make bench` that measure the store and the processes rather than the API: the event
store's raw append rate on the same database (PostgreSQL or SQLite), proportional memory, and the
machine's own speed for one thread."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
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


def cpu_calibration_ms(rounds: int = 9) -> float:
    """One thread's speed now: the best of `rounds` timings, in ms, of a fixed mix of the work a
    report costs in Python (JSON, dicts, SHA-256, AES-GCM). The same code on a slower machine, or
    one shared with a noisy neighbour, takes longer by what this does (the budget prints it)."""
    doc = {"children": [{"name": "王小明", "age": 9, "gender": "male"}] * 3,
           "narrative": "孩子被打流血，" * 40, "concerns": ["domestic_violence", "serious_injury"],
           "location": {"region_code": "441823100"}}
    aes, nonce, best = AESGCM(bytes(32)), bytes(12), float("inf")
    for _ in range(rounds):
        began = time.perf_counter()
        for i in range(1500):
            text = json.dumps({**doc, "i": i}, ensure_ascii=False)
            back = json.loads(text)
            sealed = aes.encrypt(nonce, text.encode(), None)
            hashlib.sha256(sealed).hexdigest()
            sorted((k, str(v)) for k, v in back.items())
        best = min(best, time.perf_counter() - began)
    return round(best * 1000, 2)
