"""A civil-affairs child director on a phone-sized screen (headless Chromium, `make run`) starts
at `/`, opens 随访帮扶 from the header, finds the child and the address to visit on the plan's
card, pairs a helper and files a visit, then sees it listed; the page fits the screen and passes
axe at 1366 and 360 px."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, Route, expect, sync_playwright

from tests.e2e.axe import serious_violations
from tests.e2e.client import Client, embedded_server, wait_for
from tests.e2e.conftest import CHROMIUM_ARGS
from tests.e2e.test_browser_desk import from_root, login
from tests.e2e.test_browser_form import SHOTS
from tests.helpers import report_body

PORT = 18111
WIDTH = 390


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    with embedded_server(tmp_path_factory.mktemp("followups") / "var", PORT) as client:
        yield client


def shows(page: Page, text: str) -> None:
    """The page after the action's redirect can be a moment older than the action (the view
    follows the store): reload until the plan shows it, as the user would."""
    def seen() -> bool:
        if text in page.locator("section.plan.red").inner_text():
            return True
        page.reload()
        return False

    wait_for(seen, timeout=15, what=text)


def test_a_visit_is_filed_on_a_phone(server: Client) -> None:
    report = server.submit(report_body(), key="phone-red")
    case_id = wait_for(lambda: server.http.get(f"/v1/reports/{report['report_id']}",
                                               headers=server.auth("operator1")).json().get("case_id"),
                       what="the case")
    wait_for(lambda: server.http.get("/v1/followups", headers=server.auth("civil-desk")).json(),
             what="its follow-up plan")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": WIDTH, "height": 844}, device_scale_factor=2,
                                is_mobile=True, has_touch=True, locale="zh-CN")
        from_root(page, server, "civil-desk", "/desk")
        page.locator("header a[href='/followups']").tap()  # civil affairs leads follow-ups
        plan = page.locator("section.plan.red")
        expect(plan).to_be_visible()
        expect(plan.locator(".child")).to_contain_text("王小明（男，9岁）")  # whom to visit
        expect(plan.locator(".address")).to_contain_text("某村三巷")  # and where
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH  # no sideways scrolling
        expect(plan.locator("details.helper-box")).not_to_have_attribute("open", "")  # asked for, not open
        plan.locator("details.helper-box > summary").tap()
        plan.locator("input[name=helper]").fill("李老师")
        plan.locator("form.helper button").tap()
        expect(page.locator("#notice")).to_contain_text("已记录结对帮扶人")
        shows(page, "李老师")
        plan = page.locator("section.plan.red")

        plan.locator("summary", has_text="登记走访").tap()
        plan.locator("input[name=visitor]").fill("张主任")
        plan.locator("textarea[name=findings]").fill("见到孩子，手臂淤青已消退\n已联系学校心理老师")
        plan.get_by_label("见到", exact=True).check()  # asked, never assumed
        plan.get_by_label("心理疏导").check()
        plan.get_by_label("生活救助").check()
        page.screenshot(path=str(SHOTS / "followups-phone.png"), full_page=True)
        plan.locator("form.visit button").tap()
        expect(page.locator("#notice")).to_contain_text("已登记走访")
        shows(page, "已走访 1 次")
        plan = page.locator("section.plan.red")
        expect(plan.locator("ul.visits li")).to_contain_text("张主任")
        expect(plan.locator("ul.visits li")).to_contain_text("见到儿童 · 心理疏导、生活救助")
        plan.scroll_into_view_if_needed()
        plan.screenshot(path=str(SHOTS / "followup-card-phone.png"))
        plan.locator("a.visits-link").tap()  # the findings, read back for the lead unit
        # Read back with its lines as typed (stop 46's review: run together into one paragraph).
        assert page.locator(".visit .findings").inner_text() == "见到孩子，手臂淤青已消退\n已联系学校心理老师"
        back = page.locator("a.back").bounding_box()  # "← 返回随访帮扶": a finger's target (19 px before)
        assert back is not None and back["height"] >= 24, back
        # A finger's target on a phone (stop 45's review: header links and 报告的情况 26 px, the
        # radios' labels 37 px).
        for target in page.locator("header nav a").all():
            box = target.bounding_box()
            assert box is not None and box["height"] >= 40, (target.inner_text(), box)
        page.locator("a.back").tap()  # back to the plans, at this case's card as it was
        expect(page.locator("section.plan.red")).to_be_in_viewport()
        expect(page.locator("section.plan.red details.visit-box")).not_to_have_attribute("open", "")
        plan = page.locator("section.plan.red")
        for target in (plan.locator("details.why > summary"), plan.get_by_text("见到", exact=True)):
            box = target.bounding_box()
            assert box is not None and box["height"] >= 40, box

        checked = browser.new_context(locale="zh-CN", bypass_csp=True).new_page()  # to inject axe
        login(checked, server, "civil-desk", "/desk")
        base = str(server.http.base_url).rstrip('/')
        for path in ("/followups", f"/followups/cases/{case_id}"):  # the plans, one child's visits
            checked.goto(base + path)
            expect(checked.locator("main")).to_be_visible()
            for width in (1366, 360):
                checked.set_viewport_size({"width": width, "height": 844})
                assert serious_violations(checked) == [], (path, width)
                assert checked.evaluate("document.documentElement.scrollWidth") <= width, (path, width)
        browser.close()

    visits = server.http.get(f"/v1/cases/{case_id}/visits",
                             headers=server.auth("civil-desk")).json()
    assert [v["measures"] for v in visits] == [["psychological_support", "living_assistance"]]
    assert visits[0]["findings"].startswith("见到孩子")  # sealed, and opened for the lead unit


def test_from_a_referral_to_a_visit_that_did_not_see_the_child(server: Client) -> None:
    """The referral's page says the unit leads the case's visits and links to its card, whose
    visit form opens; a visit with no answer to 见到/未见到 is refused at that field (the page
    keeps its own address); one that did not see the child keeps the case at the top, flagged."""
    body = report_body(concerns=["neglect"], immediate_danger=False, narrative="孩子常一个人在家",
                       children=[{"name": "赵小雪", "gender": "female", "age": 7}])
    report = server.submit(body, key="phone-yellow")
    found = server.wait_for_referrals(report["report_id"], ("civil-desk",))["civil-desk"]
    base = str(server.http.base_url).rstrip("/")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": WIDTH, "height": 844}, is_mobile=True, has_touch=True,
                                locale="zh-CN")
        from_root(page, server, "civil-desk", "/desk")
        page.locator(f"#ref-{found['referral_id']} a.open").tap()
        expect(page.locator("#lead-plan")).to_contain_text("本单位牵头此案的随访帮扶")
        page.locator("#lead-plan a").tap()
        card = page.locator(f"#plan-{found['case_id']}")
        expect(card.locator("details.visit-box")).to_have_attribute("open", "")  # the form, ready
        expect(card.locator("details.helper-box")).not_to_have_attribute("open", "")  # yellow: no pairing due
        card.locator("input[name=visitor]").fill("孙主任")
        card.locator("textarea[name=findings]").fill("家中无人，门锁着，邻居说孩子随外婆去了镇上")
        card.locator("form.visit button").tap()
        card = page.locator(f"#plan-{found['case_id']}")
        expect(card.locator(".error")).to_contain_text("请选择是否见到儿童")
        page.wait_for_load_state("load")
        assert page.evaluate("document.activeElement.name") == "child_seen"  # the cursor where to fix
        assert page.url == f"{base}/followups#plan-{found['case_id']}"  # reloading sends nothing again
        expect(card.locator("textarea[name=findings]")).to_have_value("家中无人，门锁着，邻居说孩子随外婆去了镇上")
        card.get_by_label("未见到").check()
        card.locator("form.visit button").tap()
        expect(page.locator("#notice")).to_contain_text("这次未见到儿童")
        unseen = page.locator("h2", has_text="上次未见到儿童")
        expect(unseen).to_be_visible()
        card = page.locator(f"#plan-{found['case_id']}")
        expect(card.locator(".unseen")).to_contain_text("上次走访未见到儿童")
        for link in ("a.referral-link", "a.visits-link"):  # a finger's target, not a line of text
            box = card.locator(link).bounding_box()
            assert box is not None and box["height"] >= 24, (link, box)
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
        browser.close()


def test_a_visit_typed_while_the_session_ended_is_there_after_logging_in_again(server: Client) -> None:
    """A child director types a visit in a home; meanwhile her login ends (here: signed out on
    another device). Sending it asks her to log in again, and the form she comes back to holds
    what she typed, said so, until the visit is recorded. Signing out on this phone clears it."""
    body = report_body(concerns=["neglect"], immediate_danger=False, narrative="孩子放学后常在网吧，无人接送",
                       children=[{"name": "钱小禾", "gender": "female", "age": 10}])
    report = server.submit(body, key="phone-draft")
    found = server.wait_for_referrals(report["report_id"], ("civil-desk",))["civil-desk"]
    base = str(server.http.base_url).rstrip("/")
    findings = "孩子在家，奶奶说晚上常去网吧，已约学校老师放学后接送"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": WIDTH, "height": 844}, is_mobile=True, has_touch=True,
                                locale="zh-CN")
        from_root(page, server, "civil-desk", "/desk")
        page.goto(f"{base}/followups#plan-{found['case_id']}")
        card = page.locator(f"#plan-{found['case_id']}")
        when = card.locator("input[name=visited_at]").bounding_box()
        assert when and when["width"] >= 220  # the whole visit time on a phone, not two columns
        card.locator("input[name=visitor]").fill("周主任")
        card.locator("textarea[name=findings]").fill(findings)
        card.get_by_label("见到", exact=True).check()
        card.get_by_label("心理疏导").check()

        other = browser.new_page(locale="zh-CN")  # her other device signs out of every one
        login(other, server, "civil-desk", "/followups")
        other.locator("header a.logout-all").click()
        other.locator("#logout-all-go").click()  # asked first (stop 62)
        # Each process reads an account's sign-outs at most every 0.5 s: until then, the phone's
        # login still holds (asked without following the answer, so nothing changes).
        wait_for(lambda: page.request.get(f"{base}/followups", max_redirects=0).status == 303,
                 what="the phone's login to have ended")
        card.locator("form.visit button").tap()
        expect(page.locator("#login-notice")).to_contain_text("您的登录已结束")
        expect(page.locator("#login-notice")).to_contain_text("尚未提交的走访记录仍保存在这个浏览器页面中")
        page.fill("#username", "civil-desk")
        page.fill("#password", server.password("civil-desk"))
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/followups")
        card = page.locator(f"#plan-{found['case_id']}")
        expect(card.locator(".restored")).to_contain_text("已恢复您此前填写、尚未登记成功的走访记录")
        expect(card.locator("textarea[name=findings]")).to_have_value(findings)
        expect(card.locator("input[name=visitor]")).to_have_value("周主任")
        expect(card.get_by_label("见到", exact=True)).to_be_checked()
        expect(card.get_by_label("心理疏导")).to_be_checked()
        expect(card.get_by_label("生活救助")).not_to_be_checked()
        card.locator("form.visit button").tap()
        expect(page.locator("#notice")).to_contain_text("已登记走访")
        # The next visit is weeks away: the card moved into the folded 7天以后到期; the notice's
        # link opens that section at it (stop 45's review: it landed on a closed section).
        page.locator("#to-case").tap()
        expect(page.locator(f"#plan-{found['case_id']}")).to_be_in_viewport()
        page.reload()  # recorded: nothing is offered again
        card = page.locator(f"#plan-{found['case_id']}")
        expect(card.locator(".restored")).to_have_count(0)
        expect(card.locator("textarea[name=findings]")).to_have_value("")

        page.goto(f"{base}/desk")  # the next visit is weeks away: its card is among the later ones
        page.goto(f"{base}/followups#plan-{found['case_id']}")
        card = page.locator(f"#plan-{found['case_id']}")
        card.locator("textarea[name=findings]").fill("第二次走访，尚未写完")
        page.locator("header a.logout").tap()  # signing out here leaves nothing typed in the tab
        expect(page.locator("#login-notice")).to_contain_text("已退出登录")
        login(page, server, "civil-desk", "/desk")
        page.goto(f"{base}/followups#plan-{found['case_id']}")
        card = page.locator(f"#plan-{found['case_id']}")
        expect(card.locator("details.visit-box")).to_have_attribute("open", "")
        expect(card.locator(".restored")).to_have_count(0)
        expect(card.locator("textarea[name=findings]")).to_have_value("")
        browser.close()


def test_a_visit_sent_without_network_stays_and_one_whose_answer_was_lost_is_not_offered_again(
        server: Client) -> None:
    """Stop 62's child director: 登记走访 with no signal showed Chromium's ERR_INTERNET_DISCONNECTED
    page; a visit the server saved before the answer was lost came back as "未提交"."""
    body = report_body(concerns=["neglect"], immediate_danger=False, narrative="孩子常一个人在家",
                       children=[{"name": "郑小满", "gender": "male", "age": 8}])
    report = server.submit(body, key="phone-offline")
    server.tokens.pop("civil-desk", None)  # an earlier test signed civil-desk out everywhere
    found = server.wait_for_referrals(report["report_id"], ("civil-desk",))["civil-desk"]
    base = str(server.http.base_url).rstrip("/")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": WIDTH, "height": 844}, is_mobile=True,
                                      has_touch=True, locale="zh-CN")
        page = context.new_page()
        from_root(page, server, "civil-desk", "/desk")
        page.goto(f"{base}/followups#plan-{found['case_id']}")
        card = page.locator(f"#plan-{found['case_id']}")
        card.locator("input[name=visitor]").fill("吴主任")
        card.locator("textarea[name=findings]").fill("孩子在家，外婆照看")
        card.get_by_label("见到", exact=True).check()
        context.set_offline(True)
        card.locator("form.visit button").tap()
        expect(card.locator(".offline")).to_contain_text("没有网络：这次走访记录还没有提交，已保存在本页")
        assert page.url == f"{base}/followups#plan-{found['case_id']}"  # no error page in its place
        expect(card.locator("textarea[name=findings]")).to_have_value("孩子在家，外婆照看")
        context.set_offline(False)
        expect(card.locator(".offline")).to_contain_text("网络已恢复")

        def lost(route: Route) -> None:  # the server saves the visit; its answer never arrives
            assert route.fetch(max_redirects=0).status == 303  # saved, and sent on to the page
            route.abort("internetdisconnected")

        page.route(f"{base}/followups/cases/{found['case_id']}/visit", lost)
        with page.expect_event("requestfailed"):  # the handler runs while Playwright waits
            card.locator("form.visit button").tap()
        wait_for(lambda: any(f["case_id"] == found["case_id"] and f["visits_done"] for f in server.http.get(
            "/v1/followups", headers=server.auth("civil-desk")).json()), what="the visit saved")
        page.unroute(f"{base}/followups/cases/{found['case_id']}/visit")
        page.goto(f"{base}/followups#plan-{found['case_id']}")
        card = page.locator(f"#plan-{found['case_id']}")
        expect(card.locator(".restored")).to_contain_text("这次走访已经登记（见上方走访记录），不用再提交")
        expect(card.locator("textarea[name=findings]")).to_have_value("")
        browser.close()


def test_a_supervisor_hands_the_visits_to_the_town_the_child_moved_to(server: Client) -> None:
    """Stop 58's child director: a child gone to another town could not be handed to its officer.
    From the board's visit line the supervisor opens the visit record and makes 三江镇's officer lead."""
    report = server.submit(report_body(children=[{"name": "陈小军", "age": 8}], concerns=["neglect"],
                                       immediate_danger=False, narrative="孩子常一个人在家"), key="moved")
    case_id = wait_for(lambda: server.http.get(f"/v1/reports/{report['report_id']}",
                                               headers=server.auth("operator1")).json().get("case_id"),
                       what="the case")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 800}, locale="zh-CN")
        from_root(page, server, "supervisor1", "/board")
        link = page.locator(f"#case-{case_id} a.lead-link")
        wait_for(lambda: link.count() > 0 or (page.reload() and False), what="the visit line")
        link.click()
        page.wait_for_url(f"**/followups/cases/{case_id}#lead")
        expect(page.locator("#lead details")).to_have_attribute("open", "")  # unfolded by the link (stop 58)
        page.click("#lead-go")
        expect(page.locator("#lead-problem")).to_have_text("未能更换牵头单位：请选择新的牵头单位。")
        page.select_option("#lead-unit", "civil-441823100")
        page.fill("#lead-reason", "儿童随外婆迁往三江镇居住")
        page.click("#lead-go")
        expect(page.locator("#lead-notice")).to_contain_text("已更换牵头单位")
        expect(page.locator("#lead-name")).to_have_text("三江镇社会事务办（儿童督导员）")
        town = browser.new_page(viewport={"width": WIDTH, "height": 844}, is_mobile=True, has_touch=True,
                                locale="zh-CN")
        from_root(town, server, "civil-sanjiang", "/desk")
        town.locator("header a[href='/followups']").tap()
        town.wait_for_url("**/followups")
        wait_for(lambda: town.locator(f"#plan-{case_id}").count() > 0 or (town.reload() and False),
                 what="the plan in 三江镇")
        browser.close()


def test_the_visit_time_follows_the_clock_while_the_list_stays_open(server: Client) -> None:
    """Stop 58's child director, second round: the list opened in the office at 16:55 refused a
    visit made at 16:58 in the village (the time and its limit stayed at the page's loading)."""
    server.submit(report_body(children=[{"name": "盘小梅", "age": 9}], concerns=["neglect"],
                              immediate_danger=False, narrative="孩子常一个人在家"), key="clock")
    wait_for(lambda: server.http.get("/v1/followups", headers=server.auth("civil-desk")).json(),
             what="a follow-up plan")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": WIDTH, "height": 844}, is_mobile=True,
                                      has_touch=True, locale="zh-CN")
        context.clock.install()
        page = context.new_page()
        from_root(page, server, "civil-desk", "/desk")
        page.locator("header a[href='/followups']").tap()
        at = page.locator("input[name=visited_at]").first
        loaded = at.get_attribute("max") or ""
        assert loaded and at.input_value() == loaded
        page.clock.fast_forward("05:00")  # five minutes on, the form opened in the village
        page.locator("details.visit-box > summary").first.tap()
        expect(at).not_to_have_attribute("max", loaded)
        assert (at.get_attribute("max") or "") > loaded and at.input_value() == at.get_attribute("max")
        browser.close()
