"""One PostgreSQL connection pool per process and role, shared by every application, view and
table store the process opens, instead of one pool each: the API's two workers held 71 backends
after 50 clients (123 MiB of PostgreSQL's memory), the audit sequencer 14 (#31). Each store holds
a lease on it; the pool closes when the last lease is let go."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from eventsourcing.postgres import PostgresDatastore, PostgresFactory

from services.common.pgwrites import TwoTripApplicationRecorder, TwoTripProcessRecorder

_lock = threading.Lock()
MAX_IDLE = 30.0  # seconds


@dataclass
class _Shared:
    datastore: PostgresDatastore
    leases: int = 0


_pools: dict[tuple[Any, ...], _Shared] = {}


class Lease(PostgresDatastore):
    """One store's hold on the shared datastore: everything is read from it; `close` (and an
    application's `__exit__` or `__del__`, which eventsourcing also calls) lets go once."""

    def __init__(self, key: tuple[Any, ...], shared: PostgresDatastore):  # no super(): nothing of its own
        self._key, self._shared, self._released = key, shared, False

    def __getattr__(self, name: str) -> Any:
        if name in ("_key", "_shared", "_released"):  # not set yet (a failed construction)
            raise AttributeError(name)
        return getattr(self._shared, name)

    def close(self) -> None:
        with _lock:
            if getattr(self, "_released", True):
                return
            self._released = True
            shared = _pools.get(self._key)
            if shared is None or shared.datastore is not self._shared:
                return
            shared.leases -= 1
            if shared.leases > 0:
                return
            del _pools[self._key]
        self._shared.close()

    def __enter__(self) -> Lease:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()


def _key(ds: PostgresDatastore) -> tuple[Any, ...]:
    pool = ds.pool
    kwargs = pool.kwargs if isinstance(pool.kwargs, dict) else {}  # eventsourcing passes a dict
    return (tuple(sorted(kwargs.items())), pool.min_size, pool.max_size, ds.schema, ds.pre_ping,
            ds.lock_timeout, ds.idle_in_transaction_session_timeout, ds.single_row_tracking,
            ds.originator_id_type, ds.enable_db_functions)


def lease(ds: PostgresDatastore) -> Lease:
    """A lease on the process's datastore with the same connection and settings as `ds` (a pool
    not yet opened, dropped if one is shared already)."""
    key = _key(ds)
    with _lock:
        if key not in _pools:
            # An idle connection beyond the kept ones closes after this long (one per interval:
            # psycopg_pool shrinks a connection at a time), not ten minutes: a burst's backends
            # held PostgreSQL's memory for over an hour after it (#31).
            ds.pool.max_idle = MAX_IDLE
        shared = _pools.setdefault(key, _Shared(ds))
        shared.leases += 1
        return Lease(key, shared.datastore)


class SharedPostgresFactory(PostgresFactory):
    """eventsourcing's PostgreSQL factory on the process's shared pool, writing in two round trips."""

    application_recorder_class = TwoTripApplicationRecorder
    process_recorder_class = TwoTripProcessRecorder

    def __init__(self, env: Any):
        super().__init__(env)
        self.datastore = lease(self.datastore)
