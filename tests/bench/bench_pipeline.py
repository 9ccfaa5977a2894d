"""`make bench` (contract §9): both wirings, each fresh, alone on the machine, measured the same
way: the event store's raw append rate (the floor) on the same database, POST /v1/reports at
several concurrencies with the CPU each report costs every process, open-loop steady loads with
report→desk latency and, per window, each process busy against waiting, the step search for the
largest sustained rate, and proportional memory; then the figures against docs/bench/baseline.json.
Load comes from tests/bench/loadgen.py, a process of its own, first measured against a stub.
Writes var/bench/latest.json and var/bench/latest.png. Usage:
    make bench ARGS="--clients 1,10,50 --reports 600 --rate 10,25,50 --seconds 60 --steps 10:100:10"
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from services.bootstrap import Wiring
from services.common.settings import Settings
from services.runtime.serve import worker_count
from tests.bench import budget, procstat
from tests.bench.measure import cpu_calibration_ms, floor_events_per_s, process_memory_mib, stack_memory_mib
from tests.bench.observe import Observer, embedded_queued, embedded_ticks, stack_queued, stack_ticks
from tests.bench.openloop import loadgen, open_loop, rates_of, say, settle, step_search, visible_in
from tests.bench.plot import plot
from tests.bench.posting import closed_loops, last_summary, token
from tests.bench.sampler import BENCH_APP, DistributedLag, Sampler, bench_backends, embedded_lags
from tests.bench.suite_cost import lines as suite_lines
from tests.bench.suite_cost import measure as suite_cost
from tests.bench.targets import targets

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "var" / "bench"
# Own ports and var/: the bench runs beside a development stack (stopped for the figures' sake).
STACK_PORTS = {"HOTLINE_PG_PORT": "25482", "HOTLINE_KAFKA_PORT": "29502",
               "HOTLINE_KAFKA_CONTROLLER_PORT": "29503", "HOTLINE_PORT": "18050",
               "HOTLINE_METRICS_BASE_PORT": "9500"}  # not a dev stack's 9400 nor make chaos's 9470
EMBEDDED_PORT = "18051"
CPU_CLIENTS = 10  # the CPU target's phase: the clients of #16's probe, which the issue's 56 ms came from


def clean_env(var: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HOTLINE_", "KAFKA_")) and k != "PGAPPNAME"}
    return {**env, "HOTLINE_VAR_DIR": str(var), **extra}


def measure(base: str, var: Path, settings: Settings, args: argparse.Namespace, observer: Observer,
            memory: Callable[[], dict[str, float]]) -> dict[str, Any]:
    """The same figures for either wiring, against its running API and its own store."""
    floor = {f"{n}_threads": floor_events_per_s(settings, n) for n in (1, 8)}
    say(f"floor: {floor}")
    tok = token(base, var)
    lag = observer.sampler.lag_now
    post: list[dict[str, Any]] = []
    settled = [0.0]

    def posting(clients: int) -> Callable[[], int]:
        def phase() -> int:
            done = closed_loops(base, tok, [clients], args.reports)
            post.extend(done)
            settled[0] = settle(lag)
            say(f"the pipeline took {settled[0]} s more to catch up with {clients} clients' reports")
            return sum(p["n"] - p["errors"] for p in done)
        return phase

    cpu_by_clients = {n: observer.cpu_per_report(posting(n)) for n in map(int, args.clients.split(","))}
    cpu = judged_cpu(cpu_by_clients)
    view = Wiring.of(settings).view()
    visible = visible_in(view)

    def window(rate: float, seconds: float, give_up: float = 120) -> dict[str, Any]:
        return observer.window(lambda: open_loop(base, tok, rate, seconds, visible, observer.sampler.latest,
                                                 give_up_after=give_up))

    rates = []
    try:
        for r in args.rate.split(","):
            settle(lag)
            rates.append(window(float(r), args.seconds))
        steps = rates_of(args.steps)
        sustained = (step_search(lambda rate, give_up: window(rate, args.step_seconds, give_up), steps, lag)
                     if steps else {})
    finally:
        view.datastore.close()
    by_process = memory()
    return {"floor_events_per_s": floor["8_threads"], "floor": floor, "post": post,
            "catch_up_after_post_s": settled[0], "e2e": rates[-1], "e2e_rates": rates,
            "memory_mib": round(sum(by_process.values()), 1), "memory_by_process_mib": by_process,
            "cpu": cpu, "cpu_by_clients": cpu_by_clients, "sustained": sustained}


def judged_cpu(by_clients: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """The figure the CPU target is judged on: the phase of CPU_CLIENTS clients, as #16's probe
    (`tests/bench/cpu_per_report.py`, whose 56 ms the issue starts from) measures it, with every
    phase's reports and catch-up together beside it (`all_phases`); without that phase, those."""
    total = sum(c["reports"] for c in by_clients.values()) or 1
    names = {k for c in by_clients.values() for k in c["per_process_ms"]}
    per = {k: round(sum(c["per_process_ms"].get(k, 0) * c["reports"] for c in by_clients.values()) / total, 2)
           for k in names}
    pipeline = sum(v for k, v in per.items() if "bench" not in k)
    all_phases = {"reports": total, "clients": sorted(by_clients), "total_ms": round(pipeline, 1),
                  "per_process_ms": dict(sorted(per.items(), key=lambda kv: -kv[1]))}
    if CPU_CLIENTS not in by_clients:
        return all_phases
    return {**by_clients[CPU_CLIENTS], "clients": CPU_CLIENTS, "all_phases": all_phases}


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
        admin = subprocess.run([str(ROOT / "infra" / "postgres.sh"), "admin-url"], cwd=ROOT, env=env,
                               capture_output=True, text=True, check=True).stdout.strip()
        view = Wiring.of(settings).view()
        lags = DistributedLag(settings, view.sql)
        sampler = Sampler(lags, admin)
        sampler.start()
        workers = float(worker_count(settings))
        cores = {"api": workers, "postgres": float(os.cpu_count() or 1), "kafka": float(os.cpu_count() or 1)}
        backends = bench_backends(admin)
        try:
            result = measure(stack_env["HOTLINE_API_URL"], var, settings, args,
                             Observer(stack_ticks(var, backends), stack_queued(var), sampler, cores),
                             lambda: stack_memory_mib(var))
        finally:
            sampler.stop()
            lags.close()
            view.datastore.close()
        processes = subprocess.run([str(ROOT / ".venv/bin/hotline"), "processes"], env=env,
                                   capture_output=True, text=True).stdout.splitlines()
        return {**result, "processes": [line.split(":")[0] for line in processes], "api_workers": workers}
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
        sampler = Sampler(embedded_lags(var), tasks=lambda: procstat.thread_states(proc.pid))
        sampler.start()
        try:
            return measure(base, var, settings, args,
                           Observer(embedded_ticks(proc.pid), embedded_queued(proc.pid), sampler,
                                    {"hotline run": float(os.cpu_count() or 1)}),
                           lambda: process_memory_mib(proc.pid))
        finally:
            sampler.stop()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def arguments() -> argparse.Namespace:
    p = argparse.ArgumentParser()
    p.add_argument("--clients", default="1,10,50", help="concurrencies for POST /v1/reports")
    p.add_argument("--reports", type=int, default=600, help="reports per concurrency")
    p.add_argument("--rate", default="10,25,50", help="open-loop offered reports per second (a list)")
    p.add_argument("--seconds", type=float, default=60.0, help="open-loop duration")
    p.add_argument("--steps", default="10:150:10",
                   help="the step search's rates, FROM:TO:STEP or a list (empty: no search)")
    p.add_argument("--step-seconds", type=float, default=20.0, help="each step's open-loop window")
    p.add_argument("--wiring", choices=["both", "distributed", "embedded"], default="both")
    p.add_argument("--consumers", default="", help="HOTLINE_CONSUMERS for the bench stack")
    p.add_argument("--api-workers", default="", help="HOTLINE_API_WORKERS for the bench stack")
    p.add_argument("--keep", action="store_true", help="leave the bench stack up afterwards")
    p.add_argument("--write-baseline", action="store_true",
                   help="make this run's figures docs/bench/baseline.json (what later runs are held to)")
    return p.parse_args()


