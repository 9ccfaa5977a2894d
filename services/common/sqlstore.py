"""One placeholder strategy for hand-written SQL on eventsourcing's SQLite and PostgreSQL
datastores: statements are written with `?` and adapted to the datastore's driver."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any


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

    def execute_all(self, cursor: Any, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
        """Several statements in one go: on PostgreSQL pipelined (sent together, their results
        read at the end: one round trip, not one each); an error raises before the commit."""
        with cursor.connection.pipeline() if self.postgres else nullcontext():
            for statement, params in statements:
                self.execute(cursor, statement, params)

    def rows(self, statement: str, params: tuple[Any, ...] | list[Any] = ()) -> list[dict[str, Any]]:
        with self.reading() as rows:
            return rows(statement, params)

    @contextmanager
    def reading(self) -> Iterator[Callable[..., list[dict[str, Any]]]]:
        """Several reads in one transaction on one connection (one snapshot, one checkout)."""
        with self.transaction(commit=False) as c:
            def rows(statement: str, params: tuple[Any, ...] | list[Any] = ()) -> list[dict[str, Any]]:
                self.execute(c, statement, params)
                return [{k: row[k] for k in row.keys()} for row in c.fetchall()]

            yield rows

    def one(self, statement: str, params: tuple[Any, ...] | list[Any] = ()) -> dict[str, Any] | None:
        found = self.rows(statement, params)
        return found[0] if found else None
