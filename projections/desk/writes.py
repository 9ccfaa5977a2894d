"""Row writes of the desk view: portable statements, and the helpers every writer shares."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Protocol

from eventsourcing.persistence import Tracking

from services.common.messages import Message

# A portable statement (written with `?`) and its parameters.
Write = tuple[str, tuple[Any, ...]]


class WritableView(Protocol):
    def apply(self, writes: list[Write], tracking: Tracking) -> None: ...


def epoch(iso: str | None) -> float | None:
    return datetime.fromisoformat(iso).timestamp() if iso else None


def version_of(m: Message) -> int:
    """Message ids end with the event's version in its aggregate (`source/aggregate/version`)."""
    return int(m.id.rsplit("/", 1)[1])


def newer(row_id: str, version: int) -> Write:
    """The condition that this version is newer than the one the row shows."""
    return " AND ? > COALESCE((SELECT version FROM view_versions WHERE row_id = ?), 0)", (version, row_id)


def versioned(row_id: str, version: int, update: Write) -> list[Write]:
    """An UPDATE (ending in a WHERE clause) applied only if this version is newer than the one
    the row shows, and the row's version moved on: duplicates and replays change nothing."""
    statement, params = update
    guard, guarded = newer(row_id, version)
    return [
        (statement + guard, (*params, *guarded)),
        ("INSERT INTO view_versions (row_id, version) VALUES (?,?) ON CONFLICT (row_id)"
         " DO UPDATE SET version = excluded.version WHERE view_versions.version < excluded.version",
         (row_id, version)),
    ]


def flag(m: Message, case_id: str, kind: str) -> Write:
    return ("INSERT INTO view_case_flags (event_id, case_id, kind, at_ts) VALUES (?,?,?,?)"
            " ON CONFLICT (event_id) DO NOTHING", (m.id, case_id, kind, m.time.timestamp()))


def timeline(m: Message, case_id: str, kind: str, by: str, detail: dict[str, Any]) -> Write:
    return ("INSERT INTO view_timeline (event_id, case_id, at, type, by_whom, detail)"
            " VALUES (?,?,?,?,?,?) ON CONFLICT (event_id) DO NOTHING",
            (m.id, case_id, m.time.isoformat(), kind, by, json.dumps(detail, ensure_ascii=False)))
