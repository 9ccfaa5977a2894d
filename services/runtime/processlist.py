"""Every OS process of the distributed wiring, derived from the topology
(`services/bootstrap/topology.py`): its name, its kind (which keys it gets), its database role and
Kafka principal, and its `hotline` arguments. Used by the API's readiness check, the systemd units
and infra/stack.sh (`hotline processes`, `hotline keys env`)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from services.bootstrap.roles import KAFKA_ACLS, kafka_password, url_for
from services.bootstrap.topology import CONSUMERS, NEEDS, SINGLE, TOPOLOGY
from services.common.settings import Settings


@dataclass(frozen=True)
class Process:
    name: str
    kind: str
    principal: str  # its database role and Kafka principal (members of one group share one)
    args: str


def parse_consumers(value: str) -> dict[str, int]:
    """`triage=2,dispatch=2,desk=1` (HOTLINE_CONSUMERS): members per consumer group; 1 each by
    default. Raises ValueError naming what is wrong."""
    counts = dict.fromkeys(CONSUMERS, 1)
    for part in (p.strip() for p in value.split(",") if p.strip()):
        service, _, n = part.partition("=")
        if service.strip() not in CONSUMERS:
            raise ValueError(f"HOTLINE_CONSUMERS: {service.strip()!r} is not one of {', '.join(CONSUMERS)}")
        if not n.strip().isdigit() or not 1 <= int(n) <= 12:
            raise ValueError(f"HOTLINE_CONSUMERS: {part!r} needs a count from 1 to 12")
        if service.strip() in SINGLE and int(n) != 1:
            raise ValueError(f"HOTLINE_CONSUMERS: {service.strip()} runs as one process (it sends webhooks)")
        counts[service.strip()] = int(n)
    return counts


RELAY_LAYOUTS = ("one", "each")


def processes(consumers: str = "", relays: str = "one") -> tuple[Process, ...]:
    """The processes `make up` starts; a group's second member is `<name>-2`, and so on (one
    member per partition at most does work: the topics have HOTLINE_KAFKA_PARTITIONS); the
    relays as one process, or `relay-<application>` each (HOTLINE_RELAYS=each)."""
    counts = parse_consumers(consumers)
    if relays not in RELAY_LAYOUTS:
        raise ValueError(f"HOTLINE_RELAYS: {relays!r} is not one of {', '.join(RELAY_LAYOUTS)}")
    listed: list[Process] = []
    for s in TOPOLOGY:
        if s.leaders and relays == "each":
            listed += [Process(f"{s.name}-{app}", s.kind, s.name, f"{s.command} --app {app}")
                       for app in s.leaders]
            continue
        listed += [Process(s.name if i == 1 else f"{s.name}-{i}", s.kind, s.name, s.command)
                   for i in range(1, counts.get(s.scaling, 1) + 1)]
    return tuple(listed)


def by_name(consumers: str = "", relays: str = "one") -> dict[str, Process]:
    return {p.name: p for p in processes(consumers, relays)}


def env_line(name: str, value: object) -> str:
    """NAME=value, quoted for a shell's `source` and systemd's EnvironmentFile alike (a URL's
    `?a=1&b=2` would otherwise end the assignment at the `&`)."""
    return f"{name}={shlex.quote(str(value))}"


def own_environment(settings: Settings, process: Process) -> list[str]:
    """What only this process gets: its keys, its database role and its Kafka principal (members
    of one consumer group share one role and principal)."""
    pairs = [(f"HOTLINE_{p.upper()}_KEY", settings.ensure_secret(p)) for p in NEEDS[process.kind]]
    if settings.distributed:
        pairs.append(("HOTLINE_DATABASE_URL", url_for(settings.database_url, settings.secrets_dir,
                                                      process.principal)))
    if process.principal in KAFKA_ACLS and settings.kafka_security_protocol != "PLAINTEXT":
        pairs.append(("HOTLINE_KAFKA_SECURITY_PROTOCOL", settings.kafka_security_protocol))
        if settings.kafka_ssl_cafile:
            pairs.append(("HOTLINE_KAFKA_SSL_CAFILE", settings.kafka_ssl_cafile))
        if settings.kafka_principals:
            password = kafka_password(settings.secrets_dir, process.principal)
            pairs += [("HOTLINE_KAFKA_SASL_MECHANISM", settings.kafka_sasl_mechanism),
                      ("HOTLINE_KAFKA_SASL_USERNAME", process.principal),
                      ("HOTLINE_KAFKA_SASL_PASSWORD", password)]
    if process.kind != "api":  # its own /healthz and /metrics (the API serves them on its port)
        pairs.append(("HOTLINE_METRICS_PORT", str(metrics_port(settings, process))))
    if process.kind == "notify" and settings.supervisor_webhook:  # told of every escalation
        pairs += [("HOTLINE_SUPERVISOR_WEBHOOK", settings.supervisor_webhook),
                  ("HOTLINE_SUPERVISOR_WEBHOOK_SECRET", settings.supervisor_webhook_secret),
                  ("HOTLINE_SUPERVISOR_WEBHOOK_FORMAT", settings.supervisor_webhook_format)]
    if process.kind == "notify" and settings.upward_webhook:  # major incidents go upward (§12)
        pairs += [("HOTLINE_UPWARD_WEBHOOK", settings.upward_webhook),
                  ("HOTLINE_UPWARD_WEBHOOK_SECRET", settings.upward_webhook_secret),
                  ("HOTLINE_UPWARD_WEBHOOK_FORMAT", settings.upward_webhook_format)]
    return [env_line(name, value) for name, value in pairs]


def metrics_port(settings: Settings, process: Process) -> int:
    """Each worker's port for /healthz and /metrics: the base port plus its place in the list."""
    names = [p.name for p in processes(settings.consumers, settings.relays)]
    return settings.metrics_base_port + names.index(process.name)
