"""The caller history in the operator console (来电弹屏, contract §13), in headless Chromium: the
operator files two reports from one number on the console, then on a new call types the number
and, after the pause (one lookup, not one per key), sees both beside the form, newest first, with
Beijing time (12月5日 17:17), concerns, status (in 本班来电's words) and level in Chinese, and 补充
filling the by-receipt form; a number never heard of reads 无记录; 匿名 ticked keeps the name and
number (not sent) and the panel says 匿名来电不查询历史; F9 asks while the read-back is not done.
axe clean at 1366 and 360 px; the hint says 右侧 or 下方 by width."""

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


def file_a_call(page: Page, child: str, narrative: str, concern: str) -> str:
    """One call on the console, the caller's number typed and a concern ticked; its receipt number."""
    page.locator("#f-reporter-phone").press_sequentially(CALLER, delay=40)
    page.fill("#f-children-0-name", child)
    page.locator("#f-concerns label", has_text=concern).click()
    page.fill("#f-narrative", narrative)
    page.fill(PLACE, "441823")
    expect(page.locator("#f-location-region_code-status")).to_have_text("已选择：连南瑶族自治县")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#receipt-panel:not([hidden])")
    return page.locator("#receipt-no").inner_text().strip()


def next_call_asks_while_the_read_back_is_not_done(page: Page, receipt: str) -> None:
    """F9 with the read-back unticked asks first (in Chinese, by the keyboard): Esc goes back to
    the first box unticked, the receipt and its one-time code still there; 清空 then clears."""
    dialog = page.locator("#next-dialog")
    page.keyboard.press("F9")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"受理编号 {receipt} 的读回核对还有 3 项未勾选")
    expect(dialog).to_contain_text("查询码只显示这一次")
    expect(page.locator("#next-back")).to_be_focused()
    page.keyboard.press("Escape")  # 返回核对
    expect(dialog).to_be_hidden()
    expect(page.locator("#receipt-panel")).to_be_visible()
    assert page.locator("#receipt-no").inner_text().strip() == receipt
    expect(page.locator(".readback").first).to_be_focused()
    page.keyboard.press("Space")  # one ticked; the code not yet told
    page.keyboard.press("F9")
    expect(dialog).to_contain_text("还有 2 项未勾选")
    page.keyboard.press("Tab")
    expect(page.locator("#next-go")).to_be_focused()
    page.keyboard.press("Enter")  # 清空，接听下一个来电
    expect(dialog).to_be_hidden()
    expect(page.locator("#receipt-panel")).to_be_hidden()
    expect(page.locator("#caller-history")).to_be_hidden()  # the form (and the history panel) cleared


