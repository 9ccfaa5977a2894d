"""A leader's outbox (its notification log): reading it for one reader's topics, and waking a
follower when the leader commits instead of polling every 50 ms: PostgreSQL's LISTEN/NOTIFY
(eventsourcing notifies the events table's channel in every insert) for the relays, an
in-process signal for the embedded wiring. Followers still look at least every `idle` seconds,
so a lost notification (a reconnect) delays, never loses."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import structlog
from eventsourcing.application import Application
from eventsourcing.persistence import Notification
from psycopg import sql

log = structlog.get_logger("wakeup")


def pending(leader: Application, start: int, limit: int, topics: tuple[str, ...]  # type: ignore[type-arg]
            ) -> tuple[Sequence[Notification], int]:
    """Up to `limit` notifications after `start` of the given topics (none: all), and the id they
    cover up to (0: nothing new). Filtered, it reads up to the log's head first: ids at or below a
    committed one are all committed (eventsourcing inserts under a table lock), so what it skips
    there can be passed for good, and a log ending in other topics leaves no lag."""
    if not topics:
        found = leader.recorder.select_notifications(start=start, limit=limit, inclusive_of_start=False)
        return found, found[-1].id if found else 0
    head = leader.recorder.max_notification_id() or 0
    if head <= start:
        return [], 0
    found = leader.recorder.select_notifications(start=start, limit=limit, stop=head, topics=topics,
                                                 inclusive_of_start=False)
    return found, found[-1].id if len(found) == limit else head



class Wakeup(Protocol):
    def wait(self, timeout: float) -> None: ...
    def interrupt(self) -> None: ...
    def close(self) -> None: ...


class CommitSignal:
    """In one process: set by the applications after each commit, waited on by the runner."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def __call__(self) -> None:
        self._event.set()

    def wait(self, timeout: float) -> None:
        self._event.wait(timeout)
        self._event.clear()

    def interrupt(self) -> None:
        self._event.set()

    def close(self) -> None:
        self._event.set()


class ListenWakeup:
    """A connection of its own that LISTENs on the leader's channel."""

    def __init__(self, recorder: Any):
        self.datastore = recorder.datastore
        self.channel = str(recorder.channel_name)
        self._conn: Any = None

    def _listening(self) -> Any:
        if self._conn is None:
            conn = self.datastore.pool.getconn()
            conn.autocommit = True
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
            self._conn = conn
        return self._conn

    def wait(self, timeout: float) -> None:
        try:
            conn = self._listening()
            for _ in conn.notifies(timeout=timeout, stop_after=1):
                break
            for _ in conn.notifies(timeout=0.001):  # the rest of a burst: one look covers them
                pass
        except Exception as exc:  # the database went away: look again after the timeout
            log.warning("listen connection lost; polling until it is back", error=type(exc).__name__)
            self.close()
            time.sleep(timeout)

    def interrupt(self) -> None:
        """Wake the waiter now (from another thread: a stop)."""
        try:
            with self.datastore.get_connection() as conn:
                conn.execute(sql.SQL("NOTIFY {}").format(sql.Identifier(self.channel)))
        except Exception:  # noqa: S110 - no database: the waiter wakes at its timeout anyway
            pass

    def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                conn.execute(sql.SQL("UNLISTEN {}").format(sql.Identifier(self.channel)))
                conn.autocommit = False
            except Exception:  # noqa: S110 - a broken connection: the pool discards it
                pass
            self.datastore.pool.putconn(conn)


def wakeup_for(app: Any) -> Wakeup | None:
    """LISTEN for an application on PostgreSQL; None elsewhere (the caller polls)."""
    recorder = app.recorder
    return ListenWakeup(recorder) if hasattr(recorder, "channel_name") and hasattr(
        getattr(recorder, "datastore", None), "pool") else None


class NotifiesCommits:
    """For an eventsourcing application: tells listeners after each commit (its _notify hook,
    which eventsourcing calls after save and after processing an event)."""

    def _notify(self, recordings: Any) -> None:
        super()._notify(recordings)  # type: ignore[misc]
        for listener in self.__dict__.get("commit_listeners", ()):
            listener()


def after_commit(app: Any, signal: Callable[[], None]) -> None:
    """Calls `signal` after each commit of the application."""
    app.__dict__.setdefault("commit_listeners", []).append(signal)
