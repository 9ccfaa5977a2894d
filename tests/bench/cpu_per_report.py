"""Where the time goes: CPU per report of each process of a fresh `make up` stack (its own ports
and var/bench/cpu), PostgreSQL and Kafka included, over N reports sent by 10 clients (`--clients`)
until every consumer has caught up (idle polling in that window included), and each one's PSS after. Prints
one JSON object. `make bench` measures the same on its own stack (`cpu` of each wiring in
var/bench/latest.json); this probe alone is quicker when only the CPU is wanted.

    .venv/bin/python -m tests.bench.cpu_per_report --reports 600
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.bench.procstat import broker_thread_ticks, ms_per_report, stack_pss_mib, stack_ticks
from tests.e2e.test_distributed import read_stack_env

ROOT = Path(__file__).resolve().parents[2]
VAR = ROOT / "var" / "bench" / "cpu"
PORTS = {"HOTLINE_PG_PORT": "25492", "HOTLINE_KAFKA_PORT": "29522", "HOTLINE_KAFKA_CONTROLLER_PORT": "29523",
         "HOTLINE_PORT": "18070", "HOTLINE_METRICS_BASE_PORT": "19700"}


def max_lag(env: dict[str, str]) -> int:
    run = subprocess.run([str(ROOT / ".venv/bin/hotline"), "consumers", "status"], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    return int(json.loads(run.stdout)["max_lag"]) if run.returncode == 0 else sys.maxsize


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--reports", type=int, default=600)
    p.add_argument("--clients", type=int, default=10, help="closed-loop clients posting the reports")
    p.add_argument("--warmup", type=int, default=0, metavar="N",
                   help="first N reports, not measured, and their catch-up (a stack that has run)")
    p.add_argument("--set", action="append", default=[], metavar="HOTLINE_X=value",
                   help="a setting for the stack under test (repeatable), to compare one change")
    args = p.parse_args()
    shutil.rmtree(VAR, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "KAFKA_"))}
    env.update(HOTLINE_VAR_DIR=str(VAR), **PORTS)
    env.update(setting.split("=", 1) for setting in args.set)
    up = subprocess.run(["make", "-s", "up"], cwd=ROOT, env=env, capture_output=True, text=True)
    try:
        assert up.returncode == 0, up.stderr[-2000:]
        stack = env | read_stack_env(VAR)
        users = dict(line.split("\t")[:2] for line in (VAR / "demo-users.txt").read_text().splitlines())
        base = f"http://127.0.0.1:{PORTS['HOTLINE_PORT']}"
        login = {"username": "operator1", "password": users["operator1"]}
        token = httpx.post(f"{base}/v1/auth/token", data=login).json()["access_token"]
        time.sleep(5)  # past the services' start

        def post(reports: int) -> subprocess.CompletedProcess[str]:
            load = ["closed", "--url", base, "--token", token, "--clients", str(args.clients),
                    "--reports", str(reports)]
            return subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "tests.bench.loadgen", *load],
                                  cwd=ROOT, capture_output=True, text=True)
        if args.warmup:
            post(args.warmup)
            while max_lag(stack) > 0:
                time.sleep(1)
        before, started, broker = stack_ticks(VAR), time.monotonic(), broker_thread_ticks(VAR)
        sent = post(args.reports)
        closed = time.monotonic() - started
        while max_lag(stack) > 0:
            time.sleep(1)
        after, caught_up = stack_ticks(VAR), time.monotonic() - started
        per = ms_per_report(before, after, args.reports)
        threads = ms_per_report(broker, broker_thread_ticks(VAR), args.reports)
        pss = stack_pss_mib(VAR)
        sys.stdout.write(json.dumps({
            "command": " ".join(["python -m tests.bench.cpu_per_report", f"--reports {args.reports}",
                                 f"--clients {args.clients}", f"--warmup {args.warmup}",
                                 *(f"--set {s}" for s in args.set)]),
            "reports": args.reports, "clients": args.clients, "sent_in_s": round(closed, 1),
            "caught_up_in_s": round(caught_up, 1),
            "ms_cpu_per_report": per,
            "total_ms": round(sum(per.values()), 1),
            "kafka_by_thread": {k: v for k, v in threads.items() if v},
            "pss_mib": dict(sorted(pss.items(), key=lambda kv: -kv[1])),
            "pss_total_mib": round(sum(pss.values()), 1),
            "post": json.loads(sent.stdout.strip().splitlines()[-1])["summary"]}, indent=1) + "\n")
    finally:
        subprocess.run(["make", "-s", "down"], cwd=ROOT, env=env, capture_output=True)


if __name__ == "__main__":
    main()
