"""`hotline crypto info` (contract §14) on the embedded wiring's SQLite files: written under aes,
then under sm, it counts each suite's events, data keys, keyed hashes, audit entries and
checkpoints exactly, by what each stored item names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.api.http import create_app
from services.bootstrap import Wiring, edges_of
from services.cli.main import main
from services.common.embedded import EmbeddedRunner
from services.common.settings import Settings
from tests.conftest import Api
from tests.helpers import add_test_users, build, report_body, sequence

CHECK = "/v1/children/repeat-check"


def totals(var: Path) -> dict[str, int]:
    """What the stores hold, counted without regard to suite."""
    h = build(Settings(var_dir=var), store="sqlite")
    try:
        counts = {name: int(getattr(h, name).recorder.max_notification_id() or 0)
                  for name in ("intake", "triage", "dispatch", "accounts")}
        counts["data_keys"] = len(h.keys.backend.owners())
        counts["audit"] = (h.audit.head() or type("H", (), {"length": 0})).length
    finally:
        h.close()
    return counts


def write(var: Path, suite: str, reports: list[dict[str, Any]], child: dict[str, Any]) -> None:
    """One phase of the store's life under one suite: reports filed and taken through the
    pipeline, a repeat check, the audit trail sequenced and checkpointed."""
    settings = Settings(var_dir=var, crypto_suite=suite)
    h = build(settings, store="sqlite")
    try:
        if suite == "aes":
            add_test_users(h.accounts)
        with TestClient(create_app(h)) as client:
            api = Api(client)
            for n, body in enumerate(reports):
                assert api.submit(body, key=f"{suite}-{n}").status_code == 201
            EmbeddedRunner(edges_of(h)).pump()
            r = client.post(CHECK, json={"children": [child]}, headers=api.auth("operator1"))
            assert r.status_code == 200, r.text
        assert sequence(h) > 0
        assert Wiring.of(settings, "sqlite").checkpointer(h.audit).checkpoint() is not None
    finally:
        h.close()


def info(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["crypto", "info"]) == 0
    return dict(json.loads(capsys.readouterr().out))


def test_crypto_info_counts_both_suites_exactly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    var = tmp_path / "var"
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(var))
    monkeypatch.delenv("HOTLINE_DATABASE_URL", raising=False)
    phones = [report_body(), report_body(reporter={"name": "陈先生", "phone": "13900000001",
                                                   "relation": "neighbour", "anonymous": False})]
    write(var, "aes", phones, {"id_number": "441823201501011237"})
    before = totals(var)
    monkeypatch.setenv("HOTLINE_CRYPTO_SUITE", "aes")
    found = info(capsys)
    assert found["suite"] == "aes" and found["events"]["intake"]["sm"] == 0

    anonymous = report_body(reporter={"relation": "neighbour", "anonymous": True})
    write(var, "sm", [report_body(children=[{"name": "张小红", "gender": "female", "age": 7}]), anonymous],
          {"name": "张小红", "age": 7})
    after = totals(var)
    monkeypatch.setenv("HOTLINE_CRYPTO_SUITE", "sm")
    found = info(capsys)

    assert found["suite"] == "sm"
    assert found["suites"]["sm"]["algorithms"].startswith("SM4-GCM")
    assert [found["suites"][s]["sealed_prefix"] for s in ("aes", "sm")] == ["v2:", "s4:"]
    for app in ("intake", "triage", "dispatch", "accounts"):
        assert before[app] > 0 and (after[app] > before[app] or app == "accounts"), app
        assert found["events"][app] == {"aes": before[app], "sm": after[app] - before[app], "legacy": 0}, app
    assert found["data_keys"] == {"aes": 2, "sm": 2, "legacy": 0}
    assert (before["data_keys"], after["data_keys"]) == (2, 4)
    # One phone a phase has a row (the anonymous reporter's has none); one child checked a phase.
    assert found["keyed_hashes"]["caller_reports"] == {"aes": 2, "sm": 1}
    assert found["keyed_hashes"]["repeat_checks"] == {"aes": 1, "sm": 1}
    assert found["audit_entries"] == {"aes": before["audit"], "sm": after["audit"] - before["audit"]}
    assert found["audit_checkpoints"] == {"aes": 1, "sm": 1}
    capsys.readouterr()
    assert main(["audit", "verify"]) == 0  # the chain switched suite and still verifies
    assert json.loads(capsys.readouterr().out)["entries_checked"] == after["audit"]
