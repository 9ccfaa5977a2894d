"""A civil-affairs child director on a phone-sized screen (headless Chromium, `make run`) starts
at `/`, opens 随访帮扶 from the header, finds the child and the address to visit on the plan's
card, pairs a helper and files a visit, then sees it listed; the page fits the screen and passes
axe at 1366 and 360 px."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect, sync_playwright

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
        plan.locator("input[name=helper]").fill("李老师")
        plan.locator("form.helper button").tap()
        expect(page.locator("#notice")).to_contain_text("已记录结对帮扶人")
        shows(page, "李老师")
        plan = page.locator("section.plan.red")

        plan.locator("summary", has_text="登记走访").tap()
        plan.locator("input[name=visitor]").fill("张主任")
        plan.locator("textarea[name=findings]").fill("见到孩子，手臂淤青已消退，已联系学校心理老师")
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
        expect(page.locator(".visit .findings")).to_have_text("见到孩子，手臂淤青已消退，已联系学校心理老师")

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
