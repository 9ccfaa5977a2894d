"""The Case: a child's case under triage, and the decisions taken on it (opening, a repeat report
joining, a supplement, a supervisor's reassessment, review or mark), each a command with guards."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.common.vocabulary import LEVEL_ORDER
from services.triage import assessment, case_events, changes
from services.triage.assessment import (
    IncidentRules,
    ReportFacts,
    RiskRules,
    SupplementFacts,
    TriageError,
    assessment_inputs,
    default_rules,
)

CASE_NS = uuid5(NAMESPACE_URL, "urn:hotline:case")


def case_id_for(report_id: str) -> UUID:
    """The case a report opens: deterministic, so a redelivered report finds it."""
    return uuid5(CASE_NS, report_id)


class Case(Aggregate):
    """A case under triage; its initial risk level is never changed."""

    # 2: snapshots keep submitter_refs and categories (c831fb9, 7d717c9 wrote none); 3: major incidents.
    class_version = 3

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        case_events.fill(state, submitter_refs=[], categories=state.pop("_categories", []))

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        case_events.fill(state, youngest_age=None, major_incident=None, death_reported=False)

    class Opened(case_events.Opened):
        """A report opened the case."""

    @event(Opened)
    def __init__(self, *, report_id: str, risk_level: str, concerns: list[str], region_code: str,
                 needs_review: bool, rule_version: str, rationale: str, child_keys: list[str],
                 opened_at: datetime, inputs: dict[str, Any] | None, channel: str | None,
                 submitter_ref: str | None, sentinel_id: str | None, youngest_age: int | None):
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
        self.youngest_age = youngest_age
        self.major_incident: str | None = None  # why it first went upward (§12)
        self.death_reported = False

    @classmethod
    def create_id(cls, report_id: str, **_: Any) -> UUID:
        return case_id_for(report_id)

    @classmethod
    def open(cls, report: ReportFacts, rules: RiskRules, child_keys: list[str],
             incidents: IncidentRules | None = None) -> Case:
        """A report about children in no recent case opens one; no concern at all needs review."""
        assessment = rules.assess(report.concerns, report.immediate_danger, report.narrative)
        case = cls(report_id=report.report_id, risk_level=assessment.level, concerns=report.concerns,
                   region_code=report.region_code, needs_review=not report.concerns,
                   rule_version=assessment.rule_version, rationale=assessment.rationale,
                   child_keys=child_keys, opened_at=report.at,
                   inputs=assessment_inputs(report.concerns, report.immediate_danger, assessment),
                   channel=report.channel, submitter_ref=report.submitter_ref,
                   sentinel_id=report.sentinel_id, youngest_age=report.youngest_age)
        case.go_upward(incidents, report.child_died)
        return case

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

    def join(self, report: ReportFacts, rules: RiskRules, child_keys: list[str],
             incidents: IncidentRules | None = None) -> bool:
        """Another report about the same child: the level only rises, a third report within the
        burst hours raises it once more, and a reporter account new to the case asks for review.
        False if the report had already joined."""
        if report.report_id in self.report_ids:
            return False
        self.check_join(report, rules)
        self._report_joined(**changes.joined(self, report, rules, child_keys))
        self.go_upward(incidents, report.child_died)
        return True

    class ReportJoined(case_events.ReportJoined):
        """A repeat report about the same child joined the case."""

    @event(ReportJoined)
    def _report_joined(self, *, report_id: str, at: datetime, added_concerns: list[str],
                       concerns: list[str], region_code: str, previous_risk_level: str,
                       risk_level: str, needs_review: bool, burst: bool, rule_version: str,
                       rationale: str, child_keys: list[str], channel: str | None,
                       inputs: dict[str, Any] | None, submitter_ref: str | None,
                       sentinel_id: str | None, youngest_age: int | None, report_region_code: str) -> None:
        self.report_ids.append(report_id)
        if submitter_ref and submitter_ref not in self.submitter_refs:
            self.submitter_refs = [*self.submitter_refs, submitter_ref]
        self.report_times.append(at)
        self.child_keys = sorted(set(self.child_keys) | set(child_keys))
        self.burst_flagged = self.burst_flagged or burst
        self.youngest_age = youngest_age
        self._apply_change(concerns, risk_level, needs_review)

    # -- a supplement to one of the case's reports ----------------------------------------

    def check_supplement(self, supplement: SupplementFacts) -> None:
        """A supplement adds to one of this case's own reports."""
        if supplement.report_id not in self.report_ids:
            raise TriageError("report_id", "该补充所属的报告不在此案件中。")

    def add_supplement(self, supplement: SupplementFacts, rules: RiskRules,
                       incidents: IncidentRules | None = None) -> bool:
        """Concerns only added, the level only raised (the case reassessed with the supplement's
        concerns and danger). False if this supplement was already added."""
        if supplement.supplement_id in self.supplement_ids:
            return False
        self.check_supplement(supplement)
        self._supplemented(**changes.supplemented(self, supplement, rules))
        self.go_upward(incidents, supplement.child_died)
        return True

    class Supplemented(case_events.Supplemented):
        """A supplement added concerns or raised the level."""

    @event(Supplemented)
    def _supplemented(self, *, report_id: str, supplement_id: str, added_concerns: list[str],
                      concerns: list[str], region_code: str, immediate_danger: bool,
                      previous_risk_level: str, risk_level: str, rule_version: str,
                      rationale: str, needs_review: bool, inputs: dict[str, Any] | None,
                      complaint: bool = False) -> None:
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
        self.go_upward(None, died=False)

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

    # -- major incidents (重大事项, contract §12) ---------------------------------------------

    def go_upward(self, incidents: IncidentRules | None, died: bool) -> None:
        """After any change: the upward reports the rule (once) or a death (once) now owes."""
        rules = incidents or default_rules()
        for reason in assessment.due(rules, self, died):
            self._went_upward(**changes.upward(self, rules, reason, None, None))

    def check_mark(self, summary: str, names: list[str], incidents: IncidentRules | None = None,
                   addresses: Sequence[str] = ()) -> None:
        """Once per case; a summary of the rule's length at most, naming no one (assessment.check_mark)."""
        assessment.check_mark(incidents or default_rules(), self.major_incident, summary, names, addresses)

    def mark_major_incident(self, *, summary: str, names: list[str], seal: Callable[[str], str],
                            by: str, incidents: IncidentRules | None = None) -> None:
        """A supervisor's mark: the summary checked against the case's names, then sealed."""
        rules = incidents or default_rules()
        self.check_mark(summary, names, rules)
        self._went_upward(**changes.upward(self, rules, assessment.MARK, seal(summary.strip()), by))

    class MajorIncident(case_events.MajorIncident):
        """The case went upward (重大事项报告)."""

    @event(MajorIncident)
    def _went_upward(self, *, reason: str, summary: str | None, sealed_summary: str | None,
                     by: str | None, rule_version: str, risk_level: str, concerns: list[str],
                     region_code: str, reported_at: datetime) -> None:
        self.major_incident = self.major_incident or reason
        self.death_reported = self.death_reported or reason == assessment.DEATH
