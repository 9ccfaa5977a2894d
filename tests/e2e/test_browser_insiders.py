"""What people with accounts read, in headless Chromium (contract §10): the operator's repeat check
shows a known child's level, status, last report and count but never the case's id, and says in
Chinese when the hour's allowance is spent; an auditor's partial-day statistics window is refused
with why, next to the day pickers. Both pages pass axe at 1366 and 360 px."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect

from services.common.vocabulary import BEIJING
from tests.e2e.axe import serious_violations
from tests.e2e.client import Client, embedded_server, wait_for
from tests.helpers import CHILD_ID, id_number, report_body

PORT = 18220
BASE = f"http://127.0.0.1:{PORT}"
ALLOWANCE = 2  # distinct children an hour, small enough to reach by hand


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HOTLINE_REPEAT_CHECKS_PER_HOUR", str(ALLOWANCE))
        with embedded_server(tmp_path_factory.mktemp("insiders") / "var", PORT) as client:
            yield client


def log_in(page: Page, server: Client, user: str, home: str) -> None:
    page.goto(f"{BASE}/login?next={home}")
    page.fill("#username", user)
    page.fill("#password", server.password(user))
    page.click("button[type=submit]")
    page.wait_for_url(f"{BASE}{home}*")


def check_axe(page: Page) -> None:
    for width in (1366, 360):
        page.set_viewport_size({"width": width, "height": 900})
        assert serious_violations(page) == [], width


def test_the_repeat_check_shows_the_level_never_the_case_and_says_when_the_hour_is_spent(
        server: Client, browser: Browser) -> None:
    accepted = server.submit(report_body(), key="known-child")
    case_id = wait_for(lambda: server.http.get(f"/v1/reports/{accepted['report_id']}",
                                               headers=server.auth("operator1")).json().get("case_id"),
                       what="the report triaged")
    page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN",
                               bypass_csp=True).new_page()
    log_in(page, server, "operator1", "/intake")
    page.fill("#f-children-0-id_number", CHILD_ID)
    known = page.locator("#repeat-known")
    expect(known).to_be_visible(timeout=15_000)
    said = page.inner_text("#repeat-check")
    assert "1 个在办案件" in said and "红色" in said and "最近报告" in said and "报告 1 次" in said
    assert "本次报告将并入此案" in said
    # Nothing in the answer names the case (the operator's own calls list may link their own case).
    assert case_id not in page.inner_html("#repeat-check") and case_id[:8] not in said
    check_axe(page)

    page.fill("#f-children-0-id_number", id_number("44182320160202456"))  # the hour's second child
    expect(page.locator("#repeat-none")).to_be_visible(timeout=15_000)
    page.fill("#f-children-0-id_number", id_number("44182320160202457"))  # a third: over the allowance
    limited = page.locator("#repeat-limited")
    expect(limited).to_be_visible(timeout=15_000)
    assert "本小时查询的儿童已达上限" in limited.inner_text() and "分钟后可再查询" in limited.inner_text()
    check_axe(page)
    page.fill("#f-children-0-id_number", CHILD_ID)  # a child already checked this hour: still answered
    expect(page.locator("#repeat-known")).to_be_visible(timeout=15_000)


def test_an_auditor_is_told_why_a_partial_day_window_is_refused(server: Client, browser: Browser) -> None:
    page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN",
                               bypass_csp=True).new_page()
    log_in(page, server, "auditor1", "/audit")
    noon = datetime.now(BEIJING).replace(hour=12, minute=0, second=0, microsecond=0)
    response = page.goto(f"{BASE}/stats?since={noon.isoformat().replace('+', '%2B')}"
                         f"&until={(noon + timedelta(days=1)).isoformat().replace('+', '%2B')}")
    assert response is not None and response.status == 422
    expect(page.locator("#error-from")).to_contain_text("审计人员的统计时段须为整日")
    assert page.input_value("#from") == noon.date().isoformat()  # the pickers hold those days
    assert page.get_attribute("#from", "type") == "date"
    expect(page.locator("#auditor-days")).to_be_visible()
    check_axe(page)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.click("form[action='/stats'] button[type=submit]")  # whole days from the pickers: counted
    page.wait_for_load_state()
    assert page.locator("#stats-errors").count() == 0 and "无法统计" not in page.inner_text("main")

    # The operator's checks on the trail: one fingerprint per child, in Chinese, on a phone too.
    page.goto(f"{BASE}/audit?form=1&action=child.")
    trail = page.inner_text("#trail")
    assert "查询儿童在办案件" in trail and "超出每小时限额" in trail and "fp-" in trail
    check_axe(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_an_auditor_sees_the_filters_in_force_and_the_refused_reads(server: Client, browser: Browser) -> None:
    page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN",
                               bypass_csp=True).new_page()
    log_in(page, server, "auditor1", "/audit")
    page.goto(f"{BASE}/stats?from=1999-12-31&to=abc")  # refused: on the trail as such
    assert page.locator("#error-from").inner_text().startswith("日期须在 2000-01-01 至")
    tops = [page.locator(f).bounding_box()["y"] for f in ("#from", "#to", "#region")]  # type: ignore[index]
    assert max(tops) - min(tops) < 2, tops  # the messages under the fields keep them in line
    assert page.get_attribute("#from", "min") == "2000-01-01"
    check_axe(page)
    page.set_viewport_size({"width": 1366, "height": 900})
    today = datetime.now(BEIJING).date().isoformat()
    page.wait_for_timeout(1500)  # the sequencer chains the entry within a second
    page.goto(f"{BASE}/audit?form=1&action=stats.&since={today}T00:00:01")
    chips = page.locator("#active-filters")
    expect(chips).to_contain_text(f"起 {today} 00:00:01")
    assert page.input_value("#f-since") == ""  # the box cannot show a time: the chip does
    trail = page.inner_text("#trail")
    assert "统计查询被拒" in trail and "开始日期 1999-12-31 结束日期 abc" in trail
    check_axe(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.set_viewport_size({"width": 1366, "height": 900})
    page.click("#active-filters [data-filter='since'] a")
    page.wait_for_load_state()
    assert "since=" not in page.url and page.locator("#active-filters [data-filter='since']").count() == 0
    page.click("#clear-filters")
    page.wait_for_load_state()
    assert page.locator("#active-filters").count() == 0


def test_an_auditor_finds_a_case_by_its_receipt_and_exports_what_she_chose(server: Client,
                                                                          browser: Browser) -> None:
    """Stop 61's review: a complainant holds a receipt number, not a case id; the auditor could
    neither start from it nor hand anything on. From `/`, on a phone's width too."""
    accepted = server.submit(report_body(), key="complained-of")
    wait_for(lambda: server.http.get(f"/v1/reports/{accepted['report_id']}",
                                     headers=server.auth("operator1")).json().get("case_id"))
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="zh-CN",
                                  accept_downloads=True)
    page = context.new_page()
    page.goto(f"{BASE}/")
    page.wait_for_url(f"{BASE}/login*")
    page.fill("#username", "auditor1")
    page.fill("#password", server.password("auditor1"))
    page.press("#password", "Enter")
    page.wait_for_url(f"{BASE}/audit")
    page.fill("#f-case", "441823201601011234")  # an id card's number: refused, never searched
    page.click("#apply")
    expect(page.locator("#filter-errors")).to_contain_text("这像是身份证号或电话号码")
    page.fill("#f-case", accepted["receipt_no"])
    page.click("#apply")
    expect(page.locator("#case-via")).to_contain_text(f"按受理编号 {accepted['receipt_no']} 所在的案件")
    expect(page.locator("#trail")).to_contain_text("提交报告")
    with page.expect_download() as download:
        page.click("#export-xlsx")
    assert download.value.suggested_filename.startswith("audit-")
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active  # no suffix on disk
    assert sheet is not None
    head = " ".join(str(c) for row in sheet.iter_rows(max_row=6, values_only=True) for c in row if c)
    assert "导出人：auditor1" in head and "审计链校验：通过" in head
    assert any(row and row[5] == "提交报告" for row in sheet.iter_rows(values_only=True))
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()
