"""Events written in two round trips (#31) on the real PostgreSQL: what a save stores, what a
duplicate refuses, and that a refused save leaves nothing behind, not even an open transaction."""

from __future__ import annotations

from urllib.parse import urlparse

import psycopg
import pytest
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.postgres import PostgresDatastore

from services.bootstrap import ApiContainer
from services.common.pgwrites import TwoTripApplicationRecorder
from services.common.store import Sql
from services.intake.domain import ReceiptIndex, receipt_index_id


class Probe(Aggregate):
    @event("Made")
    def __init__(self, n: int):
        self.n = n


def test_every_postgres_store_has_the_two_round_trip_recorder(dist: ApiContainer) -> None:
    assert dist.intake is not None and dist.triage is not None and dist.notify is not None
    for app in (dist.intake, dist.triage, dist.dispatch, dist.notify, dist.accounts):
        assert isinstance(app.recorder, TwoTripApplicationRecorder), type(app.recorder)


def test_a_duplicate_is_refused_whole_and_the_next_save_goes_through(dist: ApiContainer,
                                                                     pg_url: str) -> None:
    intake = dist.intake
    assert intake is not None
    first = ReceiptIndex(id=receipt_index_id("20261204-AAAA"), report_id="r-1")
    intake.save(first)
    before = intake.recorder.max_notification_id()
    again = ReceiptIndex(id=receipt_index_id("20261204-AAAA"), report_id="r-2")  # the same id
    beside = ReceiptIndex(id=receipt_index_id("20261204-BBBB"), report_id="r-3")
    with pytest.raises(IntegrityError):
        intake.save(beside, again)
    assert intake.recorder.max_notification_id() == before  # nothing of that transaction
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM intake_events WHERE originator_id = %s",
                            (beside.id,)).fetchone() == (0,)
        # No session left inside a transaction (the pool's connection was rolled back).
        assert conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                            " AND state LIKE 'idle in transaction%'").fetchone() == (0,)
    later = ReceiptIndex(id=receipt_index_id("20261204-CCCC"), report_id="r-4")
    (recording,) = intake.save(later)
    # Past the refused transaction's numbers (a sequence does not roll back): readers skip the gap.
    assert recording.notification.id > before
    assert intake.recorder.max_notification_id() == recording.notification.id
    assert intake.repository.get(later.id).report_id == "r-4"


def test_a_tracking_position_recorded_twice_is_refused_with_its_events(dist: ApiContainer) -> None:
    """A consumer's effect and its position commit together: a redelivered position stores none
    of the effect it came with."""
    triage = dist.triage
    assert triage is not None
    made = Probe(1)
    stored = [triage.mapper.to_stored_event(e) for e in made.collect_events()]
    position = Tracking(notification_id=7, application_name="upstream-test")
    triage.recorder.insert_events(stored, tracking=position)
    assert triage.recorder.max_tracking_id("upstream-test") == 7
    other = Probe(2)
    with pytest.raises(IntegrityError):
        triage.recorder.insert_events([triage.mapper.to_stored_event(e) for e in other.collect_events()],
                                      tracking=position)
    assert triage.recorder.select_events(other.id) == []
    assert [e.originator_id for e in triage.recorder.select_events(made.id)] == [made.id]


def test_the_desk_view_applies_a_message_once_and_a_redelivery_not_at_all(dist: ApiContainer,
                                                                         pg_url: str) -> None:
    view = dist.view
    flags = "INSERT INTO view_case_flags (event_id, case_id, kind, at_ts) VALUES (?,?,?,?)"
    view.apply([(flags, ("t1", "case-t", "reviewed", 1.0))], Tracking("it.t", 3))
    with pytest.raises(IntegrityError):  # the same position again: the message was applied
        view.apply([(flags, ("t2", "case-t", "declined", 2.0))], Tracking("it.t", 3))
    rows = view.sql.rows("SELECT event_id FROM view_case_flags WHERE case_id = 'case-t'")
    assert [r["event_id"] for r in rows] == ["t1"]
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                            " AND state LIKE 'idle in transaction%'").fetchone() == (0,)
    view.apply([(flags, ("t3", "case-t", "reviewed", 3.0))], Tracking("it.t", 4))
    assert view.max_tracking_id("it.t") == 4


def test_one_statement_reads_and_writes_go_alone(dist: ApiContainer, pg_url: str) -> None:
    """`Sql.rows` and `Sql.run` send one statement in one round trip (the pool's connections
    commit each statement): a write is visible to every other session once it returns."""
    sql = dist.view.sql
    assert sql.run("INSERT INTO view_case_flags (event_id, case_id, kind, at_ts) VALUES (?,?,?,?)",
                   ("r1", "case-r", "reviewed", 1.0)) == 1
    with psycopg.connect(pg_url) as conn:
        seen = conn.execute("SELECT kind FROM view_case_flags WHERE event_id = 'r1'").fetchone()
    assert seen == ("reviewed",)
    assert sql.rows("SELECT event_id, kind FROM view_case_flags WHERE case_id = ?", ("case-r",)) == [
        {"event_id": "r1", "kind": "reviewed"}]
    assert sql.one("SELECT kind FROM view_case_flags WHERE event_id = ?", ("none",)) is None


def test_a_lone_read_is_planned_for_the_table_as_it_is_now(pg_url: str) -> None:
    """A lone SELECT (`find_all`, every consumer's per-message read) is never prepared on the
    pool's connection: psycopg prepares a statement after its fifth run, and a plan kept from
    when the store was small read triage's and dispatch's events whole once per message
    (`pg_stat_user_tables` over 600 reports: 0.93 sequential scans and 1,875 rows per report,
    against 0.1 and 107 with each read planned as it comes)."""
    url = urlparse(pg_url)
    datastore = PostgresDatastore(url.path.lstrip("/"), url.hostname or "", url.port or 5432,
                                  url.username or "", url.password or "", pool_size=1)
    try:
        sql = Sql(datastore)
        for n in range(12):
            assert sql.rows("SELECT ? + 1 AS n", (n,)) == [{"n": n + 1}]
        with datastore.get_connection() as conn:  # the pool's one connection, the reads' own
            assert conn.execute("SELECT count(*) AS n FROM pg_prepared_statements").fetchone() == {"n": 0}
    finally:
        datastore.close()
