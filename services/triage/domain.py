"""The Case aggregate: what triage decided about the child(ren) of one or more reports."""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

CASE_NS = uuid5(NAMESPACE_URL, "urn:hotline:case")


def case_id_for(report_id: str) -> UUID:
    """The case a report opens: deterministic, so a redelivered report finds it."""
    return uuid5(CASE_NS, report_id)


class Case(Aggregate):
    """A case under triage; its initial risk level is never changed."""

    @event("Opened")
    def __init__(
        self,
        id: UUID,  # noqa: A002 - eventsourcing takes the aggregate id from this parameter
        *,
        report_id: str,
        risk_level: str,
        concerns: list[str],
        region_code: str,
        needs_review: bool,
        rule_version: str,
        rationale: str,
        child_keys: list[str],
        opened_at: datetime,
    ):
        self.report_ids = [report_id]
        self.risk_level = risk_level
        self.initial_risk_level = risk_level
        self.concerns = concerns
        self.region_code = region_code
        self.needs_review = needs_review
        self.rule_version = rule_version
        self.rationale = rationale
        self.child_keys = child_keys
        self.opened_at = opened_at
        self.supplement_ids: list[str] = []

    @event("Supplemented")
    def supplement(
        self,
        *,
        report_id: str,
        supplement_id: str,
        added_concerns: list[str],
        concerns: list[str],
        region_code: str,
        immediate_danger: bool,
        previous_risk_level: str,
        risk_level: str,
        rule_version: str,
        rationale: str,
    ) -> None:
        """A report's supplement: concerns only added, the level only raised."""
        self.supplement_ids.append(supplement_id)
        self.concerns = concerns
        self.risk_level = risk_level
        if self.concerns:
            self.needs_review = False
