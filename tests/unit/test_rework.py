"""重办: a supervisor sends a closed case back to a unit. The rules on the aggregates alone, then
the use case through the API in memory: closed → 重办 → a new referral in the desk's inbox and
its on-call notice, the plan active, the same request retried makes one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from services.common.errors import FieldError
from services.dispatch.domain import Referral, ReferralError, check_no_open_referral, referral_id_for
from services.dispatch.followup import FollowUpError, FollowUpPlan, plan_id_for
from services.dispatch.followups import VisitClock
from services.dispatch.translate import dispatch_translator
from tests.conftest import Api
from tests.helpers import on_call_everywhere
from tests.unit.test_desk import post, red_case, referral_of
from tests.unit.test_followups import close_referrals, get
from tests.unit.test_old_events import AT, store_old

POLICE = "police-441823"


def closed_plan(case_id: str = "c1") -> FollowUpPlan:
    plan = FollowUpPlan.open(case_id=case_id, lead_agency_id="civil-441823", risk_level="red",
                             opened_at=AT, clock=VisitClock.default(), referral_ids=["r0"])
    plan.close(reason="处置完毕", by="supervisor1", at=AT + timedelta(days=1))
    return plan


def referral(status: str) -> Referral:
    r = Referral(id=uuid4(), case_id="c1", agency_id=POLICE, agency_kind="police", risk_level="red",
                 concerns=["physical_abuse"], dispatched_at=AT, due_at=AT + timedelta(minutes=30),
                 matrix_version="v1", directory_version="v1")
    if status != "dispatched":
        r.acknowledge(by="police-desk", at=AT)
    if status == "closed":
        r.record_outcome(outcome="已处置", note="", by="police-desk", at=AT)
    return r


def test_a_closed_plan_is_sent_back_with_who_why_and_the_new_referral() -> None:
    plan, at = closed_plan(), AT + timedelta(days=3)
    plan.rework(agency_id=POLICE, referral_id="r1", reason=" 孩子仍被打 ", by="supervisor1", at=at,
                clock=VisitClock.default())
    assert plan.status == "active" and plan.closed_at is None and plan.next_due > at
    assert plan.reworks == [{"at": at, "by": "supervisor1", "reason": "孩子仍被打", "agency_id": POLICE,
                             "referral_id": "r1"}]
    assert plan.referral_ids == ["r0", "r1"]  # the next closure waits for it
    message = dispatch_translator(plan.collect_events()[-1])
    assert message is not None and message.type == "hotline.followup.reopened"
    assert (message.data["by"], message.data["agency_id"], message.data["referral_id"]) == (
        "supervisor1", POLICE, "r1")
    assert "孩子仍被打" not in str(message.data)  # the reason stays in the store


def test_only_a_closed_plan_with_a_reason_is_sent_back() -> None:
    plan, clock = closed_plan(), VisitClock.default()
    with pytest.raises(FieldError) as blank:
        plan.rework(agency_id=POLICE, referral_id="r1", reason=" ", by="s", at=AT, clock=clock)
    assert blank.value.field == "reason" and plan.status == "closed"
    plan.rework(agency_id=POLICE, referral_id="r1", reason="再查", by="s", at=AT, clock=clock)
    with pytest.raises(FollowUpError):
        plan.rework(agency_id=POLICE, referral_id="r2", reason="再查", by="s", at=AT, clock=clock)
    assert len(plan.reworks) == 1


def test_each_round_of_a_unit_has_its_own_referral_id_and_the_first_is_the_old_one() -> None:
    ids = {referral_id_for("c1", POLICE, n) for n in range(3)}
    assert len(ids) == 3 and referral_id_for("c1", POLICE) == referral_id_for("c1", POLICE, 0)
    assert referral_id_for("c1", POLICE, 1) == referral_id_for("c1", POLICE, 1)


def test_a_unit_with_an_open_referral_of_the_case_is_not_sent_it_again() -> None:
    check_no_open_referral([referral("closed")], "公安局")
    for status in ("dispatched", "acknowledged"):
        with pytest.raises(ReferralError, match="公安局仍有该案件未办结的转介"):
            check_no_open_referral([referral("closed"), referral(status)], "公安局")


def test_a_reopening_stored_before_rework_loads_blank(hotline: ApiContainer) -> None:
    case_id = str(uuid4())
    store_old(hotline.dispatch, plan_id_for(case_id), [
        ("services.dispatch.followup:FollowUpPlan.Opened", {
            "timestamp": AT, "originator_topic": "services.dispatch.followup:FollowUpPlan",
            "case_id": case_id, "lead_agency_id": "civil-441823", "risk_level": "red", "opened_at": AT,
            "next_due": AT + timedelta(hours=24), "region_code": "441823100", "referral_ids": []}),
        ("services.dispatch.followup:FollowUpPlan.Closed", {
            "timestamp": AT, "case_id": case_id, "reason": "x", "by": "supervisor1", "at": AT}),
        ("services.dispatch.followup:FollowUpPlan.Reopened", {
            "timestamp": AT, "case_id": case_id, "at": AT, "next_due": AT + timedelta(hours=24)}),
    ])
    plan = hotline.dispatch.followup_plan(case_id)
    assert plan is not None and plan.status == "active" and plan.reworks == []


def closed_case(api: Api, runner: EmbeddedRunner) -> dict:  # type: ignore[type-arg]
    case = red_case(api, runner)
    close_referrals(api, case)
    closed = post(api, "supervisor1", f"/v1/cases/{case['case_id']}/closure", {"reason": "处置完毕"})
    assert closed.status_code == 202
    runner.pump()
    return case


def test_a_closed_case_goes_back_to_its_unit_once_however_often_asked(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    on_call_everywhere(hotline)
    case = closed_case(api, runner)
    path, body = f"/v1/cases/{case['case_id']}/referrals", {"agency_id": POLICE, "reason": "孩子仍被打"}
    assert post(api, "supervisor1", path, {"agency_id": POLICE, "reason": ""}).status_code == 422
    assert post(api, "supervisor-qingcheng", path, body).status_code == 404  # not its region
    first = post(api, "supervisor1", path, body)
    assert first.status_code == 201 and first.json()["rework"] is True, first.text
    new_id = first.json()["referral_id"]
    assert new_id != referral_of(case, "police") and first.json()["status"] == "dispatched"
    again = post(api, "supervisor1", path, body)  # a retry: the same referral, nothing more
    assert again.status_code == 201 and again.json()["referral_id"] == new_id
    other = post(api, "supervisor1", path, {"agency_id": POLICE, "reason": "换个说法"})
    assert other.status_code == 409  # the unit has the case open again
    runner.pump()
    inbox = get(api, "police-desk", "/v1/desk/referrals").json()
    assert [r["referral_id"] for r in inbox if r["case_id"] == case["case_id"]].count(new_id) == 1
    now = get(api, "supervisor1", f"/v1/cases/{case['case_id']}").json()
    assert now["status"] != "closed" and now["followup"]["status"] == "active"
    assert [r["agency_id"] for r in now["referrals"]].count(POLICE) == 2
    fresh = hotline.dispatch.get_referral(new_id)
    sla = timedelta(seconds=hotline.dispatch.ack_sla["red"])
    assert fresh.due_at - fresh.dispatched_at == sla and fresh.routing_reason == "孩子仍被打"
    assert hotline.notify.watch(new_id) is not None  # the on-call contacts are told, as of any referral
    assert datetime.now(UTC) - fresh.dispatched_at < timedelta(minutes=1)


def test_a_unit_given_the_closed_case_by_a_reassessment_is_not_sent_it_again(
        api: Api, runner: EmbeddedRunner) -> None:
    case = closed_case(api, runner)
    case_id = case["case_id"]  # a concern added after closing refers civil affairs, the case stays closed
    r = post(api, "supervisor1", f"/v1/cases/{case_id}/reassessments",
             {"risk_level": "red", "concerns": ["neglect"], "reason": "补充监护缺失情况"})
    assert r.status_code == 202, r.text
    runner.pump()
    assert get(api, "supervisor1", f"/v1/cases/{case_id}").json()["status"] == "closed"
    refused = post(api, "supervisor1", f"/v1/cases/{case_id}/referrals",
                   {"agency_id": "civil-441823", "reason": "请民政再跟进"})
    assert refused.status_code == 409 and "仍有该案件未办结的转介" in refused.text
    runner.pump()
    assert get(api, "supervisor1", f"/v1/cases/{case_id}").json()["followup"]["status"] == "closed"
