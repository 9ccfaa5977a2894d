"""Least privilege in PostgreSQL and Kafka: a login role and a principal per service process,
granted only the tables and topics it uses. `hotline migrate` (as the database owner and the Kafka
administrator) creates them; `make up` hands each process its own.
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

from services.common.messages import (
    AUDIT_CHECKPOINTS_TOPIC,
    CASES_TOPIC,
    DEAD_LETTER_TOPIC,
    REFERRALS_TOPIC,
    REPORTS_TOPIC,
)

VIEW = ["view_cases", "view_case_concerns", "view_case_reports", "view_referrals", "view_timeline",
        "view_submissions", "view_case_flags", "view_versions", "view_generation",
        "view_followups", "view_visits", "view_case_categories", "view_sentinel_reports", "view_stats_daily"]
WRITE_EVENTS = ["SELECT", "INSERT", "UPDATE"]
APPEND = ["SELECT", "INSERT"]
# eventsourcing keeps one row per tracked source and moves it on (INSERT ... ON CONFLICT UPDATE).
TRACK = ["SELECT", "INSERT", "UPDATE"]

GRANTS: dict[str, list[tuple[list[str], list[str]]]] = {
    "api": [(WRITE_EVENTS, ["intake_events", "accounts_events", "triage_events", "dispatch_events",
                            "notify_events"]),
            (APPEND, ["triage_snapshots"]),
            # Queues audit entries; reads the chain (auditors), never writes it.
            (["INSERT"], ["audit_queue"]),
            (["SELECT"], ["audit_log"]),
            (["SELECT"], [*VIEW, "desk_tracking"]),
            (["SELECT"], ["notify_state"]),  # receivers' health, as the notifier saved it
            # Positions only (for /metrics and /readyz lag): no rows of anyone's data.
            (["SELECT"], ["triage_tracking", "dispatch_tracking", "notify_tracking", "relay_intake_tracking",
                          "relay_triage_tracking", "relay_dispatch_tracking"]),
            (["SELECT", "INSERT", "DELETE"], ["throttle_failures"]),
            # The repeat check's allowance: what an operator checked this hour (fingerprints only).
            (["SELECT", "INSERT", "DELETE"], ["repeat_checks"])],
    "relay-intake": [(["SELECT"], ["intake_events"]), (TRACK, ["relay_intake_tracking"])],
    "relay-triage": [(["SELECT"], ["triage_events"]), (TRACK, ["relay_triage_tracking"])],
    "relay-dispatch": [(["SELECT"], ["dispatch_events"]), (TRACK, ["relay_dispatch_tracking"])],
    "triage": [(WRITE_EVENTS, ["triage_events"]), (APPEND, ["triage_snapshots"]),
               (TRACK, ["triage_tracking"])],
    "dispatch": [(WRITE_EVENTS, ["dispatch_events"]), (TRACK, ["dispatch_tracking"])],
    "projection-desk": [(["SELECT", "INSERT", "UPDATE"], VIEW), (TRACK, ["desk_tracking"])],
    # Plans deliveries as it consumes referrals; its notifier records each attempt.
    "notify": [(WRITE_EVENTS, ["notify_events"]), (TRACK, ["notify_tracking"]),
               (["SELECT", "INSERT", "UPDATE"], ["notify_state"])],
    "scheduler": [(WRITE_EVENTS, ["dispatch_events"]), (["SELECT"], VIEW)],
    # The audit trail's single writer: reads the services' notes and the queue, chains them.
    "audit": [(["SELECT"], ["intake_events", "accounts_events", "triage_events", "dispatch_events",
                            "notify_events"]),
              (APPEND, ["audit_log"]), (TRACK, ["audit_sources"]),
              (["SELECT", "DELETE"], ["audit_queue"])],
}


# Kafka: what each process's principal may do (everything else is refused by the authorizer).
KAFKA_ACLS: dict[str, list[tuple[ResourceType, str, ACLOperation]]] = {
    "relay-intake": [(ResourceType.TOPIC, REPORTS_TOPIC, ACLOperation.WRITE)],
    "relay-triage": [(ResourceType.TOPIC, CASES_TOPIC, ACLOperation.WRITE)],
    "relay-dispatch": [(ResourceType.TOPIC, REFERRALS_TOPIC, ACLOperation.WRITE)],
    "triage": [(ResourceType.TOPIC, REPORTS_TOPIC, ACLOperation.READ),
               (ResourceType.GROUP, "hotline-triage", ACLOperation.READ),
               (ResourceType.TOPIC, DEAD_LETTER_TOPIC, ACLOperation.WRITE)],
    "dispatch": [(ResourceType.TOPIC, CASES_TOPIC, ACLOperation.READ),
                 (ResourceType.GROUP, "hotline-dispatch", ACLOperation.READ),
                 (ResourceType.TOPIC, DEAD_LETTER_TOPIC, ACLOperation.WRITE)],
    "projection-desk": [(ResourceType.TOPIC, CASES_TOPIC, ACLOperation.READ),
                        (ResourceType.TOPIC, REFERRALS_TOPIC, ACLOperation.READ),
                        (ResourceType.GROUP, "hotline-projection-desk", ACLOperation.READ),
                        (ResourceType.TOPIC, DEAD_LETTER_TOPIC, ACLOperation.WRITE)],
    "notify": [(ResourceType.TOPIC, REFERRALS_TOPIC, ACLOperation.READ),
               (ResourceType.GROUP, "hotline-notify", ACLOperation.READ),
               (ResourceType.TOPIC, DEAD_LETTER_TOPIC, ACLOperation.WRITE)],
    "audit": [(ResourceType.TOPIC, AUDIT_CHECKPOINTS_TOPIC, ACLOperation.WRITE)],
    "api": [(ResourceType.TOPIC, AUDIT_CHECKPOINTS_TOPIC, ACLOperation.READ),  # to verify
            # Each topic's end offsets for the lag gauges: DESCRIBE, which reads no message.
            *((ResourceType.TOPIC, t, ACLOperation.DESCRIBE) for t in (REPORTS_TOPIC, CASES_TOPIC,
                                                                      REFERRALS_TOPIC, DEAD_LETTER_TOPIC)),
            (ResourceType.CLUSTER, "kafka-cluster", ACLOperation.DESCRIBE)],
}


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

