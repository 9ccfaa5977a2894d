"""Finding an aggregate that may not be there: eventsourcing's `get` raises, every room asks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, Repository, project_aggregate
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from services.common.sqlstore import Sql

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
