"""Messy input and outbound safety in headless Chromium (contract §10, issue #26 findings 3 and 4):
a teacher on a phone types the place code, the child's id number and the phone in fullwidth digits
(as a Chinese input method does) and the red report reaches the police desk with ASCII digits; an
admin who gives a roster a webhook inside (127.0.0.1, the metadata address) reads why in Chinese
next to the field, on a phone and at 1366 px, with no serious axe violation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.client import Client, embedded_server
from tests.e2e.test_browser_form import check_axe, routed_to
from tests.helpers import id_number

PORT = 18190
BASE = f"http://127.0.0.1:{PORT}"
CHILD_ID = id_number("44182320170505003")
FULLWIDTH = str.maketrans("0123456789X-", "０１２３４５６７８９ｘ－")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    # A deployment's default: no inside network allowed for webhooks (the tests' conftest allows one).
    with pytest.MonkeyPatch.context() as env:
        env.delenv("HOTLINE_WEBHOOK_ALLOWED_NETWORKS", raising=False)
        with embedded_server(tmp_path_factory.mktemp("messy") / "var", PORT) as client:
            yield client


def log_in(page: Page, server: Client, user: str, home: str) -> None:
    page.goto(f"{BASE}/login")
    page.fill("#username", user)
    page.fill("#password", server.password(user))
    page.click("button[type=submit]")
    page.wait_for_url(f"{BASE}{home}")


def test_a_red_report_typed_in_fullwidth_digits_reaches_the_police(server: Client, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 780}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True, locale="zh-CN")
    page = context.new_page()
    log_in(page, server, "teacher1", "/report")
    page.fill("#f-location-region_code", "441823".translate(FULLWIDTH))
    page.check("#f-immediate_danger")
    page.fill("#f-children-0-name", "赵小兰")
    page.fill("#f-children-0-id_number", CHILD_ID.translate(FULLWIDTH))
    page.check("input[value=sexual_abuse]")
    page.fill("#f-reporter-phone", "0763-6612345".translate(FULLWIDTH))
    page.fill("#f-narrative", "孩子说放学路上被人带走猥亵")
    page.click("#submit")
    page.wait_for_selector("#receipt")
    context.close()
    stored = routed_to(server, "police-441823")
    assert stored["case"]["risk_level"] == "red"
    assert not [t for t in stored["case"]["timeline"] if "routing_gap" in t["type"]]
    assert stored["report"]["region_code"] == "441823"
    assert [c["id_number"] for c in stored["report"]["children"]] == [CHILD_ID]


def open_roster(page: Page, server: Client) -> None:
    log_in(page, server, "admin1", "/admin")
    page.goto(f"{BASE}/admin/oncall/police-441823")


@pytest.mark.parametrize("width", [1366, 360])
def test_a_webhook_inside_is_refused_next_to_its_field_in_chinese(server: Client, browser: Browser,
                                                                   width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    open_roster(page, server)
    page.fill("#f-c0_name", "值班民警")
    page.fill("#f-c0_webhook_url", "http://169.254.169.254/latest/meta-data/")
    page.click("#save")
    message = page.locator("#error-c0_webhook_url")
    expect(message).to_contain_text("该通知地址指向内部网络")
    expect(page.locator("#f-c0_webhook_url")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-c0_webhook_url")).to_have_value("http://169.254.169.254/latest/meta-data/")
    field_box, message_box = page.locator("#f-c0_webhook_url").bounding_box(), message.bounding_box()
    assert field_box and message_box and 0 <= message_box["y"] - field_box["y"] < 160
    check_axe(page)
    page.fill("#f-c0_webhook_url", "http://[::1]:8000/hook")
    page.click("#save")
    expect(page.locator("#error-c0_webhook_url")).to_contain_text("该通知地址指向内部网络")
    expect(page.locator("#on-duty")).to_contain_text("尚未设置值班表")  # nothing was saved
    context.close()
