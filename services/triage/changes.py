"""The changes a report joining or a supplement makes to a case (the level only rises, concerns
only added), and the fields of a case going upward: computed here, applied by `Case`'s events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from services.common.vocabulary import HOTLINE_CHANNELS, higher, one_level_up
from services.triage.assessment import (
    IncidentRules,
    ReportFacts,
    RiskRules,
    SupplementFacts,
    assessment_inputs,
    youngest,
)


def added_to(case: Any, concerns: list[str]) -> list[str]:
    return [c for c in concerns if c not in case.concerns]


def joined(case: Any, report: ReportFacts, rules: RiskRules, child_keys: list[str]) -> dict[str, Any]:
    """Another report about the same child: the level only rises, a third report within the
    burst hours raises it once more, and a reporter account new to the case asks for review."""
    assessment = rules.assess(report.concerns, report.immediate_danger, report.narrative)
    level = higher(case.risk_level, assessment.level)
    rationale = assessment.rationale if level == assessment.level else f"{level}: kept"
    burst_window = timedelta(hours=rules.burst_hours)
    recent = [t for t in [*case.report_times, report.at] if report.at - burst_window <= t <= report.at]
    burst = len(recent) >= rules.burst_reports and not case.burst_flagged
    if burst:
        level = one_level_up(level)
        rationale = (f"{level}: {len(recent)} reports about one child within "
                     f"{rules.burst_hours} hours ({rationale})")
    # A mandated reporter's report joining a case someone else opened could be a probe for
    # whether a child is known: a supervisor looks at it.
    stranger = (report.submitter_ref is not None and report.channel not in HOTLINE_CHANNELS
                and report.submitter_ref not in case.submitter_refs)
    if stranger:
        rationale += "; joined by a report from another reporter account (review)"
    added = added_to(case, report.concerns)
    return dict(
        report_id=report.report_id, at=report.at, added_concerns=added,
        concerns=case.concerns + added, region_code=case.region_code,
        previous_risk_level=case.risk_level, risk_level=level,
        needs_review=case.needs_review or burst or stranger, burst=burst,
        rule_version=assessment.rule_version, rationale=rationale, child_keys=child_keys,
        channel=report.channel, submitter_ref=report.submitter_ref,
        sentinel_id=report.sentinel_id, youngest_age=youngest(case.youngest_age, report.youngest_age),
        report_region_code=report.region_code,
        inputs={**assessment_inputs(report.concerns, report.immediate_danger, assessment),
                "reports_in_burst_window": len(recent)},
    )


def supplemented(case: Any, supplement: SupplementFacts, rules: RiskRules) -> dict[str, Any]:
    """Concerns only added, the level only raised (reassessed with the supplement's concerns)."""
    added = added_to(case, supplement.concerns)
    concerns = case.concerns + added
    assessment = rules.assess(concerns, supplement.immediate_danger, supplement.narrative)
    level = higher(case.risk_level, assessment.level)
    rationale = (assessment.rationale if level == assessment.level
                 else f"{level}: kept (supplement assessed {assessment.level})")
    return dict(
        report_id=supplement.report_id, supplement_id=supplement.supplement_id,
        added_concerns=added, concerns=concerns, region_code=case.region_code,
        immediate_danger=supplement.immediate_danger, previous_risk_level=case.risk_level,
        risk_level=level, rule_version=assessment.rule_version, rationale=rationale,
        needs_review=(case.needs_review and not concerns) or supplement.complaint,
        inputs=assessment_inputs(supplement.concerns, supplement.immediate_danger, assessment),
        complaint=supplement.complaint,
    )


def upward(case: Any, rules: IncidentRules, reason: str, sealed_summary: str | None,
           by: str | None) -> dict[str, Any]:
    """A major incident's fields: an automatic one's fixed summary, or a mark's sealed one."""
    return {"reason": reason, "sealed_summary": sealed_summary, "by": by,
            "summary": None if sealed_summary else rules.summary_for(reason, case.risk_level, case.concerns),
            "rule_version": rules.version, "risk_level": case.risk_level, "concerns": case.concerns,
            "region_code": case.region_code, "reported_at": datetime.now(UTC)}
