"""`make up` against servers an operator runs (#16): a PostgreSQL that accepts TLS only, checked
with verify-full against its CA, and a three-broker Kafka cluster, each started on its own ports
and data directories (not by `make up`). The stack starts only its services, a red report
reaches the police and hospital desks, every service connection is encrypted, and `make down`
leaves the servers running."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.e2e.client import Client
from tests.e2e.test_distributed import make, read_stack_env
from tests.helpers import report_body

ROOT = Path(__file__).resolve().parents[2]


def infra(script: str, command: str, env: dict[str, str]) -> str:
    done = subprocess.run(["bash", f"infra/{script}", command], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, str]]:
    base = ROOT / "var" / "e2e" / f"ext-{uuid.uuid4().hex[:8]}"
    pg = {**os.environ, "HOTLINE_VAR_DIR": str(base / "pg-server"), "HOTLINE_PG_PORT": "25482",
          "HOTLINE_PG_TLS": "1"}
    kafka = {**os.environ, "HOTLINE_VAR_DIR": str(base / "kafka-server"), "HOTLINE_KAFKA_BROKERS": "3",
             "HOTLINE_KAFKA_PORT": "29212", "HOTLINE_KAFKA_CONTROLLER_PORT": "29213"}
    try:
        infra("postgres.sh", "start", pg)
        infra("kafka.sh", "start", kafka)
        tls = f"?sslmode=verify-full&sslrootcert={infra('postgres.sh', 'ca', pg)}"
        admin = dict(line.split("=", 1) for line in infra("kafka.sh", "admin-env", kafka).splitlines())
        yield {"HOTLINE_DATABASE_URL": infra("postgres.sh", "url", pg) + tls,
               "HOTLINE_KAFKA_BOOTSTRAP_SERVERS": infra("kafka.sh", "bootstrap", kafka),
               "HOTLINE_KAFKA_REPLICAS": "3", **admin, "base": str(base),
               "pg_admin": infra("postgres.sh", "admin-url", pg) + tls}
    finally:
        for script, env in (("kafka.sh", kafka), ("postgres.sh", pg)):
            subprocess.run(["bash", f"infra/{script}", "stop"], cwd=ROOT, env=env, capture_output=True,
                           timeout=300)
        shutil.rmtree(base, ignore_errors=True)


def test_make_up_runs_only_the_services_against_existing_servers_over_tls(servers: dict[str, str]) -> None:
    var = Path(servers["base"]) / "stack"
    env = {**os.environ, "HOTLINE_VAR_DIR": str(var), "HOTLINE_PORT": "18020",
           "HOTLINE_METRICS_BASE_PORT": "19500",
           **{k: v for k, v in servers.items() if k.startswith("HOTLINE_")}}
    up = make("up", env)
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        assert "existing PostgreSQL and Kafka reachable" in up.stderr
        assert not (var / "pg").exists() and not (var / "kafka").exists()  # nothing of its own
        conf = read_stack_env(var)
        client = Client(conf["HOTLINE_API_URL"], var)
        client.wait_ready()
        accepted = client.submit(report_body(), key="external-red")
        found = client.wait_for_referrals(accepted["report_id"], ("police-desk", "hospital-desk"),
                                          timeout=60)
        assert {r["risk_level"] for r in found.values()} == {"red"}
        with psycopg.connect(servers["pg_admin"]) as conn:
            everyone = conn.execute("SELECT a.usename, s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s"
                                    " USING (pid) WHERE a.usename IS NOT NULL").fetchall()
        rows = [r for r in everyone if str(r[0]).startswith("hotline_")]
        assert {r[0] for r in rows} >= {"hotline_api", "hotline_triage", "hotline_dispatch"}, everyone
        assert all(r[1] for r in rows)  # every service connection is TLS
        again = make("up", {**os.environ, "HOTLINE_VAR_DIR": str(var), "HOTLINE_PORT": "18020"})
        assert again.returncode == 0, again.stderr  # remembered: still the existing servers
        assert not (var / "pg").exists()
    finally:
        down = make("down", {**os.environ, "HOTLINE_VAR_DIR": str(var), "HOTLINE_PORT": "18020"})
        assert down.returncode == 0, down.stdout + down.stderr
    assert "left running" in down.stderr
    with psycopg.connect(servers["HOTLINE_DATABASE_URL"], connect_timeout=5) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)  # the operator's server is still up
