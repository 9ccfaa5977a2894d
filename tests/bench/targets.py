"""The targets of issues #12 and #31, each judged on the figures of one run."""

from __future__ import annotations

from typing import Any

# Per wiring: CPU ms per report, POST 1 client p50 ms, memory PSS MiB (issue #31; #12's 1.5 GiB
# for the embedded process, which #31 leaves as it was).
LIMITS = {"distributed": (20.0, 10.0, 1228.8), "embedded": (8.0, 5.0, 1536.0)}


def targets(d: dict[str, Any], e: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for wiring, r in (("distributed", d), ("embedded", e)):
        if not r:
            continue
        cpu_limit, p50_limit, memory_limit = LIMITS[wiring]
        by_clients = {p["clients"]: p for p in r["post"]}
        fifty = next((x for x in r["e2e_rates"] if x["offered_per_s"] == 50), None)
        checks: list[tuple[str, Any, Any, bool]] = []
        if r.get("cpu"):
            phase = f" ({r['cpu']['clients']} clients)" if isinstance(r["cpu"].get("clients"), int) else ""
            checks.append((f"CPU ms per report{phase} ≤ {cpu_limit:g}", r["cpu"]["total_ms"], cpu_limit,
                           r["cpu"]["total_ms"] <= cpu_limit))
        if 50 in by_clients:
            need = round(0.5 * r["floor_events_per_s"], 1)
            checks += [("POST 50 clients reports/s ≥ 0.5 × floor", by_clients[50]["reports_per_s"], need,
                        by_clients[50]["reports_per_s"] >= need),
                       ("POST 50 clients p95 ms ≤ 150", by_clients[50]["p95_ms"], 150,
                        by_clients[50]["p95_ms"] <= 150)]
        if 1 in by_clients:
            single = by_clients[1]["p50_ms"]
            checks.append((f"POST 1 client p50 ms ≤ {p50_limit:g}", single, p50_limit, single <= p50_limit))
        if fifty:
            checks += [("open loop 50/s report→desk p99 ms ≤ 1000", fifty["p99_ms"], 1000,
                        fifty["p99_ms"] <= 1000),
                       ("lag back to 0 within s ≤ 5", fifty["drain_s"], 5,
                        fifty["drain_s"] is not None and fifty["drain_s"] <= 5)]
        if r.get("sustained"):
            rate = r["sustained"]["rate_per_s"]
            checks.append(("sustained reports/s (lag 0 within 5 s) ≥ 50", rate, 50, rate >= 50))
        checks.append((f"memory PSS MiB ≤ {memory_limit:g}", r["memory_mib"], memory_limit,
                       r["memory_mib"] <= memory_limit))
        out += [{"wiring": wiring, "target": t, "measured": v, "limit": lim, "met": ok}
                for t, v, lim, ok in checks]
    return out
