"""What a village teacher's re-review of /report on a 360 px phone found (#29), walked through in
the browser by test_browser_offline: a double tap offline, Back after the receipt, two network
notices at once, the home-screen hint out of sight, 我提交的报告 that cannot tell reports apart, and
a receipt that named the report only when it came from the offline queue."""

from __future__ import annotations

import re

from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.axe import no_serious
from tests.e2e.client import Client
from tests.e2e.report_phone import fill, kept_anywhere, open_form

WAITING = "网络已断开：报告已保存在本机，联网后自动发送"
COUNT = "1 份报告保存在本机，联网后自动发送。"
HINT_FLAG = "hotline-install-hint-closed"


def hint_and_double_tap(context: BrowserContext, page: Page, server: Client) -> None:
    """The hint near the top, closed for good; a double tap offline keeps one report and shows no
    errors; one notice at a time, the saved-notice a count once she types again."""
    open_form(page, server)
    hint = page.locator("#install-hint")
    expect(hint).to_be_visible()
    assert page.evaluate("document.getElementById('install-hint').getBoundingClientRect().bottom "
                         "< document.querySelector('form').getBoundingClientRect().top")  # above the form
    page.click("#install-close")
    expect(hint).to_be_hidden()
    page.reload()
    expect(page.locator("#f-narrative")).to_be_visible()
    expect(hint).to_be_hidden()  # remembered: a flag, nothing else
    assert page.evaluate(f"localStorage.getItem('{HINT_FLAG}')") == "1"

    context.set_offline(True)
    expect(page.locator("#net-banner")).to_be_visible()
    fill(page, "罗小梅", "罗小梅这周总是饿着肚子来上学。")
    page.click("#submit")  # the double tap: the second lands on the form just emptied
    page.wait_for_timeout(150)
    page.click("#submit")  # (a dblclick does not send the second: two taps as a thumb makes them)
    expect(page.locator("#offline-text")).to_have_text(WAITING)
    page.wait_for_timeout(500)
    expect(page.locator("#error-summary")).to_have_count(0)  # no red box under the saved-notice
    expect(page.locator("#net-banner")).to_be_hidden()  # one notice at a time
    assert len(page.evaluate("JSON.parse(localStorage.getItem('hotline-report-queue'))")) == 1
    page.fill("#f-narrative", "另")  # filling the form again: the notice a count line
    expect(page.locator("#offline-text")).to_have_text(COUNT)
    expect(page.locator("#offline-detail")).to_be_hidden()
    expect(page.locator("#net-banner")).to_be_hidden()
    no_serious(page)
    page.set_viewport_size({"width": 360, "height": 800})
    context.set_offline(False)
    expect(page.locator("#sent-receipts [data-was=which]")).to_have_text(re.compile(
        r"^儿童罗小梅，“罗小梅这周总是饿着肚子来上学。……”。本机填写于 .+（北京时间）$"), timeout=15_000)
    expect(page.locator("#offline-box")).to_be_hidden()


def receipt_back_and_mine(context: BrowserContext, page: Page, base: str) -> None:
    """Sent online: the receipt names it; Back from 查询处理进度 shows it again with its code,
    later a plain line; 我提交的报告 tells the reports apart by concerns and place."""
    page.goto(f"{base}/report")
    fill(page, "梁小东", "梁小东说父亲喝酒后用皮带打他。")
    page.check("input[name=concerns][value=domestic_violence]")
    page.click("#submit")
    page.wait_for_url(re.compile(rf"{base}/report/receipt/[0-9a-f-]+$"))
    receipt_url = page.url
    expect(page.locator("#which")).to_have_text("儿童梁小东，“梁小东说父亲喝酒后用皮带打他。……”")
    code = page.locator("#lookup-code").inner_text()
    assert code and code not in receipt_url
    assert not kept_anywhere(page, "皮带打他")  # on the page only
    no_serious(page)
    page.set_viewport_size({"width": 360, "height": 800})
    page.click("#lookup-link")
    page.wait_for_url(re.compile(rf"{base}/lookup\?"))
    page.go_back()
    page.wait_for_url(receipt_url)
    expect(page.locator("#lookup-code")).to_have_text(code)  # no resubmission, the code kept
    page.reload()
    expect(page.locator("#lookup-code")).to_have_text(code)
    context.clear_cookies(name="hotline_report_receipt")  # as after its 10 minutes
    page.reload()
    expect(page.locator("#lookup-code-gone")).to_have_text(re.compile("^查询码已不再显示"))
    expect(page.locator("#receipt-no")).to_be_visible()

    page.click("#mine-link")
    page.wait_for_url(f"{base}/report/mine")
    rows = page.locator("#my-reports tbody tr")
    for _ in range(30):  # listed once triaged
        if rows.count() == 2:
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(rows).to_have_count(2)
    row = rows.first
    expect(row.locator(".concerns")).to_have_text("家庭暴力")
    expect(row.locator(".place")).to_have_text("连南瑶族自治县")
    expect(rows.nth(1).locator(".concerns")).to_have_text("未勾选")
    assert "梁小东" not in page.content() and "罗小梅" not in page.content()
    no_serious(page)
