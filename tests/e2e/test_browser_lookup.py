"""A caller's report from end to end in headless Chromium (#24, contract §15): the operator takes
the call from `/` and reads out receipt number and lookup code; the caller, on a phone with
JavaScript off, finds /lookup from `/` and reads the status in Chinese; the caller rings back and
the operator adds a new concern by receipt number, which raises the case's level and refers it
to the police. /lookup passes axe-core at 1366 and 360 px."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

import pytest
from playwright.sync_api import Browser, Page, Route

from services.common.vocabulary import BEIJING
from tests.e2e.axe import serious_violations
from tests.e2e.client import Client, embedded_server, wait_for
from tests.e2e.test_browser_form import SHOTS
from tests.e2e.test_browser_roles import Watched, region_codes

PORT = 18130
BASE = f"http://127.0.0.1:{PORT}"
PLACE = "f-location-region_code"  # the console's place picker
VILLAGE = "441823100208"  # 连南瑶族自治县 三江镇 龙湾村


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    with embedded_server(tmp_path_factory.mktemp("lookup") / "var", PORT) as client:
        yield client


def report_of(server: Client, receipt_no: str) -> dict[str, str] | None:
    """The operator's report by receipt number, once triage has linked it to a case."""
    mine = server.http.get("/v1/reports/mine", headers=server.auth("operator1")).json()
    return next((r for r in mine if r["receipt_no"] == receipt_no), None)


def case(server: Client, case_id: str) -> dict[str, object]:
    r = server.http.get(f"/v1/cases/{case_id}", headers=server.auth("supervisor1"))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def take_a_call(w: Watched, server: Client) -> tuple[str, str]:
    """From `/`: log in and take a call about neglect, with the keyboard; the receipt read out."""
    page, kb = w.page, w.page.keyboard
    page.goto(f"{BASE}/")
    page.fill("#username", "operator1")
    page.fill("#password", server.password("operator1"))
    page.press("#password", "Enter")
    page.wait_for_url(f"{BASE}/intake")
    assert w.active() == "f-danger"
    w.tab_to("f-children-0-name")
    kb.type("陈小雨")
    w.tab_to("f-children-0-age")
    kb.type("7")
    w.tab_to("neglect")
    kb.press("Space")
    w.tab_to("f-narrative")
    kb.type("孩子常常一个人在家，没人做饭")
    # The place by two words of its name (the town's and part of the village's), the second of
    # the two matches chosen with the arrow keys; Enter chooses, Ctrl+Enter sends.
    w.tab_to(PLACE)
    kb.type("三江 龙")
    options = page.locator(f"#{PLACE}-list [role=option]")
    options.nth(1).wait_for()
    assert options.count() == 2 and "龙湾村" in options.nth(1).inner_text()
    kb.press("ArrowDown")
    kb.press("ArrowDown")
    kb.press("Enter")
    assert page.input_value(f"#{PLACE}") == "连南瑶族自治县 三江镇 龙湾村"
    assert page.get_attribute(f"#{PLACE}", "data-code") == VILLAGE and page.is_hidden("#receipt-panel")
    kb.press("Control+Enter")
    page.wait_for_selector("#receipt-panel:not([hidden])")
    receipt_no = page.inner_text("#receipt-no")
    # The link fills in the receipt number on /lookup; the lookup code never goes into a URL.
    assert page.get_attribute("#receipt-lookup", "href") == f"/lookup?receipt_no={receipt_no}"
    assert page.get_attribute("#receipt-lookup", "target") == "_blank"
    return receipt_no, page.inner_text("#lookup-code")


