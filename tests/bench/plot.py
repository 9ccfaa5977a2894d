"""var/bench/latest.png: latency percentiles against clients (POST) and offered rate (e2e)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: a file only
import matplotlib.pyplot as plt  # noqa: E402 - after choosing the backend


def plot(result: dict[str, Any], path: Path) -> None:
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    clients = [r["clients"] for r in result["post"]]
    for key, style in (("p50_ms", "o-"), ("p95_ms", "s--"), ("p99_ms", "^:")):
        left.plot(clients, [r[key] for r in result["post"]], style, label=key.replace("_ms", ""))
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_xlabel("concurrent clients")
    left.set_ylabel("POST /v1/reports latency (ms)")
    left.set_title("POST: " + ", ".join(f"{r['clients']}→{r['reports_per_s']}/s" for r in result["post"]))
    left.legend()
    rates = result["e2e_rates"]
    offered = [r["offered_per_s"] for r in rates]
    for key, style in (("p50_ms", "o-"), ("p95_ms", "s--"), ("p99_ms", "^:")):
        right.plot(offered, [r[key] for r in rates], style, label=key.replace("_ms", ""))
    right.set_xlabel("offered reports per second (open loop)")
    right.set_ylabel("report → desk view (ms)")
    right.set_title(f"floor {result['floor_events_per_s']} events/s · memory {result['memory_mib']} MiB")
    right.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
