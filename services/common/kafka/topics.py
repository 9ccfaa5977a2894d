"""Broker checks and topic creation, used by infra/kafka.sh and readiness probes."""

from __future__ import annotations

import os
import sys
from typing import Any

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from services.common.kafka.security import from_env
from services.common.messages import AUDIT_CHECKPOINTS_TOPIC, DEAD_LETTER_TOPIC, TOPICS


def _servers() -> list[str]:
    port = os.environ.get("HOTLINE_KAFKA_PORT", "29092")
    servers = os.environ.get("HOTLINE_KAFKA_BOOTSTRAP_SERVERS") or f"127.0.0.1:{port}"
    return servers.split(",")


def broker_count(servers: list[str], timeout_ms: int = 3000, security: dict[str, Any] | None = None) -> int:
    admin = KafkaAdminClient(**(security or {}), bootstrap_servers=servers, request_timeout_ms=timeout_ms)
    try:
        return len(admin.describe_cluster()["brokers"])
    finally:
        admin.close()


def create_topics(servers: list[str], partitions: int, security: dict[str, Any] | None = None,
                  replicas: int = 1) -> list[str]:
    admin = KafkaAdminClient(**(security or {}), bootstrap_servers=servers, request_timeout_ms=15000)
    try:
        existing = set(admin.list_topics())
        wanted = {**{t: partitions for t in TOPICS}, AUDIT_CHECKPOINTS_TOPIC: 1, DEAD_LETTER_TOPIC: 1}
        missing = [t for t in wanted if t not in existing]
        if missing:
            try:
                admin.create_topics(
                    [NewTopic(t, num_partitions=wanted[t], replication_factor=replicas) for t in missing]
                )
            except TopicAlreadyExistsError:
                pass
        return missing
    finally:
        admin.close()


def main(argv: list[str]) -> int:
    servers = _servers()
    if argv[:1] == ["ready"]:
        wanted = int(argv[1]) if len(argv) > 1 else 1
        try:
            return 0 if broker_count(servers, security=from_env()) >= wanted else 1
        except Exception:
            return 1
    if argv[:1] == ["create-topics"]:
        # At most this many members of a group do work. 2 on a county's two cores: a gathered poll
        # is applied in one transaction per partition, and over 2 partitions the stack spent 14–16 %
        # less CPU a report than over 6 (#31); raise it before the topics are made where more run.
        partitions = int(os.environ.get("HOTLINE_KAFKA_PARTITIONS", "2"))
        replicas = int(os.environ.get("HOTLINE_KAFKA_REPLICAS", "1"))
        created = create_topics(servers, partitions, security=from_env(), replicas=replicas)
        sys.stderr.write(f"[infra] topics created: {created or 'none (all present)'}\n")
        return 0
    sys.stderr.write("usage: python -m services.common.kafka.topics ready|create-topics\n")
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
