"""Desk and board pages: role checks, CSRF, actions through forms."""

import re
import time
from urllib.parse import quote

from services.api.auth import SESSION_COOKIE
from services.api.web import beijing
from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.helpers import TEST_PASSWORD, report_body
from tests.unit.test_board_page import visible
from tests.unit.test_followups import visit_body
from tests.unit.test_pages import login


def test_desk_page_lists_and_acknowledges_with_csrf(api: Api, runner: EmbeddedRunner) -> None:
    api.submit(report_body(), key="page-red")
    runner.pump()
    client = api.client
    login(client, "police-desk")
    page = client.get("/desk")
    assert page.status_code == 200 and "红色" in page.text and "连南瑶族自治县公安局" in page.text
    referral_id = re.search(r'id="ref-([0-9a-f-]+)"', page.text).group(1)  # type: ignore[union-attr]
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    action = f"/desk/referrals/{referral_id}/acknowledge"
    assert client.post(action, data={"csrf": "forged"}).status_code == 403
    r = client.post(action, data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/desk?done=acknowledge&referral={referral_id}"
    said = client.get(r.headers["location"]).text
    assert re.search(r'<div class="card" role="status" id="notice">已接收。处置完成后', said)
    assert f'href="/desk/referrals/{referral_id}">查看这条转介的详情' in said
    runner.pump()
    inbox = client.get("/desk/inbox").text
    assert "已接收" in inbox and "处置后请办结" in inbox and 'class="hint acked"' in inbox  # what comes next
    detail = client.get(f"/desk/referrals/{referral_id}").text
    assert 'id="next-step">处置中可随时“记录办理进展”；处置完成后办结' in detail


def referral_on_page(api: Api, runner: EmbeddedRunner, desk: str = "police-desk") -> tuple[str, str]:
    """A red report's referral to this desk, its page open: (referral id, the page's CSRF token)."""
    api.submit(report_body(), key="page-red")
    runner.pump()
    login(api.client, desk)
    page = api.client.get("/desk").text
    referral_id = re.search(r'id="ref-([0-9a-f-]+)"', page).group(1)  # type: ignore[union-attr]
    return referral_id, re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def signed_out_link(api: Api, link: str) -> tuple[str, str, str]:
    """A link opened signed out, then the login form it leads to filled in: where the link sent
    (the login form's address), what the form said, and where logging in sent."""
    api.client.cookies.clear()
    sent = api.client.get(link, follow_redirects=False)
    assert sent.status_code == 303
    page = api.client.get(sent.headers["location"])
    assert f'name="next" value="{link}"' in page.text  # the link, as it was, is where login goes
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = api.client.post("/login", data={"username": "police-desk", "password": TEST_PASSWORD, "csrf": csrf,
                                        "next": link}, follow_redirects=False)
    assert r.status_code == 303
    return sent.headers["location"], page.text, r.headers["location"]


def test_a_referral_link_opened_signed_out_comes_back_to_the_referral_after_login(
        api: Api, runner: EmbeddedRunner) -> None:
    """A referral's own link: log in, then the referral itself, not the inbox."""
    referral_id, _ = referral_on_page(api, runner)
    link = f"/desk/referrals/{referral_id}"
    login_at, page, after = signed_out_link(api, link)
    assert login_at == f"/login?next={link}" and after == link
    assert 'id="login-notice">请登录后查看这条转介。' in page


def test_what_a_desk_typed_comes_back_after_an_error_and_from_the_confirmation(
        api: Api, runner: EmbeddedRunner) -> None:
    referral_id, csrf = referral_on_page(api, runner)
    base = f"/desk/referrals/{referral_id}"
    api.client.post(f"{base}/acknowledge", data={"csrf": csrf, "back": "detail"})
    missing = api.client.post(f"{base}/outcome", data={"csrf": csrf, "outcome": "", "note": "已联系学校"})
    assert missing.status_code == 422 and ">已联系学校</textarea>" in missing.text  # the note kept
    reason = "不属本单位辖区，应转交属地派出所"
    asked = api.client.post(f"{base}/decline", data={"csrf": csrf, "reason": reason})
    assert 'id="confirm-no">返回修改' in asked.text and 'class="risky">确认退回' in asked.text
    assert 'id="confirm-h" tabindex="-1" autofocus>确认退回这条转介' in asked.text  # one Enter never declines
    back = api.client.post(f"{base}/decline", data={"csrf": csrf, "reason": reason, "edit": "yes"})
    assert back.status_code == 200 and f">{reason}</textarea>" in back.text
    assert re.search(r'<details id="decline-box" open>', back.text) and 'id="confirm"' not in back.text
    status = api.client.get(f"/v1/referrals/{referral_id}", headers=api.auth("police-desk")).json()["status"]
    assert status == "acknowledged"  # going back recorded nothing


def test_a_civil_affairs_desk_sees_the_visit_its_unit_owes(api: Api, runner: EmbeddedRunner) -> None:
    body = report_body(concerns=["neglect"], immediate_danger=False)
    api.submit(body, key="neglect")
    runner.pump()
    login(api.client, "civil-desk")
    referral_id = re.search(r'id="ref-([0-9a-f-]+)"',  # type: ignore[union-attr]
                            api.client.get("/desk").text).group(1)
    page = api.client.get(f"/desk/referrals/{referral_id}").text
    case_id = re.search(r'案件 ([0-9a-f]{8})', page).group(1)  # type: ignore[union-attr]
    assert 'id="lead-plan">本单位牵头此案的随访帮扶' in page and f'href="/followups#plan-{case_id}' in page
    # 办结 before any visit saw the child: the confirming step says so (stop 54's child director).
    base = f"/desk/referrals/{referral_id}"
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    api.client.post(f"{base}/acknowledge", data={"csrf": csrf, "back": "detail"})
    asked = api.client.post(f"{base}/outcome", data={"csrf": csrf, "outcome": "已落实临时照料"}).text
    assert 'id="confirm-h"' in asked and "至今没有一次走访当面见到儿童" in visible(asked)
    full_id = api.client.get(f"/v1/referrals/{referral_id}", headers=api.auth("civil-desk")).json()["case_id"]
    seen = api.client.post(f"/v1/cases/{full_id}/visits", headers=api.auth("civil-desk"),
                           json=visit_body(child_seen=True))
    assert seen.status_code == 201, seen.text
    asked = api.client.post(f"{base}/outcome", data={"csrf": csrf, "outcome": "已落实临时照料"}).text
    assert 'id="confirm-h"' in asked and 'id="never-seen"' not in asked
    login(api.client, "police-desk")
    api.submit(report_body(), key="page-red")
    runner.pump()
    police = re.search(r'id="ref-([0-9a-f-]+)"', api.client.get("/desk").text).group(1)  # type: ignore[union-attr]
    assert 'id="lead-plan"' not in api.client.get(f"/desk/referrals/{police}").text  # police leads none


def test_the_header_names_the_desks_unit_and_the_title_keeps_it_on_its_own_line(api: Api) -> None:
    login(api.client, "police-desk")
    page = api.client.get("/desk").text
    assert "police-desk<span class=\"unit-name\"> · 连南瑶族自治县公安局</span>" in page
    assert "机构工作人员" not in page
    assert '<h1>转介收件箱 <span class="unit">连南瑶族自治县公安局</span></h1>' in page
    assert 'id="live"' in page and "正在连接" in page  # the script says 实时更新中 / 连接中断 there
    api.client.cookies.clear()
    login(api.client, "civil-desk")
    note = '<span class="role-note">（民政）</span><span class="unit-name"> · '  # the unit says which
    assert f"civil-desk{note}" in api.client.get("/desk").text


def test_desk_cannot_act_on_another_units_referral(api: Api, runner: EmbeddedRunner) -> None:
    api.submit(report_body(), key="page-red")
    runner.pump()
    (hospital,) = api.client.get("/v1/desk/referrals", headers=api.auth("hospital-desk")).json()
    login(api.client, "police-desk")
    csrf = re.search(r'name="csrf" value="([^"]+)"',  # type: ignore[union-attr]
                     api.client.get("/desk").text).group(1)
    r = api.client.post(f"/desk/referrals/{hospital['referral_id']}/acknowledge", data={"csrf": csrf})
    assert r.status_code == 404


def test_pages_are_for_their_roles(api: Api) -> None:
    login(api.client, "teacher1")
    assert api.client.get("/desk").status_code == 403
    assert api.client.get("/board").status_code == 403
    api.client.cookies.clear()
    assert api.client.get("/board", follow_redirects=False).status_code == 303


def test_board_reassess_needs_a_reason(api: Api, runner: EmbeddedRunner) -> None:
    api.submit(report_body(), key="page-red")
    runner.pump()
    login(api.client, "supervisor1")
    page = api.client.get("/board")
    assert page.status_code == 200
    case_id = re.search(r'id="case-([0-9a-f-]+)"', page.text).group(1)  # type: ignore[union-attr]
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    path = f"/board/cases/{case_id}/reassess"
    assert api.client.post(path, data={"csrf": csrf, "risk_level": "blue", "reason": ""}
                           ).status_code == 422
    r = api.client.post(path, data={"csrf": csrf, "risk_level": "orange", "reason": "回访核实"},
                        follow_redirects=False)
    assert r.status_code == 303
    runner.pump()
    case = api.client.get(f"/v1/cases/{case_id}", headers=api.auth("supervisor1")).json()
    assert case["risk_level"] == "orange" and case["initial_risk_level"] == "red"


def test_the_inbox_says_where_and_keeps_finished_work_apart(api: Api, runner: EmbeddedRunner,
                                                           hotline: ApiContainer) -> None:
    referral_id, csrf = referral_on_page(api, runner)
    inbox = api.client.get("/desk/inbox").text
    assert '<span class="place">连南' in inbox and 'id="finished"' not in inbox
    base = f"/desk/referrals/{referral_id}"
    api.client.post(f"{base}/acknowledge", data={"csrf": csrf, "back": "detail"})
    after = api.client.get(f"/desk?done=acknowledge&referral={referral_id}").text
    assert re.search(r"查看这条转介的详情（案件 [0-9a-f]{8}）", after)  # which one was acted on
    # Taken on: the row says when, under a label that says so, not under the deadline's.
    runner.pump()
    assert 'data-label="接收时间"><span class="hint acked">' in api.client.get("/desk/inbox").text
    api.client.post(f"{base}/outcome", data={"csrf": csrf, "outcome": "已出警", "confirmed": "yes"})
    runner.pump()
    inbox = api.client.get("/desk/inbox").text
    finished = inbox.split('<h2 class="finished-h" id="finished-h">', 1)[1]
    assert finished.startswith("已办结、已退回（1）") and f'id="ref-{referral_id}"' in finished
    # When it was taken on and when it was closed, not a deadline; the outcome whole, with its 。
    referral = hotline.dispatch.get_referral(referral_id)
    assert "<th>接收、办结或退回时间</th>" in finished and "接收时限" not in finished
    assert f'{beijing(referral.acknowledged_at.isoformat())} 接收' in finished
    assert f'<span class="hint ended">{beijing(referral.closed_at.isoformat())} 办结</span>' in finished
    assert "处置结果：已出警</div>" in finished  # as typed: nothing added, nothing taken away
    assert 'id="nothing-open"' in inbox
    detail = api.client.get(base).text
    assert 'id="ended-at"' in detail and "办结时间" in detail
    assert "转介（连南瑶族自治县公安局）" in detail  # the timeline names each referral's unit


def test_the_login_form_says_why_it_is_shown(api: Api, runner: EmbeddedRunner) -> None:
    referral_on_page(api, runner)
    out = api.client.get("/logout", follow_redirects=False)
    assert out.headers["location"] == "/login?out=1"
    signed_out = api.client.get("/login?out=1").text
    assert "已退出登录（本设备）。本账号在其他设备上的登录不受影响" in signed_out
    assert "sessionStorage.clear()" in signed_out  # nothing typed stays in the tab signed out of
    assert "sessionStorage.clear()" not in api.client.get("/login?ended=1").text  # an ended login keeps it
    # A visit sent after the cookie itself went (the child director's review, stop 54: a bare
    # login page): not taken, and said so, with the kept draft.
    api.client.cookies.delete(SESSION_COOKIE)
    sent = api.client.post("/followups/cases/x/visit", data={"findings": "a"}, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"] == "/login?next=/followups&unsent=1"
    said = api.client.get(sent.headers["location"]).text
    assert "登录已过期，刚才提交的内容没有保存" in said and "尚未提交的走访记录仍保存" in said
    for why in ("ended", "idle"):  # a child director's visit being typed: kept, and said so
        assert "尚未提交的走访记录仍保存" in api.client.get(f"/login?next=/followups&{why}=1").text
        assert "尚未提交的走访记录仍保存" not in api.client.get(f"/login?next=/desk&{why}=1").text
    login(api.client, "police-desk")
    token = api.client.cookies.get(SESSION_COOKIE)
    login(api.client, "police-desk")  # her phone
    phone = api.client.cookies.get(SESSION_COOKIE)
    assert api.client.get("/logout", follow_redirects=False).headers["location"] == "/login?out=1"
    time.sleep(0.6)  # past each process's 0.5 s look at the account
    api.client.cookies.set(SESSION_COOKIE, phone or "")
    assert api.client.get("/desk", follow_redirects=False).status_code == 303  # the phone's: ended
    api.client.cookies.set(SESSION_COOKIE, token or "")  # the office PC: 退出 on the phone ended only it
    assert api.client.get("/desk", follow_redirects=False).status_code == 200
    asked = api.client.get("/logout?all=1", follow_redirects=False)  # asked first (stop 62's police desk)
    assert asked.status_code == 200 and "确认退出所有设备？" in asked.text
    assert "包括同事此刻正在使用的" in asked.text
    assert api.client.get("/desk", follow_redirects=False).status_code == 200  # nothing ended by asking
    confirmed = api.client.get("/logout?all=1&confirmed=1", follow_redirects=False)
    assert confirmed.headers["location"] == "/login?out=all"
    login(api.client, "police-desk")  # elsewhere: the same account's other device still holds its cookie
    api.client.get("/logout?all=1&confirmed=1")
    api.client.cookies.set(SESSION_COOKIE, token or "")
    deadline = time.monotonic() + 2  # each process reads the version at most every 0.5 s
    while (ended := api.client.get("/desk", follow_redirects=False)).status_code == 200:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert ended.headers["location"] == "/login?next=/desk&ended=1"
    assert "您的登录已结束" in api.client.get(ended.headers["location"]).text


def test_the_on_call_messages_link_opens_the_referral_after_login(api: Api, runner: EmbeddedRunner) -> None:
    """The webhook's `url` is /desk?referral=<id>: signed out, log in and land on that referral."""
    referral_id, _ = referral_on_page(api, runner)
    link = f"/desk?referral={referral_id}"
    login_at, page, after = signed_out_link(api, link)
    assert login_at == f"/login?next=/desk%3Freferral%3D{referral_id}" and after == link
    assert 'id="login-notice">请登录后查看这条转介。' in page
    r = api.client.get(after, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/desk/referrals/{referral_id}"


def test_a_refused_field_says_whether_it_is_empty_or_too_long_and_by_how_much(
        api: Api, runner: EmbeddedRunner) -> None:
    referral_id, csrf = referral_on_page(api, runner)
    base = f"/desk/referrals/{referral_id}"
    api.client.post(f"{base}/acknowledge", data={"csrf": csrf, "back": "detail"})
    empty = api.client.post(f"{base}/outcome", data={"csrf": csrf, "outcome": " "})
    assert empty.status_code == 422 and 'id="outcome-error">请填写处置结果。' in empty.text
    long = "已出警" * 88  # 264 characters
    over = api.client.post(f"{base}/outcome", data={"csrf": csrf, "outcome": long})
    assert over.status_code == 422 and "处置结果不能超过200字（现在264字），请删减后再提交。" in over.text
    assert f">{long}</textarea>" in over.text  # nothing cut: the whole text, to trim
    page = api.client.get(base).text
    assert "<strong>找谁：</strong>王小明（男，9岁）" in page
    assert "<strong>什么情况：</strong>孩子被打流血" in page  # near the top, with whom and where
    legend = api.client.get("/desk").text
    assert re.search(r'id="legend">红色为最紧急：请在时限内点击“接收”（红色15分钟、橙色2小时', legend)


def test_an_anonymous_report_says_there_is_no_one_to_call(api: Api, runner: EmbeddedRunner) -> None:
    body = report_body(reporter={"relation": "other", "anonymous": True})
    api.submit(body, key="anonymous-red")
    runner.pump()
    login(api.client, "police-desk")
    referral_id = re.search(r'id="ref-([0-9a-f-]+)"', api.client.get("/desk").text).group(1)  # type: ignore[union-attr]
    page = api.client.get(f"/desk/referrals/{referral_id}").text
    assert 'id="no-call">匿名报告：报告人未留电话，无法回电。' in page and 'id="call"' not in page


def test_the_desk_page_asks_only_what_can_be_done_and_says_every_named_field_at_once(
        api: Api, runner: EmbeddedRunner) -> None:
    """The police desk's review (stop 54): a second tab asked to confirm 退回 of a referral already
    closed; 说明 was refused for a name only after 处置结果 was mended; the case's newest report
    (why it went red) was only a link; the unit leading the visits, with no referral, was not listed."""
    referral_id, csrf = referral_on_page(api, runner)
    base = f"/desk/referrals/{referral_id}"
    api.client.post(f"{base}/acknowledge", data={"csrf": csrf, "back": "detail"})
    named = api.client.post(f"{base}/outcome",
                            data={"csrf": csrf, "outcome": "王小明已送医", "note": "小明的母亲在场"})
    assert named.status_code == 422
    assert 'id="outcome-error"' in named.text and 'id="note-error"' in named.text  # both at once
    page = api.client.get(base).text
    # No referral, yet it leads the visits: named, with whom to call.
    assert "连南瑶族自治县民政局（未成年人保护中心）：牵头随访（入户走访）" in visible(page)
    api.submit(report_body(narrative="孩子头部受伤，呕吐", immediate_danger=True), key="page-red-2")
    runner.pump()
    latest = re.search(r'id="latest">(.*?)</p>', api.client.get(base).text, re.S)
    assert latest is not None and "报告时儿童处于紧急危险中。孩子头部受伤，呕吐" in visible(latest.group(1))
    done = api.client.post(f"{base}/outcome", data={"csrf": csrf, "outcome": "已出警", "confirmed": "yes"},
                           follow_redirects=False)
    assert done.status_code == 303
    stale = api.client.post(f"{base}/decline", data={"csrf": csrf, "reason": "不属本单位"})  # another tab
    assert stale.status_code == 409 and "该转介已办结，不能再退回。" in stale.text
    assert "确认退回这条转介" not in stale.text


def test_the_call_button_takes_the_newest_report_with_a_number(api: Api, runner: EmbeddedRunner) -> None:
    """The police desk's second review (stop 54): the first report left no number, so the button
    was missing though later reports on the case gave the teacher's."""
    api.submit(report_body(reporter={"relation": "teacher", "anonymous": False}), key="no-number")
    runner.pump()
    api.submit(report_body(reporter={"relation": "teacher", "name": "王老师", "phone": "13800138000",
                                     "anonymous": False}), key="with-number")
    runner.pump()
    login(api.client, "police-desk")
    referral_id = re.search(r'id="ref-([0-9a-f-]+)"', api.client.get("/desk").text).group(1)  # type: ignore[union-attr]
    page = api.client.get(f"/desk/referrals/{referral_id}").text
    assert 'href="tel:13800138000" id="call">☎ 拨打报告人电话（王老师） 13800138000</a>' in page


def test_the_inbox_lists_the_newest_declined_or_closed_and_all_when_asked(api: Api,
                                                                         runner: EmbeddedRunner) -> None:
    """The police desk's review, stop 54: "the phone inbox grows without limit". Those still open
    are all there; of those ended, the newest 20, and every one on asking."""
    names = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"
    for i, name in enumerate(names):
        body = report_body(children=[{"name": f"欧阳{name}{name}", "gender": "male", "age": 3 + i % 12}])
        assert api.submit(body, key=f"ended-{i}").status_code == 201
    runner.pump()
    mine = api.client.get("/v1/desk/referrals", headers=api.auth("police-desk")).json()
    assert len(mine) == len(names) == 22
    for r in sorted(mine, key=lambda r: r["dispatched_at"])[:21]:  # the oldest 21 declined, one left open
        done = api.client.post(f"/v1/referrals/{r['referral_id']}/decline", headers=api.auth("police-desk"),
                               json={"reason": "不属于本单位"})
        assert done.status_code == 200, done.text
    runner.pump()
    oldest = min(mine, key=lambda r: r["dispatched_at"])["referral_id"]
    login(api.client, "police-desk", "/desk")
    inbox = api.client.get("/desk").text
    assert inbox.count('data-status="declined"') == 20 and inbox.count('data-status="dispatched"') == 1
    assert f'id="ref-{oldest}"' not in inbox  # the oldest ended one waits behind the link
    assert "已办结、已退回（最近20条）" in visible(inbox) and 'href="/desk?ended=all#finished-h"' in inbox
    every = api.client.get("/desk?ended=all").text
    assert every.count('data-status="declined"') == 21 and f'id="ref-{oldest}"' in every
    assert 'data-src="/desk/inbox?ended=all"' in every and "只显示最近20条" in visible(every)
    assert api.client.get("/desk/inbox?ended=all").text.count('data-status="declined"') == 21
    assert api.client.get("/desk/inbox").text.count('data-status="declined"') == 20


def test_closing_or_returning_says_which_units_have_not_taken_the_child_on(
        api: Api, runner: EmbeddedRunner) -> None:
    """The education desk's review, stop 60: 办结 said nothing of the hospital that had not
    accepted, and 退回 of a red case said nothing of there being no unit acting at all."""
    referral_id, csrf = referral_on_page(api, runner)
    base = f"/desk/referrals/{referral_id}"
    case_id = api.client.get(f"/v1/referrals/{referral_id}",
                             headers=api.auth("police-desk")).json()["case_id"]
    units = {r["agency_id"]: r for r in api.client.get(
        f"/v1/cases/{case_id}", headers=api.auth("supervisor1")).json()["referrals"]}
    assert "hospital-441823" in units  # the red report goes to the police and the hospital
    api.client.post(f"{base}/acknowledge", data={"csrf": csrf, "back": "detail"})
    runner.pump()
    asked = visible(api.client.post(f"{base}/decline", data={"csrf": csrf, "reason": "不属本单位辖区"}).text)
    assert "人民医院（待接收" in asked and "尚未接收。退回不会通知它" in asked
    assert "退回后，此刻没有任何单位已接收这名儿童的转介（红色）" in asked
    assert ("请先拨打110或电话联系督办（负责督办的县民政部门：连南瑶族自治县民政局（未成年人保护中心），"
            "单位值班电话：0763-6628012）") in asked
    closing = visible(api.client.post(f"{base}/outcome", data={"csrf": csrf, "outcome": "已出警"}).text)
    assert "尚未接收。办结不会通知它" in closing and "没有任何单位已接收" not in closing
    hospital = units["hospital-441823"]["referral_id"]
    taken = api.client.post(f"/v1/referrals/{hospital}/acknowledge", headers=api.auth("hospital-desk"))
    assert taken.status_code == 200
    runner.pump()
    asked = api.client.post(f"{base}/decline", data={"csrf": csrf, "reason": "不属本单位辖区"}).text
    assert 'id="confirm-h"' in asked
    assert 'id="others-waiting"' not in asked and 'id="nobody-acting"' not in asked


def test_a_desk_finds_its_referral_by_receipt_or_case_number_and_nothing_of_another_unit(
        api: Api, runner: EmbeddedRunner) -> None:
    """Stop 62's police desk: a caller gives the 受理编号 and the inbox had no search."""
    first = api.submit(report_body(), key="find-1").json()
    other_child = [{"name": "陈小红", "gender": "female", "age": 7, "id_number": ""}]
    second = api.submit(report_body(children=other_child, narrative="孩子被打"), key="find-2").json()
    boy = [{"name": "赵小刚", "gender": "male", "age": 12, "id_number": ""}]
    truancy = api.submit(report_body(children=boy, concerns=["school_dropout"], immediate_danger=False,
                                     narrative="失学"), key="find-3").json()
    runner.pump()
    login(api.client, "police-desk")
    every = api.client.get("/desk").text
    assert every.count('id="ref-') >= 2
    wide = first["receipt_no"].translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
    page = api.client.get("/desk", params={"q": wide}).text  # as a phone's keyboard types it
    case = re.search(r"案件 ([0-9a-f]{8})", page).group(1)  # type: ignore[union-attr]
    assert page.count('id="ref-') == 1 and f"受理编号{first['receipt_no']}：本单位有1条转介" in visible(page)
    assert f'data-src="/desk/inbox?q={quote(wide)}"' in page  # the live refresh keeps the search
    by_case = api.client.get("/desk/inbox", params={"q": case}).text
    assert by_case.count('id="ref-') == 1 and f"案件 {case}" in by_case
    assert api.client.get("/desk", params={"q": second["receipt_no"]}).text.count('id="ref-') == 1
    # A truancy report goes to education, not the police: its number finds nothing here, and says so.
    none = visible(api.client.get("/desk", params={"q": truancy["receipt_no"]}).text)
    assert 'id="ref-' not in none and f"本单位没有受理编号或案件编号为“{truancy['receipt_no']}”的转介" in none
    assert "负责督办的县民政部门：连南瑶族自治县民政局" in none  # whom to ask, with the number to ring
    # The referral found says the number back (stop 63's hospital desk: nowhere on its pages).
    referral_id = re.search(r'id="ref-([0-9a-f-]+)"', page).group(1)  # type: ignore[union-attr]
    found_page = api.client.get(f"/desk/referrals/{referral_id}").text
    assert f'<span id="h-receipt">受理编号 {first["receipt_no"]}</span>' in found_page  # at the top, too
    # The ten characters after the dash alone, as a caller may read them (stop 64's civil desk).
    tail = first["receipt_no"].split("-")[1]
    alone = api.client.get("/desk", params={"q": f" {tail[:5].lower()} {tail[5:]} "}).text
    assert alone.count('id="ref-') == 1
    assert f"受理编号{first['receipt_no']}：本单位有1条转介" in visible(alone)
    assert "本单位没有" in visible(api.client.get("/desk", params={"q": "ZZZZZZZZZZ"}).text)


def test_a_number_of_a_case_whose_visits_the_unit_leads_opens_its_follow_up(
        api: Api, runner: EmbeddedRunner) -> None:
    """Stop 64's civil desk: a bullying case on its follow-ups, referred to education only; its
    number found "本单位没有…的转介"."""
    boy = [{"name": "赵小刚", "gender": "male", "age": 12, "id_number": ""}]
    bullied = api.submit(report_body(children=boy, concerns=["school_bullying"], immediate_danger=False,
                                     narrative="在学校被同学欺负"), key="led-only").json()
    runner.pump()
    login(api.client, "civil-desk")
    page = api.client.get("/desk", params={"q": bullied["receipt_no"]}).text
    report = api.client.get(f"/v1/reports/{bullied['report_id']}", headers=api.auth("operator1")).json()
    case_id = report["case_id"]
    assert 'id="ref-' not in page and f'href="/followups#plan-{case_id}" id="found-plan"' in page
    assert "本单位牵头此案的随访帮扶（入户走访）" in visible(page)
    assert f'id="plan-{case_id}"' in api.client.get("/followups").text


def test_the_supervising_office_is_not_told_to_ring_itself(api: Api, runner: EmbeddedRunner) -> None:
    """Stop 64's civil desk: after 退回, and on a number not found, its pages said to ring the
    county's supervising office, its own, by its own number."""
    alone = [{"name": "盘小芳", "gender": "female", "age": 7, "id_number": ""}]
    neglect = api.submit(report_body(children=alone, concerns=["neglect"], immediate_danger=False,
                                     narrative="孩子常一个人在家"), key="own-office").json()
    elsewhere = {"region_code": "441802", "address": "某村"}  # another county's: nothing of this unit
    police_only = api.submit(report_body(location=elsewhere), key="own-office-police").json()
    runner.pump()
    login(api.client, "civil-desk")
    found = api.client.get("/desk", params={"q": neglect["receipt_no"]}).text
    referral_id = re.search(r'id="ref-([0-9a-f-]+)"', found).group(1)  # type: ignore[union-attr]
    csrf = re.search(r'name="csrf" value="([^"]+)"', found).group(1)  # type: ignore[union-attr]
    declined = api.client.post(f"/desk/referrals/{referral_id}/decline",
                               data={"csrf": csrf, "reason": "不属本单位辖区", "confirmed": "yes"})
    assert declined.status_code in (200, 303), declined.text
    after = visible(api.client.get(f"/desk/referrals/{referral_id}").text)
    assert "退回之后" in after and "本单位即负责督办的县民政部门：请告知本单位负责督办的同事" in after
    assert "0763-6628012" not in after.split("退回之后")[1]  # not its own number
    none = visible(api.client.get("/desk", params={"q": police_only["receipt_no"]}).text)
    assert "请联系督办（本单位即负责督办的县民政部门：请告知本单位负责督办的同事）" in none
    assert "0763-6628012" not in none
    login(api.client, "police-desk")  # any other unit is still given the office and its number
    other = visible(api.client.get("/desk", params={"q": neglect["receipt_no"]}).text)
    assert "请电话联系督办（负责督办的县民政部门：连南瑶族自治县民政局（未成年人保护中心），" in other
