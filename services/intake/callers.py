"""The caller index (来电弹屏, contract §13): which reports one telephone number made, found by a
keyed hash of the number only. Intake notes a report as it takes it (where the number is still
open), never an anonymous one; erasure deletes the report's row; rows older than the history's
window are dropped as new ones come. A new report's rows go in the transaction that stores the
report (`IntakeRecorder` on PostgreSQL, `SQLiteIntakeRecorder` in intake's own file embedded: one
commit per report, not two; #31)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from services.common.crypto import Hasher
from services.common.pgwrites import TwoTripApplicationRecorder
from services.common.store import Sql

# A purpose of its own: these hashes cannot be joined with the children's or the audit's.
PURPOSE = "caller-phone"
DDL = (
    "CREATE TABLE IF NOT EXISTS caller_reports (report_id TEXT PRIMARY KEY,"
    " caller TEXT NOT NULL, received_ts DOUBLE PRECISION NOT NULL)",
    "CREATE INDEX IF NOT EXISTS caller_reports_caller ON caller_reports (caller, received_ts)",
    # Each report drops the rows older than the window: by time, or every report reads them all.
    "CREATE INDEX IF NOT EXISTS caller_reports_received ON caller_reports (received_ts)",
)
# A report noted once: a retried report, or a row taken in again, keeps the row there.
NOTE = ("INSERT INTO caller_reports (report_id, caller, received_ts) VALUES (?,?,?)"
        " ON CONFLICT (report_id) DO NOTHING")
_NOT_DIGITS = re.compile(r"[^0-9]")
Statements = list[tuple[str, tuple[Any, ...]]]  # portable SQL (`?`) and its parameters


def canonical_phone(phone: str) -> str:
    """The number as dialled: digits only, a leading +86 or 0086 dropped, so the ways one number
    is typed meet."""
    digits = _NOT_DIGITS.sub("", phone)
    if phone.strip().startswith("+86"):
        return digits[2:]
    return digits[4:] if digits.startswith("0086") else digits


def create_table(sql: Sql) -> None:
    """The index's table (no key needed: `hotline migrate` holds none)."""
    with sql.transaction(commit=True) as c:
        for statement in DDL:
            c.execute(statement)


class CallerIndex:
    def __init__(self, sql: Sql, hasher: Hasher, days: int):
        self.sql = sql
        self.hasher = hasher
        self.days = days

    def create_table(self) -> None:
        create_table(self.sql)

    def adopt(self, old: Sql, path: Path) -> int:
        """The rows of an index kept in a file of its own (embedded, before #31) taken into this
        one (a row already here is kept), then that file removed; how many were read."""
        try:
            rows = old.rows("SELECT report_id, caller, received_ts FROM caller_reports") if old.one(
                "SELECT 1 AS t FROM sqlite_master WHERE type = 'table' AND name = 'caller_reports'") else []
        finally:
            old.datastore.close()
        self.run([(NOTE, (r["report_id"], r["caller"], r["received_ts"])) for r in rows])
        for left in (path, *path.parent.glob(f"{path.name}-*")):  # its write-ahead log and index
            left.unlink(missing_ok=True)
        return len(rows)

    def close(self) -> None:
        self.sql.datastore.close()

    def caller(self, phone: str) -> str:
        return self.hasher.digest(PURPOSE, canonical_phone(phone))

    def note_statements(self, report_id: str, phone: str, received_at: datetime) -> Statements:
        """What noting a report writes (idempotent: a retried report is noted once), as portable
        statements: run in a transaction of their own (`note`) or in the report's (`IntakeRecorder`)."""
        since = (received_at - timedelta(days=self.days)).timestamp()
        return [("DELETE FROM caller_reports WHERE received_ts < ?", (since,)),
                (NOTE, (report_id, self.caller(phone), received_at.timestamp()))]

    def note(self, report_id: str, phone: str, received_at: datetime) -> None:
        self.run(self.note_statements(report_id, phone, received_at))

    def run(self, statements: Statements) -> None:
        with self.sql.transaction(commit=True) as c:
            for statement, params in statements:
                self.sql.execute(c, statement, params)

    def forget(self, report_id: str) -> None:
        with self.sql.transaction(commit=True) as c:
            self.sql.execute(c, "DELETE FROM caller_reports WHERE report_id = ?", (report_id,))

    def reports(self, phone: str, now: datetime) -> list[str]:
        """The number's reports within the window, newest first (their ids): under either suite's
        hash, so reports noted before a switch of suite are found until they leave the window."""
        since = (now - timedelta(days=self.days)).timestamp()
        callers = self.hasher.digests(PURPOSE, canonical_phone(phone))
        marks = ",".join("?" * len(callers))
        rows = self.sql.rows(f"SELECT report_id FROM caller_reports WHERE caller IN ({marks})"
                             " AND received_ts >= ? ORDER BY received_ts DESC LIMIT 200", (*callers, since))
        return [str(r["report_id"]) for r in rows]


class CallerNotes:
    """What intake does with the index: note a report with a reporter's number, forget an erased one."""

    callers: CallerIndex | None = None
    # The index shares the events' database (PostgreSQL) or file (SQLite), and a new report's row
    # is written in the transaction that stores the report: one commit per report, not two.
    callers_in_save = False

    def caller_statements(self, report: Any, reporter: dict[str, Any]) -> Statements:
        """What noting the report writes; nothing for an anonymous or erased one, or no number."""
        if self.callers is None or not reporter.get("phone") or reporter.get("anonymous") \
                or report.erased_at is not None:
            return []
        return self.callers.note_statements(str(report.id), reporter["phone"], report.received_at)

    def note_caller(self, report: Any, reporter: dict[str, Any]) -> None:
        if self.callers is not None and (statements := self.caller_statements(report, reporter)):
            self.callers.run(statements)

    def forget_caller(self, report_id: str) -> None:
        if self.callers is not None:
            self.callers.forget(report_id)

    def close(self) -> None:
        super().close()  # type: ignore[misc]
        # Embedded the index is a table of intake's own file, closed with it just now.
        if self.callers is not None and self.callers.sql.datastore is not getattr(
                self.recorder, "datastore", None):  # type: ignore[attr-defined]
            self.callers.close()


class IntakeRecorder(TwoTripApplicationRecorder):
    """`save(..., caller_rows=…)`: the statements run first in the events' transaction (eventsourcing's
    hook for "other things", pipelined with the insert), so both commit or neither does."""

    def _insert_events(self, curs: Any, stored_events: Sequence[StoredEvent], *,
                       caller_rows: Statements | None = None, **kwargs: Any) -> None:
        super()._insert_events(curs, stored_events, **kwargs)
        for statement, params in caller_rows or ():
            curs.execute(self._sql.q(statement), params)

    @cached_property
    def _sql(self) -> Sql:
        return Sql(self.datastore)


class SQLiteIntakeRecorder(SQLiteApplicationRecorder):
    """The same in the embedded wiring, where the index is a table of intake's own file."""

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], *,
                       caller_rows: Statements | None = None, **kwargs: Any) -> Sequence[int] | None:
        returning = super()._insert_events(c, stored_events, **kwargs)
        for statement, params in caller_rows or ():
            c.execute(statement, params)
        return returning
