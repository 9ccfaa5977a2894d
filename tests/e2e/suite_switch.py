"""The distributed session's switch of suite (#30, contract §14): the stack starts under `aes`, a
report is filed and triaged, then every process is stopped and started again under `sm` (`make
restart` with HOTLINE_CRYPTO_SUITE=sm: the operator's servers keep running, as under `make down`
and `make up`), so the rest of the session, its privacy scans and erasure checks included, runs
under `sm` on a store that holds both suites. The session's test of the switch (test_distributed)
files a report about the same child under `sm` and reads, matches and erases both."""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.e2e.client import Client
from tests.helpers import id_number, report_body

ROOT = Path(__file__).resolve().parents[2]
TEACHER = "teacher1"  # files on the web form: an operator's own lists stay the other tests'


def filed_by_teacher(client: Client, body: dict[str, Any], key: str) -> dict[str, Any]:
    r = client.http.post("/v1/reports", json=body, headers={**client.auth(TEACHER), "Idempotency-Key": key})
    assert r.status_code == 201, r.text
    return dict(r.json())


def one_child(tag: str) -> dict[str, Any]:
    """What the reports of both suites share: the child (by id number) and the teacher's phone;
    and their own narratives (甲 under aes, 乙 under sm) and address, to find them by."""
    n = int(tag, 16)
    return {"tag": tag, "phone": f"139{n % 10**8:08d}", "name": f"程小{tag}",
            "id_number": id_number(f"44182320150203{n % 1000:03d}"), "address": f"苏{tag}巷"}


def body_of(shared: dict[str, Any], letter: str) -> dict[str, Any]:
    return report_body(channel="web_form",
                       reporter={"name": f"{letter}老师{shared['tag']}", "phone": shared["phone"],
                                 "relation": "teacher", "anonymous": False},
                       children=[{"name": shared["name"], "gender": "female", "age": 8,
                                  "id_number": shared["id_number"]}],
                       location={"region_code": "441823", "address": shared["address"]},
                       narrative=f"{letter}{shared['tag']}孩子常被打")


def switch_to_sm(env: dict[str, str], api_url: str, make: Callable[[str, dict[str, str]], Any]) -> None:
    """A report under aes, triaged; then every process restarted under sm. What the test of the
    switch needs goes into env as SUITE_SWITCH (JSON)."""
    began = time.monotonic()
    client = Client(api_url, Path(env["HOTLINE_VAR_DIR"]))
    client.wait_ready()
    shared = one_child(uuid.uuid4().hex[:6])
    receipt = filed_by_teacher(client, body_of(shared, "甲"), key=f"suite-aes-{shared['tag']}")
    shared["aes"] = {k: receipt[k] for k in ("report_id", "receipt_no", "lookup_code")}
    # Triaged and referred before the switch: the case and its referral hold aes events.
    referral = client.wait_for_referrals(receipt["report_id"], ("police-desk",))["police-desk"]
    shared["case_id"], shared["referral_id"] = referral["case_id"], referral["referral_id"]
    client.http.close()
    # The head is checkpointed within 5 s while entries arrive (§5): one under aes before the switch.
    deadline = time.monotonic() + 30
    while not hotline(env, "audit", "verify")["last_checkpoint"]:
        assert time.monotonic() < deadline, "no audit checkpoint under aes within 30 s"
        time.sleep(1)
    run = Path(env["HOTLINE_VAR_DIR"]) / "run"
    before = {p.name: p.read_text() for p in run.glob("*.pid")}
    env["HOTLINE_CRYPTO_SUITE"] = "sm"
    restart = make("restart", env)
    assert restart.returncode == 0, restart.stdout + restart.stderr
    # Every process is a new one, started under sm.
    assert not [name for name, pid in before.items() if (run / name).read_text() == pid]
    assert "HOTLINE_CRYPTO_SUITE=sm" in (Path(env["HOTLINE_VAR_DIR"]) / "stack.env").read_text().splitlines()
    env["SUITE_SWITCH"] = json.dumps(shared, ensure_ascii=False)
    env["SUITE_SWITCH_SECONDS"] = f"{time.monotonic() - began:.1f}"  # what the switch adds to the session


def hotline(env: dict[str, str], *args: str) -> Any:
    """A `hotline` command against the stack (as its administrator); its JSON."""
    run = subprocess.run([str(ROOT / ".venv/bin/hotline"), *args], env=env, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    return json.loads(run.stdout)


def lacking(info: dict[str, Any]) -> list[str]:
    """What `hotline crypto info` does not yet count in both suites, of every kind the switch
    touched (empty: it counts both everywhere)."""
    kinds = {"intake events": info["events"]["intake"], "triage events": info["events"]["triage"],
             "dispatch events": info["events"]["dispatch"], "data keys": info["data_keys"],
             "caller hashes": info["keyed_hashes"]["caller_reports"], "audit entries": info["audit_entries"],
             "audit checkpoints": info["audit_checkpoints"]}
    return [f"{name} {counts}" for name, counts in kinds.items() if not (counts["aes"] and counts["sm"])]


def counted_in_both(env: dict[str, str], timeout: float = 90) -> dict[str, Any]:
    """`hotline crypto info` once it counts both suites in every kind (the sequencer checkpoints
    under sm within seconds of its entries); what it still lacked when the time is up."""
    deadline = time.monotonic() + timeout
    while True:
        info = hotline(env, "crypto", "info")
        missing = lacking(info)
        if not missing:
            return dict(info)
        assert time.monotonic() < deadline, f"crypto info lacks a suite in: {missing}"
        time.sleep(2)
