"""The ReportLink: which case a report went to, and the child indexes it was noted in."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

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
