"""`hotline deploy systemd`: one unit per process that `systemd-analyze verify` accepts, each
environment file holding only that process's keys, role and principal (0600); and `hotline
migrate`: each migration once, recorded, nothing applied twice."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.bootstrap.roles import KAFKA_ACLS
from services.bootstrap.topology import NEEDS
from services.cli.main import main
from services.common.secrets import PURPOSES
from services.runtime.processlist import processes

ROOT = Path(__file__).resolve().parents[2]


def ca_file(where: Path) -> Path:
    (where / "kafka-ca.crt").write_text("-----BEGIN CERTIFICATE-----\n")
    return where / "kafka-ca.crt"


@pytest.fixture
def distributed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in {"HOTLINE_VAR_DIR": str(tmp_path / "var"),
                        "HOTLINE_DATABASE_URL": "postgresql://hotline:owner-pw@db.county.example:5432/hotline",
                        "HOTLINE_KAFKA_BOOTSTRAP_SERVERS": "k1.county.example:9093,k2.county.example:9093",
                        "HOTLINE_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
                        "HOTLINE_KAFKA_SSL_CAFILE": str(ca_file(tmp_path)),
                        "HOTLINE_KAFKA_SASL_USERNAME": "admin", "HOTLINE_KAFKA_SASL_PASSWORD": "admin-pw",
                        "HOTLINE_SUPERVISOR_WEBHOOK": "https://oapi.example/robot/send?access_token=t",
                        "HOTLINE_SUPERVISOR_WEBHOOK_SECRET": "SEC-supervisors-0001"}.items():
        monkeypatch.setenv(name, value)
    return tmp_path


def env_of(path: Path) -> dict[str, str]:
    """As a shell's `source` reads it (values are quoted)."""
    return {name: (shlex.split(value) or [""])[0] for name, value in
            (line.split("=", 1) for line in path.read_text().splitlines())}


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
        assert env.get("HOTLINE_KAFKA_SSL_CAFILE") == (  # TLS to the brokers, checked against the CA
            str(distributed / "kafka-ca.crt") if process.principal in KAFKA_ACLS else None)
        assert "owner-pw" not in env["HOTLINE_DATABASE_URL"] and "admin-pw" not in str(env)
        assert ("HOTLINE_SUPERVISOR_WEBHOOK_SECRET" in env) == (process.kind == "notify")
        # The notifier's attempt limits reach the units as make up hands them on (#25).
        assert env["HOTLINE_WEBHOOK_TIMEOUT_SECONDS"] == "5.0" and env["HOTLINE_WEBHOOK_CONCURRENCY"] == "16"
        unit = (out / f"hotline-{process.name}.service").read_text()
        assert f"ExecStart={ROOT}/.venv/bin/hotline {process.args}" in unit
        assert "Requires=hotline-migrate.service" in unit and "Restart=on-failure" in unit
    migrate = env_of(out / "env" / "migrate.env")
    assert "owner-pw" in migrate["HOTLINE_DATABASE_URL"] and len(
        [k for k in migrate if k.endswith("_KEY") and k != "HOTLINE_KEY_FILES"]) == len(PURPOSES)
    # The administrator makes the principals: only the migration has its password.
    assert migrate["HOTLINE_KAFKA_SASL_PASSWORD"] == "admin-pw"
    assert migrate["HOTLINE_KAFKA_SSL_CAFILE"] == str(distributed / "kafka-ca.crt")


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
    # 5: major incidents (#28), 6-7: #29, 8: the audit trail's suite column (#30), 9: the caller
    # index by time (#31), 10: the helperless plans' index (#31)
    assert [m["version"] for m in ledger] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert (tmp_path / "desk.sqlite").exists() and (tmp_path / "notify.sqlite").exists()


