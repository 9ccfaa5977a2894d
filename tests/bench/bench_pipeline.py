"""`make bench` (contract §9): both wirings, each fresh, alone on the machine, measured the same
way: the event store's raw append rate (the floor) on the same database, POST /v1/reports at
several concurrencies, an open-loop steady load at several rates with report→desk latency,
the largest backlog and consumer lag and the time they take to drain, and proportional memory.
Load comes from tests/bench/loadgen.py, a process of its own, first measured against a stub.
Writes var/bench/latest.json and var/bench/latest.png. Usage:
    make bench ARGS="--clients 1,10,50 --reports 600 --rate 10,25,50 --seconds 60"
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from services.bootstrap import Wiring
from services.common.settings import Settings
from services.runtime.demo import read_demo_users
from services.runtime.status import pipeline_status
from tests.bench.measure import floor_events_per_s, process_memory_mib, stack_memory_mib
from tests.bench.plot import plot
from tests.bench.suite_cost import lines as suite_lines
from tests.bench.suite_cost import measure as suite_cost

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "var" / "bench"
PY = str(ROOT / ".venv" / "bin" / "python")
# Own ports and var/: the bench runs beside a development stack (stopped for the figures' sake).
STACK_PORTS = {"HOTLINE_PG_PORT": "25482", "HOTLINE_KAFKA_PORT": "29502",
               "HOTLINE_KAFKA_CONTROLLER_PORT": "29503", "HOTLINE_PORT": "18050"}
EMBEDDED_PORT = "18051"


def say(text: str) -> None:
    sys.stderr.write(f"[bench] {text}\n")
    sys.stderr.flush()


def clean_env(var: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "KAFKA_"))}
    return {**env, "HOTLINE_VAR_DIR": str(var), **extra}


def loadgen(*args: str) -> list[str]:
    return [PY, "-m", "tests.bench.loadgen", *args]


def last_summary(output: str) -> dict[str, Any]:
    return json.loads(output.strip().splitlines()[-1])["summary"]  # type: ignore[no-any-return]


def token(base: str, var: Path) -> str:
    password = read_demo_users(var)["operator1"]
    r = httpx.post(f"{base}/v1/auth/token", data={"username": "operator1", "password": password})
    r.raise_for_status()
    return r.json()["access_token"]  # type: ignore[no-any-return]


def closed_loops(base: str, tok: str, clients: list[int], reports: int) -> list[dict[str, Any]]:
    out = []
    for n in clients:
        done = subprocess.run(loadgen("closed", "--url", base, "--token", tok, "--clients", str(n),
                                      "--reports", str(max(reports, n * 5))),
                              capture_output=True, text=True, check=True, cwd=ROOT)
        s = last_summary(done.stdout)
        say(f"POST {n} clients: {s['reports_per_s']}/s p50 {s['p50_ms']} ms p95 {s['p95_ms']} ms")
        out.append({k: s[k] for k in ("clients", "reports_per_s", "p50_ms", "p95_ms", "p99_ms", "errors")})
    return out


def open_loop(base: str, tok: str, rate: float, seconds: float, visible: Callable[[list[str]], set[str]],
              lag: Callable[[], int]) -> dict[str, Any]:
    """Reports offered at `rate` by the generator; each one's time until a referral is in the
    desk view (read from the view itself: polling the API would add audited reads)."""
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}
    summary: dict[str, Any] = {}
    lock = threading.Lock()
    proc = subprocess.Popen(loadgen("open", "--url", base, "--token", tok, "--rate", str(rate),
                                    "--seconds", str(seconds)), stdout=subprocess.PIPE, text=True, cwd=ROOT)

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            item = json.loads(line)
            with lock:
                if "summary" in item:
                    summary.update(item["summary"])
                else:
                    sent[item["report_id"]] = item["sent"]

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    max_lag = max_backlog = 0
    last_sample = 0.0
    stopped_at: float | None = None
    drained_at: float | None = None
    while True:
        with lock:
            waiting = [r for r in sent if r not in seen]
            total = len(sent)
        now = time.time()
        for report_id in visible(waiting) if waiting else ():
            seen.setdefault(report_id, now)
        if now - last_sample > 0.5:
            current = lag()
            max_lag, last_sample = max(max_lag, current), now
            max_backlog = max(max_backlog, total - len(seen))
            if stopped_at is not None and current == 0 and len(seen) == total and drained_at is None:
                drained_at = now
        if stopped_at is None and proc.poll() is not None:
            reader.join()
            stopped_at = time.time()
        if drained_at is not None or (stopped_at is not None and now - stopped_at > 120):
            break
        time.sleep(0.02)
    latencies = sorted(seen[r] - sent[r] for r in seen)

    def pct(p: float) -> float:
        at = min(len(latencies) - 1, int(round(p / 100 * (len(latencies) - 1))))
        return round(latencies[at] * 1000, 1) if latencies else 0.0

    result = {"offered_per_s": rate, "seconds": seconds, "sent": len(sent), "visible": len(seen),
              "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99), "max_lag": max_lag,
              "max_backlog": max_backlog,
              "drain_s": round(drained_at - stopped_at, 2) if drained_at and stopped_at else None,
              "post_p99_ms": summary.get("post", {}).get("p99_ms"),
              "generator_max_behind_ms": summary.get("max_behind_ms"), "errors": summary.get("errors")}
    say(f"open loop {rate}/s: report→desk p50 {result['p50_ms']} p99 {result['p99_ms']} ms, "
        f"max lag {max_lag}, drained {result['drain_s']} s after the load stopped")
    return result


def visible_in(view: Any) -> Callable[[list[str]], set[str]]:
    def visible(report_ids: list[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(report_ids), 500):
            chunk = report_ids[i:i + 500]
            rows = view.sql.rows(
                "SELECT DISTINCT r.report_id FROM view_case_reports r JOIN view_referrals f"
                f" ON f.case_id = r.case_id WHERE r.report_id IN ({','.join('?' * len(chunk))})", chunk)
            found.update(str(row["report_id"]) for row in rows)
        return found
    return visible


def settle(lag: Callable[[], int], timeout: float = 600) -> float:
    """Seconds until the pipeline has caught up (so each open loop starts on an idle system)."""
    started = time.monotonic()
    while lag() > 0 and time.monotonic() - started < timeout:
        time.sleep(0.25)
    return round(time.monotonic() - started, 1)


def embedded_lag(var: Path) -> Callable[[], int]:
    """The embedded wiring's largest backlog: notifications a follower has not taken yet."""

    def one(name: str, sql: str) -> dict[str, int]:
        with sqlite3.connect(f"file:{var / name}.sqlite?mode=ro", uri=True) as db:
            return {str(k): int(v or 0) for k, v in db.execute(sql)}

    def lag() -> int:
        ends = {n: one(n, "SELECT 'end', MAX(rowid) FROM stored_events")["end"]
                for n in ("intake", "triage", "dispatch")}
        tracked = {n: one(n, "SELECT application_name, notification_id FROM tracking")
                   for n in ("triage", "dispatch", "desk")}
        return max(ends["intake"] - tracked["triage"].get("intake", 0),
                   ends["triage"] - tracked["dispatch"].get("triage", 0),
                   ends["triage"] - tracked["desk"].get("triage", 0),
                   ends["dispatch"] - tracked["desk"].get("dispatch", 0))
    return lag


