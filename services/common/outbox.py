"""Reading a leader's outbox (its notification log) for one reader's topics."""

from __future__ import annotations

from collections.abc import Sequence

from eventsourcing.application import Application
from eventsourcing.persistence import Notification


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
