"""Triage and dispatch policies in memory: effects, versions recorded, redelivery harmless."""

from uuid import UUID, uuid4

from eventsourcing.persistence import IntegrityError, Tracking

from services.bootstrap import ApiContainer
from services.common.messages import CASE_MAJOR_INCIDENT, CASE_OPENED, FOLLOWUP_OPENED, REFERRAL_DISPATCHED
from services.dispatch.domain import Referral, RoutingGap
from services.dispatch.followup import FollowUpPlan
from services.triage.case import case_id_for
from services.triage.translate import triage_translator
from tests.helpers import report_message


def triage(h: ApiContainer, message, position: int) -> None:  # type: ignore[no-untyped-def]
    assert h.triage is not None
    h.triage.process_event(message, Tracking("hotline.reports.v1:0", position))


def case_messages(h: ApiContainer) -> list:  # type: ignore[type-arg]
    assert h.triage is not None
    events = [h.triage.mapper.to_domain_event(n)
              for n in h.triage.recorder.select_notifications(start=1, limit=100)]
    # A major incident (§12) travels on the same topic; these tests follow the case's own messages.
    return [m for m in map(triage_translator, events) if m is not None and m.type != CASE_MAJOR_INCIDENT]


def test_triage_opens_a_red_case_with_rule_version(hotline: ApiContainer) -> None:
    report_id = str(uuid4())
    triage(hotline, report_message(report_id, concerns=["domestic_violence", "serious_injury"]), 1)
    assert hotline.triage is not None
    case = hotline.triage.get_case(case_id_for(report_id))
    assert case.risk_level == "red" and case.initial_risk_level == "red"
    assert case.rule_version == "risk-rules/v5"
    assert case.report_ids == [report_id]
    assert not case.needs_review


def test_same_report_twice_opens_one_case(hotline: ApiContainer) -> None:
    report_id = str(uuid4())
    message = report_message(report_id, concerns=["neglect"])
    triage(hotline, message, 1)
    triage(hotline, message, 2)  # relay republished it at a later offset
    assert [m.type for m in case_messages(hotline)] == [CASE_OPENED]


def test_redelivered_offset_is_rejected_by_tracking(hotline: ApiContainer) -> None:
    report_id = str(uuid4())
    message = report_message(report_id, concerns=["neglect"])
    triage(hotline, message, 1)
    try:
        triage(hotline, message, 1)
    except IntegrityError:
        pass
    else:
        raise AssertionError("the same tracking position was recorded twice")
    assert len(case_messages(hotline)) == 1


def test_no_concern_flags_review(hotline: ApiContainer) -> None:
    report_id = str(uuid4())
    triage(hotline, report_message(report_id, concerns=[]), 1)
    assert hotline.triage is not None
    case = hotline.triage.get_case(case_id_for(report_id))
    assert case.needs_review and case.risk_level == "blue"


def dispatch_case(h: ApiContainer, report_id: str, **kwargs) -> list[Referral | RoutingGap]:  # type: ignore[no-untyped-def]
    triage(h, report_message(report_id, **kwargs), 1)
    (opened,) = case_messages(h)
    assert h.dispatch is not None
    h.dispatch.process_event(opened.roundtrip(), Tracking("hotline.cases.v1:0", 1))
    h.dispatch.process_event(opened.roundtrip(), Tracking("hotline.cases.v1:0", 2))  # duplicate
    found = [h.dispatch.repository.get(n.originator_id)
             for n in h.dispatch.recorder.select_notifications(start=1, limit=100)]
    return [a for a in found if not isinstance(a, FollowUpPlan)]  # the plan: its own tests


def test_every_case_gets_one_follow_up_plan_led_by_civil_affairs(hotline: ApiContainer) -> None:
    """Led by the region's civil-affairs unit whether or not it got a referral (contract §6)."""
    referrals = dispatch_case(hotline, str(uuid4()), concerns=["domestic_violence"])
    case_id = referrals[0].case_id
    plan = hotline.dispatch.followup_plan(case_id)
    assert plan is not None and plan.lead_agency_id == "civil-441823"
    assert "civil-441823" not in [r.agency_id for r in referrals]  # led without a referral
    assert plan.version == 1  # delivered twice, opened once
    assert plan.risk_level == "orange"
    assert (plan.next_due - plan.opened_at).total_seconds() == 72 * 3600  # orange: within 3 days


def test_dispatch_refers_police_and_hospital_in_parallel_once(hotline: ApiContainer) -> None:
    referrals = dispatch_case(hotline, str(uuid4()), concerns=["domestic_violence",
                                                                 "serious_injury"])
    assert sorted(r.agency_id for r in referrals) == ["hospital-441823", "police-441823"]
    for r in referrals:
        assert isinstance(r, Referral)
        assert r.matrix_version == "referral-matrix/v2"
        assert r.directory_version == "directory/demo-v6"
        assert (r.due_at - r.dispatched_at).total_seconds() == 900  # red SLA default


def test_dispatch_uses_the_township_unit(hotline: ApiContainer) -> None:
    referrals = dispatch_case(hotline, str(uuid4()), concerns=["school_dropout"],
                              region_code="441823100201")
    assert sorted(r.agency_id for r in referrals) == ["civil-441823100", "edu-441823"]
    assert all((r.due_at - r.dispatched_at).total_seconds() == 86400 for r in referrals)


def test_region_without_unit_records_a_routing_gap(hotline: ApiContainer) -> None:
    (gap,) = dispatch_case(hotline, str(uuid4()), concerns=["neglect"], region_code="110101")
    assert isinstance(gap, RoutingGap) and gap.agency_kind == "civil_affairs"


def test_referral_message_carries_versions(hotline: ApiContainer) -> None:
    from services.dispatch.translate import dispatch_translator

    dispatch_case(hotline, str(uuid4()), concerns=["sexual_abuse"])
    assert hotline.dispatch is not None
    first, plan_opened = hotline.dispatch.recorder.select_notifications(start=1, limit=10)
    message = dispatch_translator(hotline.dispatch.mapper.to_domain_event(first))
    opened = dispatch_translator(hotline.dispatch.mapper.to_domain_event(plan_opened))
    assert opened is not None and message is not None and opened.type == FOLLOWUP_OPENED
    assert opened.key == message.key
    assert opened.data["lead_agency_id"] == "civil-441823" and opened.data["risk_level"] == "red"
    assert message is not None and message.type == REFERRAL_DISPATCHED
    assert message.data["agency_id"] == "police-441823"
    assert message.data["matrix_version"] == "referral-matrix/v2"
    assert UUID(message.key)  # keyed by the case id


def test_a_level_change_replans_the_follow_up_once(hotline: ApiContainer) -> None:
    from dataclasses import replace

    from services.common.messages import CASE_UPDATED

    referrals = dispatch_case(hotline, str(uuid4()), concerns=["domestic_violence"])
    plan = hotline.dispatch.followup_plan(referrals[0].case_id)
    assert plan is not None and plan.risk_level == "orange"
    (opened,) = case_messages(hotline)
    raised = replace(opened, type=CASE_UPDATED, id=f"{opened.id}-raised",
                     data={**opened.data, "risk_level": "red", "previous_risk_level": "orange"})
    for offset in (3, 4):  # the update delivered twice: one re-plan
        hotline.dispatch.process_event(raised.roundtrip(), Tracking("hotline.cases.v1:0", offset))
    replanned = hotline.dispatch.followup_plan(referrals[0].case_id)
    assert replanned is not None and replanned.risk_level == "red" and replanned.version == 2
    assert replanned.next_due < plan.next_due  # red: the first visit within a day of the change
