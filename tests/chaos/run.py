"""`make chaos`: a steady stream of reports through `make up` while faults are injected one at a
time, and after each the proof that nothing was lost or repeated. Prints a table and writes
var/chaos/latest.json. Its own ports and var/, so it runs beside a development stack."""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg

from tests.chaos import raises, receivers

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "var" / "chaos"
# Every referral is overdue after this (nobody acknowledges): escalations happen all through the
# run, and a pause of a little more than this lets the system come to rest between faults.
SLA_SECONDS = 10
EXPECTED = {"red": {"police", "hospital"}, "orange": {"civil_affairs"}}


def say(text: str) -> None:
    """The suite's report, on standard output as it goes."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def stack_env(var: Path, brokers: int, consumers: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "KAFKA_"))}
    return {**env, "HOTLINE_VAR_DIR": str(var), "HOTLINE_PG_PORT": "25472",
            "HOTLINE_CONSUMERS": consumers,
            "HOTLINE_KAFKA_BROKERS": str(brokers),
            "HOTLINE_KAFKA_PORT": "29492", "HOTLINE_KAFKA_CONTROLLER_PORT": "29493",
            "HOTLINE_PORT": "18040", "HOTLINE_FAULT_INJECTION": "true", "HOTLINE_METRICS_BASE_PORT": "9470",
            # Down for the whole run (#25): every escalation's delivery to it fails.
            "HOTLINE_SUPERVISOR_WEBHOOK": receivers.SUPERVISORS,
            "HOTLINE_SUPERVISOR_WEBHOOK_SECRET": receivers.SECRET,
            # The receivers listen on 127.0.0.1: inside, so allowed explicitly (contract §10).
            "HOTLINE_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8,::1/128",
            "HOTLINE_ACK_SLA_SECONDS": ",".join(f"{lv}={SLA_SECONDS}" for lv in
                                                ("red", "orange", "yellow", "blue"))}


def body(kind: str) -> dict[str, Any]:
    """A report about a child nobody else reports (so no two join one case)."""
    child = {"name": f"儿童{uuid.uuid4().hex[:10]}", "gender": "unknown", "age": random.randint(1, 16)}
    concerns = ["domestic_violence", "serious_injury"] if kind == "red" else ["wandering_begging"]
    return {"channel": "hotline_12345", "reporter": {"relation": "neighbour", "anonymous": True},
            "children": [child], "location": {"region_code": "441823"}, "concerns": concerns,
            "narrative": "chaos", "immediate_danger": kind == "red"}


@dataclass
class Load:
    """Reports at a steady rate; each retried with its own key until it is accepted (201)."""

    url: str
    token: str
    rate: float
    accepted: dict[str, tuple[str, float]] = field(default_factory=dict)  # report id → kind, when
    statuses: dict[str, int] = field(default_factory=dict)
    server_errors: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    # Cleared while the suite checks the whole system at rest between two faults.
    flowing: threading.Event = field(default_factory=threading.Event)

    def _send(self, client: httpx.Client, kind: str) -> None:
        key, payload = uuid.uuid4().hex, body(kind)
        headers = {"Authorization": f"Bearer {self.token}", "Idempotency-Key": key}
        for _ in range(3000):
            try:
                r = client.post("/v1/reports", json=payload, headers=headers)
                status = str(r.status_code)
            except httpx.HTTPError:
                r, status = None, "no answer"
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if r is not None and r.status_code == 201:
                self.accepted[r.json()["report_id"]] = (kind, time.time())
                return
            if r is not None and r.status_code >= 500 and r.status_code != 503:
                self.server_errors += 1
            time.sleep(0.2)
        raise RuntimeError("a report was never accepted")

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=15) as client:
            n = 0
            started = time.monotonic()
            while not self.stop.is_set():
                if not self.flowing.is_set():
                    paused = time.monotonic()
                    self.flowing.wait()
                    started += time.monotonic() - paused  # no catching up for the pause
                self._send(client, "red" if n % 2 == 0 else "orange")
                n += 1
                # Steady: the n-th report is due at n / rate seconds (catching up after a stall).
                delay = started + n / self.rate - time.monotonic()
                if delay > 0:
                    self.stop.wait(delay)


class Stack:
    def __init__(self, var: Path, brokers: int, consumers: str = ""):
        self.var = var
        self.env = stack_env(var, brokers, consumers)

    def make(self, target: str) -> None:
        r = subprocess.run(["make", target], cwd=ROOT, env=self.env, capture_output=True, text=True,
                           timeout=600)
        if r.returncode:
            raise RuntimeError(f"make {target} failed:\n{r.stdout}\n{r.stderr}")

    def infra(self, script: str, *action: str) -> None:
        run = subprocess.run(["bash", str(ROOT / "infra" / f"{script}.sh"), *action], cwd=ROOT,
                             env=self.env, capture_output=True, text=True, timeout=300)
        if run.returncode:
            raise RuntimeError(f"infra/{script}.sh {' '.join(action)} failed:\n{run.stderr}")

    def conf(self) -> dict[str, str]:
        lines = (self.var / "stack.env").read_text().splitlines()
        return dict(line.split("=", 1) for line in lines if "=" in line)

    def password(self, user: str) -> str:
        for line in (self.var / "demo-users.txt").read_text().splitlines():
            name, password, *_ = line.split("\t")
            if name == user:
                return password
        raise KeyError(user)

    def service_pid(self, name: str) -> int:
        """The service's own process (the supervisor loop in its pid file restarts it)."""
        leader = (self.var / "run" / f"{name}.pid").read_text().strip()
        children = subprocess.run(["pgrep", "-P", leader], capture_output=True, text=True).stdout.split()
        if not children:
            raise RuntimeError(f"{name} has no running process")
        return int(children[0])

    def hotline(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**self.env, **{k: v for k, v in self.conf().items()}}
        return subprocess.run([str(ROOT / ".venv/bin/hotline"), *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)


def db_rows(db_url: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(db_url) as conn:
        return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]


def missing(db_url: str, accepted: dict[str, tuple[str, float]]) -> list[str]:
    """Accepted reports without their case, or whose case lacks an expected referral."""
    rows = db_rows(db_url, "SELECT r.report_id, f.agency_kind FROM view_case_reports r"
                           " LEFT JOIN view_referrals f ON f.case_id = r.case_id")
    kinds: dict[str, set[str]] = {}
    for report_id, kind in rows:
        kinds.setdefault(report_id, set()).update([kind] if kind else [])
    return [rid for rid, (kind, _) in list(accepted.items())
            if not EXPECTED[kind] <= kinds.get(rid, set())]


def duplicates(db_url: str, accepted: int | None = None) -> dict[str, int]:
    """Anything there twice: referrals per case and unit, escalations, cases per report; with
    the stream stopped (`accepted` given), also reports stored and referrals against the view."""
    def count(sql: str, *params: Any) -> int:
        return int(db_rows(db_url, sql, params)[0][0])

    found = {
        "referral_pairs": count("SELECT count(*) FROM (SELECT case_id, agency_id FROM view_referrals"
                                " GROUP BY case_id, agency_id HAVING count(*) > 1) d"),
        "escalated_twice": count("SELECT count(*) FROM (SELECT originator_id FROM dispatch_events"
                                 " WHERE topic LIKE %s GROUP BY originator_id HAVING count(*) > 1) e",
                                 "%Referral.Escalated"),
        "cases_per_report": count("SELECT count(*) FROM (SELECT case_id FROM view_case_reports"
                                  " GROUP BY case_id HAVING count(*) > 1) c"),
        "raised_twice": raises.raised_twice(db_url),
    }
    if accepted is not None:
        stored = count("SELECT count(*) FROM intake_events WHERE topic LIKE %s", "%Report.Received")
        dispatched = count("SELECT count(*) FROM dispatch_events WHERE topic LIKE %s",
                           "%Referral.Dispatched")
        found["reports"] = abs(stored - accepted)
        found["referrals_not_in_view"] = abs(dispatched - count("SELECT count(*) FROM view_referrals"))
    return found


def overdue_not_escalated(db_url: str) -> int:
    """Referrals past their due time (plus the scheduler's round) still not escalated."""
    return db_rows(db_url, "SELECT count(*) FROM view_referrals WHERE status = 'dispatched'"
                           " AND due_ts < %s", (time.time() - 5,))[0][0]


@dataclass
class Row:
    fault: str
    accepted: int
    lost: int
    duplicated: int
    recovery_s: float
    server_errors: int
    unavailable_503: int
    view_equals_rebuild: bool
    audit_verified: bool
    escalated_exactly_once: bool
    notes: str = ""


class Chaos:
    def __init__(self, stack: Stack, load: Load, db_url: str):
        self.stack, self.load, self.db_url = stack, load, db_url
        self.rows: list[Row] = []
        self.dup_before = 0

    def settle(self, started: float, after: int, limit: float = 180) -> tuple[float, list[str]]:
        """Seconds from the fault until reports accepted after it (a few) and every report
        accepted so far have their case and referrals."""
        deadline = time.monotonic() + limit
        while True:
            accepted = dict(self.load.accepted)
            lost = missing(self.db_url, accepted)
            fresh = len(accepted) - after >= 5 or self.load.stop.is_set()
            if (fresh and not lost) or time.monotonic() > deadline:
                return time.monotonic() - started, lost
            time.sleep(0.25)

    def fault(self, name: str, inject: Any, notes: str = "") -> None:
        time.sleep(random.uniform(1, 4))  # a random moment in the stream
        before, errors_before = len(self.load.accepted), self.load.server_errors
        unavailable_before = self.load.statuses.get("503", 0)
        say(f"[chaos] {name} …")
        inject()
        started = time.monotonic()  # recovery counts from the fault's end (a kill ends at once)
        recovery, lost = self.settle(started, len(self.load.accepted))
        at_rest = self.at_rest()
        dups = duplicates(self.db_url, len(self.load.accepted) if self.load.stop.is_set() else None)
        total_dups = sum(dups.values())
        self.rows.append(Row(name, len(self.load.accepted) - before, len(lost), total_dups - self.dup_before,
                             round(recovery, 1), self.load.server_errors - errors_before,
                             self.load.statuses.get("503", 0) - unavailable_before, *at_rest,
                             notes or (json.dumps(dups) if total_dups else "")))
        self.load.flowing.set()
        self.dup_before = total_dups
        say(f"[chaos] {name}: recovered in {recovery:.1f}s, lost {len(lost)}, "
              f"duplicated {total_dups}")

    def at_rest(self) -> tuple[bool, bool, bool]:
        """The stream paused and drained: the view equals a rebuild, the audit chain verifies,
        every overdue referral is escalated and none twice."""
        self.load.flowing.clear()
        time.sleep(SLA_SECONDS + 3)  # the last referrals fall due and are escalated
        view_ok = False
        for _ in range(60):
            if self.stack.hotline("projection", "check").returncode == 0:
                view_ok = True
                break
            time.sleep(1)
        audit_ok = self.stack.hotline("audit", "verify").returncode == 0
        escalations_ok = (overdue_not_escalated(self.db_url) == 0
                          and duplicates(self.db_url)["escalated_twice"] == 0)
        return view_ok, audit_ok, escalations_ok

    def kill(self, service: str) -> None:
        os.kill(self.stack.service_pid(service), signal.SIGKILL)

    def terminate(self, service: str) -> None:
        """SIGTERM (as `make down` sends): the worker finishes its batch, records its position and
        exits 0, so its supervisor does not restart it; `make up` then starts only it again."""
        pid = self.stack.service_pid(service)
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while Path(f"/proc/{pid}").exists():
            if time.monotonic() > deadline:
                raise RuntimeError(f"{service} did not stop within 30 s of SIGTERM")
            time.sleep(0.1)
        log = (self.stack.var / "log" / f"{service}.log").read_text()
        if "restarting in 2s" in log.rsplit('"stopping"', 1)[-1]:
            raise RuntimeError(f"{service} exited non-zero on SIGTERM")
        self.stack.make("up")

    def relay_crash(self, app: str) -> None:
        faults = self.stack.var / "faults"
        faults.mkdir(exist_ok=True)
        armed = faults / f"relay-{app}.crash-after-publish"
        armed.touch()
        deadline = time.monotonic() + 60
        while armed.exists():  # fired: published, then died before recording its position
            if time.monotonic() > deadline:
                raise RuntimeError(f"relay-{app} never reached its crash point")
            time.sleep(0.1)

    def restart(self, script: str, pause: float) -> None:
        self.stack.infra(script, "stop")
        time.sleep(pause)
        self.stack.infra(script, "start")

    def broker_away(self, node: int, seconds: float, *, kill: bool) -> None:
        """One broker of the cluster gone (kill -9, or a clean stop), then back."""
        if kill:
            self.stack.infra("kafka", "kill-node", str(node))
        else:
            self.stack.infra("kafka", "stop-node", str(node))
        time.sleep(seconds)
        self.stack.infra("kafka", "start-node", str(node))

    def kafka_away(self, seconds: float) -> None:
        """The broker stopped; intake must keep answering 201 throughout (the outbox holds)."""
        statuses_before = dict(self.load.statuses)
        accepted_before = len(self.load.accepted)
        self.stack.infra("kafka", "stop")
        time.sleep(seconds)
        refused = {k: v - statuses_before.get(k, 0) for k, v in self.load.statuses.items()
                   if k != "201" and v != statuses_before.get(k, 0)}
        if refused or len(self.load.accepted) == accepted_before:
            raise RuntimeError(f"intake did not keep answering while Kafka was away: {refused}")
        self.stack.infra("kafka", "start")


def process_faults(chaos: Chaos, args: argparse.Namespace) -> None:
    """One at a time, each at a random moment of the stream."""
    services = ["api", "relay", "triage", "dispatch",
                "projection-desk", "scheduler", "audit"]
    services += [f"{name}-2" for name in ("triage", "dispatch", "projection-desk")
                 if f"{name.replace('projection-', '')}=2" in args.consumers]
    for service in services:
        chaos.fault(f"kill -9 {service}", lambda s=service: chaos.kill(s))
    for service in ("triage", "projection-desk", "relay"):
        chaos.fault(f"SIGTERM {service} mid-stream, then make up", lambda s=service: chaos.terminate(s),
                    "finished its batch, exit 0")
    for app in ("intake", "triage", "dispatch"):
        chaos.fault(f"the relay killed between publishing {app}'s batch and its position",
                    lambda a=app: chaos.relay_crash(a), "its last batch republished")
    if args.brokers >= 3:
        chaos.fault("Kafka broker 2 of 3 killed (-9) mid-stream, back after 20 s",
                    lambda: chaos.broker_away(2, 20, kill=True), "replication 3, min.insync.replicas 2")
        chaos.fault("Kafka broker 1 of 3 restarted", lambda: chaos.broker_away(1, 0, kill=False))
    chaos.fault("Kafka restart (every broker)", lambda: chaos.restart("kafka", 0))
    chaos.fault("Kafka stopped for 30 s", lambda: chaos.kafka_away(30), "intake answered 201 throughout")
    chaos.fault("PostgreSQL restart (down 15 s)", lambda: chaos.restart("postgres", 15))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=1000, help="at least this many reports")
    parser.add_argument("--rate", type=float, default=8.0, help="reports per second")
    parser.add_argument("--brokers", type=int, default=3, help="Kafka brokers (replication 3, min ISR 2)")
    parser.add_argument("--keep", action="store_true", help="leave the stack up afterwards")
    parser.add_argument("--receivers-only", action="store_true",
                        help="only the receiver faults (all along): no process, broker or database fault")
    parser.add_argument("--consumers", default="triage=2,dispatch=2,desk=2",
                        help="members per consumer group (HOTLINE_CONSUMERS)")
    args = parser.parse_args()
    var = OUT / "stack"
    shutil.rmtree(var, ignore_errors=True)
    stack = Stack(var, args.brokers, args.consumers)
    say("[chaos] make up (own ports and var/chaos/stack) …")
    stack.make("up")
    result: dict[str, Any] = {}
    try:
        conf = stack.conf()
        db_url = conf["HOTLINE_DATABASE_URL"]
        api = conf["HOTLINE_API_URL"]
        token = httpx.post(f"{api}/v1/auth/token", data={"username": "operator1",
                           "password": stack.password("operator1")}).json()["access_token"]
        admin = httpx.post(f"{api}/v1/auth/token", data={"username": "admin1",
                           "password": stack.password("admin1")}).json()["access_token"]
        supervisor = httpx.post(f"{api}/v1/auth/token", data={"username": "supervisor1",
                                "password": stack.password("supervisor1")}).json()["access_token"]
        faults = receivers.ReceiverFaults()
        faults.rosters(api, admin)  # before the stream: every referral has its live receiver
        load = Load(api, token, args.rate)
        load.flowing.set()
        worker = threading.Thread(target=load.run, daemon=True)
        worker.start()
        raiser = raises.Raises(api, token, supervisor, load.accepted, load.flowing)
        raising = threading.Thread(target=raiser.run, daemon=True)
        raising.start()
        chaos = Chaos(stack, load, db_url)
        time.sleep(3)
        if not args.receivers_only:
            process_faults(chaos, args)
        while len(load.accepted) < args.reports:
            time.sleep(1)
        load.stop.set()
        worker.join(timeout=120)
        raiser.stop.set()  # the raises still owed are made before the stream's end is checked
        raising.join(timeout=300)
        chaos.fault("end of stream", lambda: None)
        # Every referral is overdue by now (nobody acknowledges): each escalated exactly once.
        time.sleep(SLA_SECONDS + 10)
        late = overdue_not_escalated(db_url)
        verify = stack.hotline("audit", "verify")
        check = None
        for _ in range(60):
            check = stack.hotline("projection", "check")
            if check.returncode == 0:
                break
            time.sleep(1)
        final = duplicates(db_url, len(load.accepted))  # the stream has stopped: exact counts
        notified = faults.figures(db_url, api, supervisor)
        faults.close()
        result = {
            "reports_accepted": len(load.accepted),
            "statuses": load.statuses,
            "server_errors": load.server_errors,
            "lost": len(missing(db_url, dict(load.accepted))),
            "duplicates": final,
            "overdue_not_escalated": late,
            "audit_verified": verify.returncode == 0,
            "view_equals_rebuild": check is not None and check.returncode == 0,
            "faults": [asdict(r) for r in chaos.rows],
            "receivers": notified,
            "raises": raises.figures(db_url, raiser),
        }
    finally:
        if not args.keep:
            stack.make("down")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "latest.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print_table(result)
    ok = (result and result["lost"] == 0 and not any(result["duplicates"].values())
          and result["server_errors"] == 0 and result["overdue_not_escalated"] == 0
          and result["audit_verified"] and result["view_equals_rebuild"]
          and result["receivers"]["missed"] == 0 and result["receivers"]["raised_repeated"] == 0
          and result["raises"]["cases_raised"] > 0 and result["raises"]["not_red_in_view"] == 0
          and result["raises"]["raised_events"] >= result["raises"]["cases_raised"]
          and result["raises"]["server_errors"] == 0
          and all(r["lost"] == 0 and r["duplicated"] == 0 and r["server_errors"] == 0
                  and r["view_equals_rebuild"] and r["audit_verified"] and r["escalated_exactly_once"]
                  for r in result["faults"]))
    say(f"[chaos] {'PASS' if ok else 'FAIL'}; var/chaos/latest.json")
    return 0 if ok else 1


