"""Finding an aggregate that may not be there: eventsourcing's `get` raises, every room asks."""

from __future__ import annotations

from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Repository
from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

T = TypeVar("T")


def find(repository: Repository[Any], aggregate_id: UUID | str, kind: type[T]) -> T | None:
    """The aggregate of that id if it is a `kind`; None when there is none (or the id is no UUID)."""
    try:
        found: Any = repository.get(aggregate_id if isinstance(aggregate_id, UUID) else UUID(aggregate_id))
    except (ValueError, AggregateNotFoundError):
        return None
    return found if isinstance(found, kind) else None


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
