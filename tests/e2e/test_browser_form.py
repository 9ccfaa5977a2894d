"""A teacher on a phone, in headless Chromium: log in, make a mistake, read the message in
Chinese next to the field, correct it, get a receipt; the report reaches the right desk."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.e2e.client import Client, embedded_server

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "img"
PORT = 18002
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Client]:
    with embedded_server(tmp_path / "var", PORT) as client:
        yield client


def test_teacher_files_through_the_form_on_a_phone(server: Client) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = f"http://127.0.0.1:{PORT}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                is_mobile=True, has_touch=True, locale="zh-CN")
        page.goto(f"{base}/report")
        assert page.url.startswith(f"{base}/login")
        page.fill("#username", "teacher1")
        page.fill("#password", server.password("teacher1"))
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/report")
        page.screenshot(path=str(SHOTS / "report-form-phone.png"), full_page=True)

        # Immediate danger: the page says at once to call 110/120.
        assert page.is_hidden("#danger-notice")
        page.check("#f-immediate_danger")
        assert page.is_visible("#danger-notice")
        assert "110" in page.inner_text("#danger-notice")

        page.fill("#f-children-0-name", "王小明")
        page.fill("#f-children-0-age", "9")
        page.fill("#f-location-region_code", "4418")  # the mistake: too short
        page.check("input[value=domestic_violence]")
        page.check("input[value=serious_injury]")
        page.fill("#f-narrative", "孩子手臂有大片淤青，说是被父亲打的")
        page.click("#submit")
        page.wait_for_selector("#error-summary")
        message = page.inner_text("#error-location-region_code")
        assert "行政区划代码须为6位" in message
        field_box = page.locator("#f-location-region_code").bounding_box()
        message_box = page.locator("#error-location-region_code").bounding_box()
        assert field_box and message_box and 0 <= message_box["y"] - field_box["y"] < 120
        assert page.input_value("#f-narrative").startswith("孩子手臂")  # nothing typed is lost
        page.screenshot(path=str(SHOTS / "report-form-error.png"), full_page=True)

        page.fill("#f-location-region_code", "441823")
        page.click("#submit")
        page.wait_for_selector("#receipt")
        receipt_no = page.inner_text("#receipt-no")
        lookup_code = page.inner_text("#lookup-code")
        page.screenshot(path=str(SHOTS / "report-receipt.png"), full_page=True)
        browser.close()

    assert len(receipt_no) == 19 and len(lookup_code) == 10
    status = server.http.post("/v1/receipts/lookup",
                              json={"receipt_no": receipt_no, "lookup_code": lookup_code})
    assert status.status_code == 200
    import time

    deadline = time.monotonic() + 15
    while True:
        police = server.inbox("police-desk")
        hospital = server.inbox("hospital-desk")
        if police and hospital:
            break
        assert time.monotonic() < deadline, "the report never reached the police and hospital desks"
        time.sleep(0.2)
    assert police[0]["risk_level"] == "red" and police[0]["agency_id"] == "police-441823"
    assert hospital[0]["case_id"] == police[0]["case_id"]
    assert server.inbox("civil-desk") == []
