"""Least privilege in the real Kafka broker: each service principal reaches only its topics."""

from __future__ import annotations

from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError

from services.bootstrap.roles import ensure_kafka_principals, kafka_password
from services.common.kafka.security import sasl
from services.common.messages import AUDIT_CHECKPOINTS_TOPIC, REPORTS_TOPIC
from tests.helpers import kafka_admin_security


def as_process(secrets: Path, process: str) -> dict[str, object]:
    return sasl("SASL_PLAINTEXT", "SCRAM-SHA-512", process, kafka_password(secrets, process))


def can_write(servers: str, security: dict[str, object], topic: str) -> bool:
    try:  # a refused login fails already when the client connects
        # A refused login is known only when the client's bootstrap gives up: 30 s by default, 60
        # of this test's 67 s for its two refused logins. 4 s for it (and for a topic's metadata)
        # is still ample on loopback for an allowed one, which takes about 0.2 s.
        producer = KafkaProducer(**security, bootstrap_servers=servers.split(","), max_block_ms=4000,
                                 bootstrap_timeout_ms=4000)
    except KafkaError:
        return False
    try:
        producer.send(topic, key=b"acl-test", value=b"{}").get(timeout=8)
        return True
    except KafkaError:
        return False
    finally:
        producer.close(timeout=5)


def can_read(servers: str, security: dict[str, object], topic: str) -> bool:
    try:
        consumer = KafkaConsumer(topic, **security, bootstrap_servers=servers.split(","),
                                 group_id=None, auto_offset_reset="earliest", consumer_timeout_ms=3000)
    except KafkaError:
        return False
    try:
        list(consumer)
        return True
    except KafkaError:
        return False
    finally:
        consumer.close()


def test_each_service_principal_reaches_only_its_topics(kafka_servers: str, tmp_path: Path) -> None:
    admin = kafka_admin_security()
    if not admin:
        pytest.fail("make test starts Kafka with SASL; HOTLINE_TEST_KAFKA_* is missing")
    secrets = tmp_path / "secrets"
    ensure_kafka_principals(kafka_servers, admin, secrets)
    ensure_kafka_principals(kafka_servers, admin, secrets)  # again: idempotent
    relay = as_process(secrets, "relay")
    assert can_write(kafka_servers, relay, REPORTS_TOPIC)
    assert not can_write(kafka_servers, relay, AUDIT_CHECKPOINTS_TOPIC)  # another service's topic
    assert not can_read(kafka_servers, relay, REPORTS_TOPIC)  # a relay only publishes
    triage = as_process(secrets, "triage")
    assert can_read(kafka_servers, triage, REPORTS_TOPIC)
    assert not can_write(kafka_servers, triage, REPORTS_TOPIC)
    # Only the audit sequencer publishes checkpoints; the API reads them to verify.
    assert can_write(kafka_servers, as_process(secrets, "audit"), AUDIT_CHECKPOINTS_TOPIC)
    assert not can_write(kafka_servers, as_process(secrets, "api"), AUDIT_CHECKPOINTS_TOPIC)
    assert can_read(kafka_servers, as_process(secrets, "api"), AUDIT_CHECKPOINTS_TOPIC)
    wrong = sasl("SASL_PLAINTEXT", "SCRAM-SHA-512", "triage", "not-the-password")
    assert not can_write(kafka_servers, wrong, REPORTS_TOPIC)
    assert not can_write(kafka_servers, {}, REPORTS_TOPIC)  # no credentials: no way in
