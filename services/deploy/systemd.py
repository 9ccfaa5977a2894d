"""`hotline deploy systemd --out DIR`: the distributed wiring on hosts of its own, one systemd unit
per process of `hotline processes`, each with an environment file holding only what that process
may hold (its keys, its database role, its Kafka principal), a oneshot unit that creates and
migrates the tables before any service starts, and a target that starts them all.
`hotline deploy prometheus --out DIR`: a scrape configuration for the same processes (the API's
port, each worker's HOTLINE_METRICS_PORT), the alert rules and the Grafana dashboard."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from services.bootstrap.topology import LIMITS, NEEDS
from services.common.settings import Settings
from services.gateway.admin import out
from services.gateway.processlist import Process, env_line, metrics_port, own_environment, processes

MONITORING = Path(__file__).resolve().parents[2] / "infra" / "monitoring"

# Settings every process reads the same (never a key, a role or a principal).
SHARED = ("environment", "kafka_bootstrap_servers", "var_dir", "ack_sla_seconds", "first_visit_hours",
          "visit_interval_days", "log_level", "trusted_proxies", "public_url", "consumers",
          "api_workers", "lag_threshold", "token_ttl_seconds", "host", "port",
          "webhook_timeout_seconds", "webhook_concurrency", "webhook_allowed_networks")
# Memory and CPU per process kind: topology.LIMITS. A service that leaves (crash, OOM kill) is
# started again; one that keeps failing stops after 10 starts in 5 minutes (StartLimit*), so it is
# seen, not looped.


def shared_environment(settings: Settings) -> list[str]:
    lines = [env_line(f"HOTLINE_{name.upper()}", getattr(settings, name)) for name in SHARED
             if str(getattr(settings, name))]
    if settings.totp_roles is not None:  # '' too: no second factor even in production, if so set
        lines.append(env_line("HOTLINE_TOTP_ROLES", settings.totp_roles))
    return [*lines, "HOTLINE_KEY_FILES=false"]


def unit(process: Process, prefix: Path, env_dir: Path, user: str, var_dir: Path) -> str:
    memory, cpu = LIMITS[process.kind]
    return f"""[Unit]
Description=Minor-protection hotline: {process.name} (hotline {process.args})
Documentation=file://{prefix}/docs/deploy.md
Wants=network-online.target
After=network-online.target hotline-migrate.service
Requires=hotline-migrate.service
PartOf=hotline.target
StartLimitIntervalSec=300
StartLimitBurst=10

[Service]
Type=simple
User={user}
Group={user}
WorkingDirectory={prefix}
EnvironmentFile={env_dir}/{process.name}.env
Environment=HOTLINE_CONSUMER_INSTANCE={process.name}
ExecStart={prefix}/.venv/bin/hotline {process.args}
UMask=0077
Restart=on-failure
RestartSec=2
KillSignal=SIGTERM
TimeoutStopSec=30
MemoryMax={memory}
CPUQuota={cpu}
LimitNOFILE=65536
NoNewPrivileges=yes
PrivateTmp=yes
ProtectHome=yes
ProtectSystem=strict
ReadWritePaths={var_dir}

[Install]
WantedBy=hotline.target
"""


def migrate_unit(prefix: Path, env_dir: Path, user: str, var_dir: Path) -> str:
    return f"""[Unit]
Description=Minor-protection hotline: create and migrate the tables (before any service)
Documentation=file://{prefix}/docs/deploy.md
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
RemainAfterExit=yes
User={user}
Group={user}
WorkingDirectory={prefix}
EnvironmentFile={env_dir}/migrate.env
ExecStart={prefix}/.venv/bin/hotline migrate
UMask=0077
NoNewPrivileges=yes
PrivateTmp=yes
ProtectHome=yes
ProtectSystem=strict
ReadWritePaths={var_dir}
"""


TARGET = """[Unit]
Description=Minor-protection hotline: every service process
Wants={wants}
After={wants}

[Install]
WantedBy=multi-user.target
"""


def write_private(path: Path, lines: list[str]) -> None:
    """0600 from its creation: the file holds keys."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("".join(f"{line}\n" for line in lines))