def look_up_on_a_phone_without_javascript(browser: Browser, receipt_no: str, code: str) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN",
                                  java_script_enabled=False, is_mobile=True)
    page = context.new_page()
    page.goto(f"{BASE}/")
    assert page.url.startswith(f"{BASE}/login")
    page.click("text=查询报告进度")
    page.wait_for_url(f"{BASE}/lookup")
    # What the caller wrote down, as typed on a phone: lower case, a space for the dash.
    page.fill("#receipt_no", receipt_no.lower().replace("-", " "))
    page.fill("#lookup_code", "AAAAAAAAAA")
    page.press("#lookup_code", "Enter")
    page.wait_for_selector("#lookup-error")
    assert "未找到与该受理编号和查询码相符的报告" in page.inner_text("#lookup-error")
    assert page.get_attribute("#lookup_code", "aria-invalid") == "true"
    page.fill("#lookup_code", code.lower())
    page.click("#lookup-submit")
    page.wait_for_selector("#result")
    assert page.inner_text("#lookup-status") == "处理中"  # triaged and referred: coarse only
    assert page.inner_text("#result-receipt-no") == receipt_no
    text = page.inner_text("main")
    assert "陈小雨" not in text and "黄色" not in text and "民政" not in text
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(SHOTS / "lookup-phone.png"), full_page=True)
    context.close()


def supplement_by_receipt(w: Watched, receipt_no: str, code: str) -> None:
    """The caller rings back: receipt number and code typed as read out, a new concern, all
    with the keyboard; a wrong code first, said next to the field in Chinese."""
    page, kb = w.page, w.page.keyboard
    w.tab_to("r-receipt_no", most=80)
    kb.type(receipt_no.replace("-", "").lower())  # as written down; said back as printed (stop 47)
    kb.press("Tab")
    kb.type("2222222222")
    kb.press("Tab")
    assert w.active() == "r-narrative"
    kb.type("孩子说父亲昨晚喝酒后打了他")
    kb.press("Tab")
    kb.press("Enter")  # the concerns open
    w.tab_to("domestic_violence")
    kb.press("Space")
    w.tab_to("r-submit")
    kb.press("Enter")
    page.wait_for_selector("#r-error-lookup_code")
    assert "受理编号或查询码不正确" in page.inner_text("#r-error-lookup_code")
    assert w.active() == "r-receipt_no"
    page.fill("#r-lookup_code", code)
    page.focus("#r-lookup_code")
    kb.press("Control+Enter")  # in this panel: submits the supplement, not a new call
    page.wait_for_selector("#r-result:has-text('已补充')")
    assert f"受理编号 {receipt_no} 的报告" in page.inner_text("#r-result") and w.active() == "r-result"
    assert page.input_value("#r-narrative") == "" and page.input_value("#r-lookup_code") == ""


def beijing_opened_date(w: Watched, server: Client, case_id: str) -> None:
    """The repeat check's 立案 date is the Beijing date: the real case's, and one opened at
    21:30 UTC (already the next day in Beijing)."""
    page, kb = w.page, w.page.keyboard
    for box in page.locator(".readback").all():  # read back first: else the next call asks (#29)
        box.check()
    kb.press("F9")
    w.tab_to("f-children-0-name")
    kb.type("陈小雨")
    w.tab_to("f-children-0-age")
    kb.type("7")
    w.tab_to(PLACE)
    kb.type("龙湾")
    kb.press("Enter")  # the one match: chosen
    assert page.get_attribute(f"#{PLACE}", "data-code") == VILLAGE
    page.wait_for_selector("#repeat-known", timeout=15000)
    opened = datetime.fromisoformat(str(case(server, case_id)["opened_at"])).astimezone(BEIJING)
    # The answer names the last report's time, never the case (contract §10); one report so far.
    # The console's dates (#29): 12月2日.
    assert f"最近报告 {opened.month}月{opened.day}日" in page.inner_text("#repeat-check")

    def at_half_past_nine_utc(route: Route) -> None:
        known = [{"risk_level": "orange", "status": "dispatched",
                  "last_report_at": "2026-12-01T21:30:00+00:00", "report_count": 1, "joins": True}]
        route.fulfill(status=200, content_type="application/json", body=json.dumps(known))

    page.route("**/v1/children/repeat-check", at_half_past_nine_utc)
    w.tab_to("f-children-0-age")
    kb.press("Backspace")
    kb.type("8")
    page.wait_for_selector("#repeat-check:has-text('12月2日 05:30')")  # Beijing time


