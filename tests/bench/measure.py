"""Parts of `make bench` that measure the stack rather than the API: the event store's raw append
rate on the same database, the open-loop report→desk latency with consumer lag, and the stack's
proportional memory."""

from __future__ import annotations

import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from services.bootstrap import Wiring
from services.common.settings import Settings


class Probe(Aggregate):
    """One small event per save, like a report's first event."""

    @event("Made")
    def __init__(self, payload: str):
        self.payload = payload


def floor_events_per_s(settings: Settings, threads: int, seconds: float = 5.0) -> float:
    """A throwaway application on the same database, cipher and compressor: how many events per
    second one aggregate per save reaches from this many threads. Its table is dropped after."""
    name = f"benchfloor{uuid.uuid4().hex[:6]}"
    env = Wiring.of(settings, create_tables=True).env(name)
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
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {name}_events")
    return round(sum(done) / seconds, 1)


def open_loop(post: Callable[[], str], db_url: str, lag: Callable[[], int], *, rate: float,
              seconds: float) -> dict[str, Any]:
    """Reports offered at a fixed rate whatever the answers; each one's time until a referral is
    in the desk view, read from the view itself (polling the API would add audited reads)."""
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}
    lock = threading.Lock()
    max_lag = 0
    started = time.monotonic()

    def send(n: int) -> None:
        due = started + n / rate
        time.sleep(max(0.0, due - time.monotonic()))
        at = time.monotonic()
        report_id = post()
        with lock:
            sent[report_id] = at

    total = int(rate * seconds)
    with ThreadPoolExecutor(max_workers=64) as pool:
        futures = [pool.submit(send, n) for n in range(total)]
        with psycopg.connect(db_url, autocommit=True) as conn:
            last_lag = 0.0
            while len(seen) < total and time.monotonic() - started < seconds + 120:
                with lock:
                    waiting = [r for r in sent if r not in seen]
                if waiting:
                    rows = conn.execute(
                        "SELECT DISTINCT r.report_id FROM view_case_reports r JOIN view_referrals f"
                        " ON f.case_id = r.case_id WHERE r.report_id = ANY(%s)", (waiting,)).fetchall()
                    now = time.monotonic()
                    for (report_id,) in rows:
                        seen.setdefault(report_id, now)
                if time.monotonic() - last_lag > 1.0:
                    max_lag, last_lag = max(max_lag, lag()), time.monotonic()
                time.sleep(0.02)
        for f in futures:
            f.result()
    latencies = sorted(seen[r] - sent[r] for r in seen)

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(round(p / 100 * (len(latencies) - 1))))] * 1000, 1)

    return {"offered_per_s": rate, "seconds": seconds, "sent": total, "visible": len(latencies),
            "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99), "max_lag": max_lag}


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree(pid: int) -> list[int]:
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [pid, *(p for c in children for p in _tree(int(c)))]


def stack_memory_mib(var: Path) -> float:
    """Proportional set size of every process the stack runs: services, Kafka, PostgreSQL."""
    pids: set[int] = set()
    for pidfile in (var / "run").glob("*.pid"):
        try:
            pids.update(_tree(int(pidfile.read_text().strip())))
        except ValueError:
            continue
    postmaster = var / "pg" / "data" / "postmaster.pid"
    if postmaster.exists():
        pids.update(_tree(int(postmaster.read_text().splitlines()[0])))
    return round(sum(_pss_kib(p) for p in pids) / 1024, 1)
