"""Versioned migrations of the project's own tables (`hotline migrate`, run by `make up` and by the
systemd unit before any service starts). Each is idempotent, so a database made before the ledger
existed is migrated safely; each runs once, recorded in `hotline_migrations`; two hosts running
`hotline migrate` at once take turns (a PostgreSQL advisory lock held by the recording
transaction). The event tables are eventsourcing's: their stored events change by upcasting
(see docs/deploy.md), never by a migration."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog

from services.bootstrap.processes import _close, setup_tables
from services.bootstrap.wiring import Wiring
from services.common.store import Sql
from services.common.throttle import Throttle
from services.intake.callers import create_table as create_caller_table

log = structlog.get_logger("migrate")
LOCK_KEY = 0x686F746C696E65  # "hotline": one advisory lock for every migrate run


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Wiring], None]


def _desk_statistics(w: Wiring) -> None:
    view = w.view()
    try:
        view.create_table()  # type: ignore[attr-defined]  # the added columns, indexes and refill
    finally:
        _close(view)


def _notify_state(w: Wiring) -> None:
    notify = w.notify()
    try:
        notify.ledgers.create_table()
    finally:
        _close(notify)


def _repeat_checks(w: Wiring) -> None:
    throttle = Throttle(Sql(w.factory("throttle").datastore))
    try:
        throttle.create_tables()  # the repeat check's allowance, beside the failures
    finally:
        throttle.close()


def _callbacks(w: Wiring) -> None:
    keys = w.keystore()
    callbacks = w.callbacks(keys)  # its events and tracking tables, made as it starts
    _close(callbacks.reports, callbacks, keys)


def _audit_suite(w: Wiring) -> None:
    trail = w.audit()  # with create_tables: the suite column, 'aes' for every entry before it
    trail.close()


def _caller_index(w: Wiring) -> None:
    sql = Sql(w.factory("callers").datastore)
    try:
        create_caller_table(sql)
    finally:
        sql.datastore.close()


MIGRATIONS = (
    Migration(1, "every table: applications, relay positions, desk view, audit trail, throttle",
              setup_tables),
    Migration(2, "desk view statistics (#14): region and opening time on counted rows, ack seconds, "
                 "covering indexes, daily counts refilled from the rows", _desk_statistics),
    Migration(3, "the notifier's saved ledger (#25): a restart reads it, not the whole notify log",
              _notify_state),
    Migration(4, "the repeat check's allowance (#26): distinct children per operator an hour",
              _repeat_checks),
    Migration(5, "major incidents in the desk view (#28, §12): view_incidents", _desk_statistics),
    Migration(6, "the caller history's index (#29, §13): report, keyed hash of the number, time",
              _caller_index),
    Migration(7, "callbacks (回访, #29, §13): callbacks_events and callbacks_tracking", _callbacks),
    Migration(8, "the audit trail's suite column (#30, §14): each entry's chain hash under its own suite",
              _audit_suite),
    Migration(9, "the caller index by time (#31): a report's pruning of old rows reads none of the rest",
              _caller_index),
    Migration(10, "the helperless plans' index (#31): the scheduler's look each second reads only them",
              _desk_statistics),
)
LEDGER = ("CREATE TABLE IF NOT EXISTS hotline_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
          " applied_at TEXT NOT NULL)")


def _ledger(sql: Sql, c: object) -> None:
    """The lock first (PostgreSQL): two runs creating the ledger at once collide otherwise."""
    if sql.postgres:  # another host's run finishes first; then its versions are seen
        sql.execute(c, f"SELECT pg_advisory_xact_lock({LOCK_KEY})")
    sql.execute(c, LEDGER)


def migrate(w: Wiring) -> list[int]:
    """Apply the migrations not yet recorded, in order; the versions applied by this run."""
    sql = Sql(w.factory("migrations").datastore)
    done: list[int] = []
    try:
        with sql.transaction(commit=True) as c:
            _ledger(sql, c)
            sql.execute(c, "SELECT version FROM hotline_migrations")
            applied = {int(r["version"]) for r in c.fetchall()}
            for m in MIGRATIONS:
                if m.version in applied:
                    continue
                log.info("migrating", version=m.version, migration=m.name)
                m.apply(w)
                sql.execute(c, "INSERT INTO hotline_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                            (m.version, m.name, datetime.now(UTC).isoformat()))
                done.append(m.version)
    finally:
        sql.datastore.close()
    return done


def applied(w: Wiring) -> list[dict[str, object]]:
    sql = Sql(w.factory("migrations").datastore)
    try:
        with sql.transaction(commit=True) as c:
            _ledger(sql, c)
            sql.execute(c, "SELECT version, name, applied_at FROM hotline_migrations ORDER BY version")
            return [{k: r[k] for k in r.keys()} for r in c.fetchall()]
    finally:
        sql.datastore.close()
