"""`make up` against servers an operator runs (#16): PostgreSQL that accepts TLS only (verify-full
against its CA) and a three-broker Kafka cluster over SASL_SSL, both started on their own ports
and data directories, not by `make up`, which starts only the services: every service its own OS
process, with two API worker processes and two members in every consumer group. A red report
reaches the police and hospital desks; every effect happens once; nothing personal in clear text
on Kafka, in tables or logs; a rolling upgrade under a steady stream of reports loses nothing."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from kafka import KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError

from services.common.kafka.security import sasl
from services.common.messages import TOPICS
from tests.e2e.client import Client, wait_for
from tests.e2e.servers import operator_servers
from tests.e2e.suite_switch import body_of, counted_in_both, filed_by_teacher, hotline, switch_to_sm
from tests.helpers import PII_VALUES, report_body
from tests.receiver import Receiver

ROOT = Path(__file__).resolve().parents[2]
RED_SLA = 4
YELLOW_FIRST_HOURS = 0.01  # 36 s
YELLOW_INTERVAL_DAYS = 0.0001  # 8.64 s
SERVICES = ("api", "relay", "triage", "triage-2", "dispatch",
            "dispatch-2", "projection-desk", "projection-desk-2", "notify", "callbacks", "scheduler", "audit")
SUPERVISORS_SECRET = "supervisors-webhook-secret-e2e"
UPWARD_SECRET = "upward-webhook-secret-e2e-0001"
# Ports of this module's servers and stack; another run beside it (a colleague's) moves them.
PORTS = {name: int(os.environ.get(f"HOTLINE_TEST_DISTRIBUTED_{name.upper()}_PORT", default))
         for name, default in (("pg", 25442), ("kafka", 29212), ("api", 18000), ("metrics", 19400))}
GROUPS = {"triage": ("triage", "triage-2"), "dispatch": ("dispatch", "dispatch-2"),
          "desk": ("projection-desk", "projection-desk-2")}


def make(target: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "-s", target], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture(scope="module")
def supervisors() -> Iterator[Receiver]:
    """The supervisors' webhook (HOTLINE_SUPERVISOR_WEBHOOK), up before the stack."""
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture(scope="module")
def upward() -> Iterator[Receiver]:
    """The upward report's receiver (HOTLINE_UPWARD_WEBHOOK, contract §12), up before the stack."""
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, str]]:
    base = ROOT / "var" / "e2e" / f"servers-{uuid.uuid4().hex[:8]}"
    with operator_servers(base, PORTS["pg"], PORTS["kafka"]) as found:
        yield found


@pytest.fixture(scope="module")
def stack(servers: dict[str, str], supervisors: Receiver, upward: Receiver):  # type: ignore[no-untyped-def]
    # Under the repository, not /tmp/pytest-of-root: PostgreSQL runs as its own user and
    # must reach its data directory.
    var = ROOT / "var" / "e2e" / uuid.uuid4().hex[:8]
    env = {
        **os.environ,
        **{k: v for k, v in servers.items() if k.startswith("HOTLINE_")},
        "HOTLINE_VAR_DIR": str(var),
        "HOTLINE_PORT": str(PORTS["api"]),
        # Short red SLA so escalation happens within the test.
        "HOTLINE_ACK_SLA_SECONDS": f"red={RED_SLA},orange=7200,yellow=86400,blue=259200",
        # Yellow follow-up visits due within seconds, so one goes overdue within the test (#13).
        "HOTLINE_FIRST_VISIT_HOURS": f"red=24,orange=72,yellow={YELLOW_FIRST_HOURS},blue=720",
        "HOTLINE_VISIT_INTERVAL_DAYS": f"red=3,orange=7,yellow={YELLOW_INTERVAL_DAYS},blue=90",
        # Every guarantee with two API processes and two members per consumer group (#12).
        "HOTLINE_API_WORKERS": "2",
        "HOTLINE_CONSUMERS": "triage=2,dispatch=2,desk=2",
        # Escalations also go to the supervisors (contract §8).
        "HOTLINE_SUPERVISOR_WEBHOOK": supervisors.hook("supervisors"),
        "HOTLINE_SUPERVISOR_WEBHOOK_SECRET": SUPERVISORS_SECRET,
        # Major incidents go upward (contract §12).
        "HOTLINE_UPWARD_WEBHOOK": upward.hook("upward"),
        "HOTLINE_UPWARD_WEBHOOK_SECRET": UPWARD_SECRET,
        # The test's receivers listen on 127.0.0.1: inside, so allowed explicitly (contract §10).
        "HOTLINE_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8,::1/128",
        "HOTLINE_METRICS_BASE_PORT": str(PORTS["metrics"]),  # each worker's /healthz and /metrics
        "HOTLINE_CRYPTO_SUITE": "aes",  # until switch_to_sm: the session's own switch (#30)
    }
    started = time.monotonic()
    try:
        up = make("up", env)  # inside: whatever it started is stopped, even when it failed
        assert up.returncode == 0, up.stdout + up.stderr
        env["UP_SECONDS"] = f"{time.monotonic() - started:.1f}"
        env["UP_LOG"] = up.stderr
        # A report under aes, then every process under sm: the rest of the session holds both (#30).
        switch_to_sm(env, read_stack_env(var)["HOTLINE_API_URL"], make)
        yield env
    finally:
        down = make("down", env)
        assert down.returncode == 0, down.stdout + down.stderr
        shutil.rmtree(var, ignore_errors=True)
    assert "left running" in down.stderr  # the operator's servers are theirs to stop
    with psycopg.connect(servers["HOTLINE_DATABASE_URL"], connect_timeout=5) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def admin_security(conf: dict[str, str]) -> dict[str, Any]:
    """The Kafka administrator that make up writes to var/stack.env (contract §5)."""
    return sasl(conf["KAFKA_SECURITY_PROTOCOL"], conf["KAFKA_SASL_MECHANISM"],
                conf["KAFKA_SASL_USERNAME"], conf["KAFKA_SASL_PASSWORD"], conf.get("KAFKA_SSL_CAFILE", ""))


def read_stack_env(var: Path) -> dict[str, str]:
    """As `source` reads it: values may be quoted (a URL's `&`)."""
    lines = (var / "stack.env").read_text().splitlines()
    pairs = (line.split("=", 1) for line in lines if "=" in line)
    return {name: (shlex.split(value) or [""])[0] for name, value in pairs}


def holds_partitions(var: Path, name: str) -> bool:
    """The member's latest start was followed by an assignment it still holds (its log)."""
    text = (var / "log" / f"{name}.log").read_text()
    since_start = text[text.rfind('"event": "consumer started"'):]
    assigned = since_start.rfind('"event": "partition assigned"')
    return assigned >= 0 and assigned > since_start.rfind('"event": "partitions revoked"')


def group_holdings(conf: dict[str, str]) -> dict[str, tuple[str, int]]:
    """Kafka's own answer, by member (static instance id): its group's state and how many
    partitions the coordinator gave it."""
    from kafka.admin import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=conf["KAFKA_BOOTSTRAP_SERVERS"].split(","),
                             **admin_security(conf))
    try:
        groups = [g["group_id"] for g in admin.list_groups()]
        held: dict[str, tuple[str, int]] = {}
        for group in admin.describe_groups(groups).values():
            for member in group.get("members") or []:
                assignment = member.get("member_assignment") or {}  # decoded, then as a dict
                count = sum(len(tp["partitions"]) for tp in assignment.get("assigned_partitions", []))
                name = str(member.get("group_instance_id") or member["member_id"])
                held[name] = (group["group_state"], count)
        return held
    finally:
        admin.close()


def members_hold_partitions(var: Path, conf: dict[str, str], names: list[str]) -> bool:
    """Every member named holds partitions in a stable group, by Kafka and by its own log."""
    held = group_holdings(conf)
    return all(held.get(n, ("", 0))[0] == "Stable" and held[n][1] > 0 and holds_partitions(var, n)
               for n in names)


def consumer_events(var: Path, name: str, last: int = 12) -> list[str]:
    """The member's latest starts, assignments and revocations (for a wait that failed)."""
    lines = (var / "log" / f"{name}.log").read_text().splitlines()
    return [line[:200] for line in lines if any(e in line for e in (
        '"consumer started"', '"partition assigned"', '"partitions revoked"', "restarting"))][-last:]


