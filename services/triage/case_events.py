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


class Opened(Aggregate.Created):
    """Version 2: submitter_ref (c831fb9) and sentinel_id (bcb95ba) are written on every opening."""

    class_version = 2
    report_id: str
    risk_level: str
    concerns: list[str]
    region_code: str
    needs_review: bool
    rule_version: str
    rationale: str
    child_keys: list[str]
    opened_at: datetime
    inputs: dict[str, Any] | None
    channel: str | None
    submitter_ref: str | None
    sentinel_id: str | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        fill(state, inputs=None, channel=None, submitter_ref=None, sentinel_id=None)


class ReportJoined(Aggregate.Event):
    """Version 2: inputs (1677c8c), submitter_ref (c831fb9) and sentinel_id (bcb95ba) always written."""

    class_version = 2
    report_id: str
    at: datetime
    added_concerns: list[str]
    concerns: list[str]
    region_code: str
    previous_risk_level: str
    risk_level: str
    needs_review: bool
    burst: bool
    rule_version: str
    rationale: str
    child_keys: list[str]
    channel: str | None
    inputs: dict[str, Any] | None
    submitter_ref: str | None
    sentinel_id: str | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        fill(state, channel=None, inputs=None, submitter_ref=None, sentinel_id=None)


class Supplemented(Aggregate.Event):
    """Version 2: needs_review and inputs (1677c8c) always written."""

    class_version = 2
    report_id: str
    supplement_id: str
    added_concerns: list[str]
    concerns: list[str]
    region_code: str
    immediate_danger: bool
    previous_risk_level: str
    risk_level: str
    rule_version: str
    rationale: str
    needs_review: bool
    inputs: dict[str, Any] | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        fill(state, needs_review=False, inputs=None)


class Reassessed(Aggregate.Event):
    """Version 2: categories (7d717c9) always written; None leaves the case's as they were."""

    class_version = 2
    added_concerns: list[str]
    concerns: list[str]
    region_code: str
    previous_risk_level: str
    risk_level: str
    needs_review: bool
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
