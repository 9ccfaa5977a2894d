"""Agency notices in headless Chromium (contract §12), from `/`: the procuratorate's desk has no
inbox and is led to 通报; it files a notice about a child whose mother was detained, with the
keyboard, and sees the receipt; then 三江镇's civil-affairs desk has the referral, naming the
filing unit. The notice form passes axe at 1366 and 360 px."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.e2e.axe import serious_violations
from tests.e2e.client import Client, embedded_server
from tests.e2e.conftest import CHROMIUM_ARGS
from tests.e2e.test_browser_desk import from_root

PORT = 18250


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    with embedded_server(tmp_path_factory.mktemp("notice") / "var", PORT) as client:
        yield client


def no_serious(page: Page) -> None:
    for width in (1366, 360):
        page.set_viewport_size({"width": width, "height": 800})
        assert serious_violations(page) == [], width
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (width, overflow)


def test_a_procuratorate_notice_reaches_the_towns_civil_affairs_desk(server: Client) -> None:
    base = f"http://127.0.0.1:{PORT}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1366, "height": 800}, locale="zh-CN",
                                   bypass_csp=True).new_page()  # to inject axe
        from_root(page, server, "procuratorate-desk", "/desk")
        expect(page.locator("#no-inbox")).to_contain_text("本单位不接收转介")
        assert page.locator("#inbox").count() == 0
        page.locator("header a[href='/desk/notice']").click()
        page.wait_for_url(f"{base}/desk/notice")
        expect(page.locator("#filing-unit")).to_have_text("连南瑶族自治县人民检察院")
        no_serious(page)

        page.set_viewport_size({"width": 360, "height": 800})
        page.locator("#f-children-0-name").focus()
        page.keyboard.type("李小花")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.keyboard.type("7")
        page.locator("#f-location-region_code").focus()
        page.keyboard.type("金坑")
        page.locator("#f-location-region_code-list li").first.wait_for()
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        expect(page.locator("#f-location-region_code")).to_have_attribute("data-code", "441823100201")
        page.locator("#f-narrative").focus()
        page.keyboard.type("其母因涉嫌贩毒被刑事拘留，7岁女儿独自在家，无人照料。")
        page.locator("#submit").focus()
        page.keyboard.press("Enter")
        expect(page.locator("#receipt")).to_be_visible()
        expect(page.locator("h1")).to_have_text("通报已受理")
        receipt = page.locator("#receipt-no").inner_text()
        assert re.fullmatch(r"\d{8}-\w+", receipt), receipt

        civil = browser.new_page(viewport={"width": 1366, "height": 800}, locale="zh-CN")
        from_root(civil, server, "civil-sanjiang", "/desk")
        row = civil.locator("tr", has=civil.locator("a.open")).first
        expect(row).to_be_visible(timeout=30_000)
        row.locator("a.open").click()
        civil.wait_for_url(re.compile(rf"{base}/desk/referrals/[0-9a-f-]+$"))
        expect(civil.locator(".child-name")).to_have_text("李小花")
        expect(civil.locator(".filing-unit")).to_have_text("连南瑶族自治县人民检察院")
        expect(civil.locator(".narrative")).to_contain_text("刑事拘留")
        browser.close()


def test_a_police_desk_keeps_its_inbox_and_gets_the_notice_form(server: Client) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1366, "height": 800}, locale="zh-CN",
                                   bypass_csp=True).new_page()  # to inject axe
        from_root(page, server, "police-desk", "/desk")
        expect(page.locator("#inbox")).to_be_visible()
        expect(page.locator("#file-notice")).to_be_visible()
        page.locator("#file-notice").click()
        page.locator("#submit").click()  # nothing filled in: the errors by their fields, in Chinese
        expect(page.locator("#error-summary")).to_contain_text("请填写")
        expect(page.locator("#error-narrative")).to_be_visible()
        no_serious(page)
        browser.close()
