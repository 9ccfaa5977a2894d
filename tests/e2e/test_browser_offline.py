"""The reporter's form offline (contract §13) in headless Chromium under the pages' own CSP (axe
comes in as an init script). A teacher on a 360 px phone opens /report, loses the network,
files a report: the page says in Chinese that it waits in the browser; the network returns and
the report arrives once (her own list through the API), the receipt is shown and the browser
keeps nothing of it; a report refused (no description) comes back as the server's form with the
error by its field. Another teacher opens /report with the server gone and the network off (after
a first visit) and sees the form; a report filed while the network is up but the server cannot be
reached waits too; her session has run out when the server is back: the page asks her to log in
again and sends it after."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect, sync_playwright

from tests.e2e.axe import axe_source, no_serious
from tests.e2e.client import Client, embedded_server, wait_for
from tests.e2e.conftest import CHROMIUM_ARGS
from tests.e2e.test_browser_desk import from_root

PORT, RESTARTED_PORT = 18410, 18411
WAITING = "网络已断开：报告已保存在本机，联网后自动发送"
QUEUE = "hotline-report-queue"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    with embedded_server(tmp_path_factory.mktemp("offline") / "var", PORT) as client:
        yield client


def controlled(page: Page) -> None:
    """The service worker runs this page and has kept the form for the next visit."""
    # Polled from here: wait_for_function evaluates a string, which the pages' CSP refuses.
    wait_for(lambda: page.evaluate("navigator.serviceWorker.controller !== null"), what="the worker")
    wait_for(lambda: page.evaluate("async () => !!(await caches.match('/report'))"), what="the kept form")


def fill(page: Page, child: str, narrative: str) -> None:
    page.fill("#f-children-0-name", child)
    page.fill("#f-children-0-age", "8")
    page.fill("#f-location-region_code", "441823")
    page.fill("#f-narrative", narrative)


def kept_anywhere(page: Page, text: str) -> bool:
    """Whether the browser's storage holds this text: web storage, IndexedDB, the caches."""
    return bool(page.evaluate("""async (text) => {
        const stored = JSON.stringify(Object.assign({}, localStorage, sessionStorage));
        if (stored.includes(text) || (await indexedDB.databases()).length) { return true; }
        for (const name of await caches.keys()) {
            const cache = await caches.open(name);
            for (const request of await cache.keys()) {
                if ((await (await cache.match(request)).text()).includes(text)) { return true; }
            }
        }
        return false;
    }""", text))


def mine(server: Client, user: str) -> list[dict[str, str]]:
    r = server.http.get("/v1/reports/mine", headers=server.auth(user))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def strict_page(context: BrowserContext) -> Page:
    """A page under the site's own CSP, with axe added by the browser rather than by a script tag."""
    context.add_init_script(axe_source())
    return context.new_page()


def test_a_report_filed_offline_is_sent_once_when_the_network_returns(server: Client) -> None:
    base = f"http://127.0.0.1:{PORT}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 360, "height": 800}, locale="zh-CN")
        page = strict_page(context)
        from_root(page, server, "teacher1", "/report")
        controlled(page)
        key = page.input_value("input[name=idempotency_key]")
        assert re.fullmatch(r"[A-Za-z0-9_-]{24}", key)  # the page's own, for a form kept offline

        context.set_offline(True)
        fill(page, "陈小雨", "孩子连续三天没来上学，邻居说家中无人照料。")
        page.click("#submit")
        expect(page.locator("#offline-text")).to_have_text(WAITING)
        expect(page.locator("#offline-box")).to_contain_text("发送成功后立即从本机删除")
        assert page.url == f"{base}/report" and page.input_value("#f-narrative") == ""  # ready for another
        assert kept_anywhere(page, "家中无人照料")
        assert page.input_value("input[name=idempotency_key]") != key  # the next report is another
        no_serious(page)
        page.set_viewport_size({"width": 360, "height": 800})
        assert mine(server, "teacher1") == []  # nothing reached the server

        context.set_offline(False)
        expect(page.locator("#offline-box")).to_be_hidden(timeout=15_000)
        receipt = page.locator("#sent-receipts [data-was=receipt-no]").inner_text()
        assert re.fullmatch(r"\d{8}-[0-9A-Z]{10}", receipt), receipt
        expect(page.locator("#sent-receipts")).to_contain_text("报告已受理")
        assert not kept_anywhere(page, "家中无人照料")
        assert page.evaluate(f"localStorage.getItem('{QUEUE}')") is None
        no_serious(page)

        page.evaluate("dispatchEvent(new Event('online'))")  # again, and a new visit: nothing more to send
        page.reload()
        expect(page.locator("#offline-box")).to_be_hidden()
        wait_for(lambda: mine(server, "teacher1"), what="the report in her own list")
        time.sleep(1)  # a second report would have been triaged by now
        filed = mine(server, "teacher1")
        assert [r["receipt_no"] for r in filed] == [receipt]

        # Filed offline without a description: it comes back as the server's form, to mend.
        page.set_viewport_size({"width": 360, "height": 800})
        context.set_offline(True)
        fill(page, "陈小雨", "")
        page.click("#submit")
        expect(page.locator("#offline-text")).to_have_text(WAITING)
        context.set_offline(False)
        expect(page.locator("#error-narrative")).to_contain_text("请填写情况描述")
        assert page.input_value("#f-children-0-name") == "陈小雨"  # nothing valid lost
        assert page.evaluate(f"localStorage.getItem('{QUEUE}')") is None
        browser.close()
    assert [r["receipt_no"] for r in mine(server, "teacher1")] == [receipt]


def test_the_form_opens_offline_and_a_report_waits_through_a_new_login(tmp_path: Path) -> None:
    base = f"http://127.0.0.1:{RESTARTED_PORT}"
    var = tmp_path / "var"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 360, "height": 800}, locale="zh-CN")
        page = strict_page(context)
        with embedded_server(var, RESTARTED_PORT) as server:
            from_root(page, server, "teacher1", "/report")
            controlled(page)
            password = server.password("teacher1")
        # The server is gone and the network off: the form opens all the same.
        context.set_offline(True)
        page.goto(f"{base}/report")
        expect(page.locator("h1")).to_have_text("填写强制报告")
        expect(page.locator("#f-narrative")).to_be_editable()
        expect(page.locator("#offline-hint")).to_be_visible()
        assert page.input_value("input[name=csrf]") == ""  # the kept copy holds no form token

        # The network is back but the server does not answer (a signal that carries nothing).
        context.set_offline(False)
        fill(page, "周小军", "孩子手臂有多处淤青，说是被继父打的。")
        page.click("#submit")
        expect(page.locator("#offline-text")).to_have_text(WAITING)
        assert kept_anywhere(page, "被继父打的")

        with embedded_server(var, RESTARTED_PORT) as server:
            context.clear_cookies()  # her session has run out meanwhile
            page.evaluate("dispatchEvent(new Event('online'))")
            expect(page.locator("#offline-text")).to_contain_text("登录已过期：报告仍保存在本机")
            assert kept_anywhere(page, "被继父打的") and mine(server, "teacher1") == []
            page.click("#offline-login a")
            page.fill("#username", "teacher1")
            page.fill("#password", password)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/report")
            expect(page.locator("#sent-receipts [data-was=receipt-no]")).to_be_visible(timeout=15_000)
            receipt = page.locator("#sent-receipts [data-was=receipt-no]").inner_text()
            assert not kept_anywhere(page, "被继父打的")
            wait_for(lambda: mine(server, "teacher1"), what="the report in her own list")
            assert [r["receipt_no"] for r in mine(server, "teacher1")] == [receipt]
        browser.close()
