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
    # Reloaded until it shows (a reload answers a Response, truthy: it goes first, not in an `or`).
    wait_for(lambda: (board.reload(), item.count())[1], what="the incident on the board")
    expect(item).to_contain_text("已上报")
    expect(item.locator(".county")).to_have_text("连南瑶族自治县")  # by name, no code
    assert "441823" not in item.inner_text()
    expect(item).to_contain_text("涉及14岁以下儿童")
    link = item.locator(f"a[href='/board?case={sent['case_id']}#case-{sent['case_id']}']")
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
    board.wait_for_url(re.compile(rf"{BASE}/board\?incident={case_id}"))  # Post/Redirect/Get
    expect(board.locator("#incident-done")).to_contain_text(case_id[:8])
    expect(board.locator(f"#incidents li[data-case='{case_id}']")).to_contain_text("一名9岁儿童")  # at once
    marked = wait_for(lambda: [r for r in receiver.got if r["path"] == "/upward"
                               and json.loads(r["body"])["case_id"] == case_id], timeout=60,
                      what="the mark's upward report")
    assert json.loads(marked[0]["body"])["summary"] == "一名9岁儿童长期遭受家庭暴力，已报警处理。"
    assert json.loads(marked[0]["body"])["reason"] == "mark"
    board.reload()  # a GET: nothing sent again
    # Back from the board (stop 50's review: the browser asked to send the form again): the
    # confirming step's address, a GET, returns to the case.
    board.go_back()
    board.wait_for_url(re.compile(rf"{BASE}/board\?case={case_id}#case-{case_id}"))
    expect(board.locator(f"#case-{case_id}")).to_be_visible()
    assert len([r for r in receiver.got if r["path"] == "/upward"
                and json.loads(r["body"])["case_id"] == case_id]) == 1
    row = board.locator(f"#case-{case_id}")
    wait_for(lambda: (board.reload(), "认定为重大事项（督办人员）" in row.inner_text())[1],
             what="the mark on the timeline as the supervisor's")
    assert "认定为重大事项（研判系统）" not in row.inner_text()
    # Its receiver took it: the row says 已上报 (only then; stop 52's review found it said so unsent)
    wait_for(lambda: (board.reload(), row.locator(".incident-mark").inner_text() == "已上报重大事项")[1],
             what="the row's mark as reported")


def test_the_board_names_counties_filters_them_and_opens_a_linked_case(
        server: Client, browser: Browser) -> None:
    """The city supervisor (清远市: two counties): each case's county by name, the county filter
    by keyboard (kept in the URL), the actions' disclosure looking like a button with a focus
    ring, and a case link opening and marking its row."""
    plain = {"concerns": ["neglect"], "immediate_danger": False, "narrative": "孩子常独自在家"}
    lianan = server.submit(report_body(
        **plain, location={"region_code": "441823100201", "address": "某村三巷"}), key="county-lianan")
    qingcheng = server.submit(report_body(
        **plain, location={"region_code": "441802001001", "address": "某街一巷"},
        children=[{"name": "陈小红", "gender": "female", "age": 8}]), key="county-qingcheng")
    ids = [wait_for(lambda r=r: server.http.get(f"/v1/reports/{r['report_id']}",  # type: ignore[misc]
                                                headers=server.auth("operator1")).json().get("case_id"),
                    what="the case") for r in (lianan, qingcheng)]
    city = signed_in(server, browser, "supervisor-qingyuan", "/board")
    wait_for(lambda: city.goto(f"{BASE}/board") and all(city.locator(f"#case-{i}").count() for i in ids),
             what="both counties' cases")
    expect(city.locator(f"#case-{ids[0]} td.county")).to_contain_text("连南瑶族自治县")
    expect(city.locator(f"#case-{ids[1]} td.county")).to_contain_text("清城区")
    groups = city.locator(f"#agency-{ids[1]} optgroup")
    assert groups.first.get_attribute("label") == "清城区"  # the case's own county first

    city.focus("#county")
    city.select_option("#county", "441802")
    city.focus("#county-go")  # past 状态, 等级 and 查找 (stop 58)
    city.keyboard.press("Enter")  # 筛选
    city.wait_for_url(f"{BASE}/board?county=441802")
    expect(city.locator(f"#case-{ids[1]}")).to_be_visible()
    assert city.locator(f"#case-{ids[0]}").count() == 0
    expect(city.locator("#county-shown")).to_contain_text("清城区")

    summary = city.locator(f"#case-{ids[1]} summary")
    expect(summary).to_contain_text("改级 / 改派 / 结案 / 上报重大事项 / 时间线")
    summary.focus()
    style = summary.evaluate("e => [getComputedStyle(e).outlineStyle, getComputedStyle(e).borderTopStyle,"
                             " getComputedStyle(e, '::before').content]")
    assert style[0] != "none" and style[1] == "solid" and "▸" in style[2]
    city.keyboard.press("Enter")
    expect(city.locator(f"#case-{ids[1]} details")).to_have_attribute("open", "")

    city.goto(f"{BASE}/board#case-{ids[0]}")
    target = city.locator(f"#case-{ids[0]}")
    expect(target).to_have_class(re.compile("target"))
    expect(target.locator("details")).to_have_attribute("open", "")
    assert target.evaluate("e => getComputedStyle(e).outlineStyle") != "none"
    no_serious(city)
