"""A new report about a child whose case a unit already closed (办结) refers it to that unit again,
the next round, at the case's level now, and brings the next visit forward (the child director's
review, stop 54: a "danger right now" report on 盘小梅 reached the 三江镇 office, whose referral
was closed, with no referral, no alert and the next visit three days away). A unit that declined
(退回) is not sent it again; one still holding it has it raised, not doubled."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.helpers import report_body
from tests.unit.test_board_page import visible
from tests.unit.test_desk import post
from tests.unit.test_followups import get, visit_body
from tests.unit.test_pages import login
from tests.unit.test_raised_referrals import yellow_case

DANGER = report_body(concerns=["neglect"], immediate_danger=True,
                     narrative="奶奶在家昏倒了，孩子一个人在家哭",
                     location={"region_code": "441823", "address": "外婆家，某村五巷"})


def referrals(api: Api, case_id: str, kind: str) -> list[dict[str, Any]]:
    case = get(api, "supervisor1", f"/v1/cases/{case_id}").json()
    return sorted((r for r in case["referrals"] if r["agency_kind"] == kind),
                  key=lambda r: r["dispatched_at"])


def closed(api: Api, desk: str, referral: dict[str, Any]) -> None:
    assert post(api, desk, f"/v1/referrals/{referral['referral_id']}/acknowledge").status_code == 200
    r = post(api, desk, f"/v1/referrals/{referral['referral_id']}/outcome",
             {"outcome": "已入户核实", "note": ""})
    assert r.status_code == 200, r.text


def test_a_unit_that_closed_the_case_gets_the_new_report_as_a_new_referral(
        api: Api, runner: EmbeddedRunner) -> None:
    case = yellow_case(api, runner, "closed-then-danger")
    (civil,) = referrals(api, case["case_id"], "civil_affairs")
    closed(api, "civil-desk", civil)
    runner.pump()
    before = datetime.now(UTC)
    joined = api.submit(DANGER, key="closed-then-danger-2").json()
    transfer = api.client.post(f"/v1/reports/{joined['report_id']}/transfers", json={"to": "120"},
                               headers=api.auth("operator1"))
    assert transfer.status_code == 202, transfer.text
    runner.pump()
    first, again = referrals(api, case["case_id"], "civil_affairs")
    assert first["referral_id"] == civil["referral_id"] and first["status"] == "closed"
    assert again["status"] == "dispatched" and again["risk_level"] == "red"
    due = datetime.fromisoformat(again["due_at"])
    assert before + timedelta(seconds=899) <= due <= datetime.now(UTC) + timedelta(seconds=900)
    inbox = get(api, "civil-desk", "/v1/desk/referrals", status="dispatched").json()
    assert [r["referral_id"] for r in inbox] == [again["referral_id"]]
    # Education still held its own: raised to red, not doubled.
    (edu,) = referrals(api, case["case_id"], "education")
    assert edu["status"] == "dispatched" and edu["risk_level"] == "red"
    # The next visit: within red's first-visit time (24 h) of the report, not days away.
    plan = get(api, "supervisor1", f"/v1/cases/{case['case_id']}").json()["followup"]
    assert datetime.fromisoformat(plan["next_visit_due"]) <= datetime.now(UTC) + timedelta(hours=24)
    # The unit's page says why it has the case again, and links the round it closed.
    login(api.client, "civil-desk", "/desk")
    page = api.client.get(f"/desk/referrals/{again['referral_id']}").text
    said = visible(page)
    assert "再次转介本单位此前办结了该案件的转介，之后该儿童又有新报告并入本案" in said, said
    assert "请接收，按新报告处理" in said
    # Where the child is now: the newest report's address, the first one's beside it (the police
    # desk's review, stop 55: 在哪 kept report 1's), and the operator's transfer at the top.
    where = "在哪：连南瑶族自治县，外婆家，某村五巷（最新报告2所说；最初报告：连南瑶族自治县，某村三巷）"
    assert where in said, said
    assert re.search(r"已转接（最新报告2）：120（\d\d-\d\d\d\d:\d\d）", said), said
    assert f'href="/desk/referrals/{civil["referral_id"]}"' in page and "已办结" in said
    # ...with what the unit did then (stop 57's township police: only a link).
    assert re.search(r"其他转介\d\d-\d\d\d\d:\d\d转介：已办结（处置结果：已入户核实）", said), said
    earlier = visible(api.client.get(f"/desk/referrals/{civil['referral_id']}").text)
    assert "再次转介本单位" not in earlier and "本单位在本案的其他转介" in earlier  # the later one listed
    # Its inbox row says the later report came after 办结, not within it (stop 57's township police).
    finished = api.client.get("/desk/inbox").text.split(f'id="ref-{civil["referral_id"]}"', 1)[1]
    finished = visible(finished.split("</tr>", 1)[0])
    assert "（办结之后到达，不在本次处置之内）" in finished, finished
    # ...and the closed round sends the unit on to the new one (the child director's second review)
    assert "本单位在本案有新的转介待接收：打开" in earlier
    # Education's page lists civil affairs once, at its latest round (stop 57: twice, alike).
    login(api.client, "edu-desk", "/desk")
    beside = visible(api.client.get(f"/desk/referrals/{edu['referral_id']}").text)
    assert beside.count("连南瑶族自治县民政局（未成年人保护中心）（第2次转介）：待接收") == 1, beside
    assert "民政局（未成年人保护中心）：已办结" not in beside, beside
    # The board says why the unit has a second round (stop 56's county supervisor).
    login(api.client, "supervisor1")
    row = visible(api.client.get("/board").text.split(f'id="case-{case["case_id"]}"')[1].split("</tr>")[0])
    assert "（第2次转介：有新报告，再次转介）：待接收" in row, row
    login(api.client, "civil-desk", "/desk")
    cards = api.client.get("/followups").text
    # Two places: the newest is where the child is now, and no visit yet is the first (stop 57).
    card = visible(cards.split(f'id="plan-{case["case_id"]}"', 1)[1].split("</section>", 1)[0])
    assert "走访地址：连南瑶族自治县，外婆家，某村五巷（最新报告所说，儿童现在所在）" in card, card
    assert "走访地址：连南瑶族自治县，某村三巷（此前报告所说）" in card and "首次走访：" in card, card
    # The card dates the later report and says the child was in danger (the second review).
    dated = r"报告（\d\d-\d\d\s?\d\d:\d\d）：报告时儿童处于紧急危险中。奶奶在家昏倒了"
    assert re.search(dated, visible(cards))
    assert f'/desk/referrals/{again["referral_id"]}' in cards
    assert f'/desk/referrals/{civil["referral_id"]}"' not in cards
    # Taken on, the re-referral's line no longer asks to take it on.
    assert post(api, "civil-desk", f"/v1/referrals/{again['referral_id']}/acknowledge").status_code == 200
    login(api.client, "civil-desk", "/desk")
    taken = visible(api.client.get(f"/desk/referrals/{again['referral_id']}").text)
    assert "因此再次转介本单位。" in taken and "请接收，按新报告处理" not in taken
    # The message again (a redelivery): still one new round.
    runner.pump()
    assert len(referrals(api, case["case_id"], "civil_affairs")) == 2


def test_a_unit_that_declined_is_not_sent_it_again_and_a_reassessment_refers_no_one(
        api: Api, runner: EmbeddedRunner) -> None:
    case = yellow_case(api, runner, "declined-then-danger")
    (edu,) = referrals(api, case["case_id"], "education")
    r = post(api, "edu-desk", f"/v1/referrals/{edu['referral_id']}/decline", {"reason": "属民政职责"})
    assert r.status_code == 200, r.text
    (civil,) = referrals(api, case["case_id"], "civil_affairs")
    closed(api, "civil-desk", civil)
    runner.pump()
    r = api.client.post(f"/v1/cases/{case['case_id']}/reassessments", headers=api.auth("supervisor1"),
                        json={"risk_level": "orange", "reason": "核实后情况更紧急"})
    assert r.status_code == 202, r.text
    runner.pump()
    assert len(referrals(api, case["case_id"], "civil_affairs")) == 1  # a raise is no new report
    api.submit(DANGER, key="declined-then-danger-2")
    runner.pump()
    assert [r["status"] for r in referrals(api, case["case_id"], "education")] == ["declined"]
    assert [r["status"] for r in referrals(api, case["case_id"], "civil_affairs")] == ["closed", "dispatched"]


def test_a_raising_report_replans_the_visits_once(api: Api, runner: EmbeddedRunner) -> None:
    """The child director's second review (stop 54): "12-06 04:51 调整随访计划 · 分派系统" twice."""
    case = yellow_case(api, runner, "replan-once")
    visited = post(api, "civil-desk", f"/v1/cases/{case['case_id']}/visits", visit_body())  # due a month on
    assert visited.status_code == 201, visited.text
    runner.pump()
    api.submit(DANGER, key="replan-once-2")
    runner.pump()
    timeline = get(api, "supervisor1", f"/v1/cases/{case['case_id']}").json()["timeline"]
    assert [t["type"] for t in timeline].count("followup_replanned") == 1, [t["type"] for t in timeline]


