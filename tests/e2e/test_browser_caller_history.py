"""The caller history in the operator console (来电弹屏, contract §13), in headless Chromium: the
operator files two reports from one number on the console, then on a new call types the number
and, after the pause (one lookup, not one per key), sees both beside the form, newest first, with
Beijing time, status and level in Chinese; a number never heard of reads 无记录; ticking 匿名
hides the panel. axe clean at 1366 and 360 px."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.axe import serious_violations
from tests.e2e.client import ROOT, Client, embedded_server
from tests.e2e.test_browser_desk import from_root

PORT = 18420  # this file's ports: 18420-18429
PLACE = "#f-location-region_code"
CALLER = "13612345678"
SHOTS = ROOT / "docs" / "img"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    with embedded_server(tmp_path_factory.mktemp("callers") / "var", PORT) as client:
        yield client


def console(server: Client, browser: Browser) -> Page:
    page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN",
                               bypass_csp=True).new_page()  # to inject axe
    from_root(page, server, "operator1", "/intake")
    return page


def file_a_call(page: Page, child: str, narrative: str) -> str:
    """One call on the console, the caller's number typed; its receipt number."""
    page.locator("#f-reporter-phone").press_sequentially(CALLER, delay=40)
    page.fill("#f-children-0-name", child)
    page.fill("#f-narrative", narrative)
    page.fill(PLACE, "441823")
    expect(page.locator("#f-location-region_code-status")).to_have_text("已选择：连南瑶族自治县")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#receipt-panel:not([hidden])")
    receipt = page.locator("#receipt-no").inner_text().strip()
    page.check("#readback-code")
    page.keyboard.press("F9")  # the next call: the form (and the history panel) cleared
    expect(page.locator("#caller-history")).to_be_hidden()
    return receipt


def test_the_console_shows_the_callers_earlier_reports(server: Client, browser: Browser) -> None:
    page = console(server, browser)
    lookups: list[str] = []
    page.on("request", lambda r: lookups.append(r.url) if r.url.endswith("/v1/callers/history") else None)

    # The first call from the number: nothing before it.
    page.locator("#f-reporter-phone").press_sequentially(CALLER, delay=40)
    expect(page.locator("#ch-status")).to_have_text("无记录", timeout=10_000)
    page.fill("#f-reporter-phone", "")
    page.keyboard.press("F9")
    first = file_a_call(page, "黄小明", "孩子独自在家三天，没有大人照看。")
    second = file_a_call(page, "黄小丽", "孩子身上有伤，说是被继父打的。")

    # A new call: the operator types the number and pauses.
    lookups.clear()
    page.locator("#f-reporter-phone").press_sequentially(CALLER, delay=120)  # under the pause per key
    panel = page.locator("#caller-history")
    expect(panel).to_be_visible(timeout=10_000)
    rows = page.locator("#ch-rows tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#ch-status")).to_contain_text("此前报告过 2 次")
    assert [rows.nth(i).locator("td").first.inner_text() for i in range(2)] == [second, first]
    today = (datetime.now(UTC) + timedelta(hours=8)).strftime("%Y-%m-%d")
    for i in range(2):
        cells = rows.nth(i).locator("td").all_inner_texts()
        assert re.fullmatch(rf"{today} \d\d:\d\d", cells[1]), cells  # Beijing time
        assert cells[2] in ("已收到", "处理中", "已处理"), cells
        assert cells[3] in ("红色", "橙色", "黄色", "蓝色", "待研判"), cells
    page.wait_for_timeout(800)
    assert len(lookups) == 1, lookups  # one lookup after the pause, not one per key
    SHOTS.mkdir(parents=True, exist_ok=True)
    panel.screenshot(path=str(SHOTS / "intake-caller-history.png"))
    for width in (1366, 360):
        page.set_viewport_size({"width": width, "height": 900})
        assert serious_violations(page) == [], width
        assert panel.evaluate("c => c.scrollWidth <= c.clientWidth"), width  # the table inside its card
    page.set_viewport_size({"width": 1366, "height": 900})

    # 匿名: the number is cleared and nothing is looked up or shown.
    page.keyboard.press("F4")
    expect(panel).to_be_hidden()
    page.wait_for_timeout(800)
    assert len(lookups) == 1

    # Another number: 无记录.
    page.keyboard.press("F4")
    page.locator("#f-reporter-phone").press_sequentially("13700001111", delay=40)
    expect(page.locator("#ch-status")).to_have_text("无记录", timeout=10_000)
    expect(rows).to_have_count(0)
