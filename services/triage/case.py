"""The Case: a child's case under triage, and the decisions taken on it (opening, a repeat report
joining, a supplement, a supervisor's reassessment or review), each a command with its guards."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.common.errors import FieldError
from services.common.vocabulary import HOTLINE_CHANNELS, LEVEL_ORDER, higher, one_level_up
from services.triage import case_events
from services.triage.facts import ReportFacts, SupplementFacts, assessment_inputs
from services.triage.rules import RiskRules

CASE_NS = uuid5(NAMESPACE_URL, "urn:hotline:case")


class TriageError(FieldError):
    """A case cannot be changed as asked (the field named says what to correct)."""


def case_id_for(report_id: str) -> UUID:
    """The case a report opens: deterministic, so a redelivered report finds it."""
    return uuid5(CASE_NS, report_id)


class Case(Aggregate):
    """A case under triage; its initial risk level is never changed."""

    # 2: snapshots keep submitter_refs and categories (c831fb9, 7d717c9 wrote none).
    class_version = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        case_events.fill(state, submitter_refs=[], categories=state.pop("_categories", []))

    class Opened(case_events.Opened):
        """A report opened the case."""

    @event(Opened)
    def __init__(self, *, report_id: str, risk_level: str, concerns: list[str], region_code: str,
                 needs_review: bool, rule_version: str, rationale: str, child_keys: list[str],
                 opened_at: datetime, inputs: dict[str, Any] | None, channel: str | None,
                 submitter_ref: str | None, sentinel_id: str | None):
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
        self.categories: list[str] = []  # the ledger's hardship categories, set on reassessment

    @classmethod
    def create_id(cls, report_id: str, **_: Any) -> UUID:
        return case_id_for(report_id)

    @classmethod
    def open(cls, report: ReportFacts, rules: RiskRules, child_keys: list[str]) -> Case:
        """A report about children in no recent case opens one; no concern at all needs review."""
        assessment = rules.assess(report.concerns, report.immediate_danger, report.narrative)
        return cls(report_id=report.report_id, risk_level=assessment.level, concerns=report.concerns,
                   region_code=report.region_code, needs_review=not report.concerns,
                   rule_version=assessment.rule_version, rationale=assessment.rationale,
                   child_keys=child_keys, opened_at=report.at,
                   inputs=assessment_inputs(report.concerns, report.immediate_danger, assessment),
                   channel=report.channel, submitter_ref=report.submitter_ref,
                   sentinel_id=report.sentinel_id)

    def _apply_change(self, concerns: list[str], risk_level: str, needs_review: bool) -> None:
        self.concerns = concerns
        self.risk_level = risk_level
        self.needs_review = needs_review

    def _added(self, concerns: list[str]) -> list[str]:
        return [c for c in concerns if c not in self.concerns]

    # -- a repeat report about the same child ---------------------------------------------

    def check_join(self, report: ReportFacts, rules: RiskRules) -> None:
        """A report joins a case only within the joining window of one of its reports."""
        window = timedelta(days=rules.join_within_days)
        if not any(abs(report.at - t) <= window for t in self.report_times):
            raise TriageError("report_id", "该报告不在此案件的合并期限内。")

    def join(self, report: ReportFacts, rules: RiskRules, child_keys: list[str]) -> bool:
        """Another report about the same child: the level only rises, a third report within the
        burst hours raises it once more, and a reporter account new to the case asks for review.
        False if the report had already joined."""
        if report.report_id in self.report_ids:
            return False
        self.check_join(report, rules)
        assessment = rules.assess(report.concerns, report.immediate_danger, report.narrative)
        level = higher(self.risk_level, assessment.level)
        rationale = assessment.rationale if level == assessment.level else f"{level}: kept"
        burst_window = timedelta(hours=rules.burst_hours)
        recent = [t for t in [*self.report_times, report.at] if report.at - burst_window <= t <= report.at]
        burst = len(recent) >= rules.burst_reports and not self.burst_flagged
        if burst:
            level = one_level_up(level)
            rationale = (f"{level}: {len(recent)} reports about one child within "
                         f"{rules.burst_hours} hours ({rationale})")
        # A mandated reporter's report joining a case someone else opened could be a probe for
        # whether a child is known: a supervisor looks at it.
        stranger = (report.submitter_ref is not None and report.channel not in HOTLINE_CHANNELS
                    and report.submitter_ref not in self.submitter_refs)
        if stranger:
            rationale += "; joined by a report from another reporter account (review)"
        added = self._added(report.concerns)
        self._report_joined(
            report_id=report.report_id, at=report.at, added_concerns=added,
            concerns=self.concerns + added, region_code=self.region_code,
            previous_risk_level=self.risk_level, risk_level=level,
            needs_review=self.needs_review or burst or stranger, burst=burst,
            rule_version=assessment.rule_version, rationale=rationale, child_keys=child_keys,
            channel=report.channel, submitter_ref=report.submitter_ref,
            sentinel_id=report.sentinel_id,
            inputs={**assessment_inputs(report.concerns, report.immediate_danger, assessment),
                    "reports_in_burst_window": len(recent)},
        )
        return True

    class ReportJoined(case_events.ReportJoined):
        """A repeat report about the same child joined the case."""

    @event(ReportJoined)
    def _report_joined(self, *, report_id: str, at: datetime, added_concerns: list[str],
                       concerns: list[str], region_code: str, previous_risk_level: str,
                       risk_level: str, needs_review: bool, burst: bool, rule_version: str,
                       rationale: str, child_keys: list[str], channel: str | None,
                       inputs: dict[str, Any] | None, submitter_ref: str | None,
                       sentinel_id: str | None) -> None:
        self.report_ids.append(report_id)
        if submitter_ref and submitter_ref not in self.submitter_refs:
            self.submitter_refs = [*self.submitter_refs, submitter_ref]
        self.report_times.append(at)
        self.child_keys = sorted(set(self.child_keys) | set(child_keys))
        self.burst_flagged = self.burst_flagged or burst
        self._apply_change(concerns, risk_level, needs_review)

    # -- a supplement to one of the case's reports ----------------------------------------

    def check_supplement(self, supplement: SupplementFacts) -> None:
        """A supplement adds to one of this case's own reports."""
        if supplement.report_id not in self.report_ids:
            raise TriageError("report_id", "该补充所属的报告不在此案件中。")

    def add_supplement(self, supplement: SupplementFacts, rules: RiskRules) -> bool:
        """Concerns only added, the level only raised (the case reassessed with the supplement's
        concerns and danger). False if this supplement was already added."""
        if supplement.supplement_id in self.supplement_ids:
            return False
        self.check_supplement(supplement)
        added = self._added(supplement.concerns)
        concerns = self.concerns + added
        assessment = rules.assess(concerns, supplement.immediate_danger, supplement.narrative)
        level = higher(self.risk_level, assessment.level)
        rationale = (assessment.rationale if level == assessment.level
                     else f"{level}: kept (supplement assessed {assessment.level})")
        self._supplemented(
            report_id=supplement.report_id, supplement_id=supplement.supplement_id,
            added_concerns=added, concerns=concerns, region_code=self.region_code,
            immediate_danger=supplement.immediate_danger, previous_risk_level=self.risk_level,
            risk_level=level, rule_version=assessment.rule_version, rationale=rationale,
            needs_review=self.needs_review and not concerns,
            inputs=assessment_inputs(supplement.concerns, supplement.immediate_danger, assessment),
        )
        return True

    class Supplemented(case_events.Supplemented):
        """A supplement added concerns or raised the level."""

    @event(Supplemented)
    def _supplemented(self, *, report_id: str, supplement_id: str, added_concerns: list[str],
                      concerns: list[str], region_code: str, immediate_danger: bool,
                      previous_risk_level: str, risk_level: str, rule_version: str,
                      rationale: str, needs_review: bool, inputs: dict[str, Any] | None) -> None:
        self.supplement_ids.append(supplement_id)
        self._apply_change(concerns, risk_level, needs_review)

    # -- a supervisor's decisions ---------------------------------------------------------

    def check_reassess(self, risk_level: str, reason: str) -> None:
        """A new level is one of the four, with a reason."""
        if not reason.strip():
            raise TriageError("reason", "请填写调整风险等级的原因。")
        if risk_level not in LEVEL_ORDER:
            raise TriageError("risk_level", "风险等级应为红色、橙色、黄色或蓝色。")

    def reassess(self, *, risk_level: str, concerns: list[str], reason: str, by: str,
                 categories: list[str] | None = None) -> None:
        """A supervisor's decision, with a reason; clears the review flag. `categories` (the
        ledger's hardship categories) replace the case's when given."""
        self.check_reassess(risk_level, reason)
        added = self._added(concerns)
        self._reassessed(
            added_concerns=added, concerns=self.concerns + added, region_code=self.region_code,
            previous_risk_level=self.risk_level, risk_level=risk_level, needs_review=False,
            reason=reason.strip(), by=by,
            categories=sorted(set(categories)) if categories is not None else None,
        )

    class Reassessed(case_events.Reassessed):
        """A supervisor set the level (and the ledger's categories), with a reason."""

    @event(Reassessed)
    def _reassessed(self, *, added_concerns: list[str], concerns: list[str], region_code: str,
                    previous_risk_level: str, risk_level: str, needs_review: bool, reason: str,
                    by: str, categories: list[str] | None) -> None:
        self._apply_change(concerns, risk_level, needs_review)
        if categories is not None:
            self.categories = categories

    def check_review(self, note: str) -> None:
        """Ending a review needs a word on what was looked at, and a review to end."""
        if not note.strip():
            raise TriageError("note", "请填写复核意见。")

    def review(self, *, note: str, by: str) -> None:
        """A supervisor looked at the case and keeps its level: the review flag is cleared."""
        self.check_review(note)
        self._reviewed(note=note.strip(), by=by, risk_level=self.risk_level, concerns=self.concerns,
                       region_code=self.region_code)

    class Reviewed(case_events.Reviewed):
        """A supervisor looked at the case and kept its level."""

    @event(Reviewed)
    def _reviewed(self, *, note: str, by: str, risk_level: str, concerns: list[str],
                  region_code: str) -> None:
        self.needs_review = False