def test_a_report_after_taking_the_case_on_is_said_before_closing(api: Api,
                                                                 runner: EmbeddedRunner) -> None:
    """The police desk's second review, stop 55: a "danger now" report came while 办结 was typed and
    the case was closed with no word of it; report 2's 110 read as covering report 3 at a new
    place; the page kept the level the referral had when taken on."""
    case = yellow_case(api, runner, "taken-then-danger")
    (civil,) = referrals(api, case["case_id"], "civil_affairs")
    first = get(api, "operator1", f"/v1/cases/{case['case_id']}").json()["report_ids"][0]
    assert api.client.post(f"/v1/reports/{first}/transfers", json={"to": "110"},
                           headers=api.auth("operator1")).status_code == 202
    assert post(api, "civil-desk", f"/v1/referrals/{civil['referral_id']}/acknowledge").status_code == 200
    api.submit(DANGER, key="taken-then-danger-2")  # the same child, in danger now, no transfer
    runner.pump()
    login(api.client, "civil-desk", "/desk")
    path = f"/desk/referrals/{civil['referral_id']}"
    said = visible(api.client.get(path).text)
    assert "案件现为红色（这条转介时为黄色，之后案件已升级）：请按红色处置。" in said, said
    assert "最新报告（报告2）未转接110/120：报告时儿童处于紧急危险中，请立即处置。" in said
    assert re.search(r"此前：报告1（连南瑶族自治县，某村三巷）已转接110（\d\d-\d\d\d\d:\d\d）", said), said
    assert "什么情况（最初报告）：" in said
    page = api.client.get(path).text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    asked = visible(api.client.post(f"{path}/outcome", data={"csrf": csrf, "outcome": "已入户核实"}).text)
    assert "确认办结这条转介" in asked
    later = r"接收之后又有1份新报告（最新：报告2，\d\d-\d\d\d\d:\d\d，报告时儿童处于紧急危险中）"
    assert re.search(later, asked), asked


