"""Triage rules beyond the table: narrative raise, repeat reports, the 72-hour rule, reassessment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from eventsourcing.persistence import Tracking

from services.bootstrap import ApiContainer
from services.triage.assessment import RiskRules
from services.triage.case import Case, TriageError
from tests.helpers import report_message

RULES = RiskRules.load()
T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
CHILD = {"name": "王小明", "age": 9, "id_number": None}


@pytest.mark.parametrize(
    ("narrative", "level"),
    [("孩子头部流血", "red"), ("孩子昏迷不醒", "red"), ("疑似被拐走", "red"),
     ("经常被父亲殴打", "orange"), ("孩子一个人在家", "yellow")],
)
def test_narrative_phrases_raise_the_level(narrative: str, level: str) -> None:
    assessment = RULES.assess(["neglect"], False, narrative)
    assert assessment.level == level
    if level != "yellow":
        assert "narrative mentions" in assessment.rationale


def test_narrative_never_lowers_the_level() -> None:
    assert RULES.assess(["sexual_abuse"], False, "经常被父亲殴打").level == "red"
    assert RULES.assess(["domestic_violence"], False, "一切都好").level == "orange"


class Triage:
    """Feeds report messages to the triage application as the reports topic would."""

    def __init__(self, h: ApiContainer):
        assert h.triage is not None
        self.h, self.app, self.offset = h, h.triage, 0

    def report(self, *, concerns: list[str], at: datetime, child: dict | None = None,  # type: ignore[type-arg]
               narrative: str = "", region: str = "441823100", danger: bool = False) -> str:
        report_id = str(uuid4())
        m = report_message(report_id, concerns=concerns, immediate_danger=danger, region_code=region)
        m.data["received_at"] = at.isoformat()
        child = child or CHILD
        m.data["children"] = [{"gender": "male", "age": child.get("age")}]
        key = self.h.keys.key_for(report_id, create=True)
        assert key is not None
        # Names and id numbers travel sealed; triage opens them to match the child.
        m.data["pii"] = key.seal({"narrative": narrative, "children": [
            {"name": child.get("name"), "id_number": child.get("id_number")}]})
        self.offset += 1
        self.app.process_event(m, Tracking("reports:0", self.offset))
        return report_id

    def case_of(self, report_id: str) -> Case:
        case_id = self.app.case_for_report(report_id)
        assert case_id is not None
        return self.app.get_case(case_id)


def test_sealed_narrative_is_read_by_triage(hotline: ApiContainer) -> None:
    t = Triage(hotline)
    rid = t.report(concerns=["neglect"], at=T0, narrative="孩子被锁在家里挨饿")
    assert t.case_of(rid).risk_level == "orange"


def test_repeat_report_about_the_same_child_joins_the_case(hotline: ApiContainer) -> None:
    t = Triage(hotline)
    first = t.report(concerns=["neglect"], at=T0)
    # Same name + age + county (another township), ten days later, new concern.
    second = t.report(concerns=["domestic_violence"], at=T0 + timedelta(days=10), region="441823200")
    case = t.case_of(first)
    assert t.case_of(second).id == case.id
    assert case.report_ids == [first, second]
    assert case.concerns == ["neglect", "domestic_violence"]
    assert case.risk_level == "orange" and case.initial_risk_level == "yellow"


def test_same_id_number_joins_even_with_another_name(hotline: ApiContainer) -> None:
    t = Triage(hotline)
    a = t.report(concerns=["neglect"], at=T0, child={"name": "王小明", "age": 9,
                                                     "id_number": "441823201501011237"})
    b = t.report(concerns=["neglect"], at=T0 + timedelta(days=1),
                 child={"name": "王晓明", "age": 10, "id_number": "441823201501011237"})
    assert t.case_of(a).id == t.case_of(b).id


def test_after_30_days_or_for_another_child_a_new_case_opens(hotline: ApiContainer) -> None:
    t = Triage(hotline)
    first = t.report(concerns=["neglect"], at=T0)
    later = t.report(concerns=["neglect"], at=T0 + timedelta(days=31))
    other = t.report(concerns=["neglect"], at=T0 + timedelta(days=1),
                     child={"name": "李小红", "age": 7})
    elsewhere = t.report(concerns=["neglect"], at=T0 + timedelta(days=1), region="441802000")
    ids = {t.case_of(r).id for r in (first, later, other, elsewhere)}
    assert len(ids) == 4


def test_a_joining_report_never_lowers_the_level(hotline: ApiContainer) -> None:
    t = Triage(hotline)
    first = t.report(concerns=["sexual_abuse"], at=T0)
    t.report(concerns=["special_hardship"], at=T0 + timedelta(days=5))
    assert t.case_of(first).risk_level == "red"


def test_three_reports_in_72_hours_raise_one_level_and_flag(hotline: ApiContainer) -> None:
    t = Triage(hotline)
    first = t.report(concerns=["neglect"], at=T0)
    t.report(concerns=["neglect"], at=T0 + timedelta(hours=30))
    assert t.case_of(first).risk_level == "yellow" and not t.case_of(first).needs_review
    t.report(concerns=["neglect"], at=T0 + timedelta(hours=70))
    case = t.case_of(first)
    assert case.risk_level == "orange" and case.needs_review
    t.report(concerns=["neglect"], at=T0 + timedelta(hours=71))  # raised once, not again
    assert t.case_of(first).risk_level == "orange"


def test_three_reports_spread_over_more_than_72_hours_do_not_raise(hotline: ApiContainer) -> None:
    t = Triage(hotline)
    first = t.report(concerns=["neglect"], at=T0)
    t.report(concerns=["neglect"], at=T0 + timedelta(hours=40))
    t.report(concerns=["neglect"], at=T0 + timedelta(hours=80))
    assert t.case_of(first).risk_level == "yellow"


def test_reassessment_needs_a_reason_and_keeps_the_initial_level(hotline: ApiContainer) -> None:
    t = Triage(hotline)
    rid = t.report(concerns=[], at=T0)
    case = t.case_of(rid)
    assert case.needs_review
    with pytest.raises(TriageError, match="reason"):
        t.app.reassess(case.id, risk_level="red", concerns=[], reason="  ", by="sup")
    t.app.reassess(case.id, risk_level="orange", concerns=["physical_harm"], reason="核实后",
                   by="supervisor1")
    case = t.case_of(rid)
    assert case.risk_level == "orange" and case.initial_risk_level == "blue"
    assert case.concerns == ["physical_harm"] and not case.needs_review


def test_every_assessment_records_version_inputs_and_rationale(hotline: ApiContainer) -> None:
    t = Triage(hotline)
    first = t.report(concerns=["neglect"], at=T0, narrative="孩子头部流血")
    t.report(concerns=["school_bullying"], at=T0 + timedelta(hours=1))
    case_id = t.app.case_for_report(first)
    assert case_id is not None
    events = list(t.app.repository.event_store.get(case_id))
    opened, joined = events[0], events[1]
    assert opened.rule_version == joined.rule_version == "risk-rules/v5"
    assert opened.inputs == {"concerns": ["neglect"], "immediate_danger": False,
                             "narrative_phrases": ["流血"]}
    assert joined.inputs["concerns"] == ["school_bullying"]
    assert "narrative mentions 流血" in opened.rationale and joined.rationale


def test_a_review_clears_the_flag_and_keeps_the_level(hotline: ApiContainer) -> None:
    t = Triage(hotline)
    rid = t.report(concerns=[], at=T0)
    case = t.case_of(rid)
    assert case.needs_review
    with pytest.raises(TriageError, match="note"):
        t.app.review(case.id, note="   ", by="supervisor1")
    t.app.review(case.id, note="已核实，维持蓝色", by="supervisor1")
    case = t.case_of(rid)
    assert not case.needs_review and case.risk_level == "blue"
    assert [r["text"] for r in t.app.reasons(case.id)] == ["已核实，维持蓝色"]