def print_table(result: dict[str, Any]) -> None:
    if not result:
        return
    head = (f"{'fault':<60} {'accepted':>8} {'lost':>5} {'dup':>4} {'500':>4} {'503':>4} "
            f"{'recovery s':>10}  view audit escal.")
    say(head)
    say("-" * len(head))
    for r in result["faults"]:
        ok = {True: "ok", False: "FAIL"}
        say(f"{r['fault']:<60} {r['accepted']:>8} {r['lost']:>5} {r['duplicated']:>4} "
            f"{r['server_errors']:>4} {r['unavailable_503']:>4} {r['recovery_s']:>10}  "
            f"{ok[r['view_equals_rebuild']]:>4} {ok[r['audit_verified']]:>5} "
            f"{ok[r['escalated_exactly_once']]:>6}")
    say(f"reports accepted {result['reports_accepted']}, lost {result['lost']}, "
          f"duplicates {result['duplicates']}, overdue not escalated {result['overdue_not_escalated']}, "
          f"audit verified {result['audit_verified']}, view = rebuild {result['view_equals_rebuild']}")
    say(f"answers seen by the clients: {result['statuses']}")
    n = result["receivers"]
    say("receiver faults all run long (police's second contact down, hospital's answering after 30 s, "
        "civil affairs' redirecting, the supervisors' webhook down): live receivers got "
        f"{n['delivered']} of {n['referrals']} dispatches, missed {n['missed']}, repeated {n['repeated']}; "
        f"dispatch to delivery p50 {n['p50_s']} s, p99 {n['p99_s']} s, max {n['max_s']} s; "
        f"redirects followed {n['redirects_followed']}; still pending {n['pending']}")
    r = result["raises"]
    say(f"raises in the stream: {r['cases_raised']} orange cases raised to red ({r['statuses']}); "
        f"{r['referrals']} referrals, not red in the view {r['not_red_in_view']}; {r['raised_events']} "
        f"Raised events, raised twice {r['raised_twice']}; live receivers told {n['raised_told']} raises, "
        f"repeated {n['raised_repeated']}")


if __name__ == "__main__":
    sys.exit(main())
