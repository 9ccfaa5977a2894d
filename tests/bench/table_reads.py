"""Reads per report of every table, on a fresh store and again on a fuller one: a read that
grows with the store shows as a row whose figures grow between the two columns (#31 found the
scheduler's look for helperless plans this way: 3.9 rows a report fresh, 55.2 after 3,000).
`make up` on the probe's own ports and var/bench/cpu, 10 clients; prints one JSON object.

    .venv/bin/python -m tests.bench.table_reads --reports 600 --fill 2400
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from typing import Any

import httpx
import psycopg

from tests.bench.cpu_per_report import PORTS, ROOT, VAR, max_lag
from tests.e2e.test_distributed import read_stack_env

COUNTS = ("SELECT schemaname || '.' || relname, seq_scan, seq_tup_read, COALESCE(idx_scan, 0),"
          " COALESCE(idx_tup_fetch, 0), n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables")
FIELDS = ("seq_scan", "seq_tup_read", "idx_scan", "idx_tup_fetch", "writes")


def counts(admin: str) -> dict[str, tuple[int, ...]]:
    """Every table's counters in every database of the stack's PostgreSQL."""
    out = {}
    with psycopg.connect(admin) as c:
        names = [r[0] for r in c.execute("SELECT datname FROM pg_database WHERE NOT datistemplate"
                                         " AND datname <> 'postgres'")]
    for name in names:
        with psycopg.connect(admin.rsplit("/", 1)[0] + "/" + name) as d:
            out.update({f"{name}:{r[0]}": tuple(r[1:]) for r in d.execute(COUNTS)})
    return out


def per_report(before: dict[str, tuple[int, ...]], after: dict[str, tuple[int, ...]],
               reports: int) -> dict[str, dict[str, float]]:
    zero = (0,) * len(FIELDS)
    rows = {k: [round((v[i] - before.get(k, zero)[i]) / reports, 2) for i in range(len(FIELDS))]
            for k, v in after.items()}
    return {k: dict(zip(FIELDS, r, strict=True)) for k, r in rows.items() if any(abs(x) >= 0.01 for x in r)}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--reports", type=int, default=600, help="reports measured, each time")
    p.add_argument("--fill", type=int, default=2400, help="reports posted between the two measures")
    args = p.parse_args()
    shutil.rmtree(VAR, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "KAFKA_"))}
    env.update(HOTLINE_VAR_DIR=str(VAR), **PORTS)
    up = subprocess.run(["make", "-s", "up"], cwd=ROOT, env=env, capture_output=True, text=True)
    try:
        assert up.returncode == 0, up.stderr[-2000:]
        stack = env | read_stack_env(VAR)
        admin = subprocess.run([str(ROOT / "infra" / "postgres.sh"), "admin-url"], cwd=ROOT, env=env,
                               capture_output=True, text=True, check=True).stdout.strip()
        users = dict(line.split("\t")[:2] for line in (VAR / "demo-users.txt").read_text().splitlines())
        base = f"http://127.0.0.1:{PORTS['HOTLINE_PORT']}"
        login = {"username": "operator1", "password": users["operator1"]}
        token = httpx.post(f"{base}/v1/auth/token", data=login).json()["access_token"]

        def post(reports: int) -> None:
            load = ["closed", "--url", base, "--token", token, "--clients", "10", "--reports", str(reports)]
            subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "tests.bench.loadgen", *load],
                           cwd=ROOT, capture_output=True, text=True, check=True)
            while max_lag(stack) > 0:
                time.sleep(1)
            time.sleep(2)  # the scheduler's and the sequencer's rounds after the last message

        measured: list[dict[str, Any]] = []
        for fill in (0, args.fill):
            if fill:
                post(fill)
            before = counts(admin)
            post(args.reports)
            measured.append(per_report(before, counts(admin), args.reports))
        def rows_read(t: str) -> float:
            return sum(measured[1].get(t, {}).get(f, 0) for f in ("seq_tup_read", "idx_tup_fetch"))
        tables = sorted(set(measured[0]) | set(measured[1]), key=lambda t: -rows_read(t))
        fuller = f"after {args.fill + args.reports}"
        sys.stdout.write(json.dumps({
            "command": f"python -m tests.bench.table_reads --reports {args.reports} --fill {args.fill}",
            "per_report": {t: {"fresh": measured[0].get(t), fuller: measured[1].get(t)} for t in tables}},
            indent=1, ensure_ascii=False) + "\n")
    finally:
        subprocess.run(["make", "-s", "down"], cwd=ROOT, env=env, capture_output=True)


if __name__ == "__main__":
    main()