def test_a_call_back_saying_the_child_is_in_danger_refers_it_again_to_a_unit_that_closed(
        api: Api, runner: EmbeddedRunner) -> None:
    """Stop 59's hospital desk: a caller rang back that the father would take the child from the
    ward tomorrow, in danger; the hospital had closed its referral, and nothing reached it. A 补充
    without danger does not re-refer."""
    report = api.submit(report_body(), key="closed-then-call-back").json()  # red: police, hospital
    runner.pump()
    case_id = get(api, "operator1", f"/v1/reports/{report['report_id']}").json()["case_id"]
    (hospital,) = referrals(api, case_id, "hospital")
    closed(api, "hospital-desk", hospital)
    runner.pump()
    pair = {"receipt_no": report["receipt_no"], "lookup_code": report["lookup_code"]}
    quiet = api.client.post("/v1/receipts/supplements", headers=api.auth("operator1"),
                            json={**pair, "narrative": "孩子今天精神好些了"})
    assert quiet.status_code == 202
    runner.pump()
    assert len(referrals(api, case_id, "hospital")) == 1
    danger = api.client.post("/v1/receipts/supplements", headers=api.auth("operator1"), json={
        **pair, "narrative": "父亲说明天要去医院把孩子接回家", "immediate_danger": True})
    assert danger.status_code == 202
    runner.pump()
    first, again = referrals(api, case_id, "hospital")
    assert first["status"] == "closed" and again["status"] == "dispatched" and again["risk_level"] == "red"
    inbox = get(api, "hospital-desk", "/v1/desk/referrals", status="dispatched").json()
    assert again["referral_id"] in [r["referral_id"] for r in inbox]


def test_a_unit_a_supervisor_brought_in_gets_the_new_report_after_closing_too(
        api: Api, runner: EmbeddedRunner) -> None:
    """The education desk's review, stop 60: a teacher hitting a pupil went to the police only; a
    supervisor brought in the education bureau, which closed its referral; the mother's second
    call (a new report, joined) reached the police only, though the guide says a unit that closed
    gets the child's new report."""
    hit = report_body(concerns=["physical_harm"], immediate_danger=False, narrative="班主任在教室里打学生")
    report = api.submit(hit, key="teacher-hits").json()
    runner.pump()
    case_id = get(api, "operator1", f"/v1/reports/{report['report_id']}").json()["case_id"]
    assert not referrals(api, case_id, "education")  # the matrix sends physical harm to the police
    added = post(api, "supervisor1", f"/v1/cases/{case_id}/referrals",
                 {"agency_id": "edu-441823", "reason": "涉及本校教师，请教育局处理"})
    assert added.status_code == 201, added.text
    runner.pump()
    (edu,) = referrals(api, case_id, "education")
    closed(api, "edu-desk", edu)
    runner.pump()
    again = api.submit({**hit, "narrative": "王老师又在办公室打了他耳光"}, key="teacher-hits-again").json()
    runner.pump()
    assert get(api, "operator1", f"/v1/reports/{again['report_id']}").json()["case_id"] == case_id
    first, second = referrals(api, case_id, "education")
    assert first["referral_id"] == edu["referral_id"] and first["status"] == "closed"
    assert second["status"] == "dispatched" and second["agency_id"] == "edu-441823"
    (police,) = referrals(api, case_id, "police")  # still open: not doubled
    assert police["status"] == "dispatched"
    inbox = get(api, "edu-desk", "/v1/desk/referrals", status="dispatched").json()
    assert [r["referral_id"] for r in inbox] == [second["referral_id"]]