def test_the_console_shows_the_callers_earlier_reports(server: Client, browser: Browser) -> None:
    page = console(server, browser)
    lookups: list[str] = []
    page.on("request", lambda r: lookups.append(r.url) if r.url.endswith("/v1/callers/history") else None)
    filed: list[dict[str, object]] = []
    page.on("request", lambda r: filed.append(r.post_data_json) if r.url.endswith("/v1/reports")
            and r.method == "POST" else None)

    # The first call from the number: nothing before it.
    page.locator("#f-reporter-phone").press_sequentially(CALLER, delay=40)
    expect(page.locator("#ch-status")).to_have_text("无记录", timeout=10_000)
    page.fill("#f-reporter-phone", "")
    page.keyboard.press("F9")
    first = file_a_call(page, "黄小明", "孩子独自在家三天，没有大人照看。", "无人照料")
    next_call_asks_while_the_read_back_is_not_done(page, first)
    second = file_a_call(page, "黄小丽", "孩子身上有伤，说是被继父打的。", "家庭暴力")
    for box in page.locator(".readback").all():
        box.check()
    page.keyboard.press("F9")  # all read back: no question
    expect(page.locator("#next-dialog")).to_be_hidden()
    expect(page.locator("#receipt-panel")).to_be_hidden()

    # A new call: the operator types the number and pauses.
    lookups.clear()
    page.locator("#f-reporter-phone").press_sequentially(CALLER, delay=120)  # under the pause per key
    panel = page.locator("#caller-history")
    expect(panel).to_be_visible(timeout=10_000)
    rows = page.locator("#ch-rows tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#ch-status")).to_contain_text("此前报告过 2 次")
    assert [rows.nth(i).locator("td").first.inner_text() for i in range(2)] == [second, first]
    now = datetime.now(UTC) + timedelta(hours=8)
    for i, concern in enumerate(("家庭暴力", "无人照料、被忽视")):
        cells = rows.nth(i).locator("td").all_inner_texts()
        # Beijing time, as 12月5日 17:17
        assert re.fullmatch(rf"{now.month}月{now.day}日 \d\d:\d\d", cells[1]), cells
        assert cells[2] == concern, cells  # is the new call about the same matter?
        assert re.fullmatch(r"(已收到|处理中|已处理)\s+(红色|橙色|黄色|蓝色|待研判)", cells[3]), cells
        assert cells[4] == "补充", cells
    # 本班来电 says a report's status in the same words (it said 已转介 / 已办结), a unit yet to take
    # it on apart (stop 59's operator: 处理中 while no unit had).
    expect(page.locator("#recent-calls .status")).to_have_count(2)
    said = {text.split("\n")[0] for text in page.locator("#recent-calls .status").all_inner_texts()}
    assert said <= {"已收到", "处理中", "已处理", "待接收", "部分已接收", "超时未接收"}, said
    page.wait_for_timeout(800)
    assert len(lookups) == 1, lookups  # one lookup after the pause, not one per key
    SHOTS.mkdir(parents=True, exist_ok=True)
    panel.screenshot(path=str(SHOTS / "intake-caller-history.png"))
    for width in (1366, 360):
        page.set_viewport_size({"width": width, "height": 900})
        assert serious_violations(page) == [], width
        assert panel.evaluate("c => c.scrollWidth <= c.clientWidth"), width  # the table inside its card
        # The hint says where the panels are: beside the form when wide, below it on a phone.
        hint = page.locator("#children-hint").inner_text()
        assert ("右侧" in hint, "下方" in hint) == ((True, False) if width == 1366 else (False, True)), hint
    page.set_viewport_size({"width": 1366, "height": 900})

    # 补充 on an earlier report: the by-receipt form with its receipt number, the cursor on the code.
    rows.nth(1).locator("button.ch-supplement").focus()
    page.keyboard.press("Enter")
    assert page.input_value("#r-receipt_no") == first
    expect(page.locator("#r-lookup_code")).to_be_focused()

    # 匿名 ticked by mistake: the name and number are kept (disabled, not sent), the panel says why
    # it is empty; unticked, both come back and so does the history.
    page.fill("#f-reporter-name", "陈女士")
    page.keyboard.press("F4")
    expect(page.locator("#ch-status")).to_have_text("匿名来电不查询历史。")
    expect(rows).to_have_count(0)
    expect(page.locator("#caller-identity")).to_be_hidden()
    expect(page.locator("#anonymous-kept")).to_be_visible()
    assert page.is_disabled("#f-reporter-phone") and page.is_disabled("#f-reporter-name")
    page.wait_for_timeout(800)
    assert len(lookups) == 1
    page.keyboard.press("F4")
    assert page.input_value("#f-reporter-name") == "陈女士"
    assert page.input_value("#f-reporter-phone") == CALLER
    expect(rows).to_have_count(2, timeout=10_000)  # the same number again: free within the hour

    # Anonymous again and filed: the number typed is kept on screen but never sent.
    page.keyboard.press("F4")
    page.fill("#f-children-0-name", "黄小华")
    page.fill("#f-narrative", "有人看到孩子深夜独自在街上。")
    page.fill(PLACE, "441823")
    expect(page.locator("#f-location-region_code-status")).to_have_text("已选择：连南瑶族自治县")
    filed.clear()
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#receipt-panel:not([hidden])")
    assert filed and filed[-1]["reporter"] == {"relation": "public", "anonymous": True}, filed
    for box in page.locator(".readback").all():
        box.check()
    page.keyboard.press("F9")
    assert page.input_value("#f-reporter-phone") == "" and page.is_enabled("#f-reporter-phone")

    # Another number: 无记录.
    page.locator("#f-reporter-phone").press_sequentially("13700001111", delay=40)
    expect(page.locator("#ch-status")).to_have_text("无记录", timeout=10_000)
    expect(rows).to_have_count(0)
