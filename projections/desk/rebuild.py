"""The desk view rebuilt from the event stores (what the relays would publish, in order), and
a comparison with the live view: the proof that the live view lost and repeated nothing."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from eventsourcing.persistence import Tracking

from projections.desk.processor import DeskProjection, WritableView
from projections.desk.view import DeskView
from services.common.messages import Message, Translator
from services.common.store import Sql

# Every table of rows (the tracking table is where each copy happens to be, not what it holds).
TABLES = ("view_cases", "view_case_concerns", "view_case_reports", "view_submissions",
          "view_referrals", "view_timeline", "view_case_flags", "view_followups", "view_visits",
          "view_case_categories", "view_sentinel_reports", "view_stats_daily", "view_incidents")
# Counts that went to zero are left as rows; they say nothing, so comparisons skip them.
COUNTED = {"view_stats_daily": " WHERE n <> 0"}


def messages(app: Any, translate: Translator, page: int = 500) -> Iterator[Message]:
    """An application's notification log, translated as its relay publishes it."""
    start = 1
    while True:
        notes = app.recorder.select_notifications(start=start, limit=page)
        for note in notes:
            message = translate(app.mapper.to_domain_event(note))
            if message is not None:
                yield message
        if len(notes) < page:
            return
        start = notes[-1].id + 1


def rebuild(view: WritableView, streams: Iterable[tuple[str, Iterable[Message]]]) -> int:
    """Apply every stream to the view (each its own position); how many messages were applied."""
    projection, applied = DeskProjection(view), 0
    for name, stream in streams:
        for position, message in enumerate(stream, start=1):
            projection.process_event(message, Tracking(f"rebuild:{name}", position))
            applied += 1
    return applied


def _plain(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        return round(value, 3)
    return value


def rows(sql: Sql) -> dict[str, list[tuple[Any, ...]]]:
    """Each table's rows, sorted, with values made comparable across SQLite and PostgreSQL."""
    return {t: sorted(tuple(_plain(v) for v in r.values())
                      for r in sql.rows(f"SELECT * FROM {t}{COUNTED.get(t, '')}"))
            for t in TABLES}


def differences(live: Sql, rebuilt: Sql) -> dict[str, dict[str, int]]:
    """Per table, rows only in the live view and rows only in the rebuilt one."""
    a, b = rows(live), rows(rebuilt)
    out = {}
    for table in TABLES:
        only_live, only_rebuilt = set(a[table]) - set(b[table]), set(b[table]) - set(a[table])
        if only_live or only_rebuilt:
            out[table] = {"only_live": len(only_live), "only_rebuilt": len(only_rebuilt)}
    return out


def positions(view: DeskView) -> list[tuple[str, int]]:
    """Where the live projection stands, per source (Kafka topic:partition, or application)."""
    return [(str(r["application_name"]), int(r["notification_id"])) for r in view.sql.rows(
        f"SELECT application_name, notification_id FROM {view.tracking_table}")]


def swap(live: DeskView, rebuilt: Sql, resume_at: list[tuple[str, int]]) -> dict[str, int]:
    """Replace the live view's rows with the rebuilt ones in one transaction (readers see the
    old rows until it commits), put the positions back to where they were before the rebuild
    read the stores, and raise the generation so the projection resumes from there: what it
    applied meanwhile is applied again, and the writes are idempotent."""
    copied = {}
    with live.sql.transaction(commit=True) as c:
        for table in (*TABLES, "view_versions"):
            found = rebuilt.rows(f"SELECT * FROM {table}")
            live.sql.execute(c, f"DELETE FROM {table}", ())
            for row in found:
                names = ", ".join(row)
                live.sql.execute(c, f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(row))})",
                                 tuple(row.values()))
            copied[table] = len(found)
        live.sql.execute(c, f"DELETE FROM {live.tracking_table}", ())
        for name, position in resume_at:
            live.sql.execute(c, f"INSERT INTO {live.tracking_table} (application_name, notification_id)"
                                " VALUES (?, ?)", (name, position))
        live.sql.execute(c, "INSERT INTO view_generation (id, generation) VALUES (1, 1)"
                            " ON CONFLICT (id) DO UPDATE SET generation = view_generation.generation + 1", ())
    return copied