@pytest.mark.timeout(600)  # its setup is the module's: the servers, the stack and its switch to sm
def test_make_up_routes_a_red_report_to_police_and_hospital(servers: dict[str, str],
                                                           stack: dict[str, str]) -> None:
    var = Path(stack["HOTLINE_VAR_DIR"])
    conf = read_stack_env(var)
    assert {"HOTLINE_API_URL", "KAFKA_BOOTSTRAP_SERVERS", "HOTLINE_DATABASE_URL"} <= set(conf)
    # Only the services: the operator's servers, nothing of its own.
    assert "existing PostgreSQL and Kafka reachable" in stack["UP_LOG"]
    assert not (var / "pg").exists() and not (var / "kafka").exists()

    pids = {name: int((var / "run" / f"{name}.pid").read_text()) for name in SERVICES}
    assert len(set(pids.values())) == len(SERVICES)  # one OS process per service
    for pid in pids.values():
        os.kill(pid, 0)

    again = make("up", stack)  # idempotent: nothing new is started
    assert again.returncode == 0, again.stderr
    assert pids == {name: int((var / "run" / f"{name}.pid").read_text()) for name in SERVICES}

    client = Client(conf["HOTLINE_API_URL"], var)
    client.wait_ready()
    # Every worker answers /healthz and /metrics on its own port, for a scraper (#16).
    for name in SERVICES:
        if name == "api":
            continue
        own = dict(line.split("=", 1) for line in (var / "run" / f"{name}.env").read_text().splitlines())
        probe = f"http://127.0.0.1:{own['HOTLINE_METRICS_PORT']}"
        assert httpx.get(f"{probe}/healthz", timeout=5).status_code == 200, name
        assert "process_cpu_seconds_total" in httpx.get(f"{probe}/metrics", timeout=5).text, name
        if name.startswith(("relay-", "triage", "dispatch", "projection-desk", "notify", "callbacks",
                            "audit")):
            # Its own principal, over TLS checked against the operator's CA.
            assert own["HOTLINE_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL", name
            assert shlex.split(own["HOTLINE_KAFKA_SSL_CAFILE"]) == [servers["HOTLINE_KAFKA_SSL_CAFILE"]], name
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

    # The operator console's calls, under the API's own database role and keys (issue #10).
    op = client.auth("operator1")
    known = client.http.post("/v1/children/repeat-check", headers=op,
                             json={"children": [{"name": "王小明", "age": 9}], "region_code": "441823"})
    # The level of the child's open case, never its id (contract §10).
    assert known.status_code == 200 and [k["risk_level"] for k in known.json()] == ["red"]
    assert case_id not in known.text
    mine = client.http.get("/v1/reports/mine", headers=op)
    assert [r["receipt_no"] for r in mine.json()] == [accepted["receipt_no"]]
    transfer = client.http.post(f"/v1/reports/{accepted['report_id']}/transfers", headers=op,
                                json={"to": "110"})
    assert transfer.status_code == 202

    # The admin CLI works against the same stack.
    cli = subprocess.run([str(ROOT / ".venv/bin/hotline"), "agencies", "list"], env=stack,
                         capture_output=True, text=True, timeout=60)
    assert cli.returncode == 0 and "police-441823" in cli.stdout
    verify = subprocess.run([str(ROOT / ".venv/bin/hotline"), "audit", "verify"], env=stack,
                            capture_output=True, text=True, timeout=60)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert '"ok": true' in verify.stdout

    # Lag (issue #11): the CLI as administrator, and the API's gauges under its own role.
    def caught_up() -> dict[str, Any] | None:
        run = subprocess.run([str(ROOT / ".venv/bin/hotline"), "consumers", "status"],
                             env={**stack, **conf}, capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stdout + run.stderr
        status = json.loads(run.stdout)
        # Kafka's offsets follow the tracked positions within a second of a consumer going idle (#31).
        committed = all(c["committed"] == c["tracked"] for c in status["consumers"] if c["end"])
        return status if status["max_lag"] == 0 and committed else None

    status = wait_for(caught_up, what="every consumer caught up, its offsets committed")
    groups = {c["group"] for c in status["consumers"]}
    assert groups == {"hotline-triage", "hotline-dispatch", "hotline-projection-desk", "hotline-notify",
                      "hotline-callbacks"}  # #29: the callbacks consumer
    assert all(c["committed"] == c["tracked"] for c in status["consumers"] if c["end"])
    assert {o["app"] for o in status["outboxes"]} == {"intake", "triage", "dispatch"}
    metrics = client.http.get("/metrics").text
    assert 'hotline_outbox_backlog{app="intake"} 0.0' in metrics
    assert "hotline_consumer_lag{" in metrics and "hotline_referrals_overdue" in metrics
    ready = client.http.get("/readyz").json()
    assert ready["ready"] and ready["degraded"] is False and ready["checks"]["lag"]["ok"]
    # The IT office reads the same on its page, in Chinese, with each stage's backlog (stop 50).
    pages = client.page_session("admin1")
    health = pages.get("/admin/health").text
    pages.close()
    checks = health.split('id="checks"')[1].split("</table>")[0]
    assert "消息队列（Kafka）" in checks and "异常" not in checks and "全部在运行" in checks
    stages = re.findall(r'<th scope="row" data-label="环节">([^<]+)</th><td[^>]*>(\d+)<', health)
    assert {name for name, _ in stages} == {"受理 → 消息队列", "研判 → 消息队列", "派发 → 消息队列",
                                            "消息队列 → 研判", "消息队列 → 派发", "消息队列 → 收件箱视图",
                                            "消息队列 → 通知", "消息队列 → 回访"}, stages
    assert re.search(r'死信：<strong class="">0</strong>', health)

    # The brokers take TLS only: the administrator's own credentials without it are refused.
    assert refused_without_tls(conf)

    # Every service's connection to PostgreSQL is encrypted (verify-full against the CA).
    with psycopg.connect(servers["pg_admin"]) as conn:
        everyone = conn.execute("SELECT a.usename, s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s"
                                " USING (pid) WHERE a.usename IS NOT NULL").fetchall()
    rows = [r for r in everyone if str(r[0]).startswith("hotline_")]
    assert {r[0] for r in rows} >= {"hotline_api", "hotline_triage", "hotline_dispatch"}, everyone
    assert all(r[1] for r in rows), rows

    # The error paths carry personal data too: none of it may reach a log (issue #9).
    send_through_error_paths(client)
    assert_no_personal_data(conf, var)
    assert_erasure_holds(stack, conf, var, accepted["report_id"], Path(servers["base"]))


def test_a_store_written_under_aes_and_switched_to_sm_reads_matches_and_erases_both(
        servers: dict[str, str], stack: dict[str, str]) -> None:
    """#30 on make up, switched from aes to sm by the stack fixture (suite_switch.py): a report about
    the same child under sm joins the aes report's case; the police desk reads both; the lookup
    codes of both check; the caller history finds both; `hotline crypto info` counts both suites;
    `keys rotate --suite sm` re-wraps every data key and both still read; the chain verifies
    across the switch; both erase, leaving no key or value in any file or record."""
    var = Path(stack["HOTLINE_VAR_DIR"])
    conf = read_stack_env(var)
    assert conf["HOTLINE_CRYPTO_SUITE"] == "sm"  # what make up handed every process
    shared = json.loads(stack["SUITE_SWITCH"])
    client = Client(conf["HOTLINE_API_URL"], var)
    client.wait_ready()
    sm = filed_by_teacher(client, body_of(shared, "乙"), key=f"suite-sm-{shared['tag']}")
    assert case_of_report(client, sm["report_id"]) == shared["case_id"]  # matched across the switch

    def police_reads() -> str:
        r = client.http.get(f"/v1/referrals/{shared['referral_id']}", headers=client.auth("police-desk"))
        assert r.status_code == 200, r.text
        return r.text

    narratives = (f"甲{shared['tag']}", f"乙{shared['tag']}")
    wait_for(lambda: all(n in police_reads() for n in narratives), what="both reports read by the police")
    for receipt in (shared["aes"], sm):  # a lookup code issued under each suite checks
        pair = {k: receipt[k] for k in ("receipt_no", "lookup_code")}
        r = client.http.post("/v1/receipts/lookup", json=pair)
        assert r.status_code == 200, r.text

    def history() -> set[str]:
        r = client.http.post("/v1/callers/history", json={"phone": shared["phone"]},
                             headers=client.auth("operator1"))
        assert r.status_code == 200, r.text
        return {e["receipt_no"] for e in r.json()}

    assert history() == {shared["aes"]["receipt_no"], sm["receipt_no"]}
    admin = {**stack, **conf}
    info = counted_in_both(admin)
    assert info["suite"] == "sm"
    first_key = var / "keys" / shared["aes"]["report_id"]
    wrapped_before = first_key.read_text()
    rotated = hotline(admin, "keys", "rotate", "--suite", "sm")
    assert rotated["count"] == info["data_keys"]["aes"] > 0
    assert hotline(admin, "crypto", "info")["data_keys"]["aes"] == 0
    assert all(n in police_reads() for n in narratives)  # still read, under the re-wrapped keys
    verified = hotline(admin, "audit", "verify")
    assert verified["ok"] and verified["problem"] is None

    wrapped_after = first_key.read_text()
    assert (wrapped_before[:3], wrapped_after[:3]) == ("v2:", "s4:")
    # The aes report erased first; one scan then looks for both its wrappings (text) too.
    erased = hotline(admin, "erase", "--report", shared["aes"]["report_id"], "--reason", "依法删除")
    assert erased["erased_at"] and not first_key.exists()
    values = (*narratives, shared["name"], shared["phone"], shared["id_number"], shared["address"],
              wrapped_before, wrapped_after)
    assert_erasure_holds(stack, conf, var, sm["report_id"], Path(servers["base"]), values)
    assert not [n for n in narratives if n in police_reads()]
    assert history() == set()
    (ROOT / "var" / "e2e" / "suite-switch.json").write_text(stack["SUITE_SWITCH_SECONDS"])  # README


def refused_without_tls(conf: dict[str, str]) -> bool:
    plain = {k: v for k, v in admin_security(conf).items() if not k.startswith("ssl_")}
    try:
        producer = KafkaProducer(**{**plain, "security_protocol": "SASL_PLAINTEXT"}, max_block_ms=5000,
                                 bootstrap_timeout_ms=5000,
                                 bootstrap_servers=conf["KAFKA_BOOTSTRAP_SERVERS"].split(","))
    except KafkaError:
        return True
    try:
        producer.send(TOPICS[0], b"{}").get(timeout=5)
        return False
    except KafkaError:
        return True
    finally:
        producer.close(timeout=2)


def assert_erasure_holds(stack: dict[str, str], conf: dict[str, str], var: Path, report_id: str,
                         servers: Path, values: tuple[str, ...] = PII_VALUES) -> None:
    """After `hotline erase`, neither the wrapped key nor a clear value is in any file under
    var/ or the servers' data directories (PostgreSQL's after a CHECKPOINT) or any Kafka record."""
    wrapped = (var / "keys" / report_id).read_bytes()
    assert wrapped
    erase = subprocess.run([str(ROOT / ".venv/bin/hotline"), "erase", "--report", report_id,
                            "--reason", "依法删除"], env=stack, capture_output=True, text=True, timeout=60)
    assert erase.returncode == 0, erase.stderr
    with psycopg.connect(conf["HOTLINE_DATABASE_URL"], autocommit=True) as conn:
        conn.execute("CHECKPOINT")
    needles = [wrapped, *(v.encode() for v in values)]
    holding = [str(f) for f in (*var.rglob("*"), *servers.rglob("*"))
               if f.is_file() and not f.is_symlink() and any(n in f.read_bytes() for n in needles)]
    assert holding == []
    records = every_record(conf)
    assert records and not [r for r in records if wrapped in (r.value or b"")]


def every_record(conf: dict[str, str]) -> list[Any]:
    """Every message on the three topics, read as the administrator."""
    consumer = KafkaConsumer(*TOPICS, **admin_security(conf),
                             bootstrap_servers=conf["KAFKA_BOOTSTRAP_SERVERS"],
                             auto_offset_reset="earliest", consumer_timeout_ms=3000,
                             group_id=None, enable_auto_commit=False)
    try:
        return list(consumer)
    finally:
        consumer.close()


def send_through_error_paths(client: Client) -> None:
    headers = {**client.auth("operator1"), "Content-Type": "application/json"}

    def post(key: str, content: Any) -> int:
        return client.http.post("/v1/reports", content=content,
                                headers={**headers, "Idempotency-Key": key}).status_code

    ascii_body = json.dumps(report_body(), ensure_ascii=True)
    assert post("e2e-surrogate", ascii_body.replace("\\u738b", "\\ud800").encode()) == 422
    assert post("e2e-utf8", json.dumps(report_body(), ensure_ascii=False).encode() + b"\xff") == 422
    assert post("e2e-red", json.dumps(report_body(narrative="孩子被打流血，又来了")).encode()) == 409
    big = json.dumps(report_body(narrative="孩子被打流血" * 50_000)).encode()
    assert post("e2e-big", iter([big[i:i + 65536] for i in range(0, len(big), 65536)])) == 413


def assert_no_personal_data(conf: dict[str, str], var: Path) -> None:
    needles = [v.encode() for v in PII_VALUES]
    records = every_record(conf)
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


def escalations(conf: dict[str, str], referral_id: str) -> int:
    consumer = KafkaConsumer("hotline.referrals.v1", **admin_security(conf),
                             bootstrap_servers=conf["KAFKA_BOOTSTRAP_SERVERS"],
                             auto_offset_reset="earliest", consumer_timeout_ms=3000,
                             group_id=None, enable_auto_commit=False)
    count = 0
    for r in consumer:
        headers = dict(r.headers)
        if headers["ce_type"] == b"hotline.referral.escalated" and referral_id.encode() in r.value:
            count += 1
    consumer.close()
    return count


def relay_caught_up(db_url: str, app: str) -> bool:
    """The relay has published up to the last event its application stored."""
    with psycopg.connect(db_url) as conn:
        stored = conn.execute(f"SELECT max(notification_id) FROM {app}_events").fetchone()
        published = conn.execute(
            f"SELECT max(notification_id) FROM relay_{app}_tracking").fetchone()
    return stored is not None and published is not None and stored[0] == published[0]


def test_escalation_once_across_scheduler_restart_and_decline_reroute(
    stack: dict[str, str],
) -> None:
    var = Path(stack["HOTLINE_VAR_DIR"])
    conf = read_stack_env(var)
    client = Client(conf["HOTLINE_API_URL"], var)
    sup = client.auth("supervisor1")

    first = client.submit(report_body(children=[{"name": "赵小花", "age": 6}]), key="sla-1")
    found = client.wait_for_referrals(first["report_id"], ("police-desk", "hospital-desk"))
    police, hospital = found["police-desk"]["referral_id"], found["hospital-desk"]["referral_id"]
    r = client.http.post(f"/v1/referrals/{hospital}/acknowledge", headers=client.auth("hospital-desk"))
    assert r.status_code == 200 and r.json()["status"] == "acknowledged"

    def status(referral_id: str) -> str:
        return client.http.get(f"/v1/referrals/{referral_id}", headers=sup).json()["status"]

    wait_for(lambda: status(police) == "escalated", what="police referral escalation")
    assert status(hospital) == "acknowledged"
    case_id = found["police-desk"]["case_id"]
    wait_for(lambda: client.http.get(f"/v1/cases/{case_id}", headers=sup).json()["escalated"],
             what="the board to show the escalation")

    # Kill the scheduler; a referral falls due while it is down; `make up` restarts it.
    pidfile = var / "run" / "scheduler.pid"
    os.killpg(int(pidfile.read_text()), signal.SIGKILL)
    second = client.submit(report_body(children=[{"name": "钱小军", "age": 11}],
                                       concerns=["sexual_abuse"]), key="sla-2")
    during = client.wait_for_referrals(second["report_id"], ("police-desk",))["police-desk"]
    due = datetime.fromisoformat(during["due_at"])
    wait_for(lambda: datetime.now(UTC) > due + timedelta(seconds=1), timeout=RED_SLA + 10,
             what="the referral's due time to pass")
    assert status(during["referral_id"]) == "dispatched"  # nobody escalated it while down
    up = make("up", stack)
    assert up.returncode == 0, up.stderr
    wait_for(lambda: status(during["referral_id"]) == "escalated", what="escalation after restart")
    # Every dispatch event, a repeated escalation included, is on Kafka once the relay caught up.
    wait_for(lambda: relay_caught_up(conf["HOTLINE_DATABASE_URL"], "dispatch"),
             what="the dispatch relay to publish everything")
    assert escalations(conf, police) == 1
    assert escalations(conf, during["referral_id"]) == 1
    assert escalations(conf, hospital) == 0
    timeline = client.http.get(f"/v1/cases/{case_id}", headers=sup).json()["timeline"]
    assert [t["type"] for t in timeline].count("referral_escalated") == 1

    # Decline and re-route, across processes.
    r = client.http.post(f"/v1/referrals/{during['referral_id']}/decline",
                         json={"reason": "非本辖区"}, headers=client.auth("police-desk"))
    assert r.status_code == 200
    during_case = during["case_id"]
    wait_for(lambda: "declined" in client.http.get(f"/v1/cases/{during_case}", headers=sup).json()[
        "review_reasons"], what="the declined case back on the board")
    r = client.http.post(f"/v1/cases/{during_case}/referrals",
                         json={"agency_id": "police-441802", "reason": "改派清城分局"}, headers=sup)
    assert r.status_code == 201
    rerouted = wait_for(lambda: [x for x in client.http.get(f"/v1/cases/{during_case}", headers=sup)
                                 .json()["referrals"] if x["agency_id"] == "police-441802"],
                        what="the re-routed referral")
    assert rerouted[0]["status"] == "dispatched"


def test_a_crashed_consumer_is_restarted_and_loses_nothing(stack: dict[str, str]) -> None:
    var = Path(stack["HOTLINE_VAR_DIR"])
    conf = read_stack_env(var)
    client = Client(conf["HOTLINE_API_URL"], var)
    loop_pid = int((var / "run" / "triage.pid").read_text())
    (worker,) = subprocess.run(["pgrep", "-P", str(loop_pid)], capture_output=True, text=True
                               ).stdout.split()
    os.kill(int(worker), signal.SIGKILL)  # the triage consumer dies mid-flight
    report = client.submit(report_body(children=[{"name": "孙小宝", "age": 4}],
                                       concerns=["trafficking_abduction"]), key="after-crash")
    found = client.wait_for_referrals(report["report_id"], ("police-desk",), timeout=60)
    assert found["police-desk"]["risk_level"] == "red"
    restarted = subprocess.run(["pgrep", "-P", str(loop_pid)], capture_output=True, text=True
                               ).stdout.split()
    assert restarted and restarted != [worker]
    assert "restarting" in (var / "log" / "triage.log").read_text()
    # The restarted member takes its partitions back (static membership), not only its peer.
    wait_for(lambda: holds_partitions(var, "triage"), timeout=60, what="triage to hold partitions again")


def test_two_api_workers_and_two_members_per_group_apply_every_effect_once(stack: dict[str, str]) -> None:
    """40 reports (10 about one child), each sent twice with its key on fresh connections, so
    both API workers take them; both members of every group handle their partitions. Each report
    is stored once, joins its case once, the child has one case, and the audit chain verifies."""
    from collections import Counter
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from services.bootstrap import Wiring
    from services.common.settings import Settings

    var = Path(stack["HOTLINE_VAR_DIR"])
    conf = read_stack_env(var)
    base = conf["HOTLINE_API_URL"]
    # This test's requests only: the log also holds the API's from before the suite switch (#30).
    api_log = var / "log" / "api.log"
    log_from = api_log.stat().st_size
    member_logs = {name: var / "log" / f"{name}.log" for members in GROUPS.values() for name in members}
    members_from = {name: path.stat().st_size if path.exists() else 0 for name, path in member_logs.items()}
    headers = Client(base, var).auth("operator1")
    child = f"周同一{uuid.uuid4().hex[:4]}"
    bodies = [(f"two-{uuid.uuid4().hex}", report_body(children=[
        {"name": child, "age": 6} if i % 4 == 0 else {"name": f"儿童{uuid.uuid4().hex[:6]}", "age": 8}]))
        for i in range(40)]

    def send(item: tuple[str, dict[str, Any]]) -> str:
        key, body = item
        ids = []
        for _ in range(2):  # the same report again (a retry): the same answer, nothing new
            with httpx.Client(base_url=base, timeout=30) as http:
                r = http.post("/v1/reports", json=body, headers={**headers, "Idempotency-Key": key})
            assert r.status_code == 201, r.text
            ids.append(r.json()["report_id"])
        assert ids[0] == ids[1]
        return str(ids[0])

    # Every member holds partitions before the reports come (a member restarted by the test
    # before may still be rejoining: its peer would take every message meanwhile).
    names = [n for members in GROUPS.values() for n in members]
    try:
        wait_for(lambda: members_hold_partitions(var, conf, names), timeout=90,
                 what="every member's partitions")
    except AssertionError as waited:  # say what Kafka and each member's log held (CI, stop 41)
        raise AssertionError(f"{waited}: Kafka {group_holdings(conf)}; logs "
                             f"{ {n: consumer_events(var, n) for n in names} }") from None
    with ThreadPoolExecutor(max_workers=8) as pool:
        report_ids = list(pool.map(send, bodies))
    joined, alone = report_ids[::4], [r for i, r in enumerate(report_ids) if i % 4]

    def linked() -> dict[str, str] | None:
        with psycopg.connect(conf["HOTLINE_DATABASE_URL"], autocommit=True) as conn:
            rows = conn.execute("SELECT r.report_id, r.case_id FROM view_case_reports r WHERE"
                                " r.report_id = ANY(%s) AND EXISTS (SELECT 1 FROM view_referrals f"
                                " WHERE f.case_id = r.case_id)", (report_ids,)).fetchall()
        found = {str(r): str(c) for r, c in rows}
        return found if len(found) == len(report_ids) else None

    cases = wait_for(linked, timeout=90, what="every report triaged and referred")
    assert len({cases[r] for r in joined}) == 1 and len({cases[r] for r in alone}) == len(alone)

    # The wiring sets libpq's PGSSL* for its whole process (here, pytest's): put them back after,
    # or later tests would ask the session's PostgreSQL, which has no TLS, for it.
    saved = dict(os.environ)
    settings = Settings(database_url=conf["HOTLINE_DATABASE_URL"], var_dir=var)
    wiring = Wiring.of(settings)
    keys = wiring.keystore()
    triage = wiring.triage(keys)
    try:
        for case_id in set(cases.values()):
            counts = Counter(triage.get_case(case_id).report_ids)
            assert max(counts.values()) == 1, counts  # no report joined its case twice
        assert sorted(triage.get_case(cases[joined[0]]).report_ids) == sorted(joined)
    finally:
        triage.close()
        keys.close()
        os.environ.clear()
        os.environ.update(saved)

    with api_log.open("rb") as log_file:
        log_file.seek(log_from)
        lines = log_file.read().decode().splitlines()
    requests = [json.loads(line) for line in lines
                if '"route": "/v1/reports"' in line and '"method": "POST"' in line]
    assert len({r["worker"] for r in requests}) == 2  # both API worker processes answered
    for group, members in GROUPS.items():
        for name in members:  # both members of every group handled this test's messages
            with member_logs[name].open("rb") as member_log:
                member_log.seek(members_from[name])
                text = member_log.read().decode()
            assert '"event": "handled' in text, f"{name} ({group}) handled nothing"

    def chained() -> dict[str, Any] | None:
        verify = subprocess.run([str(ROOT / ".venv/bin/hotline"), "audit", "verify"], cwd=ROOT,
                                env=stack, capture_output=True, text=True)
        out = json.loads(verify.stdout)
        return out if verify.returncode == 0 and out["queued"] == 0 else None

    assert wait_for(chained, timeout=30, what="the audit chain to take every entry")["ok"]


def test_an_api_killed_with_its_workers_up_comes_back_on_its_port(stack: dict[str, str]) -> None:
    """kill -9 of the API's supervisor: its workers stop with it (else they would hold the port
    and the restarted API could not bind it), and the restarted API answers."""
    var = Path(stack["HOTLINE_VAR_DIR"])
    conf = read_stack_env(var)
    loop_pid = int((var / "run" / "api.pid").read_text())

    def children(pid: int) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    (supervisor,) = children(loop_pid)
    workers = children(supervisor)
    assert len(workers) >= 2  # two workers (and multiprocessing's resource tracker)
    os.kill(supervisor, signal.SIGKILL)

    def gone(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return Path(f"/proc/{pid}/status").read_text().count("State:\tZ") == 1

    wait_for(lambda: all(gone(w) for w in workers), timeout=30, what="the old workers to stop")
    client = Client(conf["HOTLINE_API_URL"], var)
    client.wait_ready(timeout=60)
    assert children(loop_pid) != [supervisor]
    report = client.submit(report_body(children=[{"name": "钱小宝", "age": 5}]),
                           key=f"back-{uuid.uuid4().hex}")
    assert report["report_id"]


def followup_messages(conf: dict[str, str], case_id: str, ce_type: str) -> list[dict[str, Any]]:
    consumer = KafkaConsumer("hotline.referrals.v1", **admin_security(conf),
                             bootstrap_servers=conf["KAFKA_BOOTSTRAP_SERVERS"],
                             auto_offset_reset="earliest", consumer_timeout_ms=3000,
                             group_id=None, enable_auto_commit=False)
    found = [json.loads(r.value) for r in consumer
             if dict(r.headers)["ce_type"] == ce_type.encode() and r.key == case_id.encode()]
    consumer.close()
    return found


def test_a_visit_goes_overdue_once_and_closure_waits_for_the_referral(stack: dict[str, str]) -> None:
    """Follow-up across processes (#13): the plan opens with the case, a visit filed through the
    API moves the due date, the scheduler process notes it overdue exactly once for that due
    date (on the board, on Kafka), and closure waits for the open referral."""
    var = Path(stack["HOTLINE_VAR_DIR"])
    conf = read_stack_env(var)
    client = Client(conf["HOTLINE_API_URL"], var)
    sup, civil = client.auth("supervisor1"), client.auth("civil-desk")
    report = client.submit(report_body(children=[{"name": "周小雨", "age": 8}], concerns=["neglect"],
                                       immediate_danger=False, narrative="父母外出务工，孩子常一个人在家"),
                           key="followup-1")
    found = client.wait_for_referrals(report["report_id"], ("civil-desk",))["civil-desk"]
    case_id = found["case_id"]
    plan = wait_for(lambda: [p for p in client.http.get("/v1/followups", headers=civil).json()
                             if p["case_id"] == case_id], what="the follow-up plan")[0]
    assert plan["lead_agency_id"] == "civil-441823" and plan["risk_level"] == "yellow"

    visit = {"visited_at": datetime.now(UTC).isoformat(), "visitor": "周主任", "child_seen": True,
             "findings": "周小雨在家，由奶奶照看", "measures": ["living_assistance"]}
    r = client.http.post(f"/v1/cases/{case_id}/visits", json=visit, headers=civil)
    assert r.status_code == 201, r.text
    due = r.json()["next_visit_due"]
    assert datetime.fromisoformat(due) - datetime.fromisoformat(visit["visited_at"]) == timedelta(
        days=YELLOW_INTERVAL_DAYS)

    def overdue() -> list[dict[str, Any]]:
        return [p for p in client.http.get("/v1/followups", params={"overdue": "true"}, headers=sup).json()
                if p["case_id"] == case_id]

    wait_for(overdue, timeout=60, what="the visit to be noted overdue")
    time.sleep(3)  # several more scheduler rounds (one every second): none notes it again
    wait_for(lambda: relay_caught_up(conf["HOTLINE_DATABASE_URL"], "dispatch"),
             what="the dispatch relay to publish everything")
    noted = followup_messages(conf, case_id, "hotline.followup.overdue")
    assert [m["due"] for m in noted].count(due) == 1, noted
    assert "周小雨" not in json.dumps(followup_messages(conf, case_id, "hotline.followup.visited"),
                                     ensure_ascii=False)  # the findings stay sealed
    timeline = client.http.get(f"/v1/cases/{case_id}", headers=sup).json()["timeline"]
    assert [t["type"] for t in timeline].count("followup_overdue") == len(noted)

    r = client.http.post(f"/v1/cases/{case_id}/closure", json={"reason": "监护落实"}, headers=sup)
    assert r.status_code == 409
    r = client.http.post(f"/v1/referrals/{found['referral_id']}/outcome",
                         json={"outcome": "已落实监护", "note": ""}, headers=civil)
    assert r.status_code == 409  # 办结 only after 接收
    r = client.http.post(f"/v1/referrals/{found['referral_id']}/acknowledge", headers=civil)
    assert r.status_code == 200
    r = client.http.post(f"/v1/referrals/{found['referral_id']}/outcome",
                         json={"outcome": "已落实监护", "note": ""}, headers=civil)
    assert r.status_code == 200
    r = client.http.post(f"/v1/cases/{case_id}/closure", json={"reason": "监护落实"}, headers=sup)
    assert r.status_code == 202, r.text
    wait_for(lambda: client.http.get(f"/v1/cases/{case_id}", headers=sup).json()["status"] == "closed",
             what="the closed case on the board")
    # A closed plan is late no more (its closure reaches the desk view on its own message, which
    # may come a moment after the case's).
    wait_for(lambda: not overdue(), what="the closed plan off the overdue list")


def test_a_red_referral_reaches_the_on_call_contacts_signed_reminded_and_escalated(
        stack: dict[str, str], supervisors: Receiver) -> None:
    """The notify process on the referrals topic (contract §8): the first on-duty contact within
    5 s, signed; the second at half the acknowledgement time; everyone and the supervisors at the
    due time; a receiver failing for a while gets its delivery once it recovers, and only once."""
    conf = read_stack_env(Path(stack["HOTLINE_VAR_DIR"]))
    client = Client(conf["HOTLINE_API_URL"], Path(stack["HOTLINE_VAR_DIR"]))
    police, hospital = Receiver(), Receiver()
    hospital.failing = 3
    secret = "police-webhook-secret-e2e-0001"
    admin = client.auth("admin1")
    try:
        for unit, receiver in (("police-441823", police), ("hospital-441823", hospital)):
            r = client.http.put(f"/v1/agencies/{unit}/oncall", headers=admin, json={
                "contacts": [{"name": "值班员", "webhook_url": receiver.hook("first")},
                             {"name": "副所长", "webhook_url": receiver.hook("second")}], "secret": secret})
            assert r.status_code == 200, r.text
        accepted = client.submit(report_body(), key="e2e-notify")
        first = wait_for(lambda: [p for p in police.taken("first") if p["event"] == "referral.dispatched"
                                  and p["risk_level"] == "red"], timeout=5, what="the police webhook in 5 s")
        rid = first[0]["referral_id"]
        assert police.signed(secret) and first[0]["agency_id"] == "police-441823"
        found = client.wait_for_referrals(accepted["report_id"], ("police-desk",), timeout=30)
        assert found["police-desk"]["referral_id"] == rid
        wait_for(lambda: [p for p in police.taken("second") if p["event"] == "referral.reminder"
                          and p["referral_id"] == rid], timeout=30, what="the half-time reminder")
        wait_for(lambda: [p for p in supervisors.taken("supervisors") if p["event"] == "referral.escalated"
                          and p["referral_id"] == rid], timeout=60, what="the escalation to supervisors")
        assert supervisors.signed(SUPERVISORS_SECRET)
        wait_for(lambda: {p["event"] for p in police.taken("first") if p["referral_id"] == rid}
                 == {"referral.dispatched", "referral.escalated"}, timeout=30, what="escalation to everyone")
        wait_for(lambda: [p for p in hospital.taken("first") if p["event"] == "referral.dispatched"],
                 timeout=60, what="the hospital webhook after its receiver recovered")
        time.sleep(3)  # a repeat would come within the backoff's first steps
        assert len([p for p in hospital.taken("first") if p["event"] == "referral.dispatched"]) == 1
        assert [g for g in hospital.got if not g["taken"] and b"referral.dispatched" in g["body"]]
        for receiver in (police, hospital, supervisors):
            for request in receiver.got:
                assert not any(v.encode() in request["body"] for v in PII_VALUES)
        shown = client.http.get("/v1/notifications", params={"referral_id": rid},
                                headers=client.auth("supervisor1")).json()
        assert [n["event"] for n in shown][:2] == ["referral.dispatched", "referral.reminder"]
        assert all(n["delivered_at"] for n in shown)
    finally:
        police.close()
        hospital.close()


def test_a_raised_case_re_times_its_waiting_referral_through_kafka(
        stack: dict[str, str], supervisors: Receiver) -> None:
    """A yellow referral waits at civil affairs (a day to take it on); the supervisor raises the
    case to red: dispatch raises the referral on the referrals topic, the unit's contact is told
    (`referral.raised`), the view shows the new due time, and the scheduler escalates it at that
    time, in seconds, not a day later."""
    conf = read_stack_env(Path(stack["HOTLINE_VAR_DIR"]))
    client = Client(conf["HOTLINE_API_URL"], Path(stack["HOTLINE_VAR_DIR"]))
    civil = Receiver()
    try:
        r = client.http.put("/v1/agencies/civil-441823/oncall", headers=client.auth("admin1"), json={
            "contacts": [{"name": "值班员", "webhook_url": civil.hook("first")}],
            "secret": "civil-webhook-secret-e2e-0001"})
        assert r.status_code == 200, r.text
        body = report_body(concerns=["school_dropout"], immediate_danger=False,
                           children=[{"name": "赵小兰", "age": 12}], narrative="两周没上学")
        accepted = client.submit(body, key="e2e-raise")
        waiting = client.wait_for_referrals(accepted["report_id"], ("civil-desk",))["civil-desk"]
        assert waiting["risk_level"] == "yellow"
        # A supervisor phoned the unit first (电话督办): the call goes through dispatch's outbox and
        # Kafka to the case's timeline; what was said stays in dispatch's store.
        sup = client.auth("supervisor1")
        r = client.http.post(f"/v1/referrals/{waiting['referral_id']}/calls", headers=sup,
                             json={"reached": False, "note": "无人接听", "call_id": "e2e-call-1"})
        assert r.status_code == 201 and len(r.json()["calls"]) == 1, r.text

        def phoned() -> list[dict[str, Any]]:
            case = client.http.get(f"/v1/cases/{waiting['case_id']}", headers=sup).json()
            return [t for t in case["timeline"] if t["type"] == "referral_phoned"]
        line = wait_for(phoned, timeout=30, what="the call on the case's timeline")
        assert [(t["agency_id"], t["reached"], t["by"]) for t in line] == [
            ("civil-441823", False, "supervisor1")]
        assert "无人接听" not in str(line)
        raised_at = datetime.now(UTC)
        r = client.http.post(f"/v1/cases/{waiting['case_id']}/reassessments",
                             headers=client.auth("supervisor1"),
                             json={"risk_level": "red", "reason": "电话核实：孩子被关在家中"})
        assert r.status_code == 202, r.text
        told = wait_for(lambda: [p for p in civil.taken("first") if p["event"] == "referral.raised"
                                 and p["referral_id"] == waiting["referral_id"]], timeout=30,
                        what="the raise told to the unit")
        assert told[0]["risk_level"] == "red"
        due = datetime.fromisoformat(told[0]["due_at"])
        assert raised_at < due <= datetime.now(UTC) + timedelta(seconds=RED_SLA)
        shown = wait_for(lambda: [x for x in client.inbox("civil-desk")
                                  if x["referral_id"] == waiting["referral_id"] and x["risk_level"] == "red"],
                         timeout=30, what="the raise in the view")
        assert datetime.fromisoformat(shown[0]["due_at"]) == due
        wait_for(lambda: [p for p in supervisors.taken("supervisors") if p["event"] == "referral.escalated"
                          and p["referral_id"] == waiting["referral_id"]], timeout=60,
                 what="the escalation at the new due time")
    finally:
        civil.close()


def test_dead_and_slow_receivers_with_hundreds_of_failing_deliveries_delay_no_live_one(
        stack: dict[str, str], supervisors: Receiver) -> None:
    """#25 (contract §11): the supervisors' webhook refusing everything, the police's receiver gone
    (nothing listens) and the hospital's answering after 30 s; 40 red reports escalating after
    4 s pile up their failing deliveries (before #25, one unit's failing attempts abandoned every
    round and nobody got anything); a live receiver still gets each new dispatch within 5 s,
    once, signed, and the health view counts the failures per receiver."""
    var = Path(stack["HOTLINE_VAR_DIR"])
    client = Client(read_stack_env(var)["HOTLINE_API_URL"], var)
    slow, live = Receiver(), Receiver()
    slow.delay = 30.0
    nobody = Receiver()
    gone = nobody.hook("gone")
    nobody.close()  # connection refused from now on
    supervisors.failing = 10**9
    secret = "civil-webhook-secret-e2e-0001"
    admin = client.auth("admin1")
    try:
        for unit, url in (("police-441823", gone), ("hospital-441823", slow.hook("slow")),
                          ("civil-441823", live.hook("civil"))):
            r = client.http.put(f"/v1/agencies/{unit}/oncall", headers=admin, json={
                "contacts": [{"name": "值班员", "webhook_url": url}], "secret": secret})
            assert r.status_code == 200, r.text

        known: set[str] = set()

        def dispatched(key: str) -> dict[str, Any]:
            """A red report to police, hospital and civil affairs; the civil one's dispatch in 5 s."""
            child = [{"name": f"测试儿童{key}", "gender": "female", "age": 7}]
            accepted = client.submit(report_body(children=child, concerns=[
                "domestic_violence", "serious_injury", "neglect"]), key=f"e2e-dark-{key}")
            began = time.monotonic()
            got = wait_for(lambda: [p for p in live.taken("civil") if p["referral_id"] not in known
                                    and p["event"] == "referral.dispatched"], timeout=5,
                           what="the live receiver in 5 s")
            seconds = time.monotonic() - began
            found = client.wait_for_referrals(accepted["report_id"], ("civil-desk",), timeout=30)
            assert [p["referral_id"] for p in got] == [found["civil-desk"]["referral_id"]]
            known.add(got[0]["referral_id"])
            return {"rid": got[0]["referral_id"], "seconds": seconds}

        piled = [dispatched(f"pile-{i}") for i in range(40)]
        time.sleep(2 * RED_SLA)  # every one escalated: to each unit's contact and the supervisors

        def health() -> dict[str, dict[str, Any]]:
            rows = client.http.get("/v1/notifications/health", headers=client.auth("supervisor1")).json()
            return {row["agency_id"]: row["receivers"][0] for row in rows if row["receivers"]}
        wait_for(lambda: health()["supervisors"]["pending"] >= 40 <= health()["police-441823"]["pending"],
                 timeout=30, what="the failing deliveries piled up")
        fresh = [dispatched(f"after-{i}") for i in range(5)]
        for d in piled + fresh:
            assert len([p for p in live.taken("civil") if p["referral_id"] == d["rid"]
                        and p["event"] == "referral.dispatched"]) == 1
        assert live.signed(secret)
        # A receiver failing 3 times in a row is probed one attempt at a time (at most every 0.5 s),
        # so its count of failures in a row climbs at that pace: wait for it rather than race it.
        def counted() -> dict[str, dict[str, Any]] | None:
            h = health()
            dead = (h["supervisors"]["consecutive_failures"], h["police-441823"]["consecutive_failures"])
            return h if min(dead) >= 40 else None
        seen = wait_for(counted, timeout=60, what="40 failures in a row for each dead receiver")
        assert seen["civil-441823"]["consecutive_failures"] == 0 and seen["civil-441823"]["last_success_at"]
        assert seen["hospital-441823"]["pending"] >= 1  # the slow one's: taking its turns, 5 s each
        notify_log = (var / "log" / "notify.log").read_text()
        assert "notifier round failed" not in notify_log and "IntegrityError" not in notify_log
        seconds = sorted(d["seconds"] for d in piled + fresh)
        (ROOT / "var" / "e2e" / "dark-receivers.json").write_text(json.dumps({  # figures for the README
            "p50_s": seconds[len(seconds) // 2], "max_s": seconds[-1], "reports": len(seconds),
            "pending": {k: v["pending"] for k, v in seen.items()}}))
    finally:
        supervisors.failing = 0
        slow.close()
        live.close()


def orange_cases(db_url: str) -> int:
    """The desk view's kept count of orange cases (every day, every place)."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        row = conn.execute("SELECT COALESCE(SUM(n), 0) FROM view_stats_daily"
                           " WHERE figure = 'level' AND key = 'orange'").fetchone()
    return int(row[0]) if row else 0


def test_a_rolling_upgrade_under_a_steady_stream_of_reports_loses_nothing(stack: dict[str, str]) -> None:
    """`make roll` replaces every process, one kind at a time (migrations first, consumers before
    producers) while reports keep arriving, each retried with its key while the API restarts, as a
    client does: every process then runs the new release, every report is stored once, triaged
    once into a case of its own and referred, and the kept counts moved by exactly that many. A
    process the settings no longer list (one of three relays, from `HOTLINE_RELAYS=each`) is
    stopped, not left running the old release, and its keys file is removed."""
    import threading

    var = Path(stack["HOTLINE_VAR_DIR"])
    conf = read_stack_env(var)
    base, db_url = conf["HOTLINE_API_URL"], conf["HOTLINE_DATABASE_URL"]
    headers = Client(base, var).auth("operator1")
    release = f"2.0.0-roll.{uuid.uuid4().hex[:6]}"
    before = {name: int((var / "run" / f"{name}.pid").read_text()) for name in SERVICES}
    # What `make up` with HOTLINE_RELAYS=each left beside the one relay listed now: a process
    # leading its own group (as start_service makes them), its pid file and its keys file.
    retired = subprocess.Popen(["sleep", "600"], start_new_session=True)
    (var / "run" / "relay-intake.pid").write_text(f"{retired.pid}\n")
    (var / "run" / "relay-intake.env").write_text("HOTLINE_EVENT_KEY=retired\n")
    counted_before = orange_cases(db_url)
    stop = threading.Event()
    sent: list[tuple[float, str]] = []  # (when acknowledged, report id)
    retries, wrong = [0], []

    def stream() -> None:
        """About two reports a second, orange (no escalation within the test), each about its own child."""
        i = 0
        with httpx.Client(base_url=base, timeout=10) as http:
            while not stop.is_set():
                key = f"roll-{release}-{i}"
                body = report_body(children=[{"name": f"滚动{uuid.uuid4().hex[:6]}", "age": 8}],
                                   concerns=["domestic_violence"], immediate_danger=False,
                                   narrative="邻居说孩子常被关在家里")
                while True:
                    try:
                        r = http.post("/v1/reports", json=body, headers={**headers, "Idempotency-Key": key})
                    except httpx.TransportError:
                        r = None
                    if r is not None and r.status_code in (200, 201):
                        sent.append((time.monotonic(), str(r.json()["report_id"])))
                        break
                    if r is not None and r.status_code < 500:
                        wrong.append(f"{r.status_code} {r.text[:200]}")
                        return
                    retries[0] += 1
                    time.sleep(0.2)
                i += 1
                time.sleep(0.5)

    sender = threading.Thread(target=stream, name="stream", daemon=True)
    sender.start()
    try:
        wait_for(lambda: len(sent) >= 3, timeout=30, what="the stream under way")
        started = time.monotonic()
        roll = make("roll", {**stack, "HOTLINE_RELEASE": release}, timeout=600)
        ended = time.monotonic()
        assert roll.returncode == 0, roll.stdout + roll.stderr
        assert f"rolled: every process runs {release}" in roll.stderr
        assert "retired relay-intake" in roll.stderr
        assert retired.wait(timeout=10) is not None  # stopped by the roll
        assert not (var / "run" / "relay-intake.env").exists()
        assert not (var / "run" / "relay-intake.pid").exists()
        count = len(sent)
        wait_for(lambda: len(sent) >= count + 3, timeout=60, what="the stream going on after the roll")
    finally:
        stop.set()
        sender.join(timeout=30)
        retired.kill()  # when the roll failed before it
    assert wrong == []
    during = [r for t, r in sent if started <= t <= ended]
    assert during  # reports were taken while the processes were being replaced

    # Every process was replaced and runs the new release.
    after = {name: int((var / "run" / f"{name}.pid").read_text()) for name in SERVICES}
    assert not [name for name in SERVICES if after[name] == before[name]]
    assert httpx.get(f"{base}/healthz", timeout=5).json()["release"] == release
    assert f'hotline_build_info{{release="{release}"}} 1.0' in httpx.get(f"{base}/metrics", timeout=5).text
    for name in SERVICES:
        if name != "api":
            own = dict(line.split("=", 1) for line in (var / "run" / f"{name}.env").read_text().splitlines())
            probe = httpx.get(f"http://127.0.0.1:{own['HOTLINE_METRICS_PORT']}/healthz", timeout=5)
            assert probe.json() == {"status": "alive", "release": release}, name

    # Nothing lost, nothing twice.
    report_ids = [r for _, r in sent]
    assert len(set(report_ids)) == len(report_ids)

    def referred() -> dict[str, tuple[str, int]] | None:
        with psycopg.connect(db_url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT r.report_id, r.case_id, (SELECT COUNT(*) FROM view_referrals f WHERE f.case_id ="
                " r.case_id) FROM view_case_reports r WHERE r.report_id = ANY(%s)", (report_ids,)).fetchall()
        found = {str(r): (str(c), int(n)) for r, c, n in rows if n}
        return found if len(found) == len(report_ids) else None

    cases = wait_for(referred, timeout=120, what="every report of the stream triaged and referred")
    assert len({case for case, _ in cases.values()}) == len(report_ids)  # a case of its own, once
    assert len({n for _, n in cases.values()}) == 1  # the same routing, no referral twice
    assert wait_for(lambda: orange_cases(db_url) == counted_before + len(report_ids) or None, timeout=60,
                    what="the kept counts moved by the stream's reports, each once")


def test_perm_nothing_under_var_is_for_other_users(stack: dict[str, str], servers: dict[str, str]) -> None:
    """Contract §10 (#26 finding 7): after make up, a report, a backup and exports, no file or folder
    under the stack's var/ or the operator servers' (Kafka and PostgreSQL data, logs, keys) has a
    permission bit for "other"; the backup's files are 0600. The API's /metrics still answers the
    loopback scraper, /openapi.json only a token."""
    var = Path(stack["HOTLINE_VAR_DIR"])
    conf = read_stack_env(var)
    client = Client(conf["HOTLINE_API_URL"], var)
    receipt = client.submit(report_body(), key=f"perm-{uuid.uuid4().hex[:8]}")
    referral = client.wait_for_referrals(str(receipt["report_id"]), ("police-desk",), timeout=60)
    referral_id = referral["police-desk"]["referral_id"]
    # Logs stay traceable: the referral's id verbatim in the log of the process that made it.
    assert wait_for(lambda: any(referral_id in p.read_text() for p in (var / "log").glob("dispatch*.log")),
                    timeout=30, what="the referral's id in the dispatch log")

    def hotline(*args: str) -> None:
        run = subprocess.run([str(ROOT / ".venv/bin/hotline"), *args], env=stack, cwd=ROOT,
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr[-2000:]

    backup = var / "backups" / "perm"
    hotline("backup", "--out", str(backup))
    month = datetime.now(UTC).astimezone().strftime("%Y-%m")
    (var / "exports").mkdir(mode=0o700)  # the operator's folder for exports, private like var/
    hotline("stats", "monthly", "--month", month, "--out", str(var / "exports" / "monthly.xlsx"))
    hotline("stats", "monthly", "--month", month, "--out", str(var / "exports" / "monthly.csv"))
    ledger = client.http.get("/v1/ledger", headers=client.auth("supervisor1"))
    assert ledger.status_code == 200 and ledger.headers["content-type"].startswith("text/csv")
    written = [p for p in backup.rglob("*") if p.is_file()]
    assert any(p.name == "database.dump" for p in written)
    assert {p.stat().st_mode & 0o777 for p in written} == {0o600}
    assert (var / "exports" / "monthly.xlsx").stat().st_size > 0

    base = Path(servers["base"])
    assert list(base.glob("*/pg/data")) and list(base.glob("*/kafka/data"))
    assert list((var / "log").glob("*.log")) and (var / "stack.env").exists()
    found = subprocess.run(["find", str(var), str(base), "-perm", "/o=rwx"], capture_output=True,
                           text=True, check=True)
    assert found.stdout == ""

    assert "hotline_http_requests_total" in httpx.get(f"{conf['HOTLINE_API_URL']}/metrics", timeout=5).text
    assert httpx.get(f"{conf['HOTLINE_API_URL']}/openapi.json", timeout=5).status_code == 401


def case_of_report(client: Client, report_id: str) -> str:
    """The case the triage process put the report in (the operator's view of it)."""
    def found() -> str | None:
        r = client.http.get(f"/v1/reports/{report_id}", headers=client.auth("operator1"))
        return r.json().get("case_id") if r.status_code == 200 else None
    return str(wait_for(found, timeout=30, what="the report triaged into a case"))


def regional(stack: dict[str, str], client: Client, username: str, region: str) -> dict[str, str]:
    """A supervisor of the region, made as an operator makes one (`hotline users add --region`)."""
    password = "Jurisdiction-e2e-1"
    run = subprocess.run([str(ROOT / ".venv/bin/hotline"), "users", "add", "--username", username,
                          "--role", "supervisor", "--region", region, "--password", password],
                         env=stack, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 or "exists" in run.stderr, run.stderr
    r = client.http.post("/v1/auth/token", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_major_incidents_go_upward_once_signed_and_without_names(stack: dict[str, str],
                                                                 upward: Receiver) -> None:
    """Contract §12 on `make up`: a red sexual-abuse report about a 9-year-old, a supervisor's mark
    on an orange case and a death said on a supplement each reach HOTLINE_UPWARD_WEBHOOK within
    60 s, once, signed, naming nobody; the province's supervisor lists them, delivered."""
    var = Path(stack["HOTLINE_VAR_DIR"])
    client = Client(read_stack_env(var)["HOTLINE_API_URL"], var)
    tag = uuid.uuid4().hex[:6]
    names = {"abused": f"韩小{tag}", "kept": f"吴小{tag}", "died": f"郑小{tag}"}
    seconds: dict[str, float] = {}

    def reported(case_id: str, what: str, since: float) -> dict[str, Any]:
        got = wait_for(lambda: [p for p in upward.taken("upward") if p["case_id"] == case_id], timeout=60,
                       what=f"the upward report of the {what} in 60 s")
        seconds[what] = time.monotonic() - since
        return dict(got[0])

    began = time.monotonic()
    red = client.submit(report_body(children=[{"name": names["abused"], "gender": "female", "age": 9}],
                                    concerns=["sexual_abuse"], narrative="孩子被邻居性侵"),
                        key=f"up-red-{tag}")
    red_case = case_of_report(client, red["report_id"])
    auto = reported(red_case, "red report", began)
    assert auto["event"] == "major_incident.reported" and auto["reason"] == "auto"
    assert (auto["region_code"], auto["risk_level"]) == ("441823", "red")
    assert "sexual_abuse" in auto["concerns"]
    assert datetime.fromisoformat(auto["reported_at"]) > datetime.now(UTC) - timedelta(minutes=2)

    orange = client.submit(report_body(children=[{"name": names["kept"], "age": 10}],
                                       concerns=["domestic_violence"], immediate_danger=False,
                                       narrative="邻居说孩子常被关在家里"), key=f"up-mark-{tag}")
    orange_case = case_of_report(client, orange["report_id"])
    sup = client.auth("supervisor1")
    wait_for(lambda: client.http.get(f"/v1/cases/{orange_case}", headers=sup).status_code == 200,
             what="the orange case on the board")
    assert client.http.get(f"/v1/cases/{orange_case}", headers=sup).json()["risk_level"] == "orange"
    assert not [p for p in upward.taken("upward") if p["case_id"] == orange_case]  # not by itself
    summary = "一名儿童长期被关在家中，已报警处理。"
    began = time.monotonic()
    r = client.http.post(f"/v1/cases/{orange_case}/major-incident", json={"summary": summary}, headers=sup)
    assert r.status_code == 202, r.text
    marked = reported(orange_case, "mark", began)
    assert (marked["reason"], marked["summary"], marked["risk_level"]) == ("mark", summary, "orange")

    later = client.submit(report_body(children=[{"name": names["died"], "age": 12}], concerns=["neglect"],
                                      immediate_danger=False, narrative="孩子无人照料"), key=f"up-died-{tag}")
    died_case = case_of_report(client, later["report_id"])
    began = time.monotonic()
    r = client.http.post(f"/v1/reports/{later['report_id']}/supplements", headers=client.auth("operator1"),
                         json={"narrative": "来电人说孩子已经去世", "child_died": True})
    assert r.status_code == 202, r.text
    assert reported(died_case, "death", began)["reason"] == "death"

    time.sleep(5)  # a repeat would come within the retries' first steps
    ours = (red_case, orange_case, died_case)
    assert [len([p for p in upward.taken("upward") if p["case_id"] == c]) for c in ours] == [1, 1, 1]
    assert upward.signed(UPWARD_SECRET)
    for request in upward.got:
        assert not [v for v in (*names.values(), *PII_VALUES) if v.encode() in request["body"]]

    province = regional(stack, client, "sup-e2e-44", "44")
    listed = client.http.get("/v1/major-incidents", headers=province)
    assert listed.status_code == 200, listed.text
    state = {i["case_id"]: (i["reason"], i["upward"]) for i in listed.json()}
    assert [state.get(c) for c in ours] == [(reason, "delivered") for reason in ("auto", "mark", "death")]
    (ROOT / "var" / "e2e" / "upward.json").write_text(json.dumps(seconds))  # figures for the README


def test_county_and_city_supervisors_see_their_jurisdiction_only(stack: dict[str, str]) -> None:
    """Contract §12 on `make up`: a case in 连南 (441823) and one in 清城区 (441802), both major
    incidents; the 441802 supervisor gets 404 for the other county's case, lists and counts only
    its own, and neither county sees the other's incidents; the city's (4418) sees both and rolls up."""
    var = Path(stack["HOTLINE_VAR_DIR"])
    client = Client(read_stack_env(var)["HOTLINE_API_URL"], var)
    county, other, city = (regional(stack, client, f"sup-e2e-{r}", r) for r in ("441802", "441823", "4418"))

    def stats(who: dict[str, str], **params: str) -> dict[str, Any]:
        r = client.http.get("/v1/stats", params=params, headers=who)
        assert r.status_code == 200, r.text
        return dict(r.json())

    def groups(found: dict[str, Any]) -> dict[str, int]:
        return {g["code"]: g["cases"] for g in found["groups"]}

    county_before, city_before = stats(county)["cases"], stats(city, group="region")
    assert set(groups(city_before)) == {"441802", "441823"}
    tag = uuid.uuid4().hex[:6]
    cases = {}
    for village in ("441823101201", "441802002201"):
        filed = client.submit(report_body(children=[{"name": f"区{village[-4:]}{tag}", "age": 9}],
                                          concerns=["sexual_abuse"], location={"region_code": village,
                                                                                "address": "某村三巷"}),
                              key=f"region-{village}-{tag}")
        cases[village[:6]] = case_of_report(client, filed["report_id"])
    wait_for(lambda: all(client.http.get(f"/v1/cases/{c}", headers=city).status_code == 200
                         for c in cases.values()), what="both cases on the city's board")

    assert client.http.get(f"/v1/cases/{cases['441823']}", headers=county).status_code == 404
    own = client.http.get(f"/v1/cases/{cases['441802']}", headers=county)
    assert own.status_code == 200 and own.json()["region_code"] == "441802002201"
    r = client.http.get("/v1/cases", headers=county)
    assert r.status_code == 200, r.text
    listed = r.json()
    assert {c["case_id"] for c in listed} & set(cases.values()) == {cases["441802"]}
    assert all(c["region_code"].startswith("441802") for c in listed)
    both = {c["case_id"] for c in client.http.get("/v1/cases", headers=city).json()}
    assert {cases["441802"], cases["441823"]} <= both

    counted = wait_for(lambda: (lambda s: s if s["cases"] == county_before + 1 else None)(stats(county)),
                       what="the county's count to take its case")
    assert all(code.startswith("441802") for code in counted["by_region"])
    rolled = wait_for(lambda: (lambda s: s if s["cases"] == city_before["cases"] + 2 else None)(
        stats(city, group="region")), what="the city's count to take both")
    assert groups(rolled) == {code: n + 1 for code, n in groups(city_before).items()}
    assert groups(rolled)["441802"] == counted["cases"] and sum(groups(rolled).values()) == rolled["cases"]
    assert client.http.get("/v1/stats", params={"region": "441823"}, headers=county).status_code == 404

    def incidents(who: dict[str, str]) -> set[str]:
        r = client.http.get("/v1/major-incidents", headers=who)
        assert r.status_code == 200, r.text
        return {i["case_id"] for i in r.json()} & set(cases.values())

    wait_for(lambda: incidents(city) == set(cases.values()), timeout=60, what="both incidents for the city")
    assert incidents(county) == {cases["441802"]} and incidents(other) == {cases["441823"]}
    assert all(i["region_code"].startswith("441802")
               for i in client.http.get("/v1/major-incidents", headers=county).json())


def test_a_notify_killed_with_kill_9_resumes_in_5_s_and_sends_nothing_twice(stack: dict[str, str]) -> None:
    """#25 (contract §11): the notify process killed (-9, with its supervising loop) after some
    deliveries, a red report filed while it is down, `make up` restarting it: the pending dispatch
    reaches the live receiver within 5 s of the restart, a new one within 5 s of its filing, and
    no delivery made before the kill comes again (counted per referral and event)."""
    from collections import Counter

    var = Path(stack["HOTLINE_VAR_DIR"])
    client = Client(read_stack_env(var)["HOTLINE_API_URL"], var)
    live, secret = Receiver(), "police-qingcheng-secret-e2e-01"
    r = client.http.put("/v1/agencies/police-441802/oncall", headers=client.auth("admin1"), json={
        "contacts": [{"name": "值班员", "webhook_url": live.hook("police")}], "secret": secret})
    assert r.status_code == 200, r.text
    tag = uuid.uuid4().hex[:6]

    def sent() -> Counter[tuple[str, str]]:
        return Counter((p["referral_id"], p["event"]) for p in live.taken("police"))

    def red(key: str) -> str:
        filed = client.submit(report_body(children=[{"name": f"重启{key}{tag}", "age": 8}],
                                          location={"region_code": "441802002201", "address": "某村三巷"}),
                              key=f"restart-{key}-{tag}")
        found = client.wait_for_referrals(filed["report_id"], ("police-qingcheng",), timeout=30)
        return str(found["police-qingcheng"]["referral_id"])

    def dispatched(rid: str, timeout: float) -> float:
        """When the receiver took the referral's dispatch (its clock)."""
        wait_for(lambda: sent()[(rid, "referral.dispatched")], timeout=timeout, what=f"{rid} dispatched")
        return min(g["at"] for g in live.got if g["taken"] and rid.encode() in g["body"])

    try:
        before = [red(f"before-{i}") for i in range(3)]
        for rid in before:
            dispatched(rid, 10)
            assert client.http.post(f"/v1/referrals/{rid}/acknowledge",
                                    headers=client.auth("police-qingcheng")).status_code == 200
        time.sleep(3)  # a reminder planned before the acknowledgement has gone out
        history = sent()
        os.killpg(int((var / "run" / "notify.pid").read_text()), signal.SIGKILL)
        while_down = red("down")
        time.sleep(1)
        assert not sent()[(while_down, "referral.dispatched")]  # nobody sent it
        restarting = time.time()
        up = make("up", stack)
        restarted = time.time()
        assert up.returncode == 0, up.stderr
        started = (var / "run" / "notify.pid").stat().st_mtime  # the new process's, written as it starts
        assert restarting < started < restarted
        resumed = dispatched(while_down, 5 + started - time.time()) - started
        filed = time.time()
        fresh = red("after")
        new = dispatched(fresh, 5 + filed - time.time()) - filed
        time.sleep(3)  # a repeat would come within the retries' first steps
        after = sent()
        assert max(after.values()) == 1, after
        assert {k: after[k] for k in history} == dict(history)
        assert live.signed(secret)
        (ROOT / "var" / "e2e" / "notify-restart.json").write_text(json.dumps({  # figures for the README
            "make_up_s": restarted - restarting, "pending_after_start_s": resumed, "new_s": new}))
    finally:
        live.close()
