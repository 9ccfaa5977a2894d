"""The stored shapes of the Case's events, each with its version and the upcasters that fill what
an earlier release did not write (so an old event loads as the current one, never via getattr)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate


def fill(state: dict[str, Any], **defaults: Any) -> None:
    """An upcaster's step: fields an earlier release did not write, as it behaved without them."""
    for name, value in defaults.items():
        state.setdefault(name, value)


class Reported(Aggregate.Event):
    """What a report brings to the case it opens or joins: the assessment's inputs, its channel,
    reporter account and sentinel point (version 2: each always written; earlier releases wrote
    inputs from 1677c8c, submitter_ref from c831fb9, sentinel_id from bcb95ba); version 3 the
    youngest child's age (§12's rule), unknown before."""

    class_version = 3
    inputs: dict[str, Any] | None
    channel: str | None
    submitter_ref: str | None
    sentinel_id: str | None
    youngest_age: int | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        fill(state, inputs=None, channel=None, submitter_ref=None, sentinel_id=None)

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        fill(state, youngest_age=None)


class Changed(Aggregate.Event):
    """A change to the case's concerns and level, and whether it needs a supervisor's review."""

    added_concerns: list[str]
    concerns: list[str]
    region_code: str
    previous_risk_level: str
    risk_level: str
    needs_review: bool


class Opened(Reported, Aggregate.Created):
    """A report opened the case."""

    report_id: str
    risk_level: str
    concerns: list[str]
    region_code: str
    needs_review: bool
    rule_version: str
    rationale: str
    child_keys: list[str]
    opened_at: datetime


class ReportJoined(Reported, Changed):
    """A repeat report about the same child joined the case; version 4 says where that report
    put the child (the case keeps its first place: stop 56's police desk read the first place in
    the inbox after the child had moved), unknown before."""

    class_version = 4
    report_id: str
    at: datetime
    burst: bool
    rule_version: str
    rationale: str
    child_keys: list[str]
    report_region_code: str

    @staticmethod
    def upcast_v3_v4(state: dict[str, Any]) -> None:
        fill(state, report_region_code="")


class Supplemented(Changed):
    """Version 2: needs_review and inputs (1677c8c) always written; version 3: whether the caller
    complained or pressed for action (投诉、催办), which puts the case up for review."""

    class_version = 3
    report_id: str
    supplement_id: str
    immediate_danger: bool
    rule_version: str
    rationale: str
    inputs: dict[str, Any] | None
    complaint: bool

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        fill(state, needs_review=False, inputs=None)

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        fill(state, complaint=False)


class Reassessed(Changed):
    """Version 2: categories (7d717c9) always written; None leaves the case's as they were."""

    class_version = 2
    reason: str
    by: str
    categories: list[str] | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        fill(state, categories=None)


class Reviewed(Aggregate.Event):
    """A supervisor ended a review and kept the level (version 1, as first written)."""

    note: str
    by: str
    risk_level: str
    concerns: list[str]
    region_code: str


class MajorIncident(Aggregate.Event):
    """The case went upward (§12): by the rule (`auto`), a supervisor's mark (`mark`, its summary
    sealed under the case's data key) or a reported death (`death`); version 1, as first written."""

    reason: str
    summary: str | None  # the fixed automatic summary; None for a mark (sealed instead)
    sealed_summary: str | None
    by: str | None
    rule_version: str
    risk_level: str
    concerns: list[str]
    region_code: str
    reported_at: datetime
