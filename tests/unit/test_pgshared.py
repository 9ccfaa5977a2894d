"""The stores of one process share one PostgreSQL pool per role, and it closes with the last."""

from __future__ import annotations

import gc

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment

from services.common.database_url import postgres_env
from services.common.pgshared import Lease
from services.common.store import placeholder_of

URL = "postgresql://hotline_api:pw@127.0.0.1:1/hotline"


def factory(name: str, url: str = URL):
    return InfrastructureFactory.construct(env=Environment(name, {**postgres_env(url), "CREATE_TABLE": "n"}))


def test_the_stores_of_a_process_share_one_pool_and_it_closes_with_the_last():
    intake, triage = factory("intake"), factory("triage")
    assert intake.datastore.pool is triage.datastore.pool
    assert isinstance(intake.datastore, Lease)
    pool = intake.datastore.pool
    pool.open(wait=False)  # nothing listens on port 1: the pool is open, its connections fail
    intake.close()
    assert not pool.closed, "a store closing must not close the others' pool"
    triage.close()
    assert pool.closed
    again = factory("intake")
    assert again.datastore.pool is not pool  # a new pool after the last one closed
    again.close()


def test_a_store_closed_twice_or_collected_after_closing_lets_go_once():
    # eventsourcing closes an application's factory in close(), again in __del__, and its
    # datastore in __exit__: the bench's status reader lost its pool that way.
    reader, app = factory("view"), factory("intake")
    pool = reader.datastore.pool
    pool.open(wait=False)
    app.close()
    app.close()
    with app.datastore:
        pass
    del app
    gc.collect()
    assert not pool.closed
    reader.close()
    assert pool.closed


def test_another_role_or_database_gets_a_pool_of_its_own():
    api = factory("intake")
    relay = factory("intake", URL.replace("hotline_api", "hotline_relay_intake"))
    other_db = factory("intake", URL.replace("/hotline", "/elsewhere"))
    assert len({id(api.datastore.pool), id(relay.datastore.pool), id(other_db.datastore.pool)}) == 3
    for f in (api, relay, other_db):
        f.close()


def test_hand_written_sql_on_the_shared_datastore_uses_psycopg_placeholders():
    f = factory("callers")
    try:
        assert placeholder_of(f.datastore) == "%s"
    finally:
        f.close()


def test_a_bursts_connections_are_let_go_within_minutes_not_hours():
    f = factory("intake")
    try:
        assert f.datastore.pool.max_idle == 30.0
        assert (f.datastore.pool.min_size, f.datastore.pool.max_size) == (2, 16)
    finally:
        f.close()
