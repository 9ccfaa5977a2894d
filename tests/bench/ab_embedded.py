"""Two trees' embedded wiring side by side in one hour: `hotline run` from each (a clone with its
own `.venv`, or a symlink to one), 200 reports of warm-up, then 600 by 10 clients and the process's
CPU until the view has them, then 300 by one client; in alternating order, reversed every other
round. Prints a JSON line a run and the means: whether a change or the hour moved `make bench`'s
embedded CPU (stops 52, 62 and 63).

    .venv/bin/python -m tests.bench.ab_embedded /tmp/base /tmp/head --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import mean
from typing import Any

from tests.bench.posting import closed_loops, token
from tests.bench.sampler import embedded_lags
from tests.e2e.client import Client

PORT = "18720"


def _settle(var: Path) -> None:
    lags = embedded_lags(var)
    time.sleep(0.5)
    while max(lags().values()) > 0:
        time.sleep(0.2)
    time.sleep(1.0)


def one_run(tree: Path) -> dict[str, Any]:
    """The tree's code (`python -m` from its own directory), on a fresh var of its own."""
    var = Path(tempfile.mkdtemp(prefix="ab-embedded-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    env.update(HOTLINE_VAR_DIR=str(var), HOTLINE_PORT=PORT)
    proc = subprocess.Popen([str(tree / ".venv/bin/python"), "-m", "services.cli.main", "run"], cwd=tree,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{PORT}"
    try:
        Client(base, var).wait_ready()
        tok = token(base, var)

        def ticks() -> int:
            fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return int(fields[11]) + int(fields[12])
        closed_loops(base, tok, [10], 200)
        _settle(var)
        before = ticks()
        closed_loops(base, tok, [10], 600)
        _settle(var)
        cpu = (ticks() - before) * 1000 / os.sysconf("SC_CLK_TCK") / 600
        alone = closed_loops(base, tok, [1], 300)[0]
        return {"tree": str(tree), "cpu_ms": round(cpu, 2), "p50_1_client_ms": alone["p50_ms"]}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(var, ignore_errors=True)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("trees", nargs=2, type=Path)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    runs: list[dict[str, Any]] = []
    for n in range(args.rounds):
        for tree in (args.trees if n % 2 == 0 else args.trees[::-1]):
            runs.append(one_run(tree))
            sys.stdout.write(json.dumps(runs[-1]) + "\n")
            sys.stdout.flush()
    sys.stdout.write(json.dumps({str(t): round(mean(r["cpu_ms"] for r in runs if r["tree"] == str(t)), 2)
                                 for t in args.trees}) + "\n")


if __name__ == "__main__":
    main()
