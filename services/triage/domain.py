"""Triage aggregates: the Case, the link from each report to its case, and the child index
through which repeat reports about one child meet (on keyed hashes only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.common.errors import FieldError
from services.common.vocabulary import LEVEL_ORDER

CASE_NS = uuid5(NAMESPACE_URL, "urn:hotline:case")
LINK_NS = uuid5(NAMESPACE_URL, "urn:hotline:report-link")
CHILD_NS = uuid5(NAMESPACE_URL, "urn:hotline:child-index")


class TriageError(FieldError):
    """A case cannot be changed as asked (the field named says what to correct)."""


def case_id_for(report_id: str) -> UUID:
    """The case a report opens: deterministic, so a redelivered report finds it."""
    return uuid5(CASE_NS, report_id)


def link_id_for(report_id: str) -> UUID:
    return uuid5(LINK_NS, report_id)


def child_index_id(child_key: str) -> UUID:
    return uuid5(CHILD_NS, child_key)


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
        inputs: dict[str, Any] | None = None,
        channel: str | None = None,
        submitter_ref: str | None = None,
        sentinel_id: str | None = None,  # the sentinel point it came from (for its monitoring)
    ):
        self.report_ids = [report_id]
        self.submitter_refs = [submitter_ref] if submitter_ref else []
        self.report_times = [opened_at]
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
        self.burst_flagged = False

    def _apply_change(self, concerns: list[str], risk_level: str, needs_review: bool) -> None:
        self.concerns = concerns
        self.risk_level = risk_level
        self.needs_review = needs_review

    @event("ReportJoined")
    def join_report(
        self,
        *,
        report_id: str,
        at: datetime,
        added_concerns: list[str],
        concerns: list[str],
        region_code: str,
        previous_risk_level: str,
        risk_level: str,
        needs_review: bool,
        burst: bool,
        rule_version: str,
        rationale: str,
        child_keys: list[str],
        channel: str | None = None,
        inputs: dict[str, Any] | None = None,
        submitter_ref: str | None = None,
        sentinel_id: str | None = None,
    ) -> None:
        """Another report about the same child within the joining window."""
        self.report_ids.append(report_id)
        refs = getattr(self, "submitter_refs", [])  # snapshots from before it was kept
        self.submitter_refs = refs + ([submitter_ref] if submitter_ref and submitter_ref not in refs else [])
        self.report_times.append(at)
        self.child_keys = sorted(set(self.child_keys) | set(child_keys))
        self.burst_flagged = self.burst_flagged or burst
        self._apply_change(concerns, risk_level, needs_review)

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
        needs_review: bool = False,
        inputs: dict[str, Any] | None = None,
    ) -> None:
        """A report's supplement: concerns only added, the level only raised."""
        self.supplement_ids.append(supplement_id)
        self._apply_change(concerns, risk_level, needs_review)

    def reassess(self, *, risk_level: str, concerns: list[str], reason: str, by: str,
                 categories: list[str] | None = None) -> None:
        """A supervisor's decision, with a reason; clears the review flag. `categories` (the
        ledger's hardship categories) replace the case's when given."""
        if not reason.strip():
            raise TriageError("reason", "请填写调整风险等级的原因。")
        if risk_level not in LEVEL_ORDER:
            raise TriageError("risk_level", "风险等级应为红色、橙色、黄色或蓝色。")
        added = [c for c in concerns if c not in self.concerns]
        self._reassessed(
            added_concerns=added,
            concerns=self.concerns + added,
            region_code=self.region_code,
            previous_risk_level=self.risk_level,
            risk_level=risk_level,
            needs_review=False,
            reason=reason.strip(),
            by=by,
            categories=sorted(set(categories)) if categories is not None else None,
        )

    @property
    def categories(self) -> list[str]:
        return list(getattr(self, "_categories", []))

    @event("Reassessed")
    def _reassessed(
        self,
        *,
        added_concerns: list[str],
        concerns: list[str],
        region_code: str,
        previous_risk_level: str,
        risk_level: str,
        needs_review: bool,
        reason: str,
        by: str,
        categories: list[str] | None = None,
    ) -> None:
        self._apply_change(concerns, risk_level, needs_review)
        if categories is not None:
            self._categories = categories


    def check_review(self, note: str) -> None:
        """Ending a review needs a word on what was looked at, and a review to end."""
        if not note.strip():
            raise TriageError("note", "请填写复核意见。")

    def review(self, *, note: str, by: str) -> None:
        """A supervisor looked at the case and keeps its level: the review flag is cleared."""
        self.check_review(note)
        self._reviewed(note=note.strip(), by=by, risk_level=self.risk_level, concerns=self.concerns,
                       region_code=self.region_code)

    @event("Reviewed")
    def _reviewed(self, *, note: str, by: str, risk_level: str, concerns: list[str],
                  region_code: str) -> None:
        self.needs_review = False


class ReportLink(Aggregate):
    """Which case a report went to (its existence means the report was triaged), and which child
    indexes it was noted in, so an erasure can tombstone those entries."""

    @event("Linked")
    def __init__(self, id: UUID, *, report_id: str, case_id: str,  # noqa: A002
                 index_ids: list[str] | None = None):
        self.report_id = report_id
        self.case_id = case_id
        self.index_ids = index_ids or []


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
