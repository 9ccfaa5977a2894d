"""`hotline run` (what `make run` starts): one process, SQLite files, in-process runner."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from tests.e2e.client import Client
from tests.helpers import PII_VALUES, report_body

ROOT = Path(__file__).resolve().parents[2]


def start(var: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "HOTLINE_VAR_DIR": str(var), "HOTLINE_PORT": str(port)}
    env.pop("HOTLINE_DATABASE_URL", None)
    return subprocess.Popen([str(ROOT / ".venv/bin/hotline"), "run"], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stop(proc: subprocess.Popen) -> tuple[str, str]:
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err[-2000:]
    return out, err


def test_embedded_routes_a_red_report_and_keeps_data_across_restart(tmp_path: Path) -> None:
    var = tmp_path / "var"
    proc = start(var, 18001)
    try:
        client = Client("http://127.0.0.1:18001", var)
        client.wait_ready()
        accepted = client.submit(report_body(), key="embedded-red")
        found = client.wait_for_referrals(accepted["report_id"], ("police-desk", "hospital-desk"))
        assert found["police-desk"]["agency_id"] == "police-441823"
        assert found["hospital-desk"]["agency_id"] == "hospital-441823"
    finally:
        out, err = stop(proc)
    assert "operator1" in out and "police-desk" in out  # demo accounts printed, once
    demo = var / "demo-users.txt"
    assert demo.stat().st_mode & 0o777 == 0o600
    assert client.password("operator1") in out and len(client.password("operator1")) >= 16
    assert {p.name for p in var.glob("*.sqlite")} >= {
        "intake.sqlite", "triage.sqlite", "dispatch.sqlite", "desk.sqlite", "accounts.sqlite"}
    assert not [v for v in PII_VALUES if v in err]

    proc = start(var, 18001)  # data stays
    try:
        client = Client("http://127.0.0.1:18001", var)
        client.wait_ready()
        status = client.http.get(f"/v1/reports/{accepted['report_id']}",
                                 headers=client.auth("operator1")).json()
        assert status["status"] == "dispatched"
        assert client.submit(report_body(), key="embedded-red") == accepted
    finally:
        out, _ = stop(proc)
    assert client.password("operator1") not in out  # passwords are shown only the first time
