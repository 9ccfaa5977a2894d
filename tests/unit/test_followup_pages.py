"""The follow-up page (/followups) and the board's follow-up parts: scope, CSRF, forms."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from services.api.web import beijing
from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from services.dispatch.scheduler import EscalationScheduler
from services.oversight.ledger import BEIJING
from tests.conftest import Api
from tests.helpers import report_body, sequence
from tests.unit.test_board_callbacks import row_of
from tests.unit.test_board_page import visible
from tests.unit.test_desk import post
from tests.unit.test_followups import visit_body
from tests.unit.test_pages import login


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def local(at: datetime) -> str:
    """What a phone's datetime-local field sends: Beijing time, minutes."""
    return at.astimezone(BEIJING).strftime("%Y-%m-%dT%H:%M")


def test_the_lead_desk_files_a_visit_and_pairs_a_helper(api: Api, runner: EmbeddedRunner) -> None:
    api.submit(report_body(), key="page-red")
    runner.pump()
    client = api.client
    login(client, "civil-desk")
    page = client.get("/followups")
    assert page.status_code == 200 and "今天、明天应访（1）" in page.text  # red: its first visit in 24 h
    assert "未结对" in page.text
    assert "其后7天内应访（0）" in page.text
    case_id = re.search(r'id="plan-([0-9a-f-]+)"', page.text).group(1)  # type: ignore[union-attr]
    # "其他" says where to write what it was (the child director's review, stop 51: no field for it)
    assert '<span>其他<span class="hint">（请在走访情况中写明）</span></span>' in page.text
    csrf = csrf_of(page.text)
    visit = {"csrf": csrf, "visited_at": local(datetime.now(UTC) + timedelta(minutes=1)), "visitor": "王主任",
             "child_seen": "yes", "findings": "已见到孩子", "measures": ["living_assistance", "legal_aid"]}
    path = f"/followups/cases/{case_id}/visit"
    assert client.post(path, data={**visit, "csrf": "forged"}).status_code == 403
    future = client.post(path, data={**visit, "visited_at": local(datetime.now(UTC) + timedelta(hours=2))})
    assert future.status_code == 422 and "走访时间" in future.text
    empty = client.post(path, data={**visit, "findings": ""})
    assert empty.status_code == 422 and "请填写走访情况。" in empty.text
    long = client.post(path, data={**visit, "findings": "孩" * 5003})  # too long is not "fill it in"
    assert long.status_code == 422 and "走访情况不能超过5000字（现在5003字），请删减后再提交。" in long.text
    assert "孩" * 5003 in long.text and 'data-max="5000"' in long.text  # all of it back, counted, not cut
    nobody = client.post(path, data={**visit, "visitor": " "})  # a name, not the account's
    assert nobody.status_code == 422 and "请填写走访人姓名" in nobody.text
    done = client.post(path, data={**visit, "visited_at": local(datetime.now(UTC))}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/followups?done=visit&case={case_id}"
    helper = client.post(f"/followups/cases/{case_id}/helper", data={"csrf": csrf, "helper": "李老师"},
                         follow_redirects=False)
    assert helper.status_code == 303, re.findall("请检查[^<]*", helper.text)
    runner.pump()
    after = client.get("/followups?done=visit")
    assert "已登记走访" in after.text and "已走访 1 次" in after.text and "李老师" in after.text
    card = re.search(r'<section class="card plan.*?</section>', after.text, re.S).group(0)  # type: ignore[union-attr]
    assert "王小明" in card and "男，9岁" in card and "连南瑶族自治县，某村三巷" in card  # whom, where
    assert '<p class="concerns">情况：家庭暴力、' in card  # why: the report's concerns, not only its words
    assert "王主任 · 见到儿童 · 生活救助、法律援助" in card  # the visit made, listed
    assert "已见到孩子" not in card  # the findings stay sealed on the list
    read = client.get(f"/followups/cases/{case_id}")  # read back, opened for the lead unit
    assert read.status_code == 200 and "已见到孩子" in read.text and "王主任" in read.text
    assert 'id="next-visit">下次走访：' in read.text and "结对帮扶人：李老师" in read.text  # what next
    # Back to the plans at this case's card (its section opened even when folded: the page's script).
    # To its heading: the card as it is, not its visit form opened (stop 46's review).
    assert f'<a href="/followups#h-{case_id}" class="back tap">← 返回随访帮扶</a>' in read.text
    # A visit is entered to the minute: its heading and the next due date as every page writes a
    # time (`beijing`: the year only when not this one), no seconds the desk never typed (stop
    # 45's review: "2026-12-05 03:49:00").
    heading = re.search(r'<h2 id="visit-h-1">([^<]*)</h2>', read.text).group(1)  # type: ignore[union-attr]
    (visit,) = client.get(f"/v1/cases/{case_id}/visits", headers=api.auth("civil-desk")).json()
    assert heading == f"{beijing(visit['visited_at'])} · 王主任", heading
    due = r'id="next-visit">下次走访：<strong[^>]*>(\d{4}-)?\d\d-\d\d \d\d:\d\d 前</strong>'
    assert re.search(due, read.text)
    assert f'href="/followups/cases/{case_id}"' in card
    (plan,) = client.get("/v1/followups", headers=api.auth("civil-desk")).json()
    assert plan["visits_done"] == 1 and plan["helper"] == "李老师"
    login(client, "police-desk")  # not a lead unit: told why in Chinese, sees none, may file none
    refused = client.get("/followups")
    assert refused.status_code == 403 and "随访帮扶由民政部门牵头" in refused.text
    assert "王小明" not in refused.text
    other = client.get(f"/followups/cases/{case_id}")
    assert other.status_code == 403 and "已见到孩子" not in other.text and "王小明" not in other.text
    assert client.post(path, data={**visit, "csrf": csrf_of(client.get("/desk").text)}).status_code == 403


def test_supervisors_see_whom_each_plan_visits_and_the_reads_are_audited(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    api.submit(report_body(), key="page-red")
    runner.pump()
    login(api.client, "supervisor1")
    page = api.client.get("/followups").text
    assert "王小明" in page and "某村三巷" in page
    (plan,) = api.client.get("/v1/followups", headers=api.auth("supervisor1")).json()
    assert "尚未走访" in api.client.get(f"/followups/cases/{plan['case_id']}").text
    sequence(hotline)
    trail = api.client.get(f"/v1/audit?case_id={plan['case_id']}", headers=api.auth("auditor1")).json()
    read = [(e["action"], e["actor"]) for e in trail]
    assert ("followups.read", "supervisor1") in read and ("followup.read", "supervisor1") in read


def test_followups_is_for_desks_and_supervisors(api: Api) -> None:
    login(api.client, "operator1")
    assert api.client.get("/followups").status_code == 403
    api.client.cookies.clear()
    assert api.client.get("/followups", follow_redirects=False).status_code == 303


def test_the_board_shows_late_follow_ups_and_closes_a_case(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    api.submit(report_body(concerns=["neglect"], immediate_danger=False), key="page-yellow")
    runner.pump()
    (plan,) = api.client.get("/v1/followups", headers=api.auth("supervisor1")).json()
    # Before it is late, the row says who visits first and by when (stop 57's county supervisor).
    login(api.client, "supervisor1")
    before = visible(row_of(api.client.get("/board").text, plan["case_id"]))
    assert "牵头随访：连南瑶族自治县民政局（未成年人保护中心），首次入户走访期限：" in before, before
    late = datetime.fromisoformat(plan["next_visit_due"]) + timedelta(seconds=1)
    EscalationScheduler(hotline.dispatch, hotline.view).followup_round(late)
    runner.pump()
    login(api.client, "supervisor1")
    page = api.client.get("/board")
    assert 'id="late-followups"' in page.text and "走访逾期" in page.text
    # The case's own row names who owes the visit and by when (stop 56's county supervisor).
    owed = visible(row_of(page.text, plan["case_id"]))
    assert "随访逾期：连南瑶族自治县民政局（未成年人保护中心）应于" in owed and "前入户走访" in owed, owed
    assert "已逾期（1）" in api.client.get("/followups").text
    close = f"/board/cases/{plan['case_id']}/close"
    csrf = csrf_of(page.text)
    # The civil-affairs referral is still open.
    blocked = api.client.post(close, data={"csrf": csrf, "reason": "处置完毕"})
    assert blocked.status_code == 409 and "civil-441823" in blocked.text
    (referral,) = api.client.get("/v1/desk/referrals", headers=api.auth("civil-desk")).json()
    api.client.post(f"/v1/referrals/{referral['referral_id']}/acknowledge", headers=api.auth("civil-desk"))
    api.client.post(f"/v1/referrals/{referral['referral_id']}/outcome",
                    json={"outcome": "已处置", "note": ""}, headers=api.auth("civil-desk"))
    unseen = api.client.post(close, data={"csrf": csrf, "reason": "处置完毕"})  # nobody saw the child
    assert unseen.status_code == 422 and "尚未入户见到该儿童（走访0次）" in unseen.text
    closed = api.client.post(close, data={"csrf": csrf, "reason": "处置完毕", "unvisited_ok": "1"},
                             follow_redirects=False)
    assert closed.status_code == 303
    # Before the view caught up, the row is closed already (stop 55's county supervisor saw
    # 转介已办结 and 结案 offered for a moment).
    row = row_of(api.client.get(closed.headers["location"]).text, plan["case_id"])
    assert "已结案" in visible(row) and "转介已办结" not in visible(row) and f"{close}" not in row
    runner.pump()
    case = api.client.get(f"/v1/cases/{plan['case_id']}", headers=api.auth("supervisor1")).json()
    assert case["status"] == "closed"
    board = api.client.get("/board?show=closed").text
    assert 'id="late-followups"' not in board  # a closed plan is late no more
    # Why it was closed, on the timeline (stop 55's second county supervisor: never shown).
    closing = "结案，原因：处置完毕（结案时尚未入户见到儿童）（督办人员supervisor1）"
    assert closing in visible(row_of(board, plan["case_id"]))
    record = visible(api.client.get(f"/followups/cases/{plan['case_id']}").text)  # not a dead end
    assert "此案已结案，随访帮扶已结束（" in record and "返回案件督办看板" in record


def hotline_due(html: str, case_id: str) -> tuple[str, str]:
    """A card's next visit and, after a visit that did not see the child, when to go again:
    then one date, the sooner, to act on."""
    card = card_of(html, case_id)
    due = re.search(r'<strong class="next-due[^"]*">([^ ]+ [^ <（]+)', card).group(1)  # type: ignore[union-attr]
    again = re.search(r"请在 ([^ ]+ [^ ]+) 前再次入户", card)
    assert again is None or due == again.group(1)
    return due, again.group(1) if again else ""


def card_of(html: str, case_id: str) -> str:
    return re.search(rf'id="plan-{case_id}".*?</section>', html, re.S).group(0)  # type: ignore[union-attr]


def _civil_plan(api: Api, runner: EmbeddedRunner) -> tuple[str, str]:
    """A case whose follow-up the civil-affairs desk leads, and the desk logged in on its page."""
    api.submit(report_body(), key="page-red")
    runner.pump()
    login(api.client, "civil-desk")
    page = api.client.get("/followups").text
    return re.search(r'id="plan-([0-9a-f-]+)"', page).group(1), csrf_of(page)  # type: ignore[union-attr]


def test_a_refused_visit_keeps_everything_typed_with_a_chinese_error_at_its_field(
        api: Api, runner: EmbeddedRunner) -> None:
    case_id, csrf = _civil_plan(api, runner)
    early = local(datetime.now(UTC) - timedelta(days=3))  # before the case opened
    typed = {"csrf": csrf, "visited_at": early, "visitor": "王主任", "child_seen": "no",
             "findings": "外婆在家，孩子去了镇上", "measures": ["legal_aid", "school_placement"],
             "suggested_risk_level": "orange"}
    page = api.client.post(f"/followups/cases/{case_id}/visit", data=typed)
    assert page.status_code == 422
    html = page.text
    assert f'id="visited_at-error-{case_id}">走访时间不能早于立案时间（' in html  # and says when it was
    assert f'aria-describedby="visited_at-error-{case_id}"' in html and "a visit cannot" not in html
    form = re.search(rf'<form [^>]*{case_id}/visit".*?</form>', html, re.S).group(0)  # type: ignore[union-attr]
    assert f'value="{early}"' in form and 'value="王主任"' in form
    assert ">外婆在家，孩子去了镇上</textarea>" in form
    assert 'value="legal_aid" checked' in form and 'value="school_placement" checked' in form
    assert 'value="living_assistance" checked' not in form
    assert 'value="no" checked' in form and 'value="yes" checked' not in form
    assert 'value="orange" selected' in form
    opened = rf'<details class="visit-box" open>\s*<summary>登记走访</summary>\s*<form [^>]*{case_id}/visit'
    assert re.search(opened, html)
    helper = api.client.post(f"/followups/cases/{case_id}/helper", data={"csrf": csrf, "helper": " "})
    assert helper.status_code == 422 and f'id="helper-error-{case_id}">请填写结对帮扶人姓名' in helper.text
    assert 'card.querySelector(".helper-box")' in helper.text  # the refused form's box opens
    assert "one-to-one" not in helper.text


def test_a_filed_visit_shows_at_once_with_its_suggestion_and_the_helper_can_change(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    case_id, csrf = _civil_plan(api, runner)
    visit = {"csrf": csrf, "visited_at": local(datetime.now(UTC)), "visitor": "王主任", "child_seen": "no",
             "findings": "孩子不在家", "measures": ["legal_aid"], "suggested_risk_level": "orange"}
    page = api.client.post(f"/followups/cases/{case_id}/visit", data=visit)  # no pump: the view lags
    due = hotline.dispatch.plan_for(case_id).next_due.isoformat()
    card = card_of(page.text, case_id)
    _, again = hotline_due(page.text, case_id)  # not seen: the notice and card say the sooner date
    assert f"这次未见到儿童：请在 {again} 前再次入户" in page.text and "已走访 1 次" in page.text
    assert "已走访 1 次" in card and again == beijing(due)  # unseen: the date in force kept (stop 62)
    assert '<span class="flag">未见到儿童</span>' in card and "建议调整为橙色" in card
    runner.pump()
    card = card_of(api.client.get("/followups").text, case_id)
    assert "走访建议调整为橙色，待督办人员复核" in card and '<span class="flag">未见到儿童</span>' in card
    visits = api.client.get(f"/followups/cases/{case_id}").text
    assert '<span class="flag">未见到儿童</span>' in visits and "建议调整为橙色" in visits
    login(api.client, "supervisor1")  # the board gives the same date (stop 58's child director)
    board = api.client.get("/board").text
    line = re.search(r'class="hint visit-due">([^<]+)', board).group(1)  # type: ignore[union-attr]
    assert f'<a class="visits-link" href="/followups/cases/{case_id}">查看走访记录</a>' in board
    assert f"下次入户走访期限：{again}（上次未见到儿童）" in line
    login(api.client, "civil-desk")
    csrf = csrf_of(api.client.get("/followups").text)
    for helper in ("李老师", "张老师"):
        after = api.client.post(f"/followups/cases/{case_id}/helper", data={"csrf": csrf, "helper": helper})
        assert f'<span class="helper-name">{helper}</span>' in after.text  # at once, before the view
    assert "更换结对帮扶人" in after.text
    assert hotline.dispatch.plan_for(case_id).helper == "张老师"


def test_the_card_says_why_and_links_the_units_referral(api: Api, runner: EmbeddedRunner) -> None:
    api.submit(report_body(concerns=["neglect"], immediate_danger=False), key="page-yellow")
    runner.pump()
    (referral,) = api.client.get("/v1/desk/referrals", headers=api.auth("civil-desk")).json()
    login(api.client, "civil-desk")
    page = api.client.get("/followups").text
    card = card_of(page, referral["case_id"])
    link = f'/desk/referrals/{referral["referral_id"]}?from=followups'
    assert f'href="{link}"' in card
    assert report_body()["narrative"] in card
    back = api.client.get(link).text  # and back to the card (stop 58's child director: to the inbox)
    assert f'<a href="/followups#plan-{referral["case_id"]}" class="back tap">← 返回随访帮扶</a>' in back
    assert "返回转介收件箱</a>" in api.client.get(link.split("?")[0]).text


def test_the_visit_form_gives_the_units_last_visitor_and_two_measures_a_row(
        api: Api, runner: EmbeddedRunner) -> None:
    """Stop 58's child director, on a phone: 走访人姓名 was empty each time; 9 measures a line each."""
    case_id, csrf = _civil_plan(api, runner)
    form = re.search(r'<form [^>]*/visit".*?</form>', api.client.get("/followups").text, re.S).group(0)  # type: ignore[union-attr]
    assert re.search(r'name="visitor"[^>]*value=""', form) and 'class="checks measures"' in form
    visit = {"csrf": csrf, "visited_at": local(datetime.now(UTC)), "visitor": "王主任", "child_seen": "yes",
             "findings": "孩子在家", "measures": ["legal_aid"]}
    assert api.client.post(f"/followups/cases/{case_id}/visit", data=visit).status_code == 200
    runner.pump()
    form = re.search(r'<form [^>]*/visit".*?</form>', api.client.get("/followups").text, re.S).group(0)  # type: ignore[union-attr]
    assert re.search(r'name="visitor"[^>]*value="王主任"', form), form


def test_desks_of_other_units_are_told_follow_ups_are_civil_affairs(api: Api) -> None:
    for desk in ("police-desk", "hospital-desk"):
        api.client.cookies.clear()
        login(api.client, desk)
        page = api.client.get("/followups")
        assert page.status_code == 403 and "随访帮扶由民政部门牵头" in page.text
        assert "登记走访</button>" not in page.text


def test_a_visit_that_did_not_see_the_child_keeps_the_case_near_the_top(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    """Whether the child was seen is asked, never assumed; a visit that did not see the child
    puts the case under 上次未见到儿童, above the week's visits, whatever its next due date."""
    alone = report_body(concerns=["neglect"], immediate_danger=False, narrative="孩子常一个人在家")
    api.submit(alone, key="page-yellow")
    runner.pump()
    login(api.client, "civil-desk")
    page = api.client.get("/followups").text
    assert "plan yellow" in page  # due in 7 days, then every 30: without the rule it would drop below
    case_id = re.search(r'id="plan-([0-9a-f-]+)"', page).group(1)  # type: ignore[union-attr]
    assert re.search(r'name="child_seen" value="(yes|no)"[^>]* checked', page) is None  # no default
    assert "首次走访：立案后红色24小时内" in page and "黄色每30天" in page
    visit = {"csrf": csrf_of(page), "visited_at": local(datetime.now(UTC)), "visitor": "王主任",
             "findings": "家中无人，门锁着", "measures": []}
    unasked = api.client.post(f"/followups/cases/{case_id}/visit", data=visit)
    assert unasked.status_code == 422
    assert f'id="child_seen-error-{case_id}">请选择是否见到儿童。' in unasked.text
    assert f"history.replaceState(null, '', '/followups#plan-{case_id}')" in unasked.text  # no re-POST
    done = api.client.post(f"/followups/cases/{case_id}/visit", data={**visit, "child_seen": "no"})
    assert "这次未见到儿童" in done.text
    sections = re.split(r"<h2>", done.text)
    unseen = next(s for s in sections if s.startswith("上次未见到儿童（1）"))
    assert f'id="plan-{case_id}"' in unseen
    shown, again = hotline_due(done.text, case_id)
    planned = beijing(hotline.dispatch.plan_for(case_id).next_due.isoformat())
    assert f"上次走访未见到儿童：请在 {again} 前再次入户" in unseen
    assert shown == again == planned  # the first visit's date still in force (stop 62)
    (referral,) = api.client.get("/v1/desk/referrals", headers=api.auth("civil-desk")).json()
    lead = api.client.get(f"/desk/referrals/{referral['referral_id']}").text.split('id="lead-plan"', 1)[1]
    assert again in lead.split("</dd>")[0] and "上次走访未见到儿童，须再次入户" in lead  # the same date there
    history = api.client.get(f"/followups/cases/{case_id}").text.split('id="next-visit"', 1)[1]
    assert again in history.split("</p>")[0] and "上次走访未见到儿童，须再次入户" in history  # and here
    runner.pump()
    later = api.client.get("/followups").text  # from the view too, not only the fresh read
    assert "上次未见到儿童（1）" in later and "7天以后到期" not in later
    again = {**visit, "visitor": "李主任", "child_seen": "yes"}  # another visit, not the same one again
    seen = api.client.post(f"/followups/cases/{case_id}/visit", data=again)
    assert "上次未见到儿童（" not in seen.text  # seen at the next visit: back in its place


def test_the_card_says_when_the_units_referral_still_waits_and_notices_name_the_case(
        api: Api, runner: EmbeddedRunner) -> None:
    alone = report_body(concerns=["neglect"], immediate_danger=False, narrative="孩子常一个人在家")
    api.submit(alone, key="page-yellow")
    runner.pump()
    (referral,) = api.client.get("/v1/desk/referrals", headers=api.auth("civil-desk")).json()
    case_id = referral["case_id"]
    login(api.client, "civil-desk")
    page = api.client.get("/followups").text
    assert "本单位尚未接收这条转介：请在转介详情中点“接收”" in card_of(page, case_id)
    paired = api.client.post(f"/followups/cases/{case_id}/helper",
                             data={"csrf": csrf_of(page), "helper": "李老师"})
    assert f"已记录结对帮扶人（案件 {case_id[:8]}）" in paired.text
    assert f'href="#plan-{case_id}" id="to-case">查看这个案件' in paired.text
    visit = {"csrf": csrf_of(page), "visited_at": local(datetime.now(UTC)), "visitor": "王主任",
             "child_seen": "yes", "findings": "见到孩子，外婆在照顾", "measures": []}
    api.client.post(f"/followups/cases/{case_id}/visit", data=visit)
    runner.pump()
    base = f"/desk/referrals/{referral['referral_id']}"
    api.client.post(f"{base}/acknowledge", data={"csrf": csrf_of(page), "back": "detail"})
    detail = api.client.get(base).text
    # The timeline says the child was seen, not only when not, and when the visit was made.
    assert re.search(r"登记走访（走访时间 (\d{4}-)?\d\d-\d\d \d\d:\d\d，见到儿童）", detail)
    csrf = csrf_of(detail)
    asked = api.client.post(f"{base}/decline", data={"csrf": csrf, "reason": "应由户籍地民政部门办理"})
    assert "本单位牵头的随访帮扶（入户走访）不受退回影响" in asked.text
    assert "例如：已入户核实" in detail and "已出警" not in detail  # the example fits the unit


def test_a_time_in_another_year_names_its_year() -> None:
    """"下次走访：01-04 03:49" read in December is next January (stop 45's review): the year is
    given when it is not this one, in every list that shows month and day."""
    now = datetime.now(BEIJING)
    this_year = now.replace(month=6, day=1, hour=9, minute=30)
    assert beijing(this_year.isoformat()) == "06-01 09:30"
    next_year = this_year.replace(year=now.year + 1, month=1, day=4, hour=3, minute=49)
    assert beijing(next_year.isoformat()) == f"{now.year + 1}-01-04 03:49"
    assert beijing(next_year.astimezone(UTC).isoformat()) == f"{now.year + 1}-01-04 03:49"  # Beijing's date


def test_a_card_says_where_the_cases_other_units_stand_and_whom_to_call(
        api: Api, runner: EmbeddedRunner) -> None:
    """A red case at the police and the hospital that civil affairs follows up without a referral of
    its own (the civil desk's review, stop 53: "a worker about to visit a beaten child cannot see
    whether police have taken the case or whom to call")."""
    api.submit(report_body(), key="page-others")
    runner.pump()
    assert api.client.get("/v1/desk/referrals", headers=api.auth("civil-desk")).json() == []
    police = api.client.get("/v1/desk/referrals", headers=api.auth("police-desk")).json()[0]
    assert api.client.post(f"/v1/referrals/{police['referral_id']}/acknowledge",
                           headers=api.auth("police-desk")).status_code == 200
    runner.pump()
    login(api.client, "civil-desk")
    card = re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", card_of(api.client.get("/followups").text,
                                                               police["case_id"])))
    assert "本案其他单位：" in card and "连南瑶族自治县公安局：已接收" in card
    assert "连南瑶族自治县人民医院：待接收（单位值班电话：0763-6625120）" in card
    login(api.client, "supervisor1")  # a supervisor reads every unit of the case
    card = card_of(api.client.get("/followups").text, police["case_id"])
    assert "本案承办单位：" in card


def test_line_breaks_count_once_as_the_page_counts_them(api: Api, runner: EmbeddedRunner,
                                                        hotline: ApiContainer) -> None:
    """The child director's review (stop 54): "已输入 4990 / 5000 字" under the box, then refused as
    5058: the browser sends each line break as CR LF."""
    case_id, csrf = _civil_plan(api, runner)
    typed = "\n".join(["孩子在家，奶奶卧床。" * 7] * 70)[:4990]  # as the page has it: 4,990
    findings = typed.replace("\n", "\r\n")  # as the browser sends it
    assert len(findings) > 5000
    visit = {"csrf": csrf, "visited_at": local(datetime.now(UTC)), "visitor": "王主任", "child_seen": "yes",
             "findings": findings, "measures": ["legal_aid"]}
    page = api.client.post(f"/followups/cases/{case_id}/visit", data=visit)
    assert page.status_code in (200, 303), page.text[:300]
    assert len(hotline.dispatch.plan_for(case_id).visits) == 1


def test_a_suggestion_waits_on_the_card_after_a_later_visit_suggesting_none(
        api: Api, runner: EmbeddedRunner) -> None:
    """Stop 62's child director: after a next visit with 不建议调整, the card lost "走访建议调整为红色，
    待督办人员复核" and the first visit's line its "建议调整为红色", while the board still had it."""
    case_id, _ = _civil_plan(api, runner)
    path = f"/v1/cases/{case_id}/visits"
    assert post(api, "civil-desk", path, visit_body(suggested_risk_level="orange")).status_code == 201
    assert post(api, "civil-desk", path, visit_body(findings="孩子在家，情况稳定")).status_code == 201
    runner.pump()
    card = card_of(api.client.get("/followups").text, case_id)
    assert "走访建议调整为橙色，待督办人员复核" in card
    lines = re.findall(r"<li>[^<]*· 王主任 ·.*?</li>", card, re.S)
    assert len(lines) == 2 and sum("建议调整为橙色" in line for line in lines) == 1  # the visit that made it


def test_a_child_not_found_card_says_whom_to_call(api: Api, runner: EmbeddedRunner) -> None:
    """Stop 62's child director: a neighbour said someone took the child; the card said only to go
    again, with no word of 110 or of how to reach the supervisors."""
    body = report_body(concerns=["neglect"], immediate_danger=False, narrative="孩子常一个人在家",
                       location={"region_code": "441823100", "address": "某村"})
    report = api.submit(body, key="town-unseen").json()
    runner.pump()
    case_id = api.client.get(f"/v1/reports/{report['report_id']}",
                             headers=api.auth("operator1")).json()["case_id"]
    path = f"/v1/cases/{case_id}/visits"
    unseen = visit_body(child_seen=False, findings="家中无人")
    assert post(api, "civil-sanjiang", path, unseen).status_code == 201
    runner.pump()
    login(api.client, "civil-sanjiang", home="/desk")
    card = visible(card_of(api.client.get("/followups").text, case_id))
    assert "儿童下落不明、可能被带走或有危险的，请立即拨打110" in card
    assert ("并电话告知督办（负责督办的县民政部门：连南瑶族自治县民政局（未成年人保护中心），"
            "单位值班电话：0763-6628012）") in card


def visit_form(page: str, case_id: str) -> str:
    return re.search(rf'<form [^>]*/followups/cases/{case_id}/visit".*?</form>', page, re.S).group(0)  # type: ignore[union-attr]


def test_the_visitor_filled_in_is_the_cases_own_or_its_towns_never_another_towns(
        api: Api, runner: EmbeddedRunner) -> None:
    """Stop 64's civil desk: a 涡水镇 case's form was given 房秀兰, 寨岗镇's child director, the
    unit's latest visitor anywhere in the county."""
    def neglected(name: str, town: str) -> None:
        child = [{"name": name, "gender": "female", "age": 8, "id_number": ""}]
        place = {"region_code": town, "address": "村口"}
        api.submit(report_body(children=child, concerns=["neglect"], immediate_danger=False,
                               narrative="孩子常一个人在家", location=place),
                   key=f"town-{name.encode().hex()}")
    for name, town in (("盘小一", "441823101"), ("盘小二", "441823101"), ("盘小三", "441823105")):
        neglected(name, town)
    runner.pump()
    login(api.client, "civil-desk")
    page = api.client.get("/followups").text
    cards = {name: re.search(rf'id="plan-([0-9a-f-]+)"(?:(?!id="plan-).)*?{name}', page, re.S)
             for name in ("盘小一", "盘小二", "盘小三")}
    ids = {name: m.group(1) for name, m in cards.items() if m}
    assert len(ids) == 3, page
    visit = {"csrf": csrf_of(page), "visited_at": local(datetime.now(UTC)),
             "visitor": "房秀兰（寨岗镇儿童主任）", "child_seen": "yes", "findings": "孩子在家",
             "measures": []}
    assert api.client.post(f"/followups/cases/{ids['盘小一']}/visit", data=visit).status_code == 200
    runner.pump()
    page = api.client.get("/followups").text
    assert 'value="房秀兰（寨岗镇儿童主任）"' in visit_form(page, ids["盘小一"])  # the case's own
    same_town = visit_form(page, ids["盘小二"])
    assert 'value="房秀兰（寨岗镇儿童主任）"' in same_town and "本单位在该镇上次的走访人" in same_town
    other_town = visit_form(page, ids["盘小三"])
    assert re.search(r'name="visitor"[^>]*value=""', other_town) and "房秀兰" not in other_town
