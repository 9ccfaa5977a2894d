"""Major incidents (重大事项, contract §12) in headless Chromium, the embedded wiring with a local
upward receiver: an operator files a red sexual-abuse report about a 9-year-old on the console;
the upward report arrives signed, without the child's name; the supervisor sees it under 重大事项
on /board with its upward state, then marks an orange case with a summary (a name refused beside
the field, then a confirming step). The board and the confirming page pass axe at 1366 and 360."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from services.notify import webhook
from tests.e2e.axe import no_serious
from tests.e2e.client import Client, embedded_server, wait_for
from tests.helpers import report_body
from tests.receiver import Receiver

PORT = 18260
BASE = f"http://127.0.0.1:{PORT}"
SECRET = "upward-secret-for-the-browser-test"
CHILD = "周小雨"


@pytest.fixture(scope="module")
def receiver() -> Receiver:
    return Receiver()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, receiver: Receiver) -> Iterator[Client]:
    upward = {"HOTLINE_UPWARD_WEBHOOK": receiver.hook("upward"), "HOTLINE_UPWARD_WEBHOOK_SECRET": SECRET}
    saved = {k: os.environ.get(k) for k in upward}
    os.environ.update(upward)  # the server process takes the environment as it starts
    try:
        with embedded_server(tmp_path_factory.mktemp("incidents") / "var", PORT) as client:
            yield client
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def signed_in(server: Client, browser: Browser, user: str, home: str) -> Page:
    page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN",
                               bypass_csp=True).new_page()  # to inject axe
    page.goto(f"{BASE}/login?next={home}")
    page.fill("#username", user)
    page.fill("#password", server.password(user))
    page.click("button[type=submit]")
    page.wait_for_url(f"{BASE}{home}*")
    return page


def test_a_red_report_goes_upward_and_a_supervisor_marks_another(
        server: Client, browser: Browser, receiver: Receiver) -> None:
    console = signed_in(server, browser, "operator1", "/intake")
    console.fill("#f-children-0-name", CHILD)
    console.fill("#f-children-0-age", "9")
    console.fill("#f-narrative", "孩子说被邻居猥亵")
    console.fill("#f-location-region_code", "441823")
    expect(console.locator("#f-location-region_code-status")).to_have_text("已选择：连南瑶族自治县")
    console.check("input[name=concerns][value=sexual_abuse]")
    console.keyboard.press("Control+Enter")
    console.wait_for_selector("#receipt-panel:not([hidden])")

    got = wait_for(lambda: [r for r in receiver.got if r["path"] == "/upward"], timeout=60,
                   what="the upward report")
    assert len(got) == 1
    body = got[0]["body"]
    assert got[0]["headers"][webhook.SIGNATURE_HEADER] == webhook.sign(SECRET, body)
    sent = json.loads(body)
    assert sent["event"] == "major_incident.reported" and sent["risk_level"] == "red"
    assert sent["concerns"] == ["sexual_abuse"] and CHILD not in body.decode()

    board = signed_in(server, browser, "supervisor1", "/board")
    item = board.locator(f"#incidents li[data-case='{sent['case_id']}']")
    wait_for(lambda: board.reload() or item.count(), what="the incident on the board")
    expect(item).to_contain_text("已上报")
    expect(item).to_contain_text("441823")
    expect(item).to_contain_text("涉及14岁以下儿童")
    link = item.locator(f"a[href='/board#case-{sent['case_id']}']")
    expect(link).to_have_text(f"案件 {sent['case_id'][:8]}")
    no_serious(board)

    orange = server.submit(report_body(concerns=["domestic_violence"], immediate_danger=False,
                                       narrative="父亲经常打孩子"), key="orange-1")
    case_id = wait_for(lambda: server.http.get(f"/v1/reports/{orange['report_id']}",
                                               headers=server.auth("operator1")).json().get("case_id"),
                       what="the orange case")
    row = board.locator(f"#case-{case_id}")
    wait_for(lambda: board.goto(f"{BASE}/board") and row.count(), what="the orange case on the board")
    row.locator("summary").click()
    row.locator(f"#incident-{case_id}").fill("王小明被父亲长期殴打")  # the child's name: refused
    row.locator("form.mark-incident button").click()
    expect(board.locator("#error-summary")).to_contain_text("姓名")
    assert board.get_attribute("#f-summary", "aria-invalid") == "true"
    board.fill("#f-summary", "一名9岁儿童长期遭受家庭暴力，已报警处理。")
    board.click("#confirm-yes")
    expect(board.locator("#confirm-h")).to_have_text("标记为重大事项")
    no_serious(board)
    board.click("#confirm-yes")
    board.wait_for_url(re.compile(rf"{BASE}/board\?incident={case_id}"))
    expect(board.locator("#incident-done")).to_contain_text(case_id[:8])
    marked = wait_for(lambda: [r for r in receiver.got if r["path"] == "/upward"
                               and json.loads(r["body"])["case_id"] == case_id], timeout=60,
                      what="the mark's upward report")
    assert json.loads(marked[0]["body"])["summary"] == "一名9岁儿童长期遭受家庭暴力，已报警处理。"
    assert json.loads(marked[0]["body"])["reason"] == "mark"
