"""A case raised before its units took it on (the city supervisor's second review, stop 50: a
yellow referral raised to orange still read "应于 … 前接收" a day away): each referral not yet
taken on is raised with it and due within the new level's time from the raise, never later than
it was; the unit's on-duty contact is told, the reminder and the escalation follow the new clock;
a referral already taken on, a lower level, or the same message again change nothing."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from services.common.vocabulary import BEIJING
from services.dispatch.domain import Referral
from services.notify.application import SupervisorHook
from services.notify.notifier import Notifier
from tests.conftest import Api
from tests.helpers import report_body
from tests.receiver import Receiver
from tests.unit.test_board_page import csrf, visible
from tests.unit.test_board_review import case_row
from tests.unit.test_notifications import Clock, set_rosters
from tests.unit.test_pages import login

RED_SLA, YELLOW_SLA = timedelta(seconds=900), timedelta(seconds=86400)


@pytest.fixture
def receiver() -> Any:
    r = Receiver()
    yield r
    r.close()


def referral(level: str = "yellow", due_in: timedelta = YELLOW_SLA) -> Referral:
    now = datetime.now(UTC)
    return Referral(id=uuid4(), case_id="c", agency_id="civil-441823", agency_kind="civil_affairs",
                    risk_level=level, concerns=["school_dropout"], dispatched_at=now, due_at=now + due_in,
                    matrix_version="m", directory_version="d")


def test_a_raise_re_times_the_referral_but_never_puts_its_due_time_back() -> None:
    r = referral()
    at = r.dispatched_at + timedelta(hours=1)
    assert r.raise_level(risk_level="red", ack_within=RED_SLA, at=at)
    assert (r.risk_level, r.due_at) == ("red", at + RED_SLA)
    assert not r.raise_level(risk_level="red", ack_within=RED_SLA, at=at)  # the same level again
    assert not r.raise_level(risk_level="orange", ack_within=timedelta(hours=2), at=at)  # lower
    soon = referral(due_in=timedelta(minutes=5))  # due sooner than the new level's time: kept
    assert soon.raise_level(risk_level="red", ack_within=RED_SLA, at=soon.dispatched_at)
    assert soon.due_at == soon.dispatched_at + timedelta(minutes=5)
    taken = referral()
    taken.acknowledge(by="civil-desk", at=taken.dispatched_at)
    assert not taken.raise_level(risk_level="red", ack_within=RED_SLA, at=taken.dispatched_at)


def yellow_case(api: Api, runner: EmbeddedRunner, key: str) -> dict[str, Any]:
    """A yellow case referred to civil affairs and education (失学)."""
    body = report_body(concerns=["school_dropout"], immediate_danger=False, narrative="孩子没去上学")
    report = api.submit(body, key=key).json()
    runner.pump()
    case_id = api.client.get(f"/v1/reports/{report['report_id']}",
                             headers=api.auth("operator1")).json()["case_id"]
    case = api.client.get(f"/v1/cases/{case_id}", headers=api.auth("supervisor1")).json()
    assert case["risk_level"] == "yellow" and len(case["referrals"]) == 2
    return dict(case)


def referrals_of(api: Api, case_id: str) -> dict[str, dict[str, Any]]:
    case = api.client.get(f"/v1/cases/{case_id}", headers=api.auth("supervisor1")).json()
    return {r["agency_kind"]: r for r in case["referrals"]}


def reassess(api: Api, case_id: str, level: str) -> None:
    r = api.client.post(f"/v1/cases/{case_id}/reassessments", headers=api.auth("supervisor1"),
                        json={"risk_level": level, "reason": "核实后情况更紧急"})
    assert r.status_code == 202, r.text


def test_raising_a_case_raises_and_re_times_its_waiting_referrals_and_tells_the_unit(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer, receiver: Receiver) -> None:
    set_rosters(api, receiver, ("值班员", "副主任"))
    hotline.notify.supervisors = SupervisorHook(receiver.hook("supervisors"), "supervisors-secret-0001")
    case = yellow_case(api, runner, "raise-waiting")
    before = referrals_of(api, case["case_id"])
    education = before["education"]["referral_id"]
    assert api.client.post(f"/v1/referrals/{education}/acknowledge",
                           headers=api.auth("edu-desk")).status_code == 200
    runner.pump()
    raised_at = datetime.now(UTC)
    reassess(api, case["case_id"], "red")
    runner.pump()
    after = referrals_of(api, case["case_id"])
    civil = after["civil_affairs"]
    due = datetime.fromisoformat(civil["due_at"])
    assert raised_at + RED_SLA <= due <= datetime.now(UTC) + RED_SLA  # 15 minutes from the raise
    assert due < datetime.fromisoformat(before["civil_affairs"]["due_at"])
    assert after["education"]["due_at"] == before["education"]["due_at"]  # taken on: as it was
    desk = api.client.get("/v1/desk/referrals", headers=api.auth("civil-desk")).json()
    assert [(r["risk_level"], r["due_at"]) for r in desk if r["case_id"] == case["case_id"]] == [
        ("red", civil["due_at"])]  # the unit's inbox lists it as red, due at the new time
    edu = api.client.get(f"/v1/referrals/{education}", headers=api.auth("edu-desk")).json()
    assert edu["risk_level"] == "yellow"
    # The unit's first on-duty contact is told of the new level and due time, once.
    clock = Clock()
    notifier = Notifier(hotline.notify, clock=clock)
    notifier.tick()
    unit = civil["agency_id"]
    told = sorted((p["event"], p["risk_level"], p["due_at"]) for p in receiver.taken(f"{unit}/0"))
    assert told == [("referral.dispatched", "yellow", before["civil_affairs"]["due_at"]),
                    ("referral.raised", "red", civil["due_at"])]
    assert receiver.taken(f"{unit}/1") == []
    # Half the new time on, the next contact is reminded (a yellow referral never was).
    clock.now = raised_at + RED_SLA / 2 + timedelta(seconds=5)
    notifier.tick()
    assert [p["event"] for p in receiver.taken(f"{unit}/1")] == ["referral.reminder"]
    # At the new due time it is escalated: to everyone and the supervisors.
    assert not hotline.dispatch.escalate_if_due(civil["referral_id"], now=due - timedelta(seconds=1))
    assert hotline.dispatch.escalate_if_due(civil["referral_id"], now=due + timedelta(seconds=1))
    runner.pump()
    notifier.tick()
    assert [p["event"] for p in receiver.taken("supervisors")] == ["referral.escalated"]
    # The same message again (a redelivery) raises nothing twice; a lower level, then red again,
    # changes nothing either (the referral is red already).
    reassess(api, case["case_id"], "orange")
    reassess(api, case["case_id"], "red")
    runner.pump()
    notifier.tick()
    assert [p["event"] for p in receiver.taken(f"{unit}/0")].count("referral.raised") == 1
    store = hotline.dispatch.get_referral(civil["referral_id"])
    assert [type(e).__name__ for e in hotline.dispatch.repository.event_store.get(store.id)].count(
        "Raised") == 1


def test_a_raise_past_the_old_due_time_escalates_at_once_to_everyone(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer, receiver: Receiver) -> None:
    """A yellow referral already overdue (escalated, but nobody was told: yellow is not urgent)
    raised to red: it is overdue and urgent now, so every contact and the supervisors are told."""
    set_rosters(api, receiver, ("值班员", "副主任"))
    hotline.notify.supervisors = SupervisorHook(receiver.hook("supervisors"), "supervisors-secret-0001")
    hotline.dispatch.ack_sla = {**hotline.dispatch.ack_sla, "yellow": 1}  # overdue in a second
    case = yellow_case(api, runner, "raise-overdue")
    civil = referrals_of(api, case["case_id"])["civil_affairs"]
    late = datetime.fromisoformat(civil["due_at"]) + timedelta(milliseconds=50)
    time.sleep(max((late - datetime.now(UTC)).total_seconds(), 0))
    assert hotline.dispatch.escalate_if_due(civil["referral_id"], now=late)
    runner.pump()
    notifier = Notifier(hotline.notify)
    notifier.tick()
    assert receiver.taken("supervisors") == []
    reassess(api, case["case_id"], "red")
    runner.pump()
    notifier.tick()
    unit = civil["agency_id"]
    assert sorted(p["event"] for p in receiver.taken(f"{unit}/0")) == [
        "referral.dispatched", "referral.escalated", "referral.raised"]  # the last two at once
    assert [p["event"] for p in receiver.taken(f"{unit}/1")] == ["referral.escalated"]
    assert [(p["event"], p["risk_level"]) for p in receiver.taken("supervisors")
            if p["referral_id"] == civil["referral_id"]] == [("referral.escalated", "red")]
    assert referrals_of(api, case["case_id"])["civil_affairs"]["status"] == "escalated"


def test_the_board_says_the_waiting_units_are_re_timed_and_the_timeline_shows_it(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer, receiver: Receiver) -> None:
    """The form says beforehand what a raise does; the notice names the units nobody on duty can
    be told of (stop 51: "再次通知" with no roster), and the row does not show the old due times
    while the pipeline re-times them; the timeline names the unit an escalation is about."""
    r = api.client.put("/v1/agencies/civil-441823/oncall", headers=api.auth("admin1"), json={
        "contacts": [{"name": "值班员", "webhook_url": receiver.hook("civil")}], "secret": "s" * 32})
    assert r.status_code == 200, r.text
    case = yellow_case(api, runner, "raise-on-board")
    login(api.client, "supervisor1", home="/board")
    board = api.client.get("/board").text
    assert ("调高等级：尚未接收的转介随之升级，接收时限按新等级从保存时起重新计算"
            "（红色15分钟、橙色2小时、黄色24小时、蓝色3天；原定更早的不变）") in visible(board)
    r = api.client.post(f"/board/cases/{case['case_id']}/reassess", data={
        "csrf": csrf(board), "risk_level": "red", "reason": "核实", "categories_shown": "1"})
    notice = re.search(r'id="notice">(.*?)</div>', r.text, re.S)
    assert notice is not None, r.text
    said = visible(notice.group(1))
    assert said.startswith(f"已将案件{case['case_id'][:8]}调整为红色。已派出、尚未接收的转介随之升级："), said
    assert ("接收时限按新等级从现在起重新计算（原定更早的不变）；"
            "连南瑶族自治县教育局此刻无人值守、无法自动通知，请直接电话联系。") in said
    assert "类别" not in said  # none chosen: not said as if cleared
    before = visible(case_row(r.text, case["case_id"]))  # the view has not re-timed them yet
    assert before.count("接收时限按新等级重新计算中，几秒后自动更新") == 2 and "应于" not in before
    runner.pump()
    civil = referrals_of(api, case["case_id"])["civil_affairs"]
    row = visible(case_row(api.client.get("/board").text, case["case_id"]))
    shown = re.search(r"案件升级，接收时限重算：\S+?的转介黄色→红色，应于(\d\d-\d\d\d\d:\d\d)前接收", row)
    assert shown is not None, row
    due = datetime.fromisoformat(civil["due_at"]).astimezone(BEIJING).strftime("%m-%d%H:%M")
    assert shown.group(1) == due
    assert f"待接收单位值班电话：0763-6622301（应于{due}前接收）" in row  # the waiting referral's own line
    late = datetime.fromisoformat(civil["due_at"]) + timedelta(seconds=1)
    assert hotline.dispatch.escalate_if_due(civil["referral_id"], now=late)
    runner.pump()
    row = visible(case_row(api.client.get("/board").text, case["case_id"]))
    assert "超时未接收，转入督办：连南瑶族自治县民政局（未成年人保护中心）（时限监控）" in row


def test_a_report_that_joins_and_raises_says_what_it_added_on_the_units_page(
        api: Api, runner: EmbeddedRunner) -> None:
    """The child director's review (stop 51): a second report about the same child said 家庭暴力,
    the referral went 黄色→橙色, and its page still read only "情况：失学、辍学"; the withheld
    line asked the unit to call itself (it leads the follow-up). The second round (the county
    civil desk): the inbox row still said only 失学, the line was repeated under each report, and
    the police holding the case too were named with no status and no contact."""
    case = yellow_case(api, runner, "joined-first")
    api.submit(report_body(concerns=["domestic_violence"], immediate_danger=False, narrative="孩子在家挨打"),
               key="joined-second")
    runner.pump()
    civil = referrals_of(api, case["case_id"])["civil_affairs"]
    assert civil["risk_level"] == "orange"
    login(api.client, "civil-desk", home="/desk")
    page = api.client.get(f"/desk/referrals/{civil['referral_id']}").text
    text = visible(page)
    assert "情况失学、辍学（之后的报告另有：家庭暴力）" in text
    assert re.search(r"报告1之后又有1份报告：报告2（\d\d-\d\d\d\d:\d\d，家庭暴力）", text), text
    assert "报告的问题：家庭暴力" in text and "报告的问题：失学、辍学" in text
    assert "案件升级，接收时限重算" in text and "黄色→橙色" in text
    withheld = re.search(r'class="hint withheld-why">(.*?)</p>', page, re.S)
    assert withheld is not None
    # It leads the follow-up, and it is the county's supervising office: its own colleagues, who
    # see the reporter's contact (stop 64's civil desk: "请联系督办人员", no one named).
    own = "请联系本单位负责督办的同事（督办人员看得到报告人的联系方式，可代为核实）。"
    assert own in visible(withheld.group(1))
    assert "民政局" not in visible(withheld.group(1))
    assert page.count('class="hint withheld-why"') == 1  # once, not under each report (round 2)
    # The case's other units and where they stand (round 2: the police, on the timeline only).
    others = re.search(r'id="other-units">(.*?)</dd>', page, re.S)
    assert others is not None
    assert visible(others.group(1)) == ("连南瑶族自治县教育局：待接收（单位值班电话：0763-6622301）"
                                        "连南瑶族自治县公安局：待接收（单位值班电话：0763-6622110）")
    assert 'id="ack-top"' in page  # 接收 on the first screen of a phone
    # The inbox row says what the later report added (round 2: it still said only 失学).
    row = re.search(rf'id="ref-{civil["referral_id"]}".*?</tr>', api.client.get("/desk/inbox").text, re.S)
    assert row is not None and "之后的报告另有：家庭暴力" in visible(row.group(0))
    # How the others ended, in their own words (the education desk's second review, stop 60: the
    # police's "移交教育部门作纪律处理" read as 已办结 only).
    units = referrals_of(api, case["case_id"])
    police, edu = units["police"]["referral_id"], units["education"]["referral_id"]
    closing = {"outcome": "已予治安警告，移交教育部门处理", "note": ""}
    for step, body in (("acknowledge", None), ("outcome", closing)):
        done = api.client.post(f"/v1/referrals/{police}/{step}", headers=api.auth("police-desk"), json=body)
        assert done.status_code == 200, done.text
    returned = api.client.post(f"/v1/referrals/{edu}/decline", headers=api.auth("edu-desk"),
                               json={"reason": "不在本县学校就读，应由民政核实"})
    assert returned.status_code == 200, returned.text
    runner.pump()
    others = visible(re.search(r'id="other-units">(.*?)</dd>', api.client.get(  # type: ignore[union-attr]
        f"/desk/referrals/{civil['referral_id']}").text, re.S).group(1))
    assert "连南瑶族自治县公安局：已办结（处置结果：已予治安警告，移交教育部门处理）" in others, others
    assert "连南瑶族自治县教育局：已退回（退回原因：不在本县学校就读，应由民政核实）" in others


def test_the_raise_notice_and_the_unreached_flag_follow_the_units_as_they_are_now(
        api: Api, runner: EmbeddedRunner, receiver: Receiver) -> None:
    """The second round (stop 51): when the view had raised the referrals before the board
    answered, the notice said every unit was told; a unit whose roster was set after the dispatch
    stayed 红色转介无人值守 after the raise."""
    case = yellow_case(api, runner, "raise-after-roster")
    r = api.client.put("/v1/agencies/civil-441823/oncall", headers=api.auth("admin1"), json={
        "contacts": [{"name": "值班员", "webhook_url": receiver.hook("civil")}], "secret": "s" * 32})
    assert r.status_code == 200, r.text
    login(api.client, "supervisor1", home="/board")
    sent = api.client.post(f"/board/cases/{case['case_id']}/reassess", follow_redirects=False, data={
        "csrf": csrf(api.client.get("/board").text), "risk_level": "red", "reason": "核实",
        "categories_shown": "1"})
    assert sent.status_code == 303
    runner.pump()  # the view raised them before the board answers
    answer = api.client.get(sent.headers["location"]).text
    notice = re.search(r'id="notice">(.*?)</div>', answer, re.S)
    assert notice is not None
    assert "；连南瑶族自治县教育局此刻无人值守、无法自动通知，请直接电话联系。" in visible(notice.group(1))
    row = visible(case_row(answer, case["case_id"]))
    assert "红色转介无人值守，未能通知：连南瑶族自治县教育局" in row, row  # civil affairs has one now
    assert "未能通知：连南瑶族自治县民政局" not in row
