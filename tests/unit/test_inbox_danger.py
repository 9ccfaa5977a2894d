"""A waiting red referral says whether its child is in danger now and untransferred to 110 / 120,
and heads the inbox when so (stop 62's police desk)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.helpers import report_body
from tests.unit.test_board_page import visible
from tests.unit.test_desk import post, red_case, referral_of
from tests.unit.test_pages import login


def test_a_child_in_danger_now_untransferred_heads_the_police_inbox(api: Api,
                                                                   runner: EmbeddedRunner) -> None:
    """Stop 62's police desk: a beating in progress with no 110 transfer read "红色 · 待接收" like
    a missing child's and came second, by seconds left; it went overdue."""
    abuse = report_body(concerns=["sexual_abuse"], immediate_danger=False, narrative="孩子疑似被猥亵",
                        children=[{"name": "李小红", "gender": "female", "age": 8}])
    first = api.submit(abuse, key="abuse").json()
    beating = report_body(concerns=["physical_harm"], immediate_danger=True,
                          narrative="孩子正在被继父用棍子打",
                          children=[{"name": "赵小刚", "gender": "male", "age": 10}])
    second = api.submit(beating, key="beating").json()
    runner.pump()
    login(api.client, "police-desk", home="/desk")
    rows = re.findall(r'<tr class="red" id="ref-[^"]+" data-status="dispatched">(.*?)</tr>',
                      api.client.get("/desk/inbox").text, re.S)
    assert len(rows) == 2
    assert "儿童正处于危险中，未转接 110 / 120" in rows[0]  # first, though filed later
    assert "danger-now" not in rows[1]
    moved = api.client.post(f"/v1/reports/{second['report_id']}/transfers", json={"to": "110"},
                            headers=api.auth("operator1"))
    assert moved.status_code == 202 and first["report_id"] != second["report_id"]
    text = visible(api.client.get("/desk/inbox").text)
    assert "报告时有紧急危险，已转接110" in text and "已转接110/120" not in text  # 110 alone: said so
    assert "未转接110/120" not in text


def test_a_declined_referral_says_what_happens_next_and_whom_to_call(api: Api, runner: EmbeddedRunner,
                                                                     hotline: ApiContainer) -> None:
    """Stop 62's police desk: after 确认退回 the page said only "已退回", told her to contact the
    supervisors, and no page gave their number."""
    case = red_case(api, runner)
    police = referral_of(case, "police")
    login(api.client, "police-desk", home="/desk")
    page = api.client.get(f"/desk/referrals/{police}")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    done = api.client.post(f"/desk/referrals/{police}/decline",
                           data={"csrf": token, "reason": "不属本所辖区", "confirmed": "yes"})
    assert done.status_code in (200, 303), done.text
    text = visible(api.client.get(f"/desk/referrals/{police}").text)
    assert "退回之后案件回到督办人员处，由督办人员改派给应处理的单位" in text
    civil = hotline.directory.get("civil-441823")
    assert civil is not None and civil.phone
    assert (f"请拨打110，或电话联系督办（负责督办的县民政部门：{civil.name}，"
            f"单位值班电话：{civil.phone}）") in text


def test_a_taken_on_row_shows_the_last_progress_for_the_next_shift(api: Api, runner: EmbeddedRunner) -> None:
    """Stop 62's police desk at handover: taken-on rows said only "已接收 处置后请办结"; what the
    first shift promised was inside each referral."""
    case = red_case(api, runner)
    police = referral_of(case, "police")
    assert post(api, "police-desk", f"/v1/referrals/{police}/acknowledge").status_code == 200
    runner.pump()
    login(api.client, "police-desk", home="/desk")
    inbox = visible(api.client.get("/desk/inbox").text)
    assert "尚未记录办理进展" in inbox and "待接收0条·已接收、在办1条" in inbox  # counted, for the handover
    for note in ("已出警到现场，儿童已送医", "承诺：明早9点前到医院了解伤情"):
        assert post(api, "police-desk", f"/v1/referrals/{police}/progress", {"note": note}).status_code == 201
    runner.pump()
    text = visible(api.client.get("/desk/inbox").text)
    assert "（共2条）：承诺：明早9点前到医院了解伤情" in text and "尚未记录办理进展" not in text


