"""The bench's budget (#31): the run's figures against docs/bench/baseline.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.bench import budget


def run(cpu_d: float | None = 40.0, cpu_e: float | None = 10.0, rate_d: float | None = 30.0,
        rate_e: float | None = 40.0) -> dict[str, Any]:
    """A latest.json with the figures the budget reads (None: not measured)."""
    def wiring(cpu: float | None, rate: float | None) -> dict[str, Any]:
        out: dict[str, Any] = {"post": [{"clients": 1, "p50_ms": 20.0}], "floor_events_per_s": 500.0,
                               "e2e": {"p99_ms": 300.0}, "memory_mib": 1500.0}
        if cpu is not None:
            out["cpu"] = {"total_ms": cpu}
        if rate is not None:
            out["sustained"] = {"rate_per_s": rate}
        return out
    return {"distributed": wiring(cpu_d, rate_d), "embedded": wiring(cpu_e, rate_e)}


BASE = {"figures": budget.figures(run())}


def rows_by_figure(current: dict[str, Any], baseline: dict[str, Any] | None = BASE) -> dict[str, budget.Row]:
    return {r.figure: r for r in budget.compare(baseline, budget.figures(current))}


def test_figures_read_from_latest_json() -> None:
    f = budget.figures(run())
    assert f["distributed.cpu_ms_per_report"] == 40.0
    assert f["embedded.sustained_per_s"] == 40.0
    assert f["distributed.post_1_client_p50_ms"] == 20.0
    assert f["embedded.memory_mib"] == 1500.0


def test_better_figures_hold_the_budget() -> None:
    rows = rows_by_figure(run(cpu_d=20.0, rate_e=60.0))
    assert rows["distributed.cpu_ms_per_report"].change_pct == -50.0
    assert rows["embedded.sustained_per_s"].change_pct == 50.0
    assert rows["embedded.sustained_per_s"].worse_pct == -50.0
    assert not any(r.over for r in rows.values())
    status, lines = budget.verdict(list(rows.values()), True)
    assert status == 0 and lines[-1] == "budget: held"


def test_cpu_worse_by_19_percent_holds_and_by_21_fails() -> None:
    held = rows_by_figure(run(cpu_d=40.0 * 1.19))["distributed.cpu_ms_per_report"]
    assert held.worse_pct == 19.0 and not held.over
    over = rows_by_figure(run(cpu_e=10.0 * 1.21))["embedded.cpu_ms_per_report"]
    assert over.worse_pct == 21.0 and over.over
    status, lines = budget.verdict(list(rows_by_figure(run(cpu_e=12.1)).values()), True)
    assert status == 1
    assert lines[-1] == "budget: EXCEEDED by embedded.cpu_ms_per_report"


def test_sustained_rate_worse_is_lower() -> None:
    held = rows_by_figure(run(rate_d=30.0 * 0.81))["distributed.sustained_per_s"]
    assert held.worse_pct == 19.0 and not held.over
    over = rows_by_figure(run(rate_d=30.0 * 0.79))["distributed.sustained_per_s"]
    assert over.worse_pct == 21.0 and over.over


def test_ungated_figures_never_fail() -> None:
    current = run()
    current["distributed"]["memory_mib"] = 3000.0
    rows = rows_by_figure(current)
    assert rows["distributed.memory_mib"].worse_pct == 100.0
    assert not rows["distributed.memory_mib"].over
    assert budget.verdict(list(rows.values()), True)[0] == 0


def test_missing_fields_are_said_not_failed() -> None:
    rows = rows_by_figure(run(cpu_d=None), {"figures": {**BASE["figures"], "embedded.sustained_per_s": None}})
    assert rows["distributed.cpu_ms_per_report"].current is None
    assert rows["distributed.cpu_ms_per_report"].change_pct is None
    assert rows["embedded.sustained_per_s"].baseline is None
    assert not any(r.over for r in rows.values())
    status, lines = budget.verdict(list(rows.values()), True)
    assert status == 0
    said = {f.key: next(line for line in lines if f" {f.key} " in line) for f in budget.FIGURES}
    assert said["distributed.cpu_ms_per_report"].endswith("(not measured in this run)")
    assert said["embedded.sustained_per_s"].endswith("(not in the baseline)")
    assert said["embedded.sustained_per_s"].startswith("       ")
    assert said["embedded.cpu_ms_per_report"].startswith("  ok   ")


def test_a_wiring_not_run_is_missing() -> None:
    current = run()
    current["embedded"] = {}
    f = budget.figures(current)
    assert f["embedded.cpu_ms_per_report"] is None and f["distributed.cpu_ms_per_report"] == 40.0


def test_missing_baseline_says_so_and_exits_0(tmp_path: Path) -> None:
    status, lines, rows = budget.report(run(), tmp_path / "baseline.json")
    assert status == 0 and rows == []
    assert "no baseline" in lines[0]


def test_written_baseline_is_read_back(tmp_path: Path) -> None:
    path = tmp_path / "bench" / "baseline.json"
    result = {**run(), "machine": {"nproc": 2, "loadavg_before": [0.5, 0.4, 0.3]}, "command": "make bench"}
    budget.write(result, path)
    kept = json.loads(path.read_text())
    assert kept["machine"] == {"nproc": 2, "loadavg_before": [0.5, 0.4, 0.3]}
    assert kept["commit"] and kept["written_at"].startswith("20")
    assert kept["figures"]["embedded.cpu_ms_per_report"] == 10.0
    status, _, rows = budget.report(run(cpu_d=50.0), path)
    assert status == 1
    assert next(r for r in rows if r["figure"] == "distributed.cpu_ms_per_report")["change_pct"] == 25.0


def test_the_machine_s_speed_is_said_and_the_judged_figures_scaled_to_the_baseline_s() -> None:
    base = {"figures": budget.figures({**run(), "machine": {"calibration_ms": 30.0}})}
    slow = {**run(cpu_d=40.0 * 1.5, rate_e=40.0 / 1.5), "machine": {"calibration_ms": 45.0}}
    rows = list(rows_by_figure(slow, base).values())
    status, lines = budget.verdict(rows, True)
    assert status == 1  # judged as measured: 50 % worse
    machine = next(line for line in lines if line.startswith("machine:"))
    assert "45 ms against 30" in machine and "1.50×" in machine
    on_base = {line.split()[0]: line for line in lines if line.startswith("       ") and "against" in line}
    assert on_base["distributed.cpu_ms_per_report"].split()[1] == "40.0"  # the machine's, all of it
    assert on_base["embedded.sustained_per_s"].endswith("+0.0 %")
    # Without a calibration in the baseline (written before it was measured), nothing is scaled.
    assert not any(line.startswith("machine:") for line in budget.verdict(
        list(rows_by_figure(slow).values()), True)[1])
