"""One PostgreSQL connection pool per process and role, shared by every application, view and
table store the process opens, instead of one pool each: the API's two workers held 71 backends
after 50 clients (123 MiB of PostgreSQL's memory), the audit sequencer 14 (#31). The pool closes
when the last store using it closes."""

from __future__ import annotations

import threading
from typing import Any, cast

from eventsourcing.postgres import PostgresDatastore, PostgresFactory

_lock = threading.Lock()
_pools: dict[tuple[Any, ...], SharedDatastore] = {}


class SharedDatastore(PostgresDatastore):
    """A datastore handed to several stores; `close` is theirs to call, once each."""

    key: tuple[Any, ...]
    users: int

    def close(self) -> None:
        with _lock:
            self.users -= 1
            if self.users > 0:
                return
            if _pools.get(self.key) is self:
                del _pools[self.key]
        super().close()

    def __del__(self) -> None:  # unreachable, so no store uses it any more
        PostgresDatastore.close(self)


def _key(ds: PostgresDatastore) -> tuple[Any, ...]:
    pool = ds.pool
    kwargs = pool.kwargs if isinstance(pool.kwargs, dict) else {}  # eventsourcing passes a dict
    return (tuple(sorted(kwargs.items())), pool.min_size, pool.max_size, ds.schema, ds.pre_ping,
            ds.lock_timeout, ds.idle_in_transaction_session_timeout, ds.single_row_tracking,
            ds.originator_id_type, ds.enable_db_functions)


def shared(ds: PostgresDatastore) -> SharedDatastore:
    """The process's datastore with the same connection and settings as `ds` (a pool not yet
    opened, which is dropped), or `ds` itself, made the shared one."""
    key = _key(ds)
    with _lock:
        found = _pools.get(key)
        if found is None:
            ds.__class__ = SharedDatastore  # the same object, its close counted
            found = cast(SharedDatastore, ds)
            found.key, found.users = key, 0
            _pools[key] = found
        found.users += 1
        return found


class SharedPostgresFactory(PostgresFactory):
    """eventsourcing's PostgreSQL factory on the process's shared pool."""

    def __init__(self, env: Any):
        super().__init__(env)
        self.datastore = shared(self.datastore)
