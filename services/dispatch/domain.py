"""Referral aggregates: one per case and agency unit, each on its own clock."""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

REFERRAL_NS = uuid5(NAMESPACE_URL, "urn:hotline:referral")
GAP_NS = uuid5(NAMESPACE_URL, "urn:hotline:routing-gap")


def referral_id_for(case_id: str, agency_id: str) -> UUID:
    """At most one referral per case and unit, however often the case is delivered."""
    return uuid5(REFERRAL_NS, f"{case_id}\x1f{agency_id}")


def routing_gap_id_for(case_id: str, kind: str) -> UUID:
    return uuid5(GAP_NS, f"{case_id}\x1f{kind}")


class Referral(Aggregate):
    """A case put on the desk of one agency unit."""

    @event("Dispatched")
    def __init__(
        self,
        id: UUID,  # noqa: A002 - eventsourcing takes the aggregate id from this parameter
        *,
        case_id: str,
        agency_id: str,
        agency_kind: str,
        risk_level: str,
        concerns: list[str],
        dispatched_at: datetime,
        due_at: datetime,
        matrix_version: str,
        directory_version: str,
    ):
        self.case_id = case_id
        self.agency_id = agency_id
        self.agency_kind = agency_kind
        self.risk_level = risk_level
        self.concerns = concerns
        self.dispatched_at = dispatched_at
        self.due_at = due_at
        self.matrix_version = matrix_version
        self.directory_version = directory_version
        self.status = "dispatched"


class RoutingGap(Aggregate):
    """No unit of a required kind covers the case's region: a supervisor must route it."""

    @event("Found")
    def __init__(
        self,
        id: UUID,  # noqa: A002
        *,
        case_id: str,
        agency_kind: str,
        region_code: str,
        directory_version: str,
    ):
        self.case_id = case_id
        self.agency_kind = agency_kind
        self.region_code = region_code
        self.directory_version = directory_version
