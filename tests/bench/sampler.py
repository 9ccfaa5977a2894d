"""Busy against waiting, sampled beside the load: every 100 ms what each PostgreSQL session is
doing (pg_stat_activity, by application name or else role: each service has its own role), every
0.5 s each consumer group's lag and each outbox's backlog. A window's summary reads both."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from kafka import KafkaConsumer, TopicPartition

from services.bootstrap import CONSUMERS
from services.common.settings import Settings
from services.common.store import Sql
from services.runtime.status import consumers, outboxes
from tests.bench.judge import stage_of

BENCH_APP = "hotline-bench"  # the bench's own sessions (PGAPPNAME), left out of the waits
Lags = Callable[[], dict[str, int]]
ACTIVITY = ("SELECT coalesce(nullif(application_name, ''), usename::text) AS who, state, wait_event_type,"
            " wait_event FROM pg_stat_activity WHERE backend_type = 'client backend'"
            " AND pid <> pg_backend_pid() AND application_name IS DISTINCT FROM %s")


class DistributedLag:
    """Lag per consumer group (its tracked positions against the topics' ends, as `hotline
    consumers status` counts it) and backlog per relay, with one long-lived Kafka client."""

    def __init__(self, settings: Settings, sql: Sql):
        self.sql = sql
        self.kafka = KafkaConsumer(**settings.kafka_security(),
                                   bootstrap_servers=settings.kafka_bootstrap_servers.split(","))
        topics = sorted({t for topics, _ in CONSUMERS.values() for t in topics})
        self.partitions = [TopicPartition(t, p) for t in topics
                           for p in sorted(self.kafka.partitions_for_topic(t) or ())]

    def __call__(self) -> dict[str, int]:
        ends = {(tp.topic, tp.partition): int(o) for tp, o in self.kafka.end_offsets(self.partitions).items()}
        out: dict[str, int] = defaultdict(int)
        for row in consumers(self.sql, ends):
            out[row["group"].removeprefix("hotline-")] += row["lag"]
        for box in outboxes(self.sql):
            out[f"relay-{box['app']}"] = box["backlog"]
        return dict(out)

    def close(self) -> None:
        self.kafka.close()


def bench_backends(url: str) -> Callable[[], frozenset[int]]:
    """The server pids of the bench's own sessions (its reads are not the pipeline's CPU)."""
    conn = psycopg.connect(url, autocommit=True, application_name=BENCH_APP)
    query = "SELECT pid FROM pg_stat_activity WHERE application_name = %s"
    return lambda: frozenset(int(r[0]) for r in conn.execute(query, (BENCH_APP,)))


def embedded_lags(var: Path) -> Lags:
    """The embedded wiring's backlog per edge: notifications its follower has not taken yet."""

    def one(name: str, sql: str) -> dict[str, int]:
        with sqlite3.connect(f"file:{var / name}.sqlite?mode=ro", uri=True) as db:
            return {str(k): int(v or 0) for k, v in db.execute(sql)}

    def lags() -> dict[str, int]:
        ends = {n: one(n, "SELECT 'end', MAX(rowid) FROM stored_events")["end"]
                for n in ("intake", "triage", "dispatch")}
        tracked = {n: one(n, "SELECT application_name, notification_id FROM tracking")
                   for n in ("triage", "dispatch", "desk")}
        return {"triage": ends["intake"] - tracked["triage"].get("intake", 0),
                "dispatch": ends["triage"] - tracked["dispatch"].get("triage", 0),
                "projection-desk": max(ends["triage"] - tracked["desk"].get("triage", 0),
                                       ends["dispatch"] - tracked["desk"].get("dispatch", 0))}
    return lags


class Sampler(threading.Thread):
    def __init__(self, lags: Lags, pg_url: str | None = None,
                 tasks: Callable[[], dict[str, str]] | None = None):
        super().__init__(name="bench-sampler", daemon=True)
        self.lags, self.pg_url, self.tasks = lags, pg_url, tasks
        self.task_samples: list[tuple[float, dict[str, str]]] = []
        self.lag_samples: list[tuple[float, dict[str, int]]] = []
        self.pg_samples: list[tuple[float, list[tuple[str, str, str]]]] = []
        self._halt = threading.Event()
        self._fresh = threading.Condition()

    def run(self) -> None:
        conn = (psycopg.connect(self.pg_url, autocommit=True, application_name=BENCH_APP)
                if self.pg_url else None)
        next_lag = 0.0
        try:
            while not self._halt.is_set():
                now = time.time()
                if conn is not None:
                    rows = conn.execute(ACTIVITY, (BENCH_APP,)).fetchall()
                    self.pg_samples.append((now, [(stage_of(r[0] or "?"), *state(r[1], r[2], r[3]))
                                                  for r in rows]))
                if self.tasks is not None:
                    self.task_samples.append((now, self.tasks()))
                if now >= next_lag:
                    current = self.lags()
                    with self._fresh:
                        self.lag_samples.append((time.time(), current))
                        self._fresh.notify_all()
                    next_lag = now + 0.5
                self._halt.wait(max(0.0, 0.1 - (time.time() - now)))
        finally:
            if conn is not None:
                conn.close()

    def lag_now(self) -> int:
        """The largest lag or backlog of a sample taken after this call."""
        asked = time.time()
        with self._fresh:
            self._fresh.wait_for(lambda: bool(self.lag_samples) and self.lag_samples[-1][0] > asked,
                                 timeout=30)
            return max(self.lag_samples[-1][1].values(), default=0) if self.lag_samples else 0

    def latest(self) -> tuple[float, int]:
        """The latest sample's time and largest lag or backlog, without waiting."""
        with self._fresh:
            taken, sample = self.lag_samples[-1] if self.lag_samples else (0.0, {})
        return taken, max(sample.values(), default=0)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=10)

    def window(self, start: float, end: float) -> dict[str, Any]:
        """Lag over time per group (seconds from `start`) and session states per stage."""
        lag: dict[str, list[list[float]]] = defaultdict(list)
        for t, sample in self.lag_samples:
            if start <= t <= end:
                for group, n in sample.items():
                    lag[group].append([round(t - start, 1), n])
        waits: dict[str, Counter[str]] = defaultdict(Counter)
        taken = [rows for t, rows in self.pg_samples if start <= t <= end]
        for rows in taken:
            for who, kind, detail in rows:
                waits[who][f"{kind}:{detail}" if detail else kind] += 1
        states: dict[str, Counter[str]] = defaultdict(Counter)
        for t, tasks in self.task_samples:
            if start <= t <= end:
                for name, what in tasks.items():
                    states[name][what] += 1
        return {"thread_states": {n: shares(c) for n, c in states.items()} if states else {},
                "lag": {g: {"max": max(n for _, n in s), "last": s[-1][1], "series": s}
                        for g, s in lag.items()},
                "pg_samples": len(taken),
                "pg_sessions": {who: {"sessions": round(sum(c.values()) / max(len(taken), 1), 1),
                                      "share_pct": shares(c)} for who, c in sorted(waits.items())}}


def shares(counts: Counter[str]) -> dict[str, float]:
    """The six commonest, each in % of all."""
    total = sum(counts.values())
    return {k: round(v / total * 100, 1) for k, v in counts.most_common(6)}


def state(status: str | None, wait_type: str | None, wait: str | None) -> tuple[str, str]:
    """One session's sample: running on a CPU, waiting (on what), idle in a transaction, idle."""
    if status == "active":
        return ("waits", f"{wait_type}/{wait}") if wait_type else ("cpu", "")
    if status == "idle in transaction":
        return "idle in transaction", ""
    return "idle", ""