def test_the_scrape_configuration_and_alert_rules_pass_promtool(
        distributed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = distributed / "prometheus"
    assert main(["deploy", "prometheus", "--out", str(out), "--host", "10.0.0.5",
                 "--host-of", "api=10.0.0.2"]) == 0
    config = json.loads((out / "prometheus.yml").read_text())
    workers = {c["labels"]["process"]: c["targets"][0] for c in config["scrape_configs"][1]["static_configs"]}
    assert set(workers) == {p.name for p in processes() if p.kind != "api"}
    assert len(set(workers.values())) == len(workers)
    assert all(t.startswith("10.0.0.5:") for t in workers.values())
    assert config["scrape_configs"][0]["static_configs"][0]["targets"] == ["10.0.0.2:8000"]
    promtool = shutil.which("promtool") or "promtool"
    for args in (["check", "config", str(out / "prometheus.yml")],
                 ["test", "rules", str(out / "alerts.test.yml")]):
        checked = subprocess.run([promtool, *args], capture_output=True, text=True, timeout=60)
        assert checked.returncode == 0, checked.stdout + checked.stderr
    broken = out / "broken.yml"
    broken.write_text((out / "alerts.yml").read_text().replace("hotline_referrals_overdue > 0",
                                                                "hotline_referrals_overdue >"))
    assert subprocess.run([promtool, "check", "rules", str(broken)], capture_output=True,
                          timeout=60).returncode != 0  # the checker catches a broken rule


def exported_metrics() -> set[str]:
    """Every metric the processes export: the API's pipeline gauges and HTTP metrics, the audit
    process's checkpoint gauges, the notifier's attempts, each process's release, and Prometheus's
    own `up`."""
    from prometheus_client import CollectorRegistry

    from services.api import ops  # noqa: F401 - registers the HTTP metrics
    from services.common.build_info import build_info
    from services.notify import notifier  # noqa: F401 - registers the attempts counter
    from services.runtime.status import PipelineCollector, PipelineStatus, watch_checkpoints

    class Fixed(PipelineCollector):
        def __init__(self) -> None:
            pass

        def status(self) -> PipelineStatus:
            return PipelineStatus()

    class Trail:
        def head(self) -> None:
            return None

    class Checkpoints:
        published, published_at, audit = 0, datetime.now(UTC), Trail()

    registry = CollectorRegistry()
    watch_checkpoints(Checkpoints(), registry)  # type: ignore[arg-type]
    names = {m.name for m in Fixed().collect()} | {m.name for m in registry.collect()}
    from prometheus_client import REGISTRY
    names |= {m.name for m in REGISTRY.collect()}
    names |= {m.name for m in build_info("1.0").collect()}  # every process's release
    return names | {"up"}


def test_the_alerts_and_the_dashboard_name_only_metrics_that_exist() -> None:
    import re

    monitoring = ROOT / "infra" / "monitoring"
    dashboard = json.loads((monitoring / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    exprs += re.findall(r"expr: (.+)", (monitoring / "alerts.yml").read_text())
    used = {re.sub(r"_(total|bucket|count|sum)$", "", n) for e in exprs
            for n in re.findall(r"\b(hotline_[a-z_]+|up)\b", e)}
    assert used and used <= exported_metrics(), used - exported_metrics()



def test_the_dashboards_legends_name_labels_their_metrics_have() -> None:
    """A legend naming a label the metric lost (a rename) would draw one nameless series."""
    import re

    from prometheus_client import REGISTRY

    from services.notify import rounds  # noqa: F401 - the notifier's metrics
    labels = {name: set(getattr(c, "_labelnames", ())) for name, c in
              REGISTRY._names_to_collectors.items()}  # noqa: SLF001
    dashboard = json.loads((ROOT / "infra" / "monitoring" / "grafana-dashboard.json").read_text())
    checked = 0
    for target in (t for p in dashboard["panels"] for t in p["targets"]):
        named = set(re.findall(r"{{\s*(\w+)\s*}}", target.get("legendFormat", "")))
        if named and target["expr"] in labels:
            assert named <= labels[target["expr"]], (target["expr"], named)
            checked += 1
    assert checked and labels["hotline_notify_pending"] == {"unit", "contact"}


def test_a_workers_probe_answers_health_and_metrics() -> None:
    import urllib.error
    import urllib.request

    from services.notify import notifier  # noqa: F401 - a worker's own metric
    from services.runtime.probe import ProbeServer

    alive = [True]
    probe = ProbeServer("127.0.0.1", 0, lambda: alive[0], release="2.0.1").start()
    base = f"http://127.0.0.1:{probe.server.server_address[1]}"
    try:
        answer = urllib.request.urlopen(f"{base}/healthz", timeout=5)
        assert answer.status == 200 and json.loads(answer.read()) == {"status": "alive", "release": "2.0.1"}
        metrics = urllib.request.urlopen(f"{base}/metrics", timeout=5).read()
        assert b"hotline_webhook_attempts_total" in metrics
        assert b'hotline_build_info{release="2.0.1"} 1.0' in metrics
        alive[0] = False
        with pytest.raises(urllib.error.HTTPError) as stopped:
            urllib.request.urlopen(f"{base}/healthz", timeout=5)
        assert stopped.value.code == 503
    finally:
        probe.stop()


def test_the_containerfile_holds_what_the_processes_load_and_runs_the_same_cli() -> None:
    """Not built here (no container engine, no registry): what can be checked without building.
    It copies every package root and what the code reads outside them, installs the exact pins,
    runs `hotline` unprivileged, and takes its keys from the environment only."""
    import tomllib

    from services.deploy.prometheus import MONITORING

    text = (ROOT / "Containerfile").read_text()
    copied = {src for line in text.splitlines() if line.startswith("COPY ") for src in line.split()[1:-1]}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    roots = {pattern.rstrip("*") for pattern in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    assert roots and roots <= copied, roots - copied
    assert {"requirements.lock", "pyproject.toml", str(MONITORING.relative_to(ROOT))} <= copied
    assert "pip install --no-cache-dir --disable-pip-version-check -r requirements.lock" in text
    (entry,) = re.findall(r"^ENTRYPOINT (.+)$", text, re.M)
    assert json.loads(entry) == [f"/opt/hotline/.venv/bin/{next(iter(project['project']['scripts']))}"]
    (user,) = re.findall(r"^USER (\S+)$", text, re.M)
    assert user not in ("root", "0")
    assert "HOTLINE_KEY_FILES=false" in text and "HOTLINE_ENVIRONMENT=production" in text
    (command,) = re.findall(r"^CMD (.+)$", text, re.M)
    assert " ".join(json.loads(command)) in {p.args for p in processes()}  # a process kind's own command
