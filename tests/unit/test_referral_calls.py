"""A supervisor's phone call to a unit about a referral (电话督办; stop 52's review: "after phoning
a unit, I found no place to note 已电话联系"): recorded on the referral with whether anyone answered
and what was said, once however often the form is sent, for the caller's region only; the board
says the last call on the referral's line, the record lists each, the case's timeline has a line
(never what was said: that stays in dispatch's encrypted store), and the audit trail the action."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from services.common.errors import FieldError
from services.dispatch.domain import CALL_NOTE_MAX, Referral, ReferralError
from services.dispatch.translate import dispatch_translator
from tests.conftest import Api
from tests.unit.test_audit import sequence
from tests.unit.test_board_page import visible
from tests.unit.test_desk import post
from tests.unit.test_pages import login
from tests.unit.test_raised_referrals import yellow_case


def row_of(html: str, referral_id: str) -> str:
    """A referral's whole line on the board, its flags and last call included."""
    start = html.index(f'data-referral="{referral_id}"')
    return visible(html[start:html.index("</td>", start)].split('class="referral"')[0])

SAID = "民政局值班员称正在核实，20分钟内回电"


def referral() -> Referral:
    now = datetime.now(UTC)
    return Referral(uuid4(), case_id="c1", agency_id="civil-441823", agency_kind="civil_affairs",
                    risk_level="yellow", concerns=["school_dropout"], dispatched_at=now,
                    due_at=now + timedelta(days=1), matrix_version="m", directory_version="d")


def test_a_call_is_recorded_once_and_only_on_a_referral_still_open() -> None:
    r, at = referral(), datetime.now(UTC)
    assert r.record_call(call_id="a", reached=False, note="  无人接听 ", by="supervisor1", at=at)
    assert not r.record_call(call_id="a", reached=False, note="无人接听", by="supervisor1", at=at)  # again
    assert r.record_call(call_id="b", reached=True, note=SAID, by="supervisor1", at=at)
    assert [(c["reached"], c["note"]) for c in r.calls] == [(False, "无人接听"), (True, SAID)]
    with pytest.raises(FieldError) as too_long:
        r.record_call(call_id="c", reached=True, note="字" * (CALL_NOTE_MAX + 1), by="s", at=at)
    assert too_long.value.field == "note"
    phoned = [e for e in r.collect_events() if type(e).__name__ == "Phoned"]
    message = dispatch_translator(phoned[-1])
    assert message is not None and message.type == "hotline.referral.phoned"
    assert message.data["reached"] is True and SAID not in str(message.data)  # what was said stays in
    r.decline(reason="不归本单位", by="civil-desk", at=at)
    with pytest.raises(ReferralError, match="该转介已退回，不能再记录电话督办"):
        r.record_call(call_id="d", reached=True, note="", by="supervisor1", at=at)


