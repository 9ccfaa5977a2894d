"""The store beside eventsourcing's application: hand-written SQL that runs on both datastores
(written with `?`, adapted to the driver), and aggregates that may not be there, found as None
(eventsourcing's `get` raises; every room asks)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, Repository, project_aggregate
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic


def placeholder_of(datastore: Any) -> str:
    """psycopg wants `%s`; sqlite3 wants `?`."""
    postgres = any(c.__module__ == "eventsourcing.postgres" for c in type(datastore).__mro__)
    return "%s" if postgres else "?"


class Sql:
    """Runs portable statements (written with `?`) on one datastore."""

    def __init__(self, datastore: Any):
        self.datastore = datastore
        self.placeholder = placeholder_of(datastore)

    @property
    def postgres(self) -> bool:
        return self.placeholder != "?"

    def floor(self, expression: str) -> str:
        """The largest integer not above it (PostgreSQL's CAST rounds; SQLite's truncates)."""
        return f"CAST(FLOOR({expression}) AS BIGINT)" if self.postgres else f"CAST({expression} AS INTEGER)"

    def q(self, statement: str) -> str:
        return statement if self.placeholder == "?" else statement.replace("?", self.placeholder)

    def execute(self, cursor: Any, statement: str, params: tuple[Any, ...] | list[Any] = ()) -> int:
        """Runs the statement; returns how many rows it changed."""
        cursor.execute(self.q(statement), tuple(params))
        # eventsourcing's SQLite cursor wraps sqlite3's; psycopg's has rowcount itself.
        return int(getattr(cursor, "sqlite_cursor", cursor).rowcount)

    @contextmanager
    def transaction(self, *, commit: bool) -> Iterator[Any]:
        with self.datastore.transaction(commit=commit) as cursor:
            yield cursor

    def run(self, statement: str, params: tuple[Any, ...] | list[Any] = ()) -> int:
        """One statement committed on its own (on PostgreSQL one round trip, the pool's
        connections committing each statement); how many rows it changed."""
        if not self.postgres:
            with self.transaction(commit=True) as c:
                return self.execute(c, statement, params)
        with self.datastore.get_connection() as conn, conn.cursor() as c:
            return self.execute(c, statement, params)

    def execute_all(self, cursor: Any, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
        """Several statements in one go: on PostgreSQL pipelined (sent together, their results
        read at the end: one round trip, not one each); an error raises before the commit."""
        piped = self.postgres and not cursor.connection.pgconn.pipeline_status  # not one inside another
        with cursor.connection.pipeline() if piped else nullcontext():
            for statement, params in statements:
                self.execute(cursor, statement, params)

    def rows(self, statement: str, params: tuple[Any, ...] | list[Any] = ()) -> list[dict[str, Any]]:
        """One SELECT's rows. On PostgreSQL on its own (the pool's connections commit each
        statement, and one statement is one snapshot): one round trip, not BEGIN, it and ROLLBACK;
        planned each time, never prepared: a plan kept from when a table was small reads it whole."""
        if not self.postgres:
            with self.reading() as rows:
                return rows(statement, params)
        with self.datastore.get_connection() as conn, conn.cursor() as c:
            c.execute(self.q(statement), tuple(params), prepare=False)
            return _dicts(c)

    @contextmanager
    def reading(self) -> Iterator[Callable[..., list[dict[str, Any]]]]:
        """Several reads in one transaction on one connection (one snapshot, one checkout)."""
        with self.transaction(commit=False) as c:
            def rows(statement: str, params: tuple[Any, ...] | list[Any] = ()) -> list[dict[str, Any]]:
                self.execute(c, statement, params)
                return _dicts(c)

            yield rows

    def one(self, statement: str, params: tuple[Any, ...] | list[Any] = ()) -> dict[str, Any] | None:
        found = self.rows(statement, params)
        return found[0] if found else None


def _dicts(cursor: Any) -> list[dict[str, Any]]:
    """The fetched rows as dicts (sqlite3's Row and psycopg's dict rows alike)."""
    return [{k: row[k] for k in row.keys()} for row in cursor.fetchall()]


T = TypeVar("T")


def find(repository: Repository[Any], aggregate_id: UUID | str, kind: type[T]) -> T | None:
    """The aggregate of that id if it is a `kind`; None when there is none (or the id is no UUID)."""
    try:
        found: Any = repository.get(aggregate_id if isinstance(aggregate_id, UUID) else UUID(aggregate_id))
    except (ValueError, AggregateNotFoundError):
        return None
    return found if isinstance(found, kind) else None


def find_all(app: Application[Any], ids: Iterable[UUID]) -> dict[UUID, Any]:
    """Several aggregates in one read of the application's events (id → aggregate; the absent
    left out), where `find` makes two round trips for each (snapshot, then events). Snapshots
    are not read: for aggregates of a few events (the indexes a policy looks up per message)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    recorder: Any = app.recorder
    if not hasattr(recorder, "datastore"):  # the in-memory store (unit tests): no SQL to save
        return {i: a for i in wanted if (a := find(app.repository, i, Aggregate)) is not None}
    sql = Sql(recorder.datastore)
    schema = getattr(recorder.datastore, "schema", "") if sql.postgres else ""
    table = f"{schema}.{recorder.events_table_name}" if schema else recorder.events_table_name
    rows = sql.rows(f"SELECT originator_id, originator_version, topic, state FROM {table}"
                    f" WHERE originator_id IN ({','.join('?' * len(wanted))})"
                    " ORDER BY originator_id, originator_version",
                    [i if sql.postgres else i.hex for i in wanted])  # SQLite keeps the hex
    events: dict[UUID, list[Any]] = defaultdict(list)
    for row in rows:
        originator = UUID(str(row["originator_id"]))
        stored = StoredEvent(originator_id=originator, originator_version=int(row["originator_version"]),
                             topic=row["topic"], state=bytes(row["state"]))
        events[originator].append(app.mapper.to_domain_event(stored))
    return {i: project_aggregate(None, found) for i, found in events.items()}


def exists(repository: Repository[Any], aggregate_id: UUID) -> bool:
    """Whether anything was saved under that id."""
    return find(repository, aggregate_id, Aggregate) is not None


def event_topics(*aggregates: type[Aggregate], also_under: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The stored topics of every event class of these aggregates (what a relay may translate),
    also under the modules earlier releases kept them in (`also_under`: their topics still name it)."""
    topics = []
    for aggregate in aggregates:
        found = (getattr(aggregate, name) for name in dir(aggregate))
        events = {cls for cls in found if isinstance(cls, type) and issubclass(cls, aggregate.Event)}
        for cls in events:
            topic = get_topic(cls)
            topics += [topic, *(f"{module}:{topic.split(':', 1)[1]}" for module in also_under)]
    return tuple(sorted(set(topics)))
