"""The desk's referral page (/desk/referrals/{id}, contract §15): the case as the unit may read
it, its timeline in Chinese, acknowledge / decline / close with a confirming step, and the
reason or outcome kept on the page and in the inbox; the inbox's order and header links."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.api.web import beijing
from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from services.common.settings import Settings
from tests.conftest import Api
from tests.helpers import report_body, sequence
from tests.unit.test_board_page import visible
from tests.unit.test_followup_pages import csrf_of
from tests.unit.test_pages import login


def police_referral(api: Api, runner: EmbeddedRunner, key: str = "red") -> str:
    api.submit(report_body(), key=key)
    runner.pump()
    return str(api.client.get("/v1/desk/referrals", headers=api.auth("police-desk")).json()[0]["referral_id"])


def timeline_of(page: str) -> str:
    """The page's 案件经过, its entries' text."""
    return re.sub(r"<[^>]+>", "", page.split('id="timeline"', 1)[1].split("</ol>", 1)[0])


def test_the_inbox_links_each_referral_to_its_page_with_the_child_and_the_address(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    referral_id = police_referral(api, runner)
    login(api.client, "police-desk")
    inbox = api.client.get("/desk").text
    assert f'href="/desk/referrals/{referral_id}"' in inbox
    page = api.client.get(f"/desk/referrals/{referral_id}")
    assert page.status_code == 200
    for seen in ("王小明", "男", "9岁", report_body()["children"][0]["id_number"], "某村三巷",
                 "连南瑶族自治县", "孩子被打流血", "李女士", "13800000000", "家庭暴力", "待接收",
                 "立案研判", "研判系统", "转介", "接收后才能办结"):
        assert seen in page.text, seen
    assert "case_opened" not in page.text and "triage" not in page.text
    sequence(hotline)
    case_id = hotline.dispatch.get_referral(referral_id).case_id
    trail = api.client.get(f"/v1/audit?case_id={case_id}", headers=api.auth("auditor1")).json()
    assert ("referral.read", "police-desk") in [(e["action"], e["actor"]) for e in trail]


def test_a_hospital_reads_no_reporter_and_other_units_get_the_same_404(api: Api,
                                                                       runner: EmbeddedRunner) -> None:
    api.submit(report_body(), key="red")
    runner.pump()
    (hospital,) = api.client.get("/v1/desk/referrals", headers=api.auth("hospital-desk")).json()
    login(api.client, "hospital-desk")
    page = api.client.get(f"/desk/referrals/{hospital['referral_id']}").text
    assert "王小明" in page and "某村三巷" in page and "13800000000" not in page and "李女士" not in page
    assert "不向本单位提供" in page  # the id number and the reporter
    api.client.cookies.clear()
    login(api.client, "police-desk")
    other = api.client.get(f"/desk/referrals/{hospital['referral_id']}")
    unknown = api.client.get("/desk/referrals/00000000-0000-0000-0000-000000000000")
    assert other.status_code == unknown.status_code == 404
    assert "王小明" not in other.text and "没有找到这条转介" in other.text
    api.client.cookies.clear()
    login(api.client, "operator1")
    assert api.client.get(f"/desk/referrals/{hospital['referral_id']}").status_code == 403


def test_decline_asks_to_confirm_then_keeps_the_reason_and_hides_the_child(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    referral_id = police_referral(api, runner)
    login(api.client, "police-desk")
    path = f"/desk/referrals/{referral_id}"
    csrf = csrf_of(api.client.get(path).text)
    empty = api.client.post(f"{path}/decline", data={"csrf": csrf, "reason": " ", "back": "detail"})
    assert empty.status_code == 422 and "请填写退回原因" in empty.text
    asked = api.client.post(f"{path}/decline", data={"csrf": csrf, "reason": "不属本所辖区",
                                                     "back": "detail"})
    assert asked.status_code == 200 and "确认退回这条转介" in asked.text
    assert 'name="confirmed" value="yes"' in asked.text
    assert hotline.dispatch.get_referral(referral_id).status == "dispatched"  # nothing done yet
    done = api.client.post(f"{path}/decline", data={"csrf": csrf, "reason": "不属本所辖区", "back": "detail",
                                                    "confirmed": "yes"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"{path}?done=decline"
    page = api.client.get(done.headers["location"]).text
    assert "已退回" in page and "不属本所辖区" in page and "王小明" not in page and "不再显示" in page
    runner.pump()
    row = re.search(rf'<tr [^>]*id="ref-{referral_id}".*?</tr>', api.client.get("/desk/inbox").text, re.S)
    assert row and "退回原因：不属本所辖区" in row.group(0)


def test_close_only_after_acknowledging_and_the_outcome_stays(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    referral_id = police_referral(api, runner)
    login(api.client, "police-desk")
    path = f"/desk/referrals/{referral_id}"
    csrf = csrf_of(api.client.get(path).text)
    assert 'id="close"' not in api.client.get(path).text  # no 办结 before 接收
    early = api.client.post(f"{path}/outcome", data={"csrf": csrf, "outcome": "已出警", "back": "detail",
                                                     "confirmed": "yes"})
    assert early.status_code == 409 and "请先接收该转介：接收后才能办结。" in early.text
    acked = api.client.post(f"{path}/acknowledge", data={"csrf": csrf, "back": "detail"},
                            follow_redirects=False)
    assert acked.status_code == 303 and acked.headers["location"] == f"{path}?done=acknowledge"
    page = api.client.get(acked.headers["location"]).text
    assert "已接收" in page and 'id="close"' in page
    asked = api.client.post(f"{path}/outcome", data={"csrf": csrf, "outcome": "已出警，孩子送医",
                                                     "note": "联系了学校", "back": "detail"})
    assert asked.status_code == 200 and "确认办结这条转介" in asked.text
    assert hotline.dispatch.get_referral(referral_id).status == "acknowledged"
    done = api.client.post(f"{path}/outcome", data={
        "csrf": csrf, "outcome": "已出警，孩子送医", "note": "联系了学校", "back": "detail",
        "confirmed": "yes"},
        follow_redirects=False)
    assert done.status_code == 303
    onward = api.client.get(done.headers["location"]).text  # and on to the next (stop 46's review)
    assert '<a class="tap" href="/desk" id="onward">返回转介收件箱，处理下一条</a>' in onward
    page = api.client.get(path).text
    assert "已办结" in page and "已出警，孩子送医" in page and "联系了学校" in page and "王小明" in page
    # When it was closed, from the store before the view has it (stop 46's review: the page
    # showed it only on a later visit).
    closed_at = hotline.dispatch.get_referral(referral_id).closed_at.isoformat()
    assert f'<dt>办结时间</dt><dd id="ended-at">{beijing(closed_at)}</dd>' in page
    # Times to the minute, the year only when not this one, as in the inbox (stop 46's review).
    assert not re.search(r"\d\d:\d\d:\d\d", page.split("<main", 1)[1].split("<script", 1)[0])
    # 案件经过 has the 接收 and the 办结 before the view (the police desk's review, stop 46: it
    # ended at 接收 until a later visit), each once, and once again when the view has them.
    steps = timeline_of(page)
    assert steps.count("接收转介") == 1 and steps.count("转介办结") == 1, steps
    # The unit by its name; the account that acted only as the unit's own, for the next shift (stop 63).
    assert steps.count("police-desk") == steps.count("本单位 police-desk") == 2
    assert steps.index("接收转介") < steps.index("转介办结")
    runner.pump()
    steps = timeline_of(api.client.get(path).text)
    assert steps.count("接收转介") == 1 and steps.count("转介办结") == 1, steps
    # The note on a line of its own, each as typed (stop 46's reviews: "…；联系了学校", a 。 added).
    ending = '<div class="hint ending">处置结果：已出警，孩子送医</div>'
    inbox = api.client.get("/desk/inbox").text
    assert f'{ending}<div class="hint ending-note">说明：联系了学校</div>' in inbox
    timeline = api.client.get(path).text
    assert "接收转介" in timeline and "转介办结" in timeline and "连南瑶族自治县公安局" in timeline


def test_a_red_referral_past_its_due_time_sorts_above_a_fresh_red_one(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    late = police_referral(api, runner, key="first")
    hotline.dispatch.escalate_if_due(late, now=datetime.now(UTC) + timedelta(days=1))
    api.submit(report_body(children=[{"name": "李小红", "age": 6}]), key="second")  # newer, fresh
    runner.pump()
    inbox = api.client.get("/v1/desk/referrals", headers=api.auth("police-desk")).json()
    assert [r["risk_level"] for r in inbox] == ["red", "red"]
    assert [r["referral_id"] for r in inbox][0] == late and inbox[0]["status"] == "escalated"
    login(api.client, "police-desk")
    page = api.client.get("/desk/inbox").text
    assert page.index(f"ref-{late}") < page.index(f"ref-{inbox[1]['referral_id']}")


def test_a_referral_taken_on_after_its_time_says_so_in_the_inbox_too(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    """超时接收 in the inbox's row, open and finished, as on the referral's page (the police desk's
    review, stop 47: the finished list showed a late 接收 like any other)."""
    late = police_referral(api, runner, key="late")
    api.submit(report_body(children=[{"name": "李小红", "age": 6}]), key="on-time")  # a case of its own
    runner.pump()
    on_time = next(r["referral_id"] for r in api.client.get("/v1/desk/referrals", headers=api.auth(
        "police-desk")).json() if r["referral_id"] != late)
    referral = hotline.dispatch.get_referral(late)
    referral.acknowledge(by="police-desk", at=referral.due_at + timedelta(minutes=3))
    hotline.dispatch.save(referral)
    hotline.dispatch.acknowledge(on_time, by="police-desk", unit=referral.agency_id)
    runner.pump()
    login(api.client, "police-desk")

    def row(referral_id: str) -> str:
        return api.client.get("/desk/inbox").text.split(f'id="ref-{referral_id}"', 1)[1].split("</tr>", 1)[0]
    assert "（超时接收）" in row(late) and "超时接收" not in row(on_time)
    csrf = csrf_of(api.client.get(f"/desk/referrals/{late}").text)
    api.client.post(f"/desk/referrals/{late}/outcome", data={"csrf": csrf, "outcome": "已处置",
                                                          "confirmed": "yes"})
    runner.pump()
    assert "（超时接收）" in row(late) and "办结" in row(late)
    # The supervisor reads it too, on the board's line and the referral's 通知记录 (stop 55's county
    # supervisor: "a late acceptance looks on time").
    login(api.client, "supervisor1")
    board = api.client.get("/board").text

    def line(referral_id: str) -> str:
        start = board.index(f'data-referral="{referral_id}"')
        return visible(board[start:board.index("</div>", start)])
    assert "已办结（超时接收）" in line(late), line(late)  # when it ended is its own line's
    assert re.search(r"已接收（\d\d-\d\d\d\d:\d\d接收）", line(on_time)), line(on_time)
    # ...and the case's timeline (stop 57's county supervisor: its 接收转介 line looked on time).
    timeline = visible(board[board.index(f'id="tl-h-{referral.case_id}"'):].split("</ol>")[0])
    assert "接收转介（超时接收）（连南瑶族自治县公安局）" in timeline, timeline
    record = visible(api.client.get(f"/board/notifications/{late}").text)
    assert re.search(r"接收（超时接收，时限\d\d-\d\d\d\d:\d\d）", record), record


def test_the_follow_up_link_only_for_desks_whose_unit_leads_follow_ups(api: Api) -> None:
    login(api.client, "police-desk")
    assert 'href="/followups"' not in api.client.get("/desk").text
    api.client.cookies.clear()
    login(api.client, "civil-desk")
    assert 'href="/followups"' in api.client.get("/desk").text
    api.client.cookies.clear()
    login(api.client, "supervisor1")
    assert 'href="/followups"' in api.client.get("/board").text


class TestDueTimePassedWithoutEscalation:
    """Before the scheduler escalates it, a red referral past its due time still sorts first."""

    @pytest.fixture
    def settings(self, tmp_path: Path) -> Settings:
        return Settings(var_dir=tmp_path / "var", database_url="", environment="development",
                        ack_sla_seconds="red=1,orange=7200,yellow=86400,blue=259200")

    def test_order(self, api: Api, runner: EmbeddedRunner) -> None:
        late = police_referral(api, runner, key="first")
        time.sleep(1.1)  # its one second passes; nobody escalates it here
        api.submit(report_body(children=[{"name": "李小红", "age": 6}]), key="second")
        runner.pump()
        inbox = api.client.get("/v1/desk/referrals", headers=api.auth("police-desk")).json()
        assert [(r["referral_id"] == late, r["status"]) for r in inbox] == [
            (True, "dispatched"), (False, "dispatched")]


def test_the_timeline_says_a_visit_missed_the_child_and_suggested_a_level(
        api: Api, runner: EmbeddedRunner) -> None:
    api.submit(report_body(concerns=["neglect"], immediate_danger=False), key="yellow")
    runner.pump()
    (referral,) = api.client.get("/v1/desk/referrals", headers=api.auth("civil-desk")).json()
    # The timeline says when the visit was made, not only when it was entered (stop 46's review).
    made = datetime.now(UTC)
    visit = {"visited_at": made.isoformat(), "visitor": "王主任", "child_seen": False,
             "findings": "孩子不在家", "measures": [], "suggested_risk_level": "blue"}
    assert api.client.post(f"/v1/cases/{referral['case_id']}/visits", json=visit,
                           headers=api.auth("civil-desk")).status_code == 201
    runner.pump()
    login(api.client, "civil-desk")
    page = api.client.get(f"/desk/referrals/{referral['referral_id']}").text
    assert (f'登记走访（走访时间 {beijing(made.isoformat())}，<span class="flag">未见到儿童</span>，'
            '建议调整为蓝色）') in page


def test_a_re_routing_keeps_the_supervisors_reason_for_the_unit_it_goes_to(
        api: Api, runner: EmbeddedRunner) -> None:
    """The reason a supervisor gives for routing a case by hand is stored with the referral (it
    was accepted and dropped) and read by the unit it went to."""
    api.submit(report_body(), key="red")
    runner.pump()
    (hospital,) = api.client.get("/v1/desk/referrals", headers=api.auth("hospital-desk")).json()
    api.client.post(f"/v1/referrals/{hospital['referral_id']}/decline", json={"reason": "不在本院"},
                    headers=api.auth("hospital-desk"))
    r = api.client.post(f"/v1/cases/{hospital['case_id']}/referrals", headers=api.auth("supervisor1"),
                        json={"agency_id": "edu-441823", "reason": "孩子在校受伤，请教育局协调"})
    assert r.status_code == 201, r.text
    runner.pump()
    read = api.client.get(f"/v1/referrals/{r.json()['referral_id']}", headers=api.auth("edu-desk")).json()
    assert read["routing_reason"] == "孩子在校受伤，请教育局协调"
    login(api.client, "edu-desk", "/desk")
    page = api.client.get(f"/desk/referrals/{r.json()['referral_id']}").text
    assert "督办人员交办原因" in page and "孩子在校受伤，请教育局协调" in page
    # What the rule withholds from education is said with whom to ask (stop 50's education review).
    assert "按信息披露规则，本单位看不到详细地址和报告人的联系方式" in page
    # By name, and with the unit's own duty phone when nobody on its roster has one (directory v6).
    assert ("请联系连南瑶族自治县民政局（未成年人保护中心）（牵头随访；单位值班电话：0763-6628012）"
            "或督办人员") in visible(page)
    login(api.client, "police-desk", "/desk")  # the police read both: nothing to say
    (police, *_) = api.client.get("/v1/desk/referrals", headers=api.auth("police-desk")).json()
    assert "按信息披露规则" not in api.client.get(f"/desk/referrals/{police['referral_id']}").text
    routed = api.client.get(f"/v1/referrals/{hospital['referral_id']}", headers=api.auth("supervisor1"))
    assert routed.json()["routing_reason"] is None  # routed by the matrix, not by hand


def test_the_inbox_puts_what_waits_first_and_the_soonest_due_first(api: Api, runner: EmbeddedRunner) -> None:
    """The police desk's review (stop 54): a red referral already taken on sat above a red one
    with ten minutes left, and a fresh red above an older one with less time left."""
    def inbox() -> list[str]:
        return [x["referral_id"] for x in
                api.client.get("/v1/desk/referrals", headers=api.auth("police-desk")).json()]

    def another(name: str) -> str:
        seen = set(inbox())
        api.submit(report_body(children=[{"name": name, "age": 6}]), key=f"order-{len(seen)}")
        runner.pump()
        (new,) = [x for x in inbox() if x not in seen]
        return new

    older, newer, taken = another("赵小一"), another("钱小二"), another("孙小三")
    r = api.client.post(f"/v1/referrals/{taken}/acknowledge", headers=api.auth("police-desk"))
    assert r.status_code == 200
    runner.pump()
    assert inbox() == [older, newer, taken]


def test_a_case_in_danger_no_police_unit_holds_names_the_police_of_its_place(
        api: Api, runner: EmbeddedRunner) -> None:
    """Stop 58's child director: a red abandoned 3-year-old came to her alone (监护缺失, in danger,
    no transfer) with no police unit on the case and no police phone on the page."""
    api.submit(report_body(concerns=["guardianship_missing"], narrative="孩子一个人被留在村委会",
                           children=[{"name": "吴小宝", "age": 3}],
                           location={"region_code": "441823100", "address": "太平村村委会"}), key="alone")
    runner.pump()
    (referral,) = api.client.get("/v1/desk/referrals", headers=api.auth("civil-sanjiang")).json()
    assert referral["risk_level"] == "red"
    login(api.client, "civil-sanjiang", home="/desk")
    said = visible(api.client.get(f"/desk/referrals/{referral['referral_id']}").text)
    assert ("本案目前没有公安机关在办（未转介公安，或公安已退回）。"
            "紧急情况：需要警察到场请拨打110，或联系连南瑶族自治县公安局三江派出所"
            "（单位值班电话：0763-6621360）；需要急救请拨打120；有火情请拨打119。") in said, said
    api.submit(report_body(children=[{"name": "李小红", "age": 7}]), key="with-police")  # 110's own case
    runner.pump()
    login(api.client, "hospital-desk", home="/desk")
    (hospital,) = api.client.get("/v1/desk/referrals", headers=api.auth("hospital-desk")).json()
    page = api.client.get(f"/desk/referrals/{hospital['referral_id']}").text  # red, police hold it
    assert "未转接110/120" in visible(page) and "本案目前没有公安机关在办" not in page


def test_a_follow_up_card_in_danger_says_whom_to_call(api: Api, runner: EmbeddedRunner) -> None:
    """Stop 58's child director, second round: the card she works from never said it."""
    api.submit(report_body(concerns=["guardianship_missing"], narrative="孩子一个人被锁在家里",
                           children=[{"name": "房小宝", "age": 3}],
                           location={"region_code": "441823100", "address": "太平村"}), key="locked-in")
    runner.pump()
    (referral,) = api.client.get("/v1/desk/referrals", headers=api.auth("civil-sanjiang")).json()
    login(api.client, "civil-sanjiang", home="/desk")
    page = api.client.get("/followups").text
    line = re.search(rf'<p class="police-nearby" id="police-nearby-{referral["case_id"]}">.*?</p>',
                     page, re.S)
    assert line and "三江派出所" in visible(line.group(0)) and 'href="tel:120"' in line.group(0)
