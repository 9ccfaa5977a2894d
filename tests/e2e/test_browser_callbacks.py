"""Callbacks (回访, contract §13) in headless Chromium: a case closed, the operator's console lists
the due callback, the number opened on 显示电话 (audited), 不满意 recorded with a note by the
keyboard; the supervisor finds the case on /board with the reason 回访不满意. Axe at 1366 px."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.e2e.axe import no_serious
from tests.e2e.client import Client, embedded_server, wait_for
from tests.e2e.conftest import CHROMIUM_ARGS
from tests.e2e.test_browser_desk import from_root
from tests.helpers import PII_VALUES, report_body

PORT = 18430
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "img"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    with embedded_server(tmp_path_factory.mktemp("callbacks") / "var", PORT) as client:
        yield client


def closed_case(server: Client) -> str:
    """A red report referred to the police and the hospital, both done, the case closed: its receipt."""
    report = server.submit(report_body(), key="callback-e2e")
    found = server.wait_for_referrals(report["report_id"], ("police-desk", "hospital-desk"))
    for desk, referral in found.items():
        path = f"/v1/referrals/{referral['referral_id']}"
        assert server.http.post(f"{path}/acknowledge", headers=server.auth(desk)).status_code == 200
        done = server.http.post(f"{path}/outcome", json={"outcome": "已处置", "note": ""},
                                headers=server.auth(desk))
        assert done.status_code == 200, done.text
    case_id = found["police-desk"]["case_id"]
    closed = server.http.post(f"/v1/cases/{case_id}/closure", json={"reason": "处置完毕"},
                              headers=server.auth("supervisor1"))
    assert closed.status_code == 202, closed.text
    wait_for(lambda: server.http.get("/v1/callbacks?status=due", headers=server.auth("operator1")).json(),
             what="the callback")
    return str(report["receipt_no"])


def test_a_dissatisfied_callback_reaches_the_board(server: Client) -> None:
    receipt = closed_case(server)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN",
                                   bypass_csp=True).new_page()  # to inject axe
        from_root(page, server, "operator1", "/intake")
        row = page.locator("#cb-list li", has_text=receipt)
        expect(row).to_be_visible(timeout=15_000)
        expect(page.locator("#cb-status")).to_contain_text("共 1 条待回访")
        assert PII_VALUES[1] not in page.locator("#callbacks").inner_text()  # not before the click
        row.locator(".cb-show").focus()
        page.keyboard.press("Enter")
        expect(row.locator(".cb-phone")).to_have_text(PII_VALUES[1])
        row.locator(".cb-open").focus()
        page.keyboard.press("Enter")
        expect(row.locator(".cb-form")).to_be_visible()
        assert page.evaluate("document.activeElement.value") == "yes"  # the first choice focused
        page.keyboard.press("Space")  # 已联系上
        page.keyboard.press("Tab")  # out of the radio group, to the satisfaction
        assert page.evaluate("document.activeElement.className") == "cb-sat"
        row.locator(".cb-sat").select_option("dissatisfied")
        page.keyboard.press("Tab")
        page.keyboard.type("来电人说孩子仍无人照看，没有人上门")
        no_serious(page)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.locator("#callbacks").screenshot(path=str(SHOTS / "console-callbacks.png"))
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")  # 保存回访结果
        expect(page.locator("#cb-status")).to_contain_text(f"已保存受理编号 {receipt} 的回访结果")
        expect(page.locator("#cb-list li")).to_have_count(0)
        no_serious(page)

        board = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN",
                                    bypass_csp=True).new_page()
        from_root(board, server, "supervisor1", "/board")
        expect(board.locator("main")).to_contain_text("回访不满意")
        no_serious(board)
        browser.close()

    done = server.http.get("/v1/callbacks?status=done", headers=server.auth("supervisor1")).json()
    assert [c["receipt_no"] for c in done] == [receipt]
    def chained() -> set[str] | None:  # the sequencer chains entries within a second
        entries = server.http.get("/v1/audit", params={"action": "callback."},
                                  headers=server.auth("auditor1")).json()
        actions = {e["action"] for e in entries}
        return actions if {"callback.contact", "callback.record"} <= actions else None

    wait_for(chained, what="the number's opening and the result on the audit trail")
