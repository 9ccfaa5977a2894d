"""Least privilege in the real PostgreSQL: each service role reaches only its own tables."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import psycopg
import pytest

from services.bootstrap import Wiring, setup_tables
from services.bootstrap.roles import ensure_roles, url_for
from services.common.settings import Settings


def denied(url: str, statement: str) -> bool:
    with psycopg.connect(url, autocommit=True) as conn:
        try:
            conn.execute(statement)
        except psycopg.errors.InsufficientPrivilege:
            return True
    return False


def test_each_service_role_reaches_only_its_tables(dist_settings: Settings, pg_url: str,
                                                   tmp_path: Path) -> None:
    setup_tables(Wiring.of(dist_settings, create_tables=True))
    secrets = tmp_path / "secrets"
    ensure_roles(pg_url, secrets)
    ensure_roles(pg_url, secrets)  # again: idempotent
    api = url_for(pg_url, secrets, "api")
    forge = "INSERT INTO audit_log (seq, case_id, sealed, prev_hash, hash) VALUES (1, NULL, 'x', 'p', 'h')"
    assert denied(api, forge)  # the API queues entries; only the sequencer chains them
    assert not denied(api, "INSERT INTO audit_queue (id, at, sealed) VALUES ('q1', 'now', 'x')")
    assert denied(api, "DELETE FROM audit_queue")  # nor can it take back what it queued
    assert not denied(api, "SELECT count(*) FROM audit_log")  # auditors read the chain
    assert denied(api, "UPDATE audit_log SET hash = 'forged'")  # the trail cannot be rewritten
    assert denied(api, "DELETE FROM audit_log")
    assert denied(api, "TRUNCATE audit_log")
    assert denied(api, "DELETE FROM intake_events")
    sequencer = url_for(pg_url, secrets, "audit")
    assert not denied(sequencer, "SELECT count(*) FROM intake_events")  # the services' notes
    assert denied(sequencer, "INSERT INTO intake_events (originator_id) VALUES (gen_random_uuid())")
    assert not denied(sequencer, "DELETE FROM audit_queue WHERE id = 'q1'")
    assert not denied(sequencer, forge)
    assert denied(sequencer, "UPDATE audit_log SET hash = 'forged'")
    assert denied(sequencer, "SELECT count(*) FROM view_cases")
    relay = url_for(pg_url, secrets, "relay")
    assert not denied(relay, "SELECT count(*) FROM intake_events")
    assert denied(relay, "SELECT count(*) FROM accounts_events")  # a store no relay publishes
    assert denied(relay, "INSERT INTO intake_events (originator_id) VALUES (gen_random_uuid())")
    desk = url_for(pg_url, secrets, "projection-desk")
    assert denied(desk, "SELECT count(*) FROM intake_events")
    assert not denied(desk, "SELECT count(*) FROM view_cases")
    # The notifier's saved ledger (#25): its own to write, the API's to read for the health view.
    notify = url_for(pg_url, secrets, "notify")
    assert not denied(notify, "INSERT INTO notify_state (name, position, body, saved_at)"
                              " VALUES ('t', 0, 'x', 'now')")
    assert not denied(notify, "UPDATE notify_state SET position = 1 WHERE name = 't'")
    assert denied(notify, "DELETE FROM notify_state")
    assert not denied(api, "SELECT count(*) FROM notify_state")
    assert denied(api, "UPDATE notify_state SET body = 'forged'")
    assert (secrets / "pg-hotline_api.password").stat().st_mode & 0o777 == 0o600
    wrong = urlparse(api)._replace(netloc=f"hotline_api:wrong@{urlparse(api).netloc.split('@')[1]}")
    with pytest.raises(psycopg.OperationalError):  # SCRAM: a wrong password is refused
        psycopg.connect(wrong.geturl(), connect_timeout=5)
