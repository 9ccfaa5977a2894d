"""Least privilege in PostgreSQL and Kafka: a login role and a principal per service process,
granted only the tables and topics it uses (`topology.py` declares them). `hotline migrate` (as
the database owner and the Kafka administrator) creates them; `make up` hands each its own.
eventsourcing's insert takes LOCK TABLE ... IN EXCLUSIVE MODE, which PostgreSQL allows only with
UPDATE, DELETE or TRUNCATE: writers of event tables get UPDATE for that (no row is ever updated,
none can be removed). The audit trail is a plain table: INSERT and SELECT, nothing more (its
queue: INSERT for the API, SELECT and DELETE for the sequencer that takes entries from it)."""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import quote, urlparse

import psycopg
from kafka import KafkaAdminClient
from kafka.admin import (
    ACL,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    ResourcePattern,
    ResourceType,
    ScramMechanism,
    UserScramCredentialUpsertion,
)
from psycopg import sql

from services.bootstrap.topology import TOPOLOGY, Grant, Service
from services.common.messages import DEAD_LETTER_TOPIC

# PostgreSQL: what each process's role may do, as the topology declares it.
GRANTS: dict[str, tuple[Grant, ...]] = {s.name: s.grants for s in TOPOLOGY}
Acl = tuple[ResourceType, str, ACLOperation]


def acls_of(service: Service) -> list[Acl]:
    """Its topics as the authorizer sees them: write what it publishes, read what it consumes
    (and its group's offsets; a message that fits no contract goes to the dead letters)."""
    consumer = [(ResourceType.GROUP, service.group, ACLOperation.READ),
                (ResourceType.TOPIC, DEAD_LETTER_TOPIC, ACLOperation.WRITE)] if service.consumes else []
    # End offsets for the lag gauges: DESCRIBE, which reads no message.
    watcher = [(ResourceType.CLUSTER, "kafka-cluster", ACLOperation.DESCRIBE)] if service.watches else []
    return [*((ResourceType.TOPIC, t, ACLOperation.WRITE) for t in service.publishes),
            *((ResourceType.TOPIC, t, ACLOperation.READ) for t in (*service.reads, *service.consumes)),
            *consumer, *((ResourceType.TOPIC, t, ACLOperation.DESCRIBE) for t in service.watches), *watcher]


# Kafka: what each process's principal may do (everything else is refused by the authorizer).
KAFKA_ACLS: dict[str, list[Acl]] = {s.name: acls for s in TOPOLOGY if (acls := acls_of(s))}


def kafka_password(secrets_dir: Path, process: str) -> str:
    return _password(secrets_dir, f"kafka-{process}.password")


def ensure_kafka_principals(servers: str, admin_security: dict[str, object], secrets_dir: Path) -> None:
    """A SCRAM user per service process (its password under var/secrets) with its ACLs only."""
    admin = KafkaAdminClient(**admin_security, bootstrap_servers=servers.split(","))
    try:
        admin.alter_user_scram_credentials([
            UserScramCredentialUpsertion(process, ScramMechanism.SCRAM_SHA_512,
                                         kafka_password(secrets_dir, process), iterations=4096)
            for process in KAFKA_ACLS])
        admin.create_acls([
            ACL(f"User:{process}", "*", operation, ACLPermissionType.ALLOW,
                ResourcePattern(kind, name, ACLResourcePatternType.LITERAL))
            for process, grants in KAFKA_ACLS.items() for kind, name, operation in grants])
    finally:
        admin.close()


def role_of(process: str) -> str:
    return "hotline_" + process.replace("-", "_")


def _password(secrets_dir: Path, filename: str) -> str:
    """A random password kept 0600 under var/secrets, made on first use."""
    path = secrets_dir / filename
    if not path.exists():
        secrets_dir.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(24))
    return path.read_text().strip()


def url_for(admin_url: str, secrets_dir: Path, process: str) -> str:
    """The process's own libpq URL: its role and password, the owner's host and database."""
    role = role_of(process)
    url = urlparse(admin_url)
    password = quote(_password(secrets_dir, f"pg-{role}.password"), safe="")
    netloc = f"{role}:{password}@{url.hostname}:{url.port or 5432}"
    return url._replace(netloc=netloc).geturl()


def ensure_roles(admin_url: str, secrets_dir: Path) -> None:
    """Create (or re-password) every service role and grant exactly its tables: in one
    transaction, since `make up` runs it beside running services (a revoke seen before its
    re-grants refused them: two 500s under `make chaos`)."""
    with psycopg.connect(admin_url, autocommit=False) as conn, conn.transaction():
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        sequences = {r[0] for r in conn.execute(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")}
        for process, grants in GRANTS.items():
            role = sql.Identifier(role_of(process))
            password = sql.Literal(_password(secrets_dir, f"pg-{role_of(process)}.password"))
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role_of(process),)).fetchone()
            verb = "ALTER ROLE {} WITH LOGIN PASSWORD {}" if exists else "CREATE ROLE {} LOGIN PASSWORD {}"
            conn.execute(sql.SQL(verb).format(role, password))
            conn.execute(sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {}").format(role))
            for privileges, names in grants:
                for name in (n for n in names if n in tables):
                    conn.execute(sql.SQL("GRANT {} ON {} TO {}").format(
                        sql.SQL(", ").join(sql.SQL(p) for p in privileges), sql.Identifier(name), role))
                    if "INSERT" in privileges and f"{name}_notification_id_seq" in sequences:
                        conn.execute(sql.SQL("GRANT USAGE ON SEQUENCE {} TO {}").format(
                            sql.Identifier(f"{name}_notification_id_seq"), role))

