"""Real PostgreSQL and Kafka (started by `make test`): a fresh database and topics per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from urllib.parse import urlparse

import psycopg
import pytest
from kafka import KafkaAdminClient
from kafka.admin import NewTopic

from services.bootstrap import ApiContainer
from services.common.settings import Settings
from tests.helpers import FAST_HASHER, build, kafka_admin_security


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run the integration tests through `make test`")
    return value


@pytest.fixture
def pg_url() -> Iterator[str]:
    admin_url = _required("HOTLINE_TEST_PG_ADMIN_URL")
    name = f"it_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = urlparse(admin_url)._replace(path=f"/{name}").geturl()
    yield url
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def kafka_servers() -> str:
    return _required("HOTLINE_TEST_KAFKA")


@pytest.fixture
def topic(kafka_servers: str) -> str:
    """A fresh topic with 3 partitions, so ordering and resumption are per partition."""
    name = f"it.{uuid.uuid4().hex[:12]}"
    admin = KafkaAdminClient(**kafka_admin_security(), bootstrap_servers=kafka_servers.split(","))
    try:
        admin.create_topics([NewTopic(name, num_partitions=3, replication_factor=1)])
    finally:
        admin.close()
    return name


@pytest.fixture
def dist_settings(pg_url: str, kafka_servers: str, tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    security = kafka_admin_security()
    return Settings(database_url=pg_url, kafka_bootstrap_servers=kafka_servers,
                    kafka_security_protocol=security.get("security_protocol", "PLAINTEXT"),
                    kafka_sasl_username=security.get("sasl_plain_username", ""),
                    kafka_sasl_password=security.get("sasl_plain_password", ""),
                    var_dir=tmp_path)


@pytest.fixture
def dist(dist_settings: Settings) -> Iterator[ApiContainer]:
    """Every application on PostgreSQL, tables created once as `hotline migrate` does."""
    build(dist_settings, create_tables=True, password_hasher=FAST_HASHER).close()
    h = build(dist_settings, password_hasher=FAST_HASHER)
    yield h
    h.close()
