"""The open-loop phases of `make bench`: reports offered at a steady rate by the generator (a
process of its own), each one's time until a referral is in the desk view, and the step search
for the largest rate a wiring sustains (every report in the view and the lag back to 0 within 5 s
of the load's scheduled end)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PY = str(ROOT / ".venv" / "bin" / "python")
Visible = Callable[[list[str]], set[str]]
SUSTAIN_DRAIN_S = 5.0


def say(text: str) -> None:
    sys.stderr.write(f"[bench] {text}\n")
    sys.stderr.flush()


def loadgen(*args: str) -> list[str]:
    return [PY, "-m", "tests.bench.loadgen", *args]


def open_loop(base: str, tok: str, rate: float, seconds: float, visible: Visible,
              lag: Callable[[], tuple[float, int]], *, give_up_after: float = 120) -> dict[str, Any]:
    """Reports offered at `rate`; each one's time until a referral is in the desk view (read from
    the view itself: polling the API would add audited reads). `lag` answers at once with the
    sampler's latest (time taken, lag), so the view is polled every 20 ms whatever the lag costs.
    Ends when every report is visible and a lag taken after the load stopped is 0, or
    `give_up_after` seconds after the load stopped."""
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}
    summary: dict[str, Any] = {}
    lock = threading.Lock()
    began = time.time()
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
        taken, current = lag()
        if taken > last_sample:
            max_lag, last_sample = max(max_lag, current), taken
            max_backlog = max(max_backlog, total - len(seen))
            if (stopped_at is not None and taken > stopped_at and current == 0 and len(seen) == total
                    and drained_at is None):
                drained_at = max(taken, seen_last(seen))
        if stopped_at is None and proc.poll() is not None:
            reader.join()
            stopped_at = time.time()
        if drained_at is not None or (stopped_at is not None and now - stopped_at > give_up_after):
            break
        time.sleep(0.02)
    latencies = sorted(seen[r] - sent[r] for r in seen)

    def pct(p: float) -> float:
        at = min(len(latencies) - 1, int(round(p / 100 * (len(latencies) - 1))))
        return round(latencies[at] * 1000, 1) if latencies else 0.0

    result = {"offered_per_s": rate, "seconds": seconds, "sent": len(sent), "visible": len(seen),
              "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99), "max_lag": max_lag,
              "max_backlog": max_backlog,
              "drain_s": drain_seconds(drained_at, sent, seconds),
              "post_p99_ms": summary.get("post", {}).get("p99_ms"),
              "generator_max_behind_ms": summary.get("max_behind_ms"),
              # A generator that died sent less than it was asked to: the step failed.
              "errors": summary.get("errors") if proc.returncode == 0 else (summary.get("errors") or 0) + 1,
              "window": [round(began, 3), round(time.time(), 3)]}
    say(f"open loop {rate}/s: report→desk p50 {result['p50_ms']} p99 {result['p99_ms']} ms, "
        f"max lag {max_lag}, drained {result['drain_s']} s after the load stopped")
    return result


def drain_seconds(drained_at: float | None, sent: dict[str, float], seconds: float) -> float | None:
    """From the load's scheduled end (the first send plus its length) until every report was in
    the view and the lag 0. Not from the generator's exit, which waits for its answers: an API
    that queued the POSTs for half a minute had not kept up, though the pipeline behind it then
    drained at once (a slow hour's bench called 150/s sustained with a p99 of 41 s)."""
    if drained_at is None or not sent:
        return None
    return round(max(0.0, drained_at - (min(sent.values()) + seconds)), 2)


def seen_last(seen: dict[str, float]) -> float:
    return max(seen.values(), default=0.0)


def visible_in(view: Any) -> Visible:
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


def sustained(step: dict[str, Any]) -> bool:
    """A step is sustained when every report reached the desk view, none failed, and the lag was
    back to 0 within 5 s of the load's end."""
    return (step.get("drain_s") is not None and step["drain_s"] <= SUSTAIN_DRAIN_S
            and not step.get("errors") and step.get("visible") == step.get("sent"))


def rates_of(spec: str) -> list[float]:
    """`10:100:10` (from, to, step) or a list `10,20,40`."""
    if ":" in spec:
        start, stop, step = (float(x) for x in spec.split(":"))
        return [start + i * step for i in range(int((stop - start) / step) + 1)]
    return [float(x) for x in spec.split(",") if x.strip()]


def step_search(run: Callable[[float, float], dict[str, Any]], rates: list[float],
                lag: Callable[[], int]) -> dict[str, Any]:
    """Each rate in turn, from an idle pipeline, until one is not sustained: the largest before
    it is the wiring's sustained rate (0 when even the first is not)."""
    steps, best = [], 0.0
    for rate in rates:
        settle(lag)
        step = run(rate, SUSTAIN_DRAIN_S + 1)
        step["sustained"] = sustained(step)
        steps.append(step)
        if not step["sustained"]:
            break
        best = rate
    marks = ", ".join(f"{s['offered_per_s']:g}" + ("" if s["sustained"] else " ✗") for s in steps)
    say(f"sustained: {best:g} reports/s (lag back to 0 within {SUSTAIN_DRAIN_S:g} s); steps {marks}")
    return {"rate_per_s": best, "drain_limit_s": SUSTAIN_DRAIN_S, "steps": steps}
