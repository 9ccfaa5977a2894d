"""The audit trail: every read and action recorded, hash-chained, tamper-evident."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from services.cli.main import main
from services.common.crypto import Sealer
from services.common.embedded import EmbeddedRunner
from services.common.settings import Settings
from tests.conftest import Api
from tests.helpers import build, report_body, sequence


def test_reads_and_actions_are_on_the_trail_for_auditors(api: Api, runner: EmbeddedRunner,
                                                         hotline) -> None:  # type: ignore[no-untyped-def]
    report = api.submit(report_body(), key="audited").json()
    runner.pump()
    case_id = api.client.get(f"/v1/reports/{report['report_id']}",
                             headers=api.auth("operator1")).json()["case_id"]
    api.client.get(f"/v1/cases/{case_id}", headers=api.auth("supervisor1"))
    (referral,) = api.client.get("/v1/desk/referrals", headers=api.auth("police-desk")).json()
    api.client.get(f"/v1/referrals/{referral['referral_id']}", headers=api.auth("police-desk"))
    api.client.post(f"/v1/referrals/{referral['referral_id']}/acknowledge",
                    headers=api.auth("police-desk"))

    assert api.client.get(f"/v1/audit?case_id={case_id}",
                          headers=api.auth("supervisor1")).status_code == 403
    assert hotline.audit.queued() > 0  # reads are queued when answered, chained by the sequencer
    sequence(hotline)
    trail = api.client.get(f"/v1/audit?case_id={case_id}", headers=api.auth("auditor1")).json()
    actions = [(e["action"], e["actor"], e["role"]) for e in trail]
    assert actions == [  # newest first (contract §10, "The trail by API")
        ("referral.acknowledge", "police-desk", "desk"),
        ("referral.read", "police-desk", "desk"),
        ("case.read", "supervisor1", "supervisor"),
        ("report.read", "operator1", "operator"),
    ]
    assert trail[1]["unit"] == "police-441823"
    assert set(trail[1]) == {"seq", "at", "actor", "role", "unit", "action", "resource_type",
                             "resource_id", "case_id"}
    everything = api.client.get("/v1/audit", headers=api.auth("auditor1")).json()
    assert everything[-1]["action"] == "auth.login" and everything[-1]["actor"] == "operator1"
    assert [e["action"] for e in everything if not e["action"].startswith("auth.")][-1] == "report.submit"
    assert [e["seq"] for e in everything] == list(range(len(everything), 0, -1))


def test_the_chain_detects_an_altered_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("HOTLINE_DATABASE_URL", raising=False)
    h = build(Settings(var_dir=tmp_path))
    assert h.audit is not None
    for who in ("alice", "bob", "carol"):
        h.audit.record(actor=who, role="desk", action="referral.read", resource_type="referral")
    assert h.audit.verify() == (True, 0, "")  # queued, not yet chained
    assert sequence(h) == 3 and h.audit.queued() == 0
    assert h.audit.verify() == (True, 3, "")
    capsys.readouterr()
    assert main(["audit", "verify"]) == 0
    assert json.loads(capsys.readouterr().out)["entries_checked"] == 3

    # Someone with the database and the event key rewrites entry 2 (validly sealed, so only the
    # chain can tell).
    sealer = Sealer(Settings(var_dir=tmp_path).ensure_secret("event"))
    (row,) = h.audit.sql.rows("SELECT sealed FROM audit_log WHERE seq = 2")
    forged = {**sealer.open(row["sealed"]), "actor": "mallory"}
    h.close()
    with sqlite3.connect(tmp_path / "audit.sqlite") as db:
        changed = db.execute("UPDATE audit_log SET sealed = ? WHERE seq = 2",
                             (sealer.seal(forged),)).rowcount
    assert changed == 1

    h = build(Settings(var_dir=tmp_path))
    assert h.audit is not None
    ok, checked, problem = h.audit.verify()
    h.close()
    assert not ok and checked == 1 and "entry 2" in problem and "altered" in problem
    assert main(["audit", "verify"]) == 1
    assert json.loads(capsys.readouterr().out)["ok"] is False


def test_oversized_request_is_413(api: Api) -> None:
    r = api.client.post("/v1/reports", content=b"x" * (300 * 1024),
                        headers={**api.auth("operator1", **{"Idempotency-Key": "big"}),
                                 "content-type": "application/json"})
    assert r.status_code == 413


def test_concurrent_records_and_sequencing_keep_one_unbroken_chain(hotline) -> None:  # type: ignore[no-untyped-def]
    from concurrent.futures import ThreadPoolExecutor

    def record_then_sequence(i: int) -> None:
        hotline.audit.record(actor=f"u{i}", role="desk", action="x", resource_type="referral")
        if i % 8 == 0:
            sequence(hotline)

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(record_then_sequence, range(64)))
    sequence(hotline)
    assert hotline.audit.verify() == (True, 64, "")
    assert sorted(e["actor"] for e in hotline.audit.entries()) == sorted(f"u{i}" for i in range(64))


def test_two_sequencers_chain_each_entry_once(tmp_path: Path) -> None:
    """Two processes (the API's and the CLI's) queue entries and both sequence at once: each
    entry is chained exactly once, in one unbroken chain."""
    from concurrent.futures import ThreadPoolExecutor

    a = build(Settings(var_dir=tmp_path))
    b = build(Settings(var_dir=tmp_path))
    for i in range(40):
        a.audit.record(actor=f"api{i}", role="desk", action="referral.read", resource_type="r")
        b.audit.record(actor=f"cli{i}", role="admin", action="report.erase", resource_type="r")
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda h: [h.audit.integrate(limit=7) for _ in range(20)], [a, b, a, b]))
    sequence(a)
    actors = [e["actor"] for e in a.audit.entries()]
    assert sorted(actors) == sorted([f"api{i}" for i in range(40)] + [f"cli{i}" for i in range(40)])
    assert b.audit.verify() == (True, 80, "") and a.audit.queued() == 0
    a.close()
    b.close()