def test_the_api_records_a_call_for_the_callers_region_and_names_a_bad_field(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    case = yellow_case(api, runner, "call-api")
    rid = case["referrals"][0]["referral_id"]
    path = f"/v1/referrals/{rid}/calls"
    first = post(api, "supervisor1", path, {"reached": False, "note": "无人接听", "call_id": "k1"})
    assert first.status_code == 201, first.text
    again = post(api, "supervisor1", path, {"reached": False, "note": "无人接听", "call_id": "k1"})
    assert again.status_code == 201 and len(again.json()["calls"]) == 1  # the same call, once
    second = post(api, "supervisor1", path, {"reached": True, "note": SAID})
    assert [(c["reached"], c["note"], c["by"]) for c in second.json()["calls"]] == [
        (False, "无人接听", "supervisor1"), (True, SAID, "supervisor1")]
    long = post(api, "supervisor1", path, {"reached": True, "note": "字" * (CALL_NOTE_MAX + 1)})
    assert long.status_code == 422 and "note" in long.text
    assert post(api, "supervisor1", path, {"note": "x"}).status_code == 422  # reached is required
    assert post(api, "supervisor-qingcheng", path, {"reached": True}).status_code == 404  # another county
    unknown = "/v1/referrals/not-a-referral/calls"
    assert post(api, "supervisor1", unknown, {"reached": True}).status_code == 404
    assert post(api, "civil-desk", path, {"reached": True}).status_code == 403
    runner.pump()
    read = api.client.get(f"/v1/cases/{case['case_id']}", headers=api.auth("supervisor1")).json()
    lines = [t for t in read["timeline"] if t["type"] == "referral_phoned"]
    assert [(t["by"], t["agency_id"], t["reached"]) for t in lines] == [
        ("supervisor1", case["referrals"][0]["agency_id"], False),
        ("supervisor1", case["referrals"][0]["agency_id"], True)]
    sequence(hotline)
    trail = api.client.get(f"/v1/audit?case_id={case['case_id']}", headers=api.auth("auditor1")).json()
    assert [e["resource_id"] for e in trail if e["action"] == "referral.call"] == [rid, rid]


def test_the_supervisor_records_a_call_on_the_page_and_the_board_says_it(
        api: Api, runner: EmbeddedRunner) -> None:
    case = yellow_case(api, runner, "call-page")
    r = case["referrals"][0]
    login(api.client, "supervisor1")
    board = api.client.get("/board").text
    record = f"/board/notifications/{r['referral_id']}"
    assert f'href="{record}#calls">督办（书面、电话）</a>' in board and "电话督办：" not in visible(board)
    page = api.client.get(record).text
    assert "还没有督办记录。" in visible(page)
    title = re.search(r"<title>([^<]*)</title>", page)  # the review: a script had run into it
    assert title is not None and title.group(1).startswith("通知记录 · 连南瑶族自治县")
    assert len(title.group(1)) < 60
    fields = dict(re.findall(r'name="(csrf|call_id)" value="([^"]+)"', page))
    action = f"/board/referrals/{r['referral_id']}/calls"
    # Neither answered nor not: the form comes back with what was typed and the field named.
    refused = api.client.post(action, data={**fields, "note": SAID})
    assert refused.status_code == 422
    assert "未能保存电话督办记录：请选择电话是否接通。" in visible(refused.text) and SAID in refused.text
    long = api.client.post(action, data={**fields, "reached": "yes", "note": "字" * (CALL_NOTE_MAX + 5)})
    assert long.status_code == 422
    assert f"通话情况最多{CALL_NOTE_MAX}字，现有{CALL_NOTE_MAX + 5}字，请删减。" in long.text
    done = api.client.post(action, data={**fields, "reached": "yes", "note": SAID}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"{record}?done=call#calls"
    twice = api.client.post(action, data={**fields, "reached": "yes", "note": SAID}, follow_redirects=False)
    assert twice.status_code == 303  # the same form sent again: one call
    shown = visible(api.client.get(f"{record}?done=call").text)
    assert "已记录电话督办。" in shown and shown.count(SAID) == 1
    assert re.search(rf"\d{{4}}-\d\d-\d\d\d\d:\d\d:\d\d督办人员（supervisor1）：电话督办，已接通。{SAID}",
                     shown), shown
    runner.pump()
    board = api.client.get("/board").text
    line = row_of(board, r["referral_id"])
    assert re.search(rf"电话督办：\d\d-\d\d\d\d:\d\dsupervisor1，已接通。{SAID}", line), line
    other = case["referrals"][1]
    assert "电话督办：" not in row_of(board, other["referral_id"])  # the unit phoned, not the case's other
    # The case's timeline says a call was made, and to which unit; the unit's desk page says so too.
    phoned = "电话督办：连南瑶族自治县民政局（未成年人保护中心），已接通（督办人员supervisor1）"
    assert phoned in visible(board)
    assert r["agency_id"] == "civil-441823"
    login(api.client, "civil-desk", "/desk")
    desk = visible(api.client.get(f"/desk/referrals/{r['referral_id']}").text)
    unit = "连南瑶族自治县民政局（未成年人保护中心）"
    assert f"电话督办（{unit}）：已接通·督办人员" in desk  # the timeline's line: no note
    # The unit phoned reads what was said, in its referral's status (the civil desk's review, stop 53).
    status = rf"督办记录\d\d-\d\d\d\d:\d\d来电督办，已接通（督办人员记录的通话情况：{SAID}）（尚未答复）"
    assert re.search(status, desk)
    owed = rf"督办人员\d\d-\d\d\d\d:\d\d来电督办，已接通（督办人员记录的通话情况：{SAID}）。请先接收"
    assert re.search(owed, desk)
    login(api.client, "edu-desk", "/desk")
    other = visible(api.client.get(f"/desk/referrals/{case['referrals'][1]['referral_id']}").text)
    assert "来电督办" not in other and SAID not in other  # not phoned: nothing of the other unit's call
    # Declined, the unit still leads the visits: its page says so (the review: the row went).
    path = f"/v1/referrals/{r['referral_id']}/decline"
    declining = post(api, "civil-desk", path, {"reason": "应由教育局处理"})
    assert declining.status_code == 200
    login(api.client, "civil-desk", "/desk")
    declined = visible(api.client.get(f"/desk/referrals/{r['referral_id']}").text)
    assert "随访帮扶本单位牵头此案的随访帮扶（入户走访）" in declined and "请立即接收" not in declined
    # and where the address is (stop 64's civil desk: "不向本单位提供" here, visits still owed)
    assert "退回后这里不再显示儿童和地址，走访要去的地址见随访帮扶卡片" in declined


def phoned(api: Api, runner: EmbeddedRunner, key: str, note: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A yellow case whose first referral a supervisor phoned about (answered, with this note),
    the call in the view: the case and that referral."""
    case = yellow_case(api, runner, key)
    r = case["referrals"][0]
    assert post(api, "supervisor1", f"/v1/referrals/{r['referral_id']}/calls",
                {"reached": True, "note": note}).status_code == 201
    runner.pump()
    return case, r


def test_a_call_made_before_the_case_was_raised_says_so_on_the_board(api: Api,
                                                                      runner: EmbeddedRunner) -> None:
    """The supervisor's review (stop 53): after a raise to 橙色 the old call's note still read as the
    latest word on a referral now due much sooner; nothing marked it as made before the raise."""
    case, r = phoned(api, runner, "call-before-raise", "明天安排家访")
    login(api.client, "supervisor1")
    assert "案件升级前的通话" not in row_of(api.client.get("/board").text, r["referral_id"])
    raised = post(api, "supervisor1", f"/v1/cases/{case['case_id']}/reassessments",
                  {"risk_level": "orange", "reason": "电话核实：孩子独自在家"})
    assert raised.status_code == 202, raised.text
    runner.pump()
    line = row_of(api.client.get("/board").text, r["referral_id"])
    assert "明天安排家访（这是案件升级前的通话）" in line
    again = post(api, "supervisor1", f"/v1/referrals/{r['referral_id']}/calls", {"reached": True})
    assert again.status_code == 201
    runner.pump()
    assert "案件升级前的通话" not in row_of(api.client.get("/board").text, r["referral_id"])  # a new one


def test_a_note_ending_in_a_full_stop_is_not_stopped_twice(api: Api, runner: EmbeddedRunner) -> None:
    """The supervisor's second review (stop 53): "…10分钟内安排人在系统接收。。请立即接收。"."""
    _, r = phoned(api, runner, "call-full-stop", "对方说马上处理。")
    login(api.client, "civil-desk", "/desk")
    desk = visible(api.client.get(f"/desk/referrals/{r['referral_id']}").text)
    assert "督办人员记录的通话情况：对方说马上处理）。请先接收" in desk and "。。" not in desk
    login(api.client, "supervisor1")
    line = row_of(api.client.get("/board").text, r["referral_id"])
    assert "已接通。对方说马上处理" in line and "。。" not in line


def test_a_call_whose_referral_then_went_past_its_time_says_so(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    """The supervisor's second review (stop 53): "After the deadline passed, the hospital line still
    showed the call '10分钟内安排人在系统接收' with no sign that the promise had lapsed"."""
    _, r = phoned(api, runner, "call-then-late", "十分钟内接收")
    login(api.client, "supervisor1")
    assert "通话后仍超时未接收" not in row_of(api.client.get("/board").text, r["referral_id"])
    due = datetime.fromisoformat(r["due_at"]) + timedelta(seconds=1)
    assert hotline.dispatch.escalate_if_due(r["referral_id"], now=due)
    runner.pump()
    assert "十分钟内接收（通话后仍超时未接收）" in row_of(api.client.get("/board").text, r["referral_id"])


def inbox_row(html: str, referral_id: str) -> str:
    start = html.index(f'id="ref-{referral_id}"')
    return visible(html[start:html.index("</tr>", start)])


def test_a_call_still_owed_an_answer_is_said_on_the_inbox_row_and_atop_the_referral(
        api: Api, runner: EmbeddedRunner) -> None:
    """The education desk's review, stop 60: "请明天中午前在系统中记录进展" sat as 督办来电 between
    two rows of the referral's status, the inbox row gave no sign, and nothing tied the answer to
    it. Until the unit records something after the call, the row and the page's top say it."""
    case = yellow_case(api, runner, "call-owed")
    ref = next(r for r in case["referrals"] if r["agency_kind"] == "education")
    rid = ref["referral_id"]
    assert post(api, "edu-desk", f"/v1/referrals/{rid}/acknowledge").status_code == 200
    asked = "请明天中午前在系统中记录进展"
    called = post(api, "supervisor1", f"/v1/referrals/{rid}/calls", {"reached": True, "note": asked})
    assert called.status_code == 201
    runner.pump()
    login(api.client, "edu-desk", "/desk")
    row = inbox_row(api.client.get("/desk").text, rid)
    assert f"来电督办，已接通（督办人员记录的通话情况：{asked}）" in row and "在“记录办理进展”中答复" in row
    page = api.client.get(f"/desk/referrals/{rid}").text
    assert 'id="call-owed"' in page and asked in visible(page.split('id="call-owed"')[1].split("</p>")[0])
    answered = post(api, "edu-desk", f"/v1/referrals/{rid}/progress", {"note": "已约谈校长，明早到校核实"})
    assert answered.status_code == 201, answered.text
    assert "来电督办" not in inbox_row(api.client.get("/desk").text, rid)
    assert 'id="call-owed"' not in api.client.get(f"/desk/referrals/{rid}").text


def test_written_urging_needs_what_is_asked_and_never_claims_an_answer() -> None:
    """Stop 62's county supervisor: the only 督办 was a phone call's record; a written one says
    what the unit must do, on its pages, until it answers."""
    r, at = referral(), datetime.now(UTC)
    with pytest.raises(FieldError) as empty:
        r.record_call(call_id="w0", reached=True, note=" ", by="supervisor1", at=at, way="written")
    assert empty.value.field == "note"
    assert r.record_call(call_id="w1", reached=True, note="请今天17时前接收", by="supervisor1", at=at,
                         way="written")
    assert (r.calls[-1]["way"], r.calls[-1]["reached"]) == ("written", False)  # nobody answered anything
    message = dispatch_translator([e for e in r.collect_events() if type(e).__name__ == "Phoned"][-1])
    assert message is not None and message.data["way"] == "written" and "17时" not in str(message.data)
    old = {"call_id": "x", "reached": True, "note": "", "by": "s", "at": at, "case_id": "c1",
           "agency_id": "a"}
    Referral.Phoned.upcast_v1_v2(old)  # a call stored before stop 62
    assert old["way"] == "phone"


def test_written_urging_by_the_api_and_a_call_still_says_whether_answered(api: Api, runner: EmbeddedRunner
                                                                          ) -> None:
    case = yellow_case(api, runner, "urged")
    rid = next(r["referral_id"] for r in case["referrals"] if r["agency_kind"] == "civil_affairs")
    path = f"/v1/referrals/{rid}/calls"
    unsaid = post(api, "supervisor1", path, {"way": "phone", "note": "x"})
    assert unsaid.status_code == 422 and "reached" in unsaid.text
    empty = post(api, "supervisor1", path, {"way": "written"})
    assert empty.status_code == 422 and "note" in empty.text
    sent = post(api, "supervisor1", path, {"way": "written", "note": "请今天17时前接收并入户核实"})
    assert sent.status_code == 201 and sent.json()["calls"][-1]["way"] == "written", sent.text
    login(api.client, "civil-desk", home="/desk")
    assert "书面督办" in inbox_row(api.client.get("/desk").text, rid)


def test_a_call_not_answered_is_not_said_to_the_unit_as_a_call_it_took(api: Api,
                                                                        runner: EmbeddedRunner) -> None:
    """Stop 62's county supervisor: "未接通" read on the unit's inbox and referral as "来电督办：拨打分局
    值班电话两次无人接听", a call that got through."""
    case = yellow_case(api, runner, "unanswered")
    rid = next(r["referral_id"] for r in case["referrals"] if r["agency_kind"] == "civil_affairs")
    said = "拨打值班电话两次无人接听"
    call = post(api, "supervisor1", f"/v1/referrals/{rid}/calls", {"reached": False, "note": said})
    assert call.status_code == 201
    login(api.client, "civil-desk", home="/desk")
    row = inbox_row(api.client.get("/desk").text, rid)
    assert f"致电本单位，未接通（督办人员记录：{said}）" in row and "已接通" not in row
    top = visible(api.client.get(f"/desk/referrals/{rid}").text)
    assert f"致电本单位，未接通（督办人员记录：{said}）" in top and "来电督办：" not in top


def test_every_press_not_answered_is_said_and_taking_on_does_not_answer_a_written_one(
        api: Api, runner: EmbeddedRunner) -> None:
    """Stop 62's county supervisor, third look: a written 督办 then a call; the unit saw only the
    call ("来电督办本转介（共2次）"), and the written demand vanished once it took the referral on."""
    case = yellow_case(api, runner, "pressed-twice")
    rid = next(r["referral_id"] for r in case["referrals"] if r["agency_kind"] == "civil_affairs")
    asked = "请于今天8时前接收，当天安排人员上门查看"
    post(api, "supervisor1", f"/v1/referrals/{rid}/calls", {"way": "written", "note": asked})
    post(api, "supervisor1", f"/v1/referrals/{rid}/calls", {"reached": True, "note": "王科长接听"})
    login(api.client, "civil-desk", home="/desk")
    top = visible(api.client.get(f"/desk/referrals/{rid}").text)
    assert "督办人员督办了2次，本单位尚未答复" in top and f"书面督办：{asked}" in top and "共2次" not in top
    assert "共2次督办尚未答复" in inbox_row(api.client.get("/desk").text, rid)
    runner.pump()
    login(api.client, "supervisor1")
    line = row_of(api.client.get("/board").text, rid)
    assert "督办共2次（书面1次、电话1次），最近一次电话督办" in line and "（2次督办尚未答复）" in line
    login(api.client, "civil-desk", home="/desk")
    assert post(api, "civil-desk", f"/v1/referrals/{rid}/acknowledge").status_code == 200
    top = visible(api.client.get(f"/desk/referrals/{rid}").text)
    assert "督办人员" in top and f"书面督办：{asked}。请在“记录办理进展”中写明答复" in top  # still owed
    answer = post(api, "civil-desk", f"/v1/referrals/{rid}/progress", {"note": "已上门，孩子在家"})
    assert answer.status_code == 201
    top = visible(api.client.get(f"/desk/referrals/{rid}").text)
    assert "尚未答复" not in top and f"书面督办：{asked}" in top  # answered, still on the record
    runner.pump()
    login(api.client, "supervisor1")
    assert "（已答复，见办理进展）" in row_of(api.client.get("/board").text, rid)
