"""An audit trail that cannot be cut: a missing head, a cut tail, a rolled-back database."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from services.audit.checkpoints import Checkpointer, FileCheckpointLog
from services.bootstrap import AUDITED, Wiring, sequencer_of
from services.cli.main import main
from services.common.settings import Settings
from tests.conftest import Api
from tests.helpers import audit_entries, build, report_body


@pytest.fixture
def var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("HOTLINE_DATABASE_URL", raising=False)
    return tmp_path


def record(var: Path, n: int) -> None:
    """n entries queued by an API process; the sequencer chains them and, stopping, publishes
    its last checkpoint."""
    h = build(Settings(var_dir=var))
    for i in range(n):
        h.audit.record(actor=f"desk{i}", role="desk", action="referral.read", resource_type="referral")
    w = Wiring.of(Settings(var_dir=var))
    sequencer = sequencer_of(w, h.audit, {name: getattr(h, name) for name in AUDITED})
    sequencer.stop()
    sequencer.close()
    h.close()


def verify(capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main(["audit", "verify"])
    return code, json.loads(capsys.readouterr().out)


def test_a_removed_entry_is_caught(var: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record(var, 3)
    assert verify(capsys)[0] == 0
    with sqlite3.connect(var / "audit.sqlite") as db:
        db.execute("DELETE FROM audit_log WHERE seq = 2")
    code, out = verify(capsys)
    assert code == 1 and "entry 2" in out["problem"]


def test_a_cut_tail_that_is_self_consistent_is_caught_by_the_checkpoints(
    var: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record(var, 5)
    code, out = verify(capsys)
    assert code == 0 and out["last_checkpoint"]["seq"] == 5
    with sqlite3.connect(var / "audit.sqlite") as db:  # the newest 3 entries go
        db.execute("DELETE FROM audit_log WHERE seq > 2")
    h = build(Settings(var_dir=var))
    assert h.audit.verify() == (True, 2, "")  # the chain alone cannot tell
    h.audit.close()
    code, out = verify(capsys)
    assert code == 1 and "no longer holds" in out["problem"]
    assert out["last_checkpoint"] is None or out["last_checkpoint"]["seq"] <= 2


def test_a_forged_checkpoint_is_refused(var: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record(var, 2)
    log = FileCheckpointLog(var / "audit" / "checkpoints.jsonl")
    log.publish({"seq": 1, "head": "0" * 64, "at": "2026-01-01T00:00:00+00:00", "signature": "00"})
    code, out = verify(capsys)
    assert code == 1 and "bad signature" in out["problem"]


def test_the_head_is_checkpointed_while_entries_arrive(var: Path) -> None:
    h = build(Settings(var_dir=var))
    log = FileCheckpointLog(var / "cp.jsonl")
    checkpointer = Checkpointer(h.audit, Settings(var_dir=var).ensure_secret("audit"), log, interval=0.05)
    checkpointer.start()
    for i in range(3):
        h.audit.record(actor=f"u{i}", role="desk", action="x", resource_type="r")
        h.audit.integrate()
        deadline = time.monotonic() + 5
        while not any(cp["seq"] == i + 1 for cp in log.read_all()):
            assert time.monotonic() < deadline, "no checkpoint within 5 s"
            time.sleep(0.02)
    checkpointer.stop()
    assert [cp["seq"] for cp in log.read_all()] == [1, 2, 3]
    h.close()


def test_the_cli_publishes_what_it_appends(var: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["users", "add", "--username", "desk7", "--password", "long-enough-1",
                 "--role", "operator"]) == 0
    assert main(["users", "disable", "--username", "desk7"]) == 0
    log = Wiring.of(Settings(var_dir=var)).checkpoint_log()
    assert [cp["seq"] for cp in log.read_all()] == [1, 2]  # the account added, then disabled
    assert verify(capsys)[0] == 0


def test_anonymous_reporters_are_pseudonymous_and_lookups_keep_no_address(
    api: Api, hotline: Any
) -> None:
    body = report_body(channel="web_form", reporter={"relation": "teacher", "anonymous": True})
    receipt = api.submit(body, as_user="teacher1", key="anon").json()
    api.client.post("/v1/receipts/lookup", json={"receipt_no": receipt["receipt_no"],
                                                "lookup_code": receipt["lookup_code"]})
    entries = audit_entries(hotline)
    submit = next(e for e in entries if e["action"] == "report.submit")
    about_it = [e for e in entries if e["resource_id"] == receipt["report_id"]]
    assert submit["actor"].startswith("anon-") and "teacher1" not in json.dumps(about_it)
    lookup = next(e for e in entries if e["action"] == "receipt.lookup")
    assert lookup["client"] is None
    named = api.submit(report_body(channel="web_form", reporter={"relation": "teacher"}),
                       as_user="teacher1", key="named")
    assert named.status_code == 201
    assert audit_entries(hotline)[-1]["actor"] == "teacher1"
