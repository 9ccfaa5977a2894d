"""The systemd units of the distributed wiring: one unit per process of `hotline processes`, each
with an environment file holding only what that process may hold (its keys, its database role,
its Kafka principal), a oneshot unit that creates and migrates the tables before any service
starts, and a target that starts them all."""

from __future__ import annotations

import os
from pathlib import Path

from services.bootstrap.topology import LIMITS, NEEDS
from services.common.settings import Settings
from services.runtime.processlist import Process, env_line, own_environment, processes

# Settings every process reads the same (never a key, a role or a principal).
SHARED = ("environment", "kafka_bootstrap_servers", "var_dir", "ack_sla_seconds", "first_visit_hours",
          "visit_interval_days", "log_level", "trusted_proxies", "public_url", "consumers",
          "api_workers", "lag_threshold", "pipeline_gather_ms", "token_ttl_seconds", "host", "port",
          "webhook_timeout_seconds", "webhook_concurrency", "webhook_allowed_networks",
          "caller_history_days", "callback_days", "crypto_suite")
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


def write_units(settings: Settings, target: Path, prefix: Path, env_dir: Path | None,
                user: str) -> tuple[Path, list[str]]:
    """The units and their environment files under `target`; the env folder and the units written.
    ValueError for a wrong HOTLINE_CONSUMERS."""
    listed = processes(settings.consumers, settings.relays)
    prefix = prefix.resolve()
    env_dir = env_dir or (target / "env").resolve()
    (target / "env").mkdir(parents=True, exist_ok=True)
    var_dir = Path(settings.var_dir).resolve()
    shared = shared_environment(settings)
    written = []
    for process in listed:
        write_private(target / "env" / f"{process.name}.env", [*shared, *own_environment(settings, process)])
        (target / f"hotline-{process.name}.service").write_text(
            unit(process, prefix, env_dir, user, var_dir))
        written.append(f"hotline-{process.name}.service")
    # The migration runs as the database owner with every key (it opens every store), and as the
    # Kafka administrator, who makes each service's principal and its ACLs.
    administrator = ("security_protocol", "sasl_mechanism", "sasl_username", "sasl_password", "ssl_cafile")
    owner = [env_line("HOTLINE_DATABASE_URL", settings.database_url),
             *(env_line(f"HOTLINE_{p.upper()}_KEY", settings.ensure_secret(p)) for p in NEEDS["cli"]),
             *(env_line(f"HOTLINE_KAFKA_{name.upper()}", getattr(settings, f"kafka_{name}"))
               for name in administrator if settings.kafka_principals and getattr(settings, f"kafka_{name}"))]
    write_private(target / "env" / "migrate.env", [*shared, *owner])
    (target / "hotline-migrate.service").write_text(migrate_unit(prefix, env_dir, user, var_dir))
    (target / "hotline.target").write_text(TARGET.format(wants=" ".join(written)))
    return env_dir, ["hotline-migrate.service", *written, "hotline.target"]
