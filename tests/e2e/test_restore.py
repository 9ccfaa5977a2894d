"""Disaster recovery end to end: a backup of a running `make up` stack, restored into a fresh
PostgreSQL and a fresh Kafka, topics re-derived from the outboxes; every case comes back, the
audit chain verifies, and the view equals a rebuild from the event stores."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

from tests.e2e.client import Client, wait_for
from tests.e2e.test_distributed import make, read_stack_env
from tests.helpers import report_body

ROOT = Path(__file__).resolve().parents[2]


def stack_env(var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "KAFKA_"))}
    return {**env, "HOTLINE_VAR_DIR": str(var), "HOTLINE_PG_PORT": "25452",
            "HOTLINE_KAFKA_PORT": "29292", "HOTLINE_KAFKA_CONTROLLER_PORT": "29293",
            "HOTLINE_PORT": "18012"}


def hotline(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    run = subprocess.run([str(ROOT / ".venv/bin/hotline"), *args], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    return run


def infra(env: dict[str, str], script: str, *action: str) -> str:
    run = subprocess.run(["bash", str(ROOT / "infra" / f"{script}.sh"), *action], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout.strip()


def cases(client: Client) -> dict[str, tuple[str, str]]:
    found = client.http.get("/v1/cases", headers=client.auth("supervisor1")).json()
    return {c["case_id"]: (c["risk_level"], c["status"]) for c in found}


def test_a_backup_restores_into_a_fresh_cluster(tmp_path: Path) -> None:
    run = ROOT / "var" / "e2e" / f"restore-{uuid.uuid4().hex[:8]}"
    first, fresh, folder = run / "first", run / "fresh", tmp_path / "backup"
    env = stack_env(first)
    try:
        up = make("up", env)
        assert up.returncode == 0, up.stdout + up.stderr
        conf = read_stack_env(first)
        client = Client(conf["HOTLINE_API_URL"], first)
        for n in range(3):
            accepted = client.submit(report_body(children=[{"name": f"儿童{n}", "age": n + 3}]), f"r{n}")
            client.wait_for_referrals(accepted["report_id"], ("police-desk",))
        before = cases(client)
        assert len(before) == 3
        env_first = {**env, **conf}
        backup = hotline(env_first, "backup", "--out", str(folder))
        assert backup.returncode == 0, backup.stdout + backup.stderr
        made: dict[str, Any] = json.loads(backup.stdout)
        assert made["keys"] == 3 and made["checkpoints"] >= 1
        down = make("down", env)
        assert down.returncode == 0, down.stderr

        # A fresh cluster: new PostgreSQL, new Kafka; the master keys and passwords travel apart.
        fresh.mkdir(parents=True)
        shutil.copytree(first / "secrets", fresh / "secrets")
        shutil.copy2(first / "demo-users.txt", fresh / "demo-users.txt")
        env = stack_env(fresh)
        infra(env, "postgres", "start")
        infra(env, "kafka", "start")
        restore_env = {**env, "HOTLINE_DATABASE_URL": infra(env, "postgres", "url"),
                       "HOTLINE_KAFKA_BOOTSTRAP_SERVERS": infra(env, "kafka", "bootstrap"),
                       **dict(line.split("=", 1) for line in infra(env, "kafka", "admin-env").splitlines())}
        restored = hotline(restore_env, "restore", "--from", str(folder))
        assert restored.returncode == 0, restored.stdout + restored.stderr
        again = hotline(restore_env, "restore", "--from", str(folder))
        assert again.returncode == 2 and "fresh" in again.stderr  # never over a database in use
        republish = hotline(restore_env, "republish")
        assert republish.returncode == 0, republish.stdout + republish.stderr
        up = make("up", env)
        assert up.returncode == 0, up.stdout + up.stderr
        conf = read_stack_env(fresh)
        client = Client(conf["HOTLINE_API_URL"], fresh)
        assert wait_for(lambda: cases(client) == before, timeout=60, what="every case back")
        env_fresh = {**env, **conf}
        verify = hotline(env_fresh, "audit", "verify")
        assert verify.returncode == 0, verify.stdout + verify.stderr
        assert wait_for(lambda: hotline(env_fresh, "projection", "check").returncode == 0, timeout=60,
                        what="the view equal to a rebuild")
        # The restored stack keeps working: a new report goes all the way.
        new = client.submit(report_body(children=[{"name": "新来的", "age": 8}]), "after-restore")
        client.wait_for_referrals(new["report_id"], ("police-desk", "hospital-desk"))
    finally:
        make("down", stack_env(fresh))
        make("down", stack_env(first))
        shutil.rmtree(run, ignore_errors=True)
