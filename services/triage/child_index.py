"""The ChildIndex: the cases one child (one keyed hash) appeared in, with when; repeat reports
about a child meet through it, on keyed hashes only."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

CHILD_NS = uuid5(NAMESPACE_URL, "urn:hotline:child-index")


def child_index_id(child_key: str) -> UUID:
    return uuid5(CHILD_NS, child_key)


class ChildIndex(Aggregate):
    """The cases a child (one keyed hash) appeared in, with when."""

    @event("Started")
    def __init__(self, id: UUID):  # noqa: A002
        # (case id, when[, report id]); the report id lets an erasure remove its entry.
        self.entries: list[tuple[Any, ...]] = []

    @event("CaseNoted")
    def note(self, case_id: str, at: datetime, report_id: str | None = None) -> None:
        self.entries.append((case_id, at, report_id) if report_id else (case_id, at))

    def holds(self, report_id: str) -> bool:
        return any(len(e) > 2 and e[2] == report_id for e in self.entries)

    @event("ReportForgotten")
    def forget(self, report_id: str) -> None:
        """The report was erased: it no longer joins later reports to its case."""
        self.entries = [e for e in self.entries if len(e) < 3 or e[2] != report_id]