def measure(base: str, var: Path, settings: Settings, args: argparse.Namespace,
            lag: Callable[[], int], memory: Callable[[], float]) -> dict[str, Any]:
    """The same figures for either wiring, against its running API and its own store."""
    floor = {f"{n}_threads": floor_events_per_s(settings, n) for n in (1, 8)}
    say(f"floor: {floor}")
    tok = token(base, var)
    post = closed_loops(base, tok, [int(c) for c in args.clients.split(",")], args.reports)
    settled = settle(lag)
    say(f"the pipeline took {settled} s more to catch up with the closed loops")
    view = Wiring.of(settings).view()
    rates = []
    try:
        for r in args.rate.split(","):
            settle(lag)
            rates.append(open_loop(base, tok, float(r), args.seconds, visible_in(view), lag))
    finally:
        view.datastore.close()
    return {"floor_events_per_s": floor["8_threads"], "floor": floor, "post": post,
            "catch_up_after_post_s": settled, "e2e": rates[-1], "e2e_rates": rates,
            "memory_mib": memory()}


def distributed(args: argparse.Namespace) -> dict[str, Any]:
    var = OUT / "stack"
    env = clean_env(var, **STACK_PORTS, **({"HOTLINE_CONSUMERS": args.consumers} if args.consumers else {}),
                    **({"HOTLINE_API_WORKERS": args.api_workers} if args.api_workers else {}))
    subprocess.run(["make", "down"], cwd=ROOT, env=env, capture_output=True)
    shutil.rmtree(var, ignore_errors=True)
    say("distributed: make up (fresh var/bench/stack, own ports) …")
    subprocess.run(["make", "up"], cwd=ROOT, env=env, check=True, capture_output=True)
    try:
        stack_env = dict(line.split("=", 1) for line in (var / "stack.env").read_text().splitlines()
                         if "=" in line)
        os.environ.update({k: v for k, v in stack_env.items() if k.startswith("HOTLINE_")})
        settings = Settings()
        view = Wiring.of(settings).view()
        try:
            result = measure(stack_env["HOTLINE_API_URL"], var, settings, args,
                             lambda: pipeline_status(settings, view.sql, view).max_lag,
                             lambda: stack_memory_mib(var))
        finally:
            view.datastore.close()
        processes = subprocess.run([str(ROOT / ".venv/bin/hotline"), "processes"], env=env,
                                   capture_output=True, text=True).stdout.splitlines()
        return {**result, "processes": [line.split(":")[0] for line in processes],
                "api_workers": args.api_workers or os.cpu_count()}
    finally:
        for key in stack_env if "stack_env" in locals() else ():
            os.environ.pop(key, None)
        if not args.keep:
            subprocess.run(["make", "down"], cwd=ROOT, env=env, capture_output=True)


