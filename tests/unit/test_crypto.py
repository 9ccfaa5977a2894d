"""Sealed blobs bound to their owner, and event-key rotation that keeps history readable."""

from __future__ import annotations

import base64
import json
import os
import sqlite3
from pathlib import Path

import pytest
from eventsourcing.cipher import AESCipher
from eventsourcing.utils import Environment

from services.cli.main import main
from services.common.crypto import RotatingCipher, Sealer, fingerprint
from services.common.settings import Settings
from services.intake.schemas import ReportIn
from tests.helpers import build, report_body

KEY = base64.b64encode(os.urandom(32)).decode()


def test_a_sealed_blob_opens_only_for_its_owner() -> None:
    blob = Sealer(KEY, context="report:a").seal({"name": "王小明"})
    assert Sealer(KEY, context="report:a").open(blob) == {"name": "王小明"}
    with pytest.raises(ValueError):
        Sealer(KEY, context="report:b").open(blob)  # same key, another report
    altered = blob[:-4] + ("AAAA" if not blob.endswith("AAAA") else "BBBB")
    with pytest.raises(ValueError):
        Sealer(KEY, context="report:a").open(altered)


def test_blobs_sealed_before_associated_data_still_open() -> None:
    legacy = AESCipher(Environment(env={"CIPHER_KEY": KEY}))
    old = base64.b64encode(legacy.encrypt(json.dumps({"narrative": "旧"}).encode())).decode()
    assert Sealer(KEY, context="report:a").open(old) == {"narrative": "旧"}


def test_a_wrapped_key_moved_to_another_report_does_not_open(tmp_path: Path) -> None:
    h = build(Settings(var_dir=tmp_path), store="memory")
    h.keys.key_for("a", create=True)
    h.keys.key_for("b", create=True)
    h.keys.backend.destroy("b")
    h.keys.backend.put("b", h.keys.backend.get("a") or "")
    with pytest.raises(ValueError):
        h.keys.key_for("b")
    h.close()


def test_rotation_new_events_under_the_new_key_old_ones_readable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("HOTLINE_DATABASE_URL", raising=False)

    def submit(key: str) -> str:
        h = build(Settings(var_dir=tmp_path))
        receipt = h.intake.submit_report(ReportIn.model_validate(report_body()), submitted_by="op",
                                         role="operator", idempotency_key=key)
        h.close()
        return str(receipt.report_id)

    first = submit("before")
    old = Settings(var_dir=tmp_path).ensure_secret("event")
    assert main(["keys", "rotate"]) == 0
    assert json.loads(capsys.readouterr().out)["keys_kept"] == 2
    keys = Settings(var_dir=tmp_path).ensure_secret("event")
    new = keys.split(",")[0]
    assert keys == f"{new},{old}" and new != old
    second = submit("after")

    h = build(Settings(var_dir=tmp_path))
    assert h.intake.get_report(first).receipt_no and h.intake.get_report(second).receipt_no
    h.close()
    with sqlite3.connect(tmp_path / "intake.sqlite") as db:
        states = [bytes(s) for (s,) in db.execute("SELECT state FROM stored_events ORDER BY rowid")]
    fp_new = fingerprint(base64.b64decode(new))
    assert states[-1].startswith(RotatingCipher.MAGIC + fp_new)  # the newest under the new key
    assert not states[0].startswith(RotatingCipher.MAGIC + fp_new)
    only_new = RotatingCipher(Environment(env={"CIPHER_KEY": new}))
    only_new.decrypt(states[-1])
    with pytest.raises(ValueError):
        only_new.decrypt(states[0])  # the old key is really another key
