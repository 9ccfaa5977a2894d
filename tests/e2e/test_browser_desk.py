"""A police desk in headless Chromium sees a new red referral appear without reloading and
acknowledges it; the supervisor's board then shows it acknowledged."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.e2e.client import Client, embedded_server
from tests.e2e.test_browser_form import CHROMIUM_ARGS, SHOTS
from tests.helpers import report_body

ROOT = Path(__file__).resolve().parents[2]
PORT = 18003


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Client]:
    with embedded_server(tmp_path / "var", PORT) as client:
        yield client


def login(page: Page, server: Client, username: str, target: str) -> None:
    base = str(server.http.base_url).rstrip("/")
    page.goto(f"{base}/login?next={target}")
    page.fill("#username", username)
    page.fill("#password", server.password(username))
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{target}")


def test_desk_sees_new_red_referral_live_and_acknowledges_it(server: Client) -> None:
    base = f"http://127.0.0.1:{PORT}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        desk = browser.new_page(viewport={"width": 1100, "height": 700}, locale="zh-CN")
        login(desk, server, "police-desk", "/desk")
        expect(desk.locator("#empty")).to_be_visible()
        expect(desk.locator("body")).to_have_attribute("data-live", "events")  # the stream is open
        expect(desk.locator("#red-alert")).to_be_hidden()

        server.submit(report_body(), key="live-red")  # a hotline operator files a red report
        row = desk.locator("tr.red")
        expect(row).to_be_visible(timeout=2_000)  # no reload: pushed by server-sent events
        expect(desk.locator("#red-alert")).to_be_visible()  # the banner (and a chime) for a red one
        assert desk.url == f"{base}/desk"
        expect(row.locator(".badge")).to_have_text("红色")
        expect(row.locator(".due")).to_contain_text("剩余")
        desk.screenshot(path=str(SHOTS / "desk-inbox.png"), full_page=True)

        row.locator("button.ack").click()
        expect(desk.locator("tr.red .status")).to_have_text("已接收", timeout=15_000)

        board = browser.new_context(locale="zh-CN").new_page()
        login(board, server, "supervisor1", "/board")
        police = board.locator(".referral", has_text="police-441823")
        expect(police.locator(".ref-status")).to_have_text("已接收", timeout=15_000)
        hospital = board.locator(".referral", has_text="hospital-441823")
        expect(hospital.locator(".ref-status")).to_have_text("待接收")
        board.screenshot(path=str(SHOTS / "board.png"), full_page=True)
        browser.close()


def test_the_desk_polls_while_its_event_stream_is_down(server: Client) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN")
        context.route("**/desk/events", lambda route: route.abort())  # a proxy that drops the stream
        desk = context.new_page()
        login(desk, server, "police-desk", "/desk")
        expect(desk.locator("body")).to_have_attribute("data-live", "polling")
        server.submit(report_body(), key="polled-red")
        expect(desk.locator("tr.red")).to_be_visible(timeout=15_000)
        browser.close()