def embedded(args: argparse.Namespace) -> dict[str, Any]:
    var = OUT / "embedded"
    shutil.rmtree(var, ignore_errors=True)
    env = clean_env(var, HOTLINE_PORT=EMBEDDED_PORT)
    say("embedded: hotline run (fresh var/bench/embedded) …")
    proc = subprocess.Popen([str(ROOT / ".venv/bin/hotline"), "run"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{EMBEDDED_PORT}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        settings = Settings(var_dir=var, database_url="", key_files=True)
        return measure(base, var, settings, args, embedded_lag(var), lambda: process_memory_mib(proc.pid))
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def targets(d: dict[str, Any], e: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue #12's targets, each judged on the figures of this run."""
    out = []
    for wiring, r in (("distributed", d), ("embedded", e)):
        if not r:
            continue
        by_clients = {p["clients"]: p for p in r["post"]}
        fifty = next((x for x in r["e2e_rates"] if x["offered_per_s"] == 50), None)
        checks: list[tuple[str, Any, Any, bool]] = []
        if 50 in by_clients:
            need = round(0.5 * r["floor_events_per_s"], 1)
            checks += [("POST 50 clients reports/s ≥ 0.5 × floor", by_clients[50]["reports_per_s"], need,
                        by_clients[50]["reports_per_s"] >= need),
                       ("POST 50 clients p95 ms ≤ 150", by_clients[50]["p95_ms"], 150,
                        by_clients[50]["p95_ms"] <= 150)]
        if 1 in by_clients:
            single = by_clients[1]["p50_ms"]
            checks.append(("POST 1 client p50 ms ≤ 10", single, 10, single <= 10))
        if fifty:
            checks += [("open loop 50/s report→desk p99 ms ≤ 1000", fifty["p99_ms"], 1000,
                        fifty["p99_ms"] <= 1000),
                       ("lag back to 0 within s ≤ 5", fifty["drain_s"], 5,
                        fifty["drain_s"] is not None and fifty["drain_s"] <= 5)]
        checks.append(("memory PSS MiB ≤ 1536", r["memory_mib"], 1536, r["memory_mib"] <= 1536))
        out += [{"wiring": wiring, "target": t, "measured": v, "limit": lim, "met": ok}
                for t, v, lim, ok in checks]
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--clients", default="1,10,50", help="concurrencies for POST /v1/reports")
    p.add_argument("--reports", type=int, default=600, help="reports per concurrency")
    p.add_argument("--rate", default="10,25,50", help="open-loop offered reports per second (a list)")
    p.add_argument("--seconds", type=float, default=60.0, help="open-loop duration")
    p.add_argument("--wiring", choices=["both", "distributed", "embedded"], default="both")
    p.add_argument("--consumers", default="", help="HOTLINE_CONSUMERS for the bench stack")
    p.add_argument("--api-workers", default="", help="HOTLINE_API_WORKERS for the bench stack")
    p.add_argument("--keep", action="store_true", help="leave the bench stack up afterwards")
    args = p.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    say("load generator against a stub (3 × the 50/s target) …")
    selftest = last_summary(subprocess.run(loadgen("selftest", "--rate", "150", "--seconds", "10"),
                                           capture_output=True, text=True, check=True, cwd=ROOT).stdout)
    say(f"generator: {selftest['open_achieved_per_s']}/s open loop against the stub, "
        f"{selftest['closed_50_clients']['reports_per_s']}/s closed")
    say("the cryptography of one report under each suite (aes, sm) …")
    suites = suite_cost()
    d = distributed(args) if args.wiring in ("both", "distributed") else {}
    e = embedded(args) if args.wiring in ("both", "embedded") else {}
    main_figures = d or e
    result = {
        "command": "make bench ARGS=\"" + " ".join(sys.argv[1:]) + "\"",
        "machine": {"cores": os.cpu_count()},
        **{k: main_figures[k] for k in ("floor_events_per_s", "floor", "post", "e2e", "e2e_rates",
                                        "memory_mib")},
        "wiring": "distributed" if d else "embedded",
        "distributed": d, "embedded": e, "loadgen": selftest, "targets": targets(d, e),
        "suites": suites,  # µs of cryptography per report, aes and sm (contract §14)
    }
    (OUT / "latest.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    plot(result, OUT / "latest.png")
    for line in suite_lines(suites):
        say(line)
    for t in result["targets"]:
        say(f"{'met   ' if t['met'] else 'MISSED'} {t['wiring']:11s} {t['target']}: "
            f"{t['measured']} (limit {t['limit']})")
    sys.stdout.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
