"""Backup and restore on the embedded store: everything comes back readable, the audit chain
verifies against its checkpoints, and the view equals a rebuild; refusals say why."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from services.bootstrap import Wiring, edges_of
from services.cli.main import main
from services.common.embedded import EmbeddedRunner
from services.common.settings import Settings
from services.intake.schemas import ReportIn
from tests.helpers import build, report_body, sequence


def use(monkeypatch: pytest.MonkeyPatch, var: Path) -> Settings:
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(var))
    monkeypatch.delenv("HOTLINE_DATABASE_URL", raising=False)
    return Settings(var_dir=var, database_url="", environment="development")


def test_a_backup_restores_into_a_fresh_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    first = tmp_path / "first"
    hotline = build(use(monkeypatch, first), store="sqlite")
    receipts = [hotline.intake.submit_report(ReportIn.model_validate(report_body()), submitted_by="operator1",
                                             idempotency_key=key, role="operator") for key in ("a", "b")]
    EmbeddedRunner(edges_of(hotline)).pump()
    hotline.audit.record(actor="admin1", role="admin", action="report.read", resource_type="report")
    sequence(hotline)
    Wiring.of(Settings(var_dir=first)).checkpointer(hotline.audit).checkpoint()
    cases = {c["case_id"]: c["risk_level"] for c in hotline.view.list_cases()}
    hotline.close()

    folder = tmp_path / "backup"
    capsys.readouterr()
    assert main(["backup", "--out", str(folder)]) == 0
    made = json.loads(capsys.readouterr().out)
    assert made["checkpoints"] >= 1 and "intake.sqlite" in made["sqlite"] and made["keys"]
    assert main(["backup", "--out", str(folder)]) == 2  # never into a folder that holds one
    capsys.readouterr()

    fresh = tmp_path / "fresh"
    fresh.mkdir()
    shutil.copytree(first / "secrets", fresh / "secrets")  # master keys travel apart, as secrets
    use(monkeypatch, fresh)
    assert main(["restore", "--from", str(folder)]) == 0
    assert main(["restore", "--from", str(folder)]) == 2  # not over what is there
    capsys.readouterr()
    assert main(["audit", "verify"]) == 0
    assert main(["projection", "check"]) == 0
    capsys.readouterr()
    again = build(Settings(var_dir=fresh, database_url="", environment="development"), store="sqlite")
    try:
        assert {c["case_id"]: c["risk_level"] for c in again.view.list_cases()} == cases
        for receipt in receipts:  # the personal data opens with the restored keys
            report = again.intake.get_report(receipt.report_id)
            assert again.intake.personal_data(report)["children"][0]["name"] == "王小明"  # type: ignore[index]
    finally:
        again.close()


def test_a_backup_is_its_owners_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """No file or folder of a backup (or of the var/ it reads) has a bit for group or other, even
    from a shell whose umask is 022 (#26 finding 7)."""
    var = tmp_path / "var"
    hotline = build(use(monkeypatch, var), store="sqlite")
    hotline.intake.submit_report(ReportIn.model_validate(report_body()), submitted_by="operator1",
                                 idempotency_key="a", role="operator")
    hotline.close()
    before = os.umask(0o022)
    try:
        folder = tmp_path / "backup"
        assert main(["backup", "--out", str(folder)]) == 0
        assert os.umask(0o022) == 0o022  # the command gave the caller's umask back
    finally:
        os.umask(before)
    capsys.readouterr()
    written = [folder, *folder.rglob("*")]
    assert len(written) > 4 and any(p.name == "manifest.json" for p in written)
    assert {oct(p.stat().st_mode & 0o777) for p in written if p.is_dir()} == {"0o700"}
    assert {oct(p.stat().st_mode & 0o777) for p in written if p.is_file()} == {"0o600"}
