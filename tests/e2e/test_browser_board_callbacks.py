"""The supervisor's side of a dissatisfied callback (回访, contract §13) in headless Chromium, at
1366 px with the page's strict CSP: the flagged case on /board says why (the callback's result,
who and when, the reporter's words opened in the case's panel, the reading audited) and what to do;
a review refused and its address opened again lands on the board, not on a bare table; the review
named 复核回访不满意 clears the flag and says so, the timeline keeping the callback and saying it
was reviewed; /callbacks lists the region's due and done callbacks with no number and links each
case to the board; another county's supervisor sees none of it. Axe at 1366 and 360 px."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.e2e.axe import no_serious
from tests.e2e.client import Client, embedded_server, wait_for
from tests.e2e.conftest import CHROMIUM_ARGS
from tests.e2e.test_browser_callbacks import SHOTS, closed_case
from tests.e2e.test_browser_desk import from_root
from tests.helpers import PII_VALUES

PORT = 18450
BASE = f"http://127.0.0.1:{PORT}"
WORDS = "派出所上门一次后再没人来，孩子仍然挨打"
VERIFIED = "已电话联系派出所：将于明日再次上门"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    with embedded_server(tmp_path_factory.mktemp("board-callbacks") / "var", PORT) as client:
        yield client


@pytest.fixture(scope="module")
def unhappy(server: Client) -> dict[str, Any]:
    """A closed case whose reporter the operator reached and who was dissatisfied."""
    receipt = closed_case(server, "board-callback", PII_VALUES[0], "44182320150101123")
    (due,) = server.http.get("/v1/callbacks?status=due", headers=server.auth("operator1")).json()
    assert due["receipt_no"] == receipt
    done = server.http.post(f"/v1/callbacks/{due['callback_id']}", headers=server.auth("operator1"),
                            json={"reached": True, "satisfaction": "dissatisfied", "note": WORDS})
    assert done.status_code == 200, done.text
    return {"case_id": due["case_id"], "receipt_no": receipt}


def csp_refusals(page: Page) -> list[str]:
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    return refused


def test_a_dissatisfied_reporter_on_the_board_reviewed_and_listed(server: Client,
                                                                  unhappy: dict[str, Any]) -> None:
    case_id, receipt, short = unhappy["case_id"], unhappy["receipt_no"], unhappy["case_id"][:8]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN").new_page()
        refused = csp_refusals(page)
        from_root(page, server, "supervisor1", "/board")
        row = page.locator(f"#case-{case_id}")
        # Why, and what to do: on the row itself, the review named for the flag.
        expect(row.locator(".needs-review")).to_have_text("待复核：回访不满意")
        expect(row.locator(f"#todo-{case_id}")).to_contain_text("来电人对处置不满意：请阅读回访记录，联系承办单位核实")
        expect(row.locator("summary")).to_contain_text("复核回访不满意")
        row.locator("summary").focus()
        page.keyboard.press("Enter")  # the panel opens by the keyboard
        record = row.locator(".cb-record")
        # By role, as the timeline names the caller (no account name on either).
        expect(record).to_contain_text(f"热线接线员回访（受理编号 {receipt}）：已联系上，不满意")
        expect(record.locator(".cb-note")).to_have_text(f"来电人原话：{WORDS}")  # loaded on opening
        expect(row.locator("ol.timeline")).to_contain_text(
            f"回访（受理编号 {receipt}）：已联系上，不满意（热线接线员）")
        expect(row.locator("form.review button")).to_have_text("复核回访不满意")
        SHOTS.mkdir(parents=True, exist_ok=True)
        row.screenshot(path=str(SHOTS / "board-callback.png"))  # the supervisor's guide shows it

        def read_audited() -> list[Any]:
            entries = server.http.get("/v1/audit", params={"action": "callback.read"},
                                      headers=server.auth("auditor1")).json()
            return [e for e in entries if e["action"] == "callback.read" and e.get("case_id") == case_id]

        wait_for(read_audited, what="the reading of the note on the audit trail")

        # A review refused (blank after trimming): the address is the board's own at the case, so a
        # reload sends nothing again (stop 53); the form's address opened by hand is the board too.
        # What was typed in the case's other form meanwhile comes back with the refused page
        # (stop 55's county supervisor: a refusal lost the reason typed beside it).
        page.locator(f"#reassess-reason-{case_id}").fill("回访反映孩子仍被打")
        page.locator(f"#review-note-{case_id}").fill("   ")
        page.locator(f"#review-note-{case_id}").press("Enter")
        expect(page.locator(f"#review-note-{case_id}-err")).to_contain_text("请填写复核意见")
        expect(page.locator(f"#reassess-reason-{case_id}")).to_have_value("回访反映孩子仍被打")
        page.locator(f"#reassess-reason-{case_id}").fill("")  # cleared: not brought back again
        assert page.url == f"{BASE}/board?case={case_id}#case-{case_id}", page.url
        page.goto(f"{BASE}/board/cases/{case_id}/review")
        page.wait_for_url(f"{BASE}/board?case={case_id}#case-{case_id}")
        expect(page.locator("h1")).to_have_text("案件督办看板")
        expect(page.locator(f"#case-{case_id}")).to_have_class("red target")
        expect(page.locator(f"#case-{case_id} details")).to_have_attribute("open", "")
        page.goto(f"{BASE}/board/incidents/{case_id}")  # the other command's address, too: the case
        page.wait_for_url(f"{BASE}/board?case={case_id}#case-{case_id}")
        expect(page.locator("h1")).to_have_text("案件督办看板")

        # The review clears the flag, says so, and the timeline keeps the callback.
        row = page.locator(f"#case-{case_id}")
        expect(row.locator("details")).to_have_attribute("open", "")  # opened by the link to the case
        page.locator(f"#review-note-{case_id}").fill(VERIFIED)
        page.locator(f"#case-{case_id} form.review button").click()
        expect(page.locator("#notice")).to_contain_text(f"已完成案件 {short} 的复核")
        expect(page.locator("#notice")).to_contain_text("“回访不满意”已复核，看板上的该提示已清除")
        expect(row.locator(".needs-review")).to_have_count(0)
        expect(row.locator(f"#todo-{case_id}")).to_have_count(0)
        page.reload()  # the notice is said once (stop 52's review: a reload said it again)
        expect(page.locator("#notice")).to_have_count(0)
        assert "done=" not in page.url

        def reviewed_line() -> bool:
            page.goto(f"{BASE}/board?show=closed#case-{case_id}")  # closed, reviewed: 已结案
            page.reload()  # the notice's query is gone from the address: the goto alone moves the hash
            return "回访不满意已复核" in page.locator(f"#case-{case_id} ol.timeline").inner_text()

        wait_for(reviewed_line, what="the review on the timeline")
        timeline = page.locator(f"#case-{case_id} ol.timeline")
        expect(timeline).to_contain_text(f"回访（受理编号 {receipt}）：已联系上，不满意")
        expect(timeline).to_contain_text(f"复核完毕：风险等级保持红色，回访不满意已复核，意见：{VERIFIED}")
        expect(page.locator(f"#case-{case_id} .needs-review")).to_have_count(0)

        # /callbacks from the header: done in the region with its result, no number; to the board.
        page.locator("header a[href='/callbacks']").click()
        page.wait_for_url(f"{BASE}/callbacks")
        done = page.locator("#cb-done tbody tr")
        expect(done).to_have_count(1)
        expect(done).to_contain_text(f"案件 {short}")
        expect(done.locator(".cb-outcome")).to_contain_text("结果：已联系上，不满意，已复核（")  # and when
        expect(page.locator("#cb-due")).to_contain_text("暂无待回访")
        assert PII_VALUES[1] not in page.content() and WORDS not in page.content()
        done.locator("a").click()
        page.wait_for_url(f"{BASE}/board?case={case_id}#case-{case_id}")
        expect(page.locator(f"#case-{case_id} details")).to_have_attribute("open", "")
        assert refused == [], refused

        # Axe at 1366 and 360 px: the board with the case's panel open, the list, the record.
        checked = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN",
                                      bypass_csp=True).new_page()  # to inject axe
        from_root(checked, server, "supervisor1", "/board")
        checked.goto(f"{BASE}/board?case={case_id}#case-{case_id}")
        expect(checked.locator(f"#case-{case_id} .cb-note")).to_be_visible()
        no_serious(checked)
        for path in ("/callbacks", f"/board/callbacks/{case_id}"):
            checked.goto(f"{BASE}{path}")
            no_serious(checked)

        # Another county's supervisor: nothing of it, the record not found.
        other = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN").new_page()
        from_root(other, server, "supervisor-qingcheng", "/board")
        other.goto(f"{BASE}/callbacks")
        expect(other.locator("#cb-done")).to_contain_text("暂无已回访")
        answer = other.goto(f"{BASE}/board/callbacks/{case_id}")
        assert answer is not None and answer.status == 404
        assert WORDS not in other.content()
        browser.close()
