"""Benchmark against a running stack: POST /v1/reports latency under concurrency, and the time
from POST to the referral being visible in the desk view. Usage (after `make up`):
    .venv/bin/python -m tests.bench.bench_pipeline --clients 50 --reports 500 --e2e 200
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from services.gateway.demo import read_demo_users
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


def bench_visible(base: str, tok: str, reports: int, workers: int = 10) -> dict[str, float]:
    headers = {"Authorization": f"Bearer {tok}"}

    def one(_: int) -> float:
        with httpx.Client(base_url=base, timeout=30) as client:
            started = time.perf_counter()
            r = client.post("/v1/reports", json=distinct_report(),
                            headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
            assert r.status_code == 201, r.text
            report_id = r.json()["report_id"]
            while True:
                status = client.get(f"/v1/reports/{report_id}", headers=headers).json()["status"]
                if status == "dispatched":
                    return time.perf_counter() - started
                if time.perf_counter() - started > 60:
                    raise TimeoutError(report_id)
                time.sleep(0.02)

    # Warm-up (not measured): consumers that just joined their groups get their partitions.
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, range(workers)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return {**summary(list(pool.map(one, range(reports)))), "workers": workers}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--base", default="")
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--reports", type=int, default=500)
    p.add_argument("--e2e", type=int, default=200)
    p.add_argument("--var", default="var", help="the var/ of the stack (demo-users.txt)")
    args = p.parse_args()
    base = args.base
    if not base:
        env = dict(line.split("=", 1) for line in Path(args.var, "stack.env").read_text().splitlines())
        base = env["HOTLINE_API_URL"]
    tok = token(base, Path(args.var))
    result = {
        "post_reports": bench_post(base, tok, args.clients, args.reports),
        "post_to_desk_view": bench_visible(base, tok, args.e2e),
    }
    print(json.dumps(result, indent=2))  # noqa: T201 - a benchmark's output is its result


if __name__ == "__main__":
    main()
