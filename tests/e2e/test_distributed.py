"""`make up`: every service its own OS process on PostgreSQL and Kafka; a red report reaches
the police and hospital desks; nothing personal in clear text on Kafka, in tables or logs."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from kafka import KafkaConsumer

from services.common.messages import TOPICS
from tests.e2e.client import Client
from tests.helpers import PII_VALUES, report_body

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("api", "relay-intake", "relay-triage", "relay-dispatch", "triage", "dispatch",
            "projection-desk", "scheduler")


def make(target: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "-s", target], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture
def stack():  # type: ignore[no-untyped-def]
    # Under the repository, not /tmp/pytest-of-root: PostgreSQL runs as its own user and
    # must reach its data directory.
    var = ROOT / "var" / "e2e" / uuid.uuid4().hex[:8]
    env = {
        **os.environ,
        "HOTLINE_VAR_DIR": str(var),
        "HOTLINE_PG_PORT": "25442",
        "HOTLINE_KAFKA_PORT": "29192",
        "HOTLINE_KAFKA_CONTROLLER_PORT": "29193",
        "HOTLINE_PORT": "18000",
    }
    started = time.monotonic()
    up = make("up", env)
    assert up.returncode == 0, up.stdout + up.stderr
    env["UP_SECONDS"] = f"{time.monotonic() - started:.1f}"
    try:
        yield env
    finally:
        down = make("down", env)
        assert down.returncode == 0, down.stdout + down.stderr
        shutil.rmtree(var, ignore_errors=True)


def read_stack_env(var: Path) -> dict[str, str]:
    lines = (var / "stack.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


def test_make_up_routes_a_red_report_to_police_and_hospital(stack: dict[str, str]) -> None:
    var = Path(stack["HOTLINE_VAR_DIR"])
    conf = read_stack_env(var)
    assert {"HOTLINE_API_URL", "KAFKA_BOOTSTRAP_SERVERS", "HOTLINE_DATABASE_URL"} <= set(conf)

    pids = {name: int((var / "run" / f"{name}.pid").read_text()) for name in SERVICES}
    assert len(set(pids.values())) == len(SERVICES)  # one OS process per service
    for pid in pids.values():
        os.kill(pid, 0)

    again = make("up", stack)  # idempotent: nothing new is started
    assert again.returncode == 0, again.stderr
    assert pids == {name: int((var / "run" / f"{name}.pid").read_text()) for name in SERVICES}

    client = Client(conf["HOTLINE_API_URL"])
    client.wait_ready()
    accepted = client.submit(report_body(), key="e2e-red")
    found = client.wait_for_referrals(accepted["report_id"], ("police-desk", "hospital-desk"),
                                      timeout=30)
    assert found["police-desk"]["agency_id"] == "police-441823"
    assert found["hospital-desk"]["agency_id"] == "hospital-441823"
    assert all(r["risk_level"] == "red" for r in found.values())
    assert client.inbox("civil-desk") == []

    case_id = found["police-desk"]["case_id"]
    case = client.http.get(f"/v1/cases/{case_id}", headers=client.auth("supervisor1")).json()
    assert case["status"] == "dispatched" and case["risk_level"] == "red"

    # The admin CLI works against the same stack.
    cli = subprocess.run([str(ROOT / ".venv/bin/hotline"), "agencies", "list"], env=stack,
                         capture_output=True, text=True, timeout=60)
    assert cli.returncode == 0 and "police-441823" in cli.stdout

    assert_no_personal_data(conf, var)


def assert_no_personal_data(conf: dict[str, str], var: Path) -> None:
    needles = [v.encode() for v in PII_VALUES]
    consumer = KafkaConsumer(*TOPICS, bootstrap_servers=conf["KAFKA_BOOTSTRAP_SERVERS"],
                             auto_offset_reset="earliest", consumer_timeout_ms=3000,
                             group_id=None, enable_auto_commit=False)
    records = list(consumer)
    consumer.close()
    assert len(records) >= 4  # report, case, two referrals
    for r in records:
        wire = (r.value or b"") + b"".join(v for _, v in r.headers) + (r.key or b"")
        assert not [n for n in needles if n in wire], r.topic

    with psycopg.connect(conf["HOTLINE_DATABASE_URL"]) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        assert {"intake_events", "triage_events", "dispatch_events", "desk_tracking"} <= set(tables)
        for table in tables:
            for (text,) in conn.execute(f'SELECT t::text FROM "{table}" t'):
                assert not [v for v in PII_VALUES if v in text], table
            if table.endswith("_events"):  # event state is bytea: search the raw bytes
                for (blob,) in conn.execute(f'SELECT state FROM "{table}"'):
                    assert not [n for n in needles if n in bytes(blob)], table

    for log in (var / "log").glob("*.log"):
        text = log.read_text(errors="replace")
        assert not [v for v in PII_VALUES if v in text], log.name
