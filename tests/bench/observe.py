"""CPU per report and busy against waiting, for either wiring: its ticks read before and after a
phase, the sampler's lag and PostgreSQL sessions over the phase's window, a judgement per stage."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.bench import procstat
from tests.bench.judge import judge_window
from tests.bench.openloop import say
from tests.bench.sampler import Sampler

Ticks = Callable[[], dict[str, int]]


def stack_ticks(var: Path, bench: Callable[[], frozenset[int]]) -> Ticks:
    return lambda: procstat.stack_ticks(var, bench())


def stack_queued(var: Path) -> Ticks:
    return lambda: procstat.stack_queued_ns(var)


def embedded_queued(pid: int) -> Ticks:
    return lambda: {"hotline run": procstat.queued_ns(procstat.tree(pid))}


def embedded_ticks(pid: int) -> Ticks:
    """The process (and any child) as one, and each of its threads as `thread NAME`."""
    def ticks() -> dict[str, int]:
        total = sum(procstat.group_ticks({"p": procstat.tree(pid)}).values())
        return {"hotline run": total, **{f"thread {k}": v for k, v in procstat.thread_ticks(pid).items()}}
    return ticks


def threads_of(figures: dict[str, float], least: float) -> dict[str, float]:
    return {k.removeprefix("thread "): v for k, v in figures.items()
            if k.startswith("thread ") and v >= least}


class Observer:
    def __init__(self, ticks: Ticks, queued: Ticks, sampler: Sampler, cores: dict[str, float]):
        self.ticks, self.queued, self.sampler, self.cores = ticks, queued, sampler, cores
        self.nproc = os.cpu_count() or 1

    def cpu_per_report(self, phase: Callable[[], int]) -> dict[str, Any]:
        """CPU of every process (and thread) while `phase` posts its reports and the pipeline
        catches up with them (idle polling in that time included), per report posted."""
        before, started = self.ticks(), time.monotonic()
        reports = phase()
        after, wall = self.ticks(), time.monotonic() - started
        per = procstat.ms_per_report(before, after, reports)
        processes = {k: v for k, v in per.items() if not k.startswith("thread ")}
        threads = threads_of(per, 0.05)
        pipeline = sum(v for k, v in processes.items() if "bench" not in k)
        out = {"reports": reports, "window_s": round(wall, 1), "total_ms": round(pipeline, 1),
               "per_process_ms": processes, **({"per_thread_ms": threads} if threads else {})}
        say(f"CPU per report: {out['total_ms']} ms over {reports} reports and the catch-up "
            f"({out['window_s']} s): " + ", ".join(f"{k} {v:g}" for k, v in processes.items() if v >= 0.05))
        if threads:
            say("  by thread (main = the API's event loop; tids grow in order of start): "
                + ", ".join(f"{k} {v:g}" for k, v in list(threads.items())[:8]))
        return out

    def window(self, phase: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """An open-loop phase with, under `busy`, each process's CPU over the window's wall time,
        each group's lag over time, the database sessions' states and the judgement."""
        before, queued, machine = self.ticks(), self.queued(), procstat.machine_busy_ticks()
        result = phase()
        after, queued_after, machine_after = self.ticks(), self.queued(), procstat.machine_busy_ticks()
        start, end = result["window"]
        util = procstat.utilisation(before, after, end - start)
        waited = {k: round((v - queued.get(k, 0)) / 1e9 / (end - start), 3) for k, v in queued_after.items()}
        everything = round((machine_after - machine) / procstat.TICK / (end - start), 2)
        processes = {k: v for k, v in util.items() if not k.startswith("thread ")}
        threads = threads_of(util, 0.01)
        sampled = self.sampler.window(start, end)
        judgement = judge_window(processes, {**sampled, "queued": waited, "machine": everything},
                                 self.nproc, self.cores, threads)
        for line in judgement:
            say(f"  {line}")
        result["busy"] = {"utilisation": processes, "waited_for_cpu": waited,
                          "machine_cores_busy": everything, **({"threads": threads} if threads else {}),
                          **sampled, "judgement": judgement}
        return result
