"""Benchmark against a running stack (contract §9): the event store's raw append rate on the same
database, POST /v1/reports at several concurrencies, an open-loop steady load with report→desk
latency and the largest consumer lag, and the stack's proportional memory; written to
var/bench/latest.json and plotted in var/bench/latest.png. Usage (after `make up`, or through `make bench`):
    .venv/bin/python -m tests.bench.bench_pipeline --clients 1,10,50 --reports 300 --rate 10,20 --seconds 60
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from services.bootstrap import Wiring
from services.common.settings import Settings
from services.gateway.demo import read_demo_users
from services.gateway.status import pipeline_status
from tests.bench.measure import floor_events_per_s, open_loop, stack_memory_mib
from tests.bench.plot import plot
from tests.helpers import report_body


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def summary(values: list[float]) -> dict[str, float]:
    return {"n": len(values), "p50_ms": round(percentile(values, 50) * 1000, 1),
            "p95_ms": round(percentile(values, 95) * 1000, 1),
            "p99_ms": round(percentile(values, 99) * 1000, 1),
            "mean_ms": round(statistics.mean(values) * 1000, 1)}


def token(base: str, var: Path) -> str:
    """The demo operator's random password, from var/demo-users.txt."""
    password = read_demo_users(var)["operator1"]
    r = httpx.post(f"{base}/v1/auth/token", data={"username": "operator1", "password": password})
    r.raise_for_status()
    return r.json()["access_token"]  # type: ignore[no-any-return]


def distinct_report() -> dict[str, object]:
    """A report about a child no other bench report is about (so cases do not join)."""
    return report_body(children=[{"name": f"儿童{uuid.uuid4().hex[:8]}", "age": 9}])


def bench_post(base: str, tok: str, clients: int, reports: int) -> dict[str, float]:
    local = threading.local()

    def one(_: int) -> float:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=base, timeout=30)
        started = time.perf_counter()
        r = local.client.post("/v1/reports", json=distinct_report(), headers={
            "Authorization": f"Bearer {tok}", "Idempotency-Key": uuid.uuid4().hex})
        elapsed = time.perf_counter() - started
        assert r.status_code == 201, r.text
        return elapsed

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        latencies = list(pool.map(one, range(reports)))
    wall = time.perf_counter() - started
    return {**summary(latencies), "clients": clients, "reports_per_s": round(reports / wall, 1)}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--clients", default="1,10,50", help="concurrencies for POST /v1/reports")
    p.add_argument("--reports", type=int, default=300, help="reports per concurrency")
    p.add_argument("--rate", default="10,20", help="open-loop offered reports per second (a list)")
    p.add_argument("--seconds", type=float, default=60.0, help="open-loop duration")
    p.add_argument("--var", default="var", help="the var/ of the stack (stack.env, demo-users.txt)")
    args = p.parse_args()
    var = Path(args.var)
    env = dict(line.split("=", 1) for line in (var / "stack.env").read_text().splitlines() if "=" in line)
    os.environ.update({k: v for k, v in env.items() if k.startswith("HOTLINE_")})
    settings = Settings()
    base = env["HOTLINE_API_URL"]
    tok = token(base, var)
    floor = {f"{n}_threads": floor_events_per_s(settings, n) for n in (1, 8)}
    post = [bench_post(base, tok, int(c), args.reports) for c in args.clients.split(",")]
    view = Wiring.of(settings).view()
    headers = {"Authorization": f"Bearer {tok}"}
    client = httpx.Client(base_url=base, timeout=30, limits=httpx.Limits(max_connections=64))

    def post_one() -> str:
        r = client.post("/v1/reports", json=distinct_report(),
                        headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
        assert r.status_code == 201, r.text
        return str(r.json()["report_id"])

    def lag() -> int:
        return pipeline_status(settings, view.sql, view).max_lag

    e2e_rates = [open_loop(post_one, settings.database_url, lag, rate=float(rate), seconds=args.seconds)
                 for rate in args.rate.split(",")]
    client.close()
    view.datastore.close()
    result = {
        "command": "make bench ARGS=\"" + " ".join(sys.argv[1:]) + "\"",
        "floor_events_per_s": floor["8_threads"], "floor": floor,
        "post": [{"clients": r["clients"], "reports_per_s": r["reports_per_s"], "p50_ms": r["p50_ms"],
                  "p95_ms": r["p95_ms"], "p99_ms": r["p99_ms"]} for r in post],
        "e2e": e2e_rates[-1],
        "e2e_rates": e2e_rates,
        "memory_mib": stack_memory_mib(var),
    }
    out = var / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(result, indent=2))
    plot(result, out / "latest.png")
    print(json.dumps(result, indent=2))  # noqa: T201 - a benchmark's output is its result


if __name__ == "__main__":
    main()
