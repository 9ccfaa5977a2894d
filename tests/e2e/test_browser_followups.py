"""A civil-affairs child director on a phone-sized screen (headless Chromium, `make run`) opens
/followups, pairs a helper and files a visit; the page fits the screen and passes axe."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.e2e.axe import serious_violations
from tests.e2e.client import Client, embedded_server, wait_for
from tests.e2e.test_browser_desk import login
from tests.e2e.test_browser_form import CHROMIUM_ARGS, SHOTS
from tests.helpers import report_body

PORT = 18006
WIDTH = 390


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Client]:
    with embedded_server(tmp_path / "var", PORT) as client:
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
        login(page, server, "civil-desk", "/desk")
        page.goto(f"{str(server.http.base_url).rstrip('/')}/followups")
        plan = page.locator("section.plan.red")
        expect(plan).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH  # no sideways scrolling
        plan.locator("input[name=helper]").fill("李老师")
        plan.locator("form.helper button").tap()
        expect(page.locator("#notice")).to_contain_text("已记录结对帮扶人")
        shows(page, "李老师")
        plan = page.locator("section.plan.red")

        plan.locator("summary", has_text="登记走访").tap()
        plan.locator("textarea[name=findings]").fill("见到孩子，手臂淤青已消退，已联系学校心理老师")
        plan.get_by_label("心理疏导").check()
        plan.get_by_label("生活救助").check()
        page.screenshot(path=str(SHOTS / "followups-phone.png"), full_page=True)
        plan.locator("form.visit button").tap()
        expect(page.locator("#notice")).to_contain_text("已登记走访")
        shows(page, "已走访 1 次")
        browser.close()

        context = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        checked = context.new_context(viewport={"width": WIDTH, "height": 844}, locale="zh-CN",
                                      bypass_csp=True).new_page()  # to inject axe
        login(checked, server, "civil-desk", "/desk")
        checked.goto(f"{str(server.http.base_url).rstrip('/')}/followups")
        assert serious_violations(checked) == []
        context.close()

    visits = server.http.get(f"/v1/cases/{case_id}/visits",
                             headers=server.auth("civil-desk")).json()
    assert [v["measures"] for v in visits] == [["psychological_support", "living_assistance"]]
    assert visits[0]["findings"].startswith("见到孩子")  # sealed, and opened for the lead unit
