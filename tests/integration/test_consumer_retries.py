"""A consumer whose transaction PostgreSQL rolls back (a deadlock with another member's writes)
applies the message again instead of exiting: found by `make chaos`, where the two desk
members deadlocked on the daily counts and each deadlock cost a restart and a rebalance."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import psycopg
from eventsourcing.persistence import OperationalError, Tracking

from services.bootstrap import ApiContainer
from services.common.settings import Settings
from tests.helpers import report_message
from tests.integration.test_exactly_once import produce, run_until, triage_loop


class Deadlocking:
    """Writes row a then row b in the store's own transaction; on its first call another
    session holds b and, once this one waits on b (seen in pg_stat_activity), asks for a:
    PostgreSQL finds the cycle and rolls back this transaction (the one that waited first),
    then the other one commits."""

    def __init__(self, h: ApiContainer, url: str):
        assert h.triage is not None
        self.datastore: Any = h.triage.recorder.datastore  # type: ignore[attr-defined]
        self.url = url
        self.calls = 0
        self.errors: list[BaseException] = []
        self.other: threading.Thread | None = None

    def other_session(self, holding_b: threading.Event) -> None:
        with psycopg.connect(self.url) as conn, psycopg.connect(self.url, autocommit=True) as look:
            conn.execute("UPDATE counters SET n = n + 1 WHERE k = 'b'")
            holding_b.set()
            # Only once this call waits on b (so it waited first, and PostgreSQL's check picks it).
            deadline = time.monotonic() + 10
            while not look.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                                   " AND wait_event_type = 'Lock'").fetchone()[0]:
                assert time.monotonic() < deadline, "the consumer's transaction never waited on b"
                time.sleep(0.02)
            conn.execute("UPDATE counters SET n = n + 1 WHERE k = 'a'")
            conn.commit()

    def __call__(self, message: Any, tracking: Tracking) -> None:
        self.calls += 1
        if self.calls == 1:
            holding_b = threading.Event()
            self.other = threading.Thread(target=self.other_session, args=(holding_b,))
            self.other.start()
            assert holding_b.wait(10)
        try:
            with self.datastore.transaction(commit=True) as curs:
                curs.execute("UPDATE counters SET n = n + 1 WHERE k = 'a'")
                curs.execute("UPDATE counters SET n = n + 1 WHERE k = 'b'")
        except OperationalError as exc:
            self.errors.append(exc)
            raise


def test_a_transaction_rolled_back_by_a_deadlock_is_applied_again_and_the_consumer_goes_on(
    dist: ApiContainer, dist_settings: Settings, pg_url: str, topic: str
) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE counters (k TEXT PRIMARY KEY, n INTEGER NOT NULL)")
        conn.execute("INSERT INTO counters VALUES ('a', 0), ('b', 0)")
    message = report_message(str(uuid.uuid4()), concerns=["neglect"])
    produce(dist_settings.kafka_bootstrap_servers, topic, [message])
    handler = Deadlocking(dist, pg_url)
    loop = triage_loop(dist, dist_settings, topic, group=f"g-{uuid.uuid4().hex}", handler=handler)

    run_until(loop, lambda: loop.handled == 1)
    loop.consumer.close()
    assert handler.other is not None
    handler.other.join(10)

    # The first attempt was the deadlock's victim, a real one; the second one went through.
    assert [getattr(e.__cause__, "sqlstate", None) for e in handler.errors] == ["40P01"]
    assert handler.calls == 2
    with psycopg.connect(pg_url) as conn:
        counts = dict(conn.execute("SELECT k, n FROM counters").fetchall())
    assert counts == {"a": 2, "b": 2}  # the other session's and the retry's, nothing of the victim's
