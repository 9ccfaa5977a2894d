"""Triage's decisions on the Case alone (#27): opening, a repeat report joining, a supplement;
no application, no store: each command, its guards, and the event it records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.triage.assessment import ReportFacts, RiskRules, SupplementFacts
from services.triage.case import Case, TriageError, case_id_for

RULES = RiskRules.load()
T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def report(report_id: str, concerns: list[str], *, at: datetime = T0, danger: bool = False,
           narrative: str = "", channel: str = "hotline_12345",
           submitter: str | None = None) -> ReportFacts:
    return ReportFacts(report_id=report_id, at=at, concerns=concerns, immediate_danger=danger,
                       region_code="441823100", narrative=narrative, channel=channel,
                       submitter_ref=submitter, sentinel_id=None)


def last_event(case: Case) -> Any:
    return case.collect_events()[-1]


def test_a_report_opens_its_own_case_assessed_by_the_rules() -> None:
    case = Case.open(report("r1", ["neglect"], narrative="孩子一个人在家"), RULES, ["k1"])
    assert case.id == case_id_for("r1")
    assert (case.risk_level, case.initial_risk_level, case.needs_review) == ("yellow", "yellow", False)
    assert case.report_ids == ["r1"] and case.child_keys == ["k1"] and case.categories == []
    opened = last_event(case)
    assert isinstance(opened, Case.Opened) and opened.rule_version == RULES.version
    assert opened.inputs == {"concerns": ["neglect"], "immediate_danger": False, "narrative_phrases": []}


def test_a_report_without_concerns_opens_a_case_for_review() -> None:
    assert Case.open(report("r1", []), RULES, []).needs_review


def test_a_joining_report_only_raises_the_level_and_adds_concerns() -> None:
    case = Case.open(report("r1", ["physical_harm"]), RULES, ["k1"])
    orange = case.risk_level
    assert case.join(report("r2", ["neglect"], at=T0 + timedelta(days=5)), RULES, ["k2"])
    joined = last_event(case)
    assert isinstance(joined, Case.ReportJoined)
    assert (case.risk_level, joined.previous_risk_level) == (orange, orange)
    assert joined.rationale == f"{orange}: kept"
    assert case.concerns == ["physical_harm", "neglect"] and joined.added_concerns == ["neglect"]
    assert case.child_keys == ["k1", "k2"] and case.report_ids == ["r1", "r2"]
    assert case.join(report("r3", [], at=T0 + timedelta(days=6), danger=True), RULES, [])
    assert case.risk_level == "red" and case.initial_risk_level == orange


def test_the_third_report_within_the_burst_hours_raises_the_level_once_and_asks_for_review() -> None:
    case = Case.open(report("r1", ["neglect"]), RULES, [])
    case.join(report("r2", ["neglect"], at=T0 + timedelta(hours=1)), RULES, [])
    assert (case.risk_level, case.needs_review) == ("yellow", False)
    case.join(report("r3", ["neglect"], at=T0 + timedelta(hours=2)), RULES, [])
    burst = last_event(case)
    assert burst.burst and case.risk_level == "orange" and case.needs_review
    assert burst.rationale.startswith("orange: 3 reports about one child within 72 hours")
    assert burst.inputs["reports_in_burst_window"] == 3
    case.join(report("r4", ["neglect"], at=T0 + timedelta(hours=3)), RULES, [])
    assert case.risk_level == "orange" and not last_event(case).burst


def test_a_report_from_another_reporter_account_flags_the_case_for_review() -> None:
    case = Case.open(report("r1", ["neglect"], channel="web_form", submitter="s1"), RULES, [])
    case.join(report("r2", ["neglect"], at=T0 + timedelta(days=1), channel="web_form",
                     submitter="s1"), RULES, [])
    assert not case.needs_review
    case.join(report("r3", ["neglect"], at=T0 + timedelta(days=9), channel="web_form",
                     submitter="s2"), RULES, [])
    assert case.needs_review and case.submitter_refs == ["s1", "s2"]
    assert last_event(case).rationale.endswith("joined by a report from another reporter account (review)")
    # A hotline operator's report is no probe, whoever files it.
    other = Case.open(report("r9", ["neglect"], channel="web_form", submitter="s1"), RULES, [])
    other.join(report("r10", ["neglect"], at=T0 + timedelta(days=1), submitter="op"), RULES, [])
    assert not other.needs_review


def test_a_report_joins_once_and_only_within_the_window() -> None:
    case = Case.open(report("r1", ["neglect"]), RULES, [])
    assert not case.join(report("r1", ["neglect"]), RULES, [])
    late = report("r2", ["neglect"], at=T0 + timedelta(days=RULES.join_within_days + 1))
    with pytest.raises(TriageError) as refused:
        case.join(late, RULES, [])
    assert refused.value.field == "report_id" and case.report_ids == ["r1"]


def test_a_supplement_adds_concerns_and_only_raises_the_level() -> None:
    case = Case.open(report("r1", ["physical_harm"]), RULES, [])
    assert case.add_supplement(SupplementFacts("r1", "s1", ["neglect"], False), RULES)
    kept = last_event(case)
    assert isinstance(kept, Case.Supplemented) and kept.added_concerns == ["neglect"]
    assert case.risk_level == "orange" and case.supplement_ids == ["s1"]
    assert case.add_supplement(SupplementFacts("r1", "s2", [], True), RULES)
    assert case.risk_level == "red" and last_event(case).previous_risk_level == "orange"
    assert not case.add_supplement(SupplementFacts("r1", "s2", [], True), RULES)  # redelivered


def test_a_supplement_below_the_level_keeps_it_and_says_so() -> None:
    case = Case.open(report("r1", [], danger=True), RULES, [])
    case.add_supplement(SupplementFacts("r1", "s1", ["neglect"], False), RULES)
    assert case.risk_level == "red" and last_event(case).rationale == "red: kept (supplement assessed yellow)"
    assert not case.needs_review  # the case now has a concern


def test_a_supplement_to_another_cases_report_is_refused() -> None:
    case = Case.open(report("r1", ["neglect"]), RULES, [])
    with pytest.raises(TriageError) as refused:
        case.add_supplement(SupplementFacts("r2", "s1", ["neglect"], False), RULES)
    assert refused.value.field == "report_id" and case.supplement_ids == []
