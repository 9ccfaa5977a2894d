"""The closed-loop phase of `make bench`: N clients posting reports, each as soon as answered."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import httpx

from services.runtime.demo import read_demo_users
from tests.bench.openloop import ROOT, loadgen, say


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
        out.append({k: s[k] for k in ("clients", "reports_per_s", "p50_ms", "p95_ms", "p99_ms", "errors",
                                      "n")})
    return out
