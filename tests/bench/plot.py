"""var/bench/latest.png: per wiring, POST latency percentiles against clients and report→desk
latency percentiles against the offered rate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: a file only
import matplotlib.pyplot as plt  # noqa: E402 - after choosing the backend

STYLES = (("p50_ms", "o-"), ("p95_ms", "s--"), ("p99_ms", "^:"))


def plot(result: dict[str, Any], path: Path) -> None:
    wirings = [(name, result[name]) for name in ("distributed", "embedded") if result.get(name)]
    fig, axes = plt.subplots(len(wirings), 2, figsize=(11, 4.2 * len(wirings)), squeeze=False)
    for (name, r), (left, right) in zip(wirings, axes, strict=True):
        clients = [x["clients"] for x in r["post"]]
        for key, style in STYLES:
            left.plot(clients, [x[key] for x in r["post"]], style, label=key.replace("_ms", ""))
        left.set_xscale("log")
        left.set_yscale("log")
        left.set_xlabel("concurrent clients")
        left.set_ylabel("POST /v1/reports latency (ms)")
        left.set_title(f"{name} POST: " + ", ".join(f"{x['clients']}→{x['reports_per_s']}/s"
                                                      for x in r["post"]), fontsize=9)
        left.legend()
        offered = [x["offered_per_s"] for x in r["e2e_rates"]]
        for key, style in STYLES:
            right.plot(offered, [x[key] for x in r["e2e_rates"]], style, label=key.replace("_ms", ""))
        right.set_xlabel("offered reports per second (open loop)")
        right.set_ylabel("report → desk view (ms)")
        extra = (f"\nCPU {r['cpu']['total_ms']} ms/report" if r.get("cpu") else "") + (
            f" · sustained {r['sustained']['rate_per_s']:g}/s" if r.get("sustained") else "")
        right.set_title(f"{name}: floor {r['floor_events_per_s']} events/s · memory {r['memory_mib']} MiB"
                        + extra, fontsize=9)
        right.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