def test_the_lead_units_rows_say_its_visits(api: Api, runner: EmbeddedRunner) -> None:
    """Stop 62's child director: after three visits the row still said 尚未记录办理进展, as if nothing
    had been done on the case."""
    body = report_body(concerns=["neglect"], immediate_danger=False, narrative="孩子常一个人在家")
    report = api.submit(body, key="neglect").json()
    runner.pump()
    case_id = api.client.get(f"/v1/reports/{report['report_id']}",
                             headers=api.auth("operator1")).json()["case_id"]
    login(api.client, "civil-desk", home="/desk")
    assert "尚未入户走访" in visible(api.client.get("/desk/inbox").text)
    visit = {"visited_at": datetime.now(UTC).isoformat(), "visitor": "王主任", "child_seen": True,
             "findings": "孩子在家", "measures": ["psychological_support"]}
    assert post(api, "civil-desk", f"/v1/cases/{case_id}/visits", visit).status_code == 201
    runner.pump()
    assert "已入户走访1次，最近" in visible(api.client.get("/desk/inbox").text)
    red_case(api, runner)
    login(api.client, "police-desk", home="/desk")
    assert "入户走访" not in visible(api.client.get("/desk/inbox").text)  # not the police's to visit


def test_the_hospital_is_asked_to_treat_and_sees_the_police_gone_past_their_time(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    """Stop 63's hospital desk: its row said 请立即接收、出警 (a hospital does not 出警), and the
    police past their time on the same case read as plain text among the case's other units."""
    case = red_case(api, runner, "hospital-late")
    login(api.client, "hospital-desk", home="/desk")
    inbox = visible(api.client.get("/desk/inbox").text)
    assert "未转接110/120：请立即接收、救治" in inbox and "请立即接收、出警" not in inbox
    police = next(r for r in case["referrals"] if r["agency_kind"] == "police")
    due = datetime.fromisoformat(police["due_at"]) + timedelta(seconds=1)
    assert hotline.dispatch.escalate_if_due(police["referral_id"], now=due)
    runner.pump()
    page = api.client.get(f"/desk/referrals/{referral_of(case, 'hospital')}").text
    assert '<strong class="flag other-late">已超时未接收</strong>' in page
    assert "本案连南瑶族自治县公安局已超时未接收，尚无公安机关在办" in visible(page)  # the 110 line
    # And on the inbox's row, whose live look changes with it (a refresh, not a reload).
    assert "本案连南瑶族自治县公安局已超时未接收" in visible(api.client.get("/desk/inbox").text)
    marks = {m[0]: m[7] for m in hotline.view.inbox_marks("hospital-441823")}
    assert marks[referral_of(case, "hospital")] == 1


def test_the_next_shift_reads_which_of_its_own_accounts_took_the_child_on(api: Api,
                                                                          runner: EmbeddedRunner) -> None:
    """Stop 63's hospital desk: 接收转介（…人民医院） named the unit only, and the next shift could not
    tell whom to ask; another unit's officer stays its unit's name."""
    case = red_case(api, runner, "who-took")
    hospital, police = referral_of(case, "hospital"), referral_of(case, "police")
    assert post(api, "police-desk", f"/v1/referrals/{police}/acknowledge").status_code == 200
    assert post(api, "hospital-desk", f"/v1/referrals/{hospital}/acknowledge").status_code == 200
    note = {"note": "已收治，正在检查"}
    assert post(api, "hospital-desk", f"/v1/referrals/{hospital}/progress", note).status_code == 201
    runner.pump()
    login(api.client, "hospital-desk", home="/desk")
    text = visible(api.client.get(f"/desk/referrals/{hospital}").text)
    assert "接收转介（连南瑶族自治县人民医院）·本单位hospital-desk" in text
    assert "·连南瑶族自治县人民医院（hospital-desk）已收治，正在检查" in text
    assert "接收转介（连南瑶族自治县公安局）" in text and "police-desk" not in text


def test_a_ring_back_saying_danger_again_flags_the_row_taken_on_and_heads_the_list(
        api: Api, runner: EmbeddedRunner) -> None:
    """Stop 63's hospital desk: after 接收, a caller's ring-back that the father had taken the injured
    child away read "来电人回拨补充1次", like any 补充, below the other red rows."""
    first = red_case(api, runner, "again-1")
    second = red_case(api, runner, "again-2")  # the same child: one case; another child below
    other = api.submit(report_body(children=[{"name": "钱小兰", "gender": "female", "age": 5}],
                                   immediate_danger=False), key="again-3").json()  # red: injured
    runner.pump()
    hospital = referral_of(first, "hospital")
    assert first["case_id"] == second["case_id"] and other["report_id"]
    assert post(api, "hospital-desk", f"/v1/referrals/{hospital}/acknowledge").status_code == 200
    plain = {"narrative": "孩子今天精神好一些", "immediate_danger": False}
    report = first["report"]["report_id"]
    assert post(api, "operator1", f"/v1/reports/{report}/supplements", plain).status_code == 202
    runner.pump()
    login(api.client, "hospital-desk", home="/desk")
    assert "danger-again" not in api.client.get("/desk/inbox").text  # a 补充 without danger: as before
    danger = {"narrative": "孩子父亲把孩子从医院带走了，说不治了", "immediate_danger": True}
    assert post(api, "operator1", f"/v1/reports/{report}/supplements", danger).status_code == 202
    runner.pump()
    inbox = api.client.get("/desk/inbox").text
    rows = re.findall(r'<tr class="\w+" id="ref-([^"]+)"', inbox)
    assert rows[0] == hospital and len(rows) >= 2  # above the other child's waiting red referral
    assert "回拨：儿童又处于紧急危险中（接收之后）" in visible(inbox)
    # Each row says whom it is about (the second hospital review: four red rows told apart only
    # by opening each).
    assert "儿童：男，9岁·连南瑶族自治县" in visible(inbox) and "儿童：女，5岁·" in visible(inbox)
    # Answered by a progress note, the ring-back is dealt with; a new one flags the row again
    # (stop 63's third hospital review: it stayed until 办结).
    answer = {"note": "已电话110，救护车已出发"}
    assert post(api, "hospital-desk", f"/v1/referrals/{hospital}/progress", answer).status_code == 201
    runner.pump()
    assert "danger-again" not in api.client.get("/desk/inbox").text
    again = {"narrative": "孩子又被带走了", "immediate_danger": True}
    assert post(api, "operator1", f"/v1/reports/{report}/supplements", again).status_code == 202
    runner.pump()
    assert "danger-again" in api.client.get("/desk/inbox").text


def test_a_danger_untransferred_still_says_so_after_the_unit_took_it_on(api: Api,
                                                                       runner: EmbeddedRunner) -> None:
    """Stop 63's education desk: after 接收 the row's "儿童正处于危险中，未转接 110 / 120" went, and the
    row read as if nothing were urgent."""
    case = red_case(api, runner, "owed-taken")  # in danger, no transfer recorded
    hospital = referral_of(case, "hospital")
    assert post(api, "hospital-desk", f"/v1/referrals/{hospital}/acknowledge").status_code == 200
    runner.pump()
    login(api.client, "hospital-desk", home="/desk")
    row = visible(api.client.get("/desk/inbox").text)
    assert "报告时儿童处于紧急危险中，未转接110/120：需要警察、急救的，请直接拨打110、120" in row
    assert "请立即接收" not in row  # taken on: not asked again


def test_a_case_the_unit_leads_visits_for_says_another_unit_went_past_its_time(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    """Stop 64's civil desk: a boy who said he did not want to live was referred to education only;
    education went past its time, and the inbox of the desk leading his visits said nothing."""
    boy = [{"name": "黄志强", "gender": "male", "age": 12, "id_number": ""}]
    filed = api.submit(report_body(children=boy, concerns=["school_bullying"], immediate_danger=False,
                                   narrative="孩子跟妈妈说不想活了"), key="led-late").json()
    runner.pump()
    report = api.client.get(f"/v1/reports/{filed['report_id']}", headers=api.auth("operator1")).json()
    case_id = report["case_id"]
    case = api.client.get(f"/v1/cases/{case_id}", headers=api.auth("supervisor1")).json()
    (education,) = case["referrals"]
    assert education["agency_kind"] == "education" and case["risk_level"] == "red"
    login(api.client, "civil-desk", home="/desk")
    assert 'id="led-late"' not in api.client.get("/desk/inbox").text  # on time: nothing to say
    due = datetime.fromisoformat(education["due_at"]) + timedelta(seconds=1)
    assert hotline.dispatch.escalate_if_due(education["referral_id"], now=due)
    runner.pump()
    inbox = api.client.get("/desk/inbox").text
    said = visible(inbox.split('id="led-late"', 1)[1].split("</div>", 1)[0])
    assert "本单位牵头随访的1个案件，承办单位已超时未接收" in said
    assert f"案件{case_id[:8]}：连南瑶族自治县教育局已超时未接收" in said
    assert f"/followups#plan-{case_id}" in inbox
    login(api.client, "hospital-desk", home="/desk")  # a unit that leads no visits: nothing of it
    assert 'id="led-late"' not in api.client.get("/desk/inbox").text