def cmd_deploy_systemd(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.distributed or not settings.kafka_bootstrap_servers:
        sys.stderr.write("hotline: set HOTLINE_DATABASE_URL (the owner's) and"
                         " HOTLINE_KAFKA_BOOTSTRAP_SERVERS: the units are for the distributed wiring\n")
        return 2
    try:
        listed = processes(settings.consumers)
    except ValueError as exc:
        sys.stderr.write(f"hotline: {exc}\n")
        return 2
    target, prefix = Path(args.out), Path(args.prefix).resolve()
    env_dir = Path(args.env_dir) if args.env_dir else (target / "env").resolve()
    (target / "env").mkdir(parents=True, exist_ok=True)
    var_dir = Path(settings.var_dir).resolve()
    shared = shared_environment(settings)
    written = []
    for process in listed:
        write_private(target / "env" / f"{process.name}.env", [*shared, *own_environment(settings, process)])
        (target / f"hotline-{process.name}.service").write_text(
            unit(process, prefix, env_dir, args.user, var_dir))
        written.append(f"hotline-{process.name}.service")
    # The migration runs as the database owner with every key (it opens every store), and as the
    # Kafka administrator, who makes each service's principal and its ACLs.
    administrator = ("security_protocol", "sasl_mechanism", "sasl_username", "sasl_password", "ssl_cafile")
    owner = [env_line("HOTLINE_DATABASE_URL", settings.database_url),
             *(env_line(f"HOTLINE_{p.upper()}_KEY", settings.ensure_secret(p)) for p in NEEDS["cli"]),
             *(env_line(f"HOTLINE_KAFKA_{name.upper()}", getattr(settings, f"kafka_{name}"))
               for name in administrator if settings.kafka_principals and getattr(settings, f"kafka_{name}"))]
    write_private(target / "env" / "migrate.env", [*shared, *owner])
    (target / "hotline-migrate.service").write_text(migrate_unit(prefix, env_dir, args.user, var_dir))
    (target / "hotline.target").write_text(TARGET.format(wants=" ".join(written)))
    out({"out": str(target), "units": ["hotline-migrate.service", *written, "hotline.target"],
         "env_dir": str(env_dir), "next": f"copy the units to /etc/systemd/system and {target}/env to"
                                          f" {env_dir}; systemctl enable --now hotline.target"})
    return 0


def scrape_config(settings: Settings, hosts: dict[str, str], default_host: str) -> dict[str, Any]:
    """Prometheus's configuration (JSON is YAML): the API and every worker, labelled by process."""
    listed = processes(settings.consumers)

    def host(name: str) -> str:
        return hosts.get(name, default_host)

    workers = [{"targets": [f"{host(p.name)}:{metrics_port(settings, p)}"], "labels": {"process": p.name}}
               for p in listed if p.kind != "api"]
    return {
        "global": {"scrape_interval": "15s", "evaluation_interval": "15s"},
        "rule_files": ["alerts.yml"],
        "scrape_configs": [
            {"job_name": "hotline-api", "metrics_path": "/metrics", "static_configs": [
                {"targets": [f"{host('api')}:{settings.port}"], "labels": {"process": "api"}}]},
            {"job_name": "hotline-workers", "metrics_path": "/metrics", "static_configs": workers},
        ],
    }


def cmd_deploy_prometheus(settings: Settings, args: argparse.Namespace) -> int:
    try:
        hosts = dict(pair.split("=", 1) for pair in args.host_of)
        config = scrape_config(settings, hosts, args.host)
    except ValueError as exc:
        sys.stderr.write(f"hotline: {exc} (--host-of takes NAME=HOST)\n")
        return 2
    target = Path(args.out)
    target.mkdir(parents=True, exist_ok=True)
    (target / "prometheus.yml").write_text(json.dumps(config, indent=2) + "\n")
    for name in ("alerts.yml", "alerts.test.yml", "grafana-dashboard.json"):
        shutil.copyfile(MONITORING / name, target / name)
    out({"out": str(target), "files": ["prometheus.yml", "alerts.yml", "alerts.test.yml",
                                        "grafana-dashboard.json"],
         "check": f"promtool check config {target}/prometheus.yml"})
    return 0


def add_commands(sub: Any) -> None:
    deploy = sub.add_parser("deploy", help="files to run the distributed wiring on hosts").add_subparsers(
        dest="deploy_command", required=True)
    systemd = deploy.add_parser("systemd", help="one systemd unit and environment file per process")
    systemd.add_argument("--out", required=True, help="a folder for the units and env/")
    systemd.add_argument("--prefix", default=str(Path(__file__).resolve().parents[2]),
                         help="where the project is installed (its .venv/bin/hotline)")
    systemd.add_argument("--env-dir", help="where the env files will be (default: OUT/env)")
    systemd.add_argument("--user", default="hotline", help="the system user the services run as")
    systemd.set_defaults(fn=cmd_deploy_systemd)
    prometheus = deploy.add_parser("prometheus", help="scrape configuration, alert rules, Grafana dashboard")
    prometheus.add_argument("--out", required=True)
    prometheus.add_argument("--host", default="127.0.0.1", help="where the processes run")
    prometheus.add_argument("--host-of", action="append", default=[], metavar="NAME=HOST",
                            help="a process on another host (repeatable)")
    prometheus.set_defaults(fn=cmd_deploy_prometheus)