def main() -> None:
    args = arguments()
    load = [round(x, 2) for x in os.getloadavg()]
    machine = {"nproc": os.cpu_count(), "cores": os.cpu_count(), "loadavg_before": load}
    os.environ["PGAPPNAME"] = BENCH_APP  # the bench's own database sessions, told apart
    if load[0] > 0.5 * (os.cpu_count() or 1):
        say(f"the machine was not idle before the run (load {load[0]}): "
            "figures taken beside other work are not comparable with the baseline's")
    OUT.mkdir(parents=True, exist_ok=True)
    calibration = [cpu_calibration_ms()]  # the machine's speed, before and after (its mean is judged by)
    say(f"machine: a fixed CPU workload in {calibration[0]} ms")
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
    calibration.append(cpu_calibration_ms())
    machine.update(calibration_ms=round(sum(calibration) / 2, 2), calibration=calibration)
    result = {
        "command": "make bench ARGS=\"" + " ".join(sys.argv[1:]) + "\"", "machine": machine,
        **{k: main_figures[k] for k in ("floor_events_per_s", "floor", "post", "e2e", "e2e_rates",
                                        "memory_mib")},
        "wiring": "distributed" if d else "embedded",
        "distributed": d, "embedded": e, "loadgen": selftest, "targets": targets(d, e),
        "suites": suites,  # µs of cryptography per report, aes and sm (contract §14)
    }
    status, lines, result["budget"] = budget.report(result)
    (OUT / "latest.json").write_text(json.dumps(result, indent=1, ensure_ascii=False))
    plot(result, OUT / "latest.png")
    for line in suite_lines(suites):
        say(line)
    for wiring, r in (("distributed", d), ("embedded", e)):
        if r:
            every = r["cpu"].get("all_phases")
            say(f"{wiring}: CPU {r['cpu']['total_ms']} ms per report"
                + (f" ({r['cpu']['clients']} clients; {every['total_ms']} over every phase)" if every else "")
                + ", sustained "
                f"{r['sustained'].get('rate_per_s', '—')} reports/s, memory {r['memory_mib']} MiB PSS")
    for t in result["targets"]:
        say(f"{'met   ' if t['met'] else 'MISSED'} {t['wiring']:11s} {t['target']}: "
            f"{t['measured']} (limit {t['limit']})")
    for line in lines:
        say(line)
    if args.write_baseline:  # the new budget: this run's figures are what later runs are held to
        budget.write(result)
        status = 0
        say(f"baseline written: {budget.BASELINE.relative_to(ROOT)} (commit it with the change it measures)")
    say(f"figures in {OUT.relative_to(ROOT)}/latest.json, plots in {OUT.relative_to(ROOT)}/latest.png")
    sys.exit(status)


if __name__ == "__main__":
    main()