def test_a_caller_looks_up_progress_and_rings_back_with_more(server: Client, browser: Browser) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    w = Watched(browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN"))
    day_before = datetime.now(BEIJING).strftime("%Y%m%d")
    receipt_no, code = take_a_call(w, server)
    # Numbered with the Beijing date (contract §15), whatever the server's time zone.
    assert receipt_no[:8] in (day_before, datetime.now(BEIJING).strftime("%Y%m%d"))
    first = wait_for(lambda: report_of(server, receipt_no), what="the call triaged")
    before = case(server, first["case_id"])
    assert before["risk_level"] == "yellow"
    assert region_codes(server, first["case_id"]) == {first["report_id"]: VILLAGE}  # the village chosen
    assert [r["agency_kind"] for r in before["referrals"]] == ["civil_affairs"]  # type: ignore[attr-defined]

    look_up_on_a_phone_without_javascript(browser, receipt_no, code)

    supplement_by_receipt(w, receipt_no, code)

    def moved() -> dict[str, object] | None:  # the level (triage), then the police referral (dispatch)
        now = case(server, first["case_id"])
        return now if now["risk_level"] == "orange" and len(now["referrals"]) == 2 else None  # type: ignore[arg-type]

    after = wait_for(moved, what="the level raised by the supplement's new concern")
    assert sorted(r["agency_kind"] for r in after["referrals"]) == ["civil_affairs", "police"]
    assert after["initial_risk_level"] == "yellow"

    beijing_opened_date(w, server, first["case_id"])
    w.page.context.close()
    # The browser logs the wrong code's 404 once; nothing else (no CSP refusal, no script error).
    assert [e for e in w.errors if "status of 404" not in e] == [] and len(w.errors) == 1, w.errors


@pytest.mark.parametrize("width", [1366, 360])
def test_the_lookup_page_passes_axe_and_fits_the_width(server: Client, browser: Browser, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="zh-CN",
                                  bypass_csp=True)  # to inject axe
    page = context.new_page()
    receipt = server.submit({"channel": "hotline_12345", "reporter": {"relation": "public"},
                             "children": [{"name": "林小禾", "age": 6}],
                             "location": {"region_code": "441823"}, "concerns": ["neglect"],
                             "narrative": "孩子独自在家"}, key=f"axe-lookup-{width}")
    found: dict[str, list[str]] = {}

    def check(name: str, p: Page) -> None:
        found[name] = serious_violations(p)
        overflow = p.evaluate("document.documentElement.scrollWidth") - width
        if overflow > 0:
            found[name].append(f"{overflow}px wider than the screen")

    page.goto(f"{BASE}/lookup")
    check("form", page)
    page.fill("#receipt_no", receipt["receipt_no"])
    page.fill("#lookup_code", "AAAAAAAAAA")
    page.click("#lookup-submit")
    page.wait_for_selector("#lookup-error")
    check("not found", page)
    page.fill("#lookup_code", receipt["lookup_code"])
    page.click("#lookup-submit")
    page.wait_for_selector("#result")
    check("result", page)
    context.close()
    assert found == {"form": [], "not found": [], "result": []}


def test_a_receipt_of_wide_letters_fits_a_phone(browser: Browser) -> None:
    """The receipt's own style (base.html), the widest receipt there can be: ten W's. Random
    receipts such as 20261202-XWFTQWRNQ5 overflowed 360 px by 16 px in a full run."""
    import re
    from pathlib import Path

    base = (Path(__file__).parents[2] / "services/api/templates/base.html").read_text()
    rule = re.search(r"^\s*\.receipt \{[^}]*\}", base, re.M)
    assert rule is not None
    page = browser.new_page(viewport={"width": 360, "height": 740})
    try:
        widest = "<p>受理编号<br><span class='receipt'>20261202-WWWWWWWWWW</span></p>"
        page.set_content(f"<html lang='zh-CN'><style>main {{ padding: 1rem; }} {rule.group(0)}</style>"
                         f"<main>{widest}</main></html>")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    finally:
        page.close()
