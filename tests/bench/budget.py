"""The budget (issue #31): `docs/bench/baseline.json` holds the figures of a chosen run; every
`make bench` prints its own beside them with the change in %, and fails when CPU per report or
the sustained rate of either wiring is more than 20 % worse. `--write-baseline` makes the run's
figures the new baseline, with the date, commit, machine and load before the run."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "docs" / "bench" / "baseline.json"
LIMIT_PCT = 20.0


@dataclass(frozen=True)
class Figure:
    key: str
    path: tuple[str, ...]  # where it is in var/bench/latest.json
    lower_is_better: bool
    gated: bool  # worse by more than LIMIT_PCT fails the run


WIRINGS = ("distributed", "embedded")
FIGURES = tuple(
    [Figure(f"{w}.cpu_ms_per_report", (w, "cpu", "total_ms"), True, True) for w in WIRINGS]
    + [Figure(f"{w}.sustained_per_s", (w, "sustained", "rate_per_s"), False, True) for w in WIRINGS]
    + [Figure(f"{w}.{name}", (w, *path), low, False) for w in WIRINGS for name, path, low in (
        ("post_1_client_p50_ms", ("post_1_client", "p50_ms"), True),
        ("floor_events_per_s", ("floor_events_per_s",), False),
        ("e2e_p99_ms", ("e2e", "p99_ms"), True),
        ("memory_mib", ("memory_mib",), True))]
    # The machine's own speed (a fixed CPU workload, `measure.cpu_calibration_ms`): not judged, but
    # it says how much of a change is the machine's (stops 55 and 56: the floor fell two fifths).
    + [Figure("machine.calibration_ms", ("machine", "calibration_ms"), True, False)])


@dataclass(frozen=True)
class Row:
    figure: str
    baseline: float | None
    current: float | None
    change_pct: float | None  # (current − baseline) ÷ baseline
    worse_pct: float | None  # the change read in the figure's bad direction
    gated: bool
    over: bool  # gated and worse by more than the limit


def _at(result: dict[str, Any], path: tuple[str, ...]) -> float | None:
    value: Any = result
    for part in path:
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def figures(result: dict[str, Any]) -> dict[str, float | None]:
    """The budget's figures of one run (latest.json); None for what the run did not measure."""
    flat = {**result}
    for wiring in WIRINGS:
        r = result.get(wiring) or {}
        one = next((p for p in r.get("post", []) if p.get("clients") == 1), None)
        flat[wiring] = {**r, "post_1_client": one} if r else {}
    return {f.key: _at(flat, f.path) for f in FIGURES}


def compare(baseline: dict[str, Any] | None, current: dict[str, float | None],
            limit_pct: float = LIMIT_PCT) -> list[Row]:
    """Each figure against the baseline's (`{"figures": {...}}`); empty without a baseline."""
    if baseline is None:
        return []
    base = baseline.get("figures", {})
    rows = []
    for f in FIGURES:
        b, c = base.get(f.key), current.get(f.key)
        change = round((c - b) / b * 100, 1) if b and c is not None else None
        worse = None if change is None else (change if f.lower_is_better else -change)
        over = f.gated and worse is not None and worse > limit_pct
        rows.append(Row(f.key, b, c, change, worse, f.gated, over))
    return rows


def verdict(rows: list[Row], baseline_found: bool) -> tuple[int, list[str]]:
    """The exit status and the lines to print."""
    if not baseline_found:
        return 0, [f"budget: no baseline at {BASELINE.relative_to(ROOT)}: nothing compared "
                   "(make bench ARGS=--write-baseline writes one)"]
    lines = [f"budget (worse by more than {LIMIT_PCT:g} % fails: CPU per report, sustained rate):"]
    for r in rows:
        change = "—" if r.change_pct is None else f"{r.change_pct:+.1f} %"
        state = ("OVER " if r.over else "ok   ") if r.gated and r.worse_pct is not None else "     "
        note = "" if r.current is not None else " (not measured in this run)"
        note = note or ("" if r.baseline is not None else " (not in the baseline)")
        lines.append(f"  {state}{r.figure:36s} {_num(r.current):>9s} against {_num(r.baseline):>9s}"
                     f"  {change}{note}")
    lines += scaled(rows)
    over = [r.figure for r in rows if r.over]
    lines.append(f"budget: {'EXCEEDED by ' + ', '.join(over) if over else 'held'}")
    return (1 if over else 0), lines


def scaled(rows: list[Row]) -> list[str]:
    """The judged figures as on the baseline's machine, by the calibration's ratio (CPU time
    scales with it, a rate against it): printed beside the verdict, which stays on the figures
    as measured."""
    calib = next((r for r in rows if r.figure == "machine.calibration_ms"), None)
    if calib is None or not calib.baseline or not calib.current:
        return []
    slower = calib.current / calib.baseline
    lines = [f"machine: the fixed workload took {calib.current:g} ms against {calib.baseline:g} "
             f"({slower:.2f}× the baseline's time); the judged figures on the baseline's machine:"]
    for r in rows:
        if r.gated and r.baseline and r.current is not None:
            on_base = r.current / slower if r.figure.endswith("cpu_ms_per_report") else r.current * slower
            lines.append(f"       {r.figure:36s} {on_base:>9.1f} against {r.baseline:>9g}"
                         f"  {(on_base - r.baseline) / r.baseline * 100:+.1f} %")
    return lines


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def load(path: Path = BASELINE) -> dict[str, Any] | None:
    return json.loads(path.read_text()) if path.exists() else None  # type: ignore[no-any-return]


def baseline_of(result: dict[str, Any]) -> dict[str, Any]:
    """What --write-baseline keeps: the figures, and where and when they were taken."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    return {"written_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "commit": commit + ("+changes" if dirty else ""), "command": result.get("command"),
            "machine": result.get("machine", {"nproc": os.cpu_count()}),
            "figures": figures(result)}


def write(result: dict[str, Any], path: Path = BASELINE) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(baseline_of(result), indent=2, ensure_ascii=False) + "\n")


def report(result: dict[str, Any], path: Path = BASELINE) -> tuple[int, list[str], list[dict[str, Any]]]:
    """The run against the baseline at `path`: exit status, printout, rows for latest.json."""
    baseline = load(path)
    rows = compare(baseline, figures(result))
    status, lines = verdict(rows, baseline is not None)
    return status, lines, [asdict(r) for r in rows]
