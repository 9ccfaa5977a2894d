"""Triage's lookups, on keyed hashes only: the ChildIndex (the cases one child, one keyed hash,
appeared in, with when; repeat reports about a child meet through it) and the ReportLink (which
case a report went to, and the child indexes it was noted in)."""

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


LINK_NS = uuid5(NAMESPACE_URL, "urn:hotline:report-link")


def link_id_for(report_id: str) -> UUID:
    return uuid5(LINK_NS, report_id)


class ReportLink(Aggregate):
    """Its existence means the report was triaged; its index ids let an erasure tombstone the
    report's entries in the child indexes."""

    class Linked(Aggregate.Created):
        """Version 2: index_ids (1ccd644) always written."""

        class_version = 2
        report_id: str
        case_id: str
        index_ids: list[str]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["index_ids"] = state.get("index_ids") or []

    @event(Linked)
    def __init__(self, *, report_id: str, case_id: str, index_ids: list[str]):
        self.report_id = report_id
        self.case_id = case_id
        self.index_ids = index_ids

    @classmethod
    def create_id(cls, report_id: str, **_: Any) -> UUID:
        return link_id_for(report_id)
