"""`hotline deploy systemd`: one unit per process that `systemd-analyze verify` accepts, each
environment file holding only that process's keys, role and principal (0600); and `hotline
migrate`: each migration once, recorded, nothing applied twice."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from services.bootstrap.roles import KAFKA_ACLS
from services.common.secrets import NEEDS, PURPOSES
from services.gateway.cli import main
from services.gateway.processlist import processes

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def distributed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in {"HOTLINE_VAR_DIR": str(tmp_path / "var"),
                        "HOTLINE_DATABASE_URL": "postgresql://hotline:owner-pw@db.county.example:5432/hotline",
                        "HOTLINE_KAFKA_BOOTSTRAP_SERVERS": "k1.county.example:9093,k2.county.example:9093",
                        "HOTLINE_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
                        "HOTLINE_KAFKA_SASL_USERNAME": "admin", "HOTLINE_KAFKA_SASL_PASSWORD": "admin-pw",
                        "HOTLINE_SUPERVISOR_WEBHOOK": "https://oapi.example/robot/send?access_token=t",
                        "HOTLINE_SUPERVISOR_WEBHOOK_SECRET": "SEC-supervisors-0001"}.items():
        monkeypatch.setenv(name, value)
    return tmp_path


def env_of(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines())


def test_the_units_pass_systemd_analyze_and_each_env_holds_only_its_own(
        distributed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = distributed / "units"
    assert main(["deploy", "systemd", "--out", str(out), "--prefix", str(ROOT)]) == 0
    made = json.loads(capsys.readouterr().out)["units"]
    assert {f"hotline-{p.name}.service" for p in processes()} | {"hotline-migrate.service",
                                                                 "hotline.target"} == set(made)
    units = sorted(str(p) for p in out.iterdir() if p.suffix in (".service", ".target"))
    verify = subprocess.run([shutil.which("systemd-analyze") or "systemd-analyze", "verify", *units],
                            capture_output=True, text=True, timeout=60)
    assert verify.returncode == 0, verify.stderr
    for process in processes():
        env = env_of(out / "env" / f"{process.name}.env")
        assert (out / "env" / f"{process.name}.env").stat().st_mode & 0o777 == 0o600
        keys = {k for k in env if k.endswith("_KEY") and k != "HOTLINE_KEY_FILES"}
        assert keys == {f"HOTLINE_{p.upper()}_KEY" for p in NEEDS[process.kind]}, process.name
        role = process.principal.replace("-", "_")
        assert env["HOTLINE_DATABASE_URL"].startswith(f"postgresql://hotline_{role}:")
        assert env.get("HOTLINE_KAFKA_SASL_USERNAME") == (
            process.principal if process.principal in KAFKA_ACLS else None)
        assert "owner-pw" not in env["HOTLINE_DATABASE_URL"] and "admin-pw" not in str(env)
        assert ("HOTLINE_SUPERVISOR_WEBHOOK_SECRET" in env) == (process.kind == "notify")
        unit = (out / f"hotline-{process.name}.service").read_text()
        assert f"ExecStart={ROOT}/.venv/bin/hotline {process.args}" in unit
        assert "Requires=hotline-migrate.service" in unit and "Restart=on-failure" in unit
    migrate = env_of(out / "env" / "migrate.env")
    assert "owner-pw" in migrate["HOTLINE_DATABASE_URL"] and len(
        [k for k in migrate if k.endswith("_KEY") and k != "HOTLINE_KEY_FILES"]) == len(PURPOSES)


def test_a_unit_that_names_a_missing_program_is_refused_by_the_checker(
        distributed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The check above can fail: systemd-analyze refuses what would not start."""
    out = distributed / "units"
    assert main(["deploy", "systemd", "--out", str(out), "--prefix", str(distributed / "nowhere")]) == 0
    verify = subprocess.run(["systemd-analyze", "verify", str(out / "hotline-api.service")],
                            capture_output=True, text=True, timeout=60)
    assert verify.returncode != 0 and "not executable" in verify.stderr


def test_units_need_the_distributed_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("HOTLINE_DATABASE_URL", raising=False)
    assert main(["deploy", "systemd", "--out", str(tmp_path / "u")]) == 2
    assert "HOTLINE_DATABASE_URL" in capsys.readouterr().err


def test_migrate_applies_each_migration_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("HOTLINE_DATABASE_URL", raising=False)
    assert main(["migrate"]) == 0 and main(["migrate"]) == 0
    capsys.readouterr()
    assert main(["migrate", "--status"]) == 0
    ledger = json.loads(capsys.readouterr().out)
    assert [m["version"] for m in ledger] == [1, 2]
    assert (tmp_path / "desk.sqlite").exists() and (tmp_path / "notify.sqlite").exists()
