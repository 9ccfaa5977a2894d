"""PostgreSQL out of reach (a restart, a failover): the API answers 503 with Retry-After, never
a 500, stores nothing half-done, and recovers by itself; the retry files the report once."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlparse

import psycopg
from fastapi.testclient import TestClient

from services.api.http import create_app
from services.api.storewatch import StoreWatch
from services.bootstrap import ApiContainer
from tests.helpers import TEST_PASSWORD, add_test_users, report_body


def refuse_connections(admin_url: str, database: str, refuse: bool) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {"false" if refuse else "true"}')
        if refuse:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                         " WHERE datname = %s AND pid <> pg_backend_pid()", (database,))


def wait_until(predicate: Callable[[], object], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_the_api_answers_503_while_the_store_is_away_and_recovers(dist: ApiContainer, pg_url: str) -> None:
    add_test_users(dist.accounts)
    database = urlparse(pg_url).path.lstrip("/")
    admin_url = urlparse(pg_url)._replace(path="/postgres").geturl()
    app = create_app(dist)
    watch = app.state.store_watch = StoreWatch(pg_url, interval=0.2)  # as `hotline serve` does
    watch.start()
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            token = client.post("/v1/auth/token", data={"username": "operator1", "password": TEST_PASSWORD})
            headers = {"Authorization": f"Bearer {token.json()['access_token']}", "Idempotency-Key": "pg-1"}
            refuse_connections(admin_url, database, True)
            try:
                wait_until(lambda: watch.down, 5)
                r = client.post("/v1/reports", json=report_body(), headers=headers)
                assert r.status_code == 503, r.text
                assert int(r.headers["Retry-After"]) > 0 and "Idempotency-Key" in r.json()["detail"]
                assert client.get("/healthz").status_code == 200
            finally:
                refuse_connections(admin_url, database, False)
            # Recovers by itself: the client's retries with the same key get one report.
            for _ in range(300):
                r = client.post("/v1/reports", json=report_body(), headers=headers)
                if r.status_code == 201:
                    break
                assert r.status_code == 503, r.text
                time.sleep(0.2)
            assert r.status_code == 201, r.text
            again = client.post("/v1/reports", json=report_body(), headers=headers)
            assert again.json()["report_id"] == r.json()["report_id"]
    finally:
        watch.stop()
    with psycopg.connect(pg_url) as conn:
        row = conn.execute("SELECT count(*) FROM intake_events WHERE topic LIKE %s",
                           ("%Report.Received",)).fetchone()
    assert row is not None and row[0] == 1


def test_the_watch_keeps_one_session_and_a_closed_one_is_no_outage(pg_url: str) -> None:
    """#31: one kept session, not a connection a second; the server closing it while idle (a
    restart of the backend, idle_session_timeout) is answered by a new one, not by 503s."""
    watch = StoreWatch(pg_url)
    try:
        assert watch.probe() and watch.probe()
        conn = watch._conn  # noqa: SLF001 - the session the watch keeps
        assert conn is not None
        pid = conn.info.backend_pid
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        assert watch.probe() and not watch.down
        assert watch._conn is not None and watch._conn.info.backend_pid != pid  # noqa: SLF001
    finally:
        watch.stop()
