"""Callbacks (回访, contract §13) in headless Chromium: two cases closed, the console's bar says
待回访 2 and F3 jumps to the panel and back; each row names the report's concerns and what the
units did; 显示电话 opens the name and number (audited); 未联系上 disables 满意程度; 不满意 without a
note is said by the note and nothing sent; a double click sends one request; the result shows under
今天我已回访 and the message goes when work moves on; a result saved in another tab reads
该回访结果已登记. The supervisor finds the case on /board with the reason 回访不满意. Axe at 1366
and 360 px."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.e2e.axe import no_serious
from tests.e2e.client import Client, embedded_server, wait_for
from tests.e2e.conftest import CHROMIUM_ARGS
from tests.e2e.test_browser_desk import from_root
from tests.helpers import PII_VALUES, id_number, report_body

PORT = 18430
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "img"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    with embedded_server(tmp_path_factory.mktemp("callbacks") / "var", PORT) as client:
        yield client


def closed_case(server: Client, key: str, child: str, first17: str) -> str:
    """A red report referred to the police and the hospital, both done, the case closed: its receipt."""
    report = server.submit(report_body(children=[{"name": child, "gender": "male", "age": 9,
                                                  "id_number": id_number(first17)}]), key=key)
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
    receipt = str(report["receipt_no"])
    wait_for(lambda: receipt in str(server.http.get("/v1/callbacks?status=due",
                                                    headers=server.auth("operator1")).json()),
             what="the callback")
    return receipt


def send_back(server: Client, receipt: str) -> None:
    """The supervisor sends the case of this receipt back to the police (重办)."""
    (row,) = [c for c in server.http.get("/v1/callbacks?status=due", headers=server.auth("operator1")).json()
              if c["receipt_no"] == receipt]
    sent = server.http.post(f"/v1/cases/{row['case_id']}/referrals", headers=server.auth("supervisor1"),
                            json={"agency_id": "police-441823", "reason": "回访前发现处置不彻底，请再次核实"})
    assert sent.status_code == 201 and sent.json()["rework"], sent.text
    wait_for(lambda: receipt not in str(server.http.get("/v1/callbacks?status=due",
                                                        headers=server.auth("operator1")).json()),
             what="the callback withdrawn")


def test_a_dissatisfied_callback_reaches_the_board(server: Client) -> None:
    first = closed_case(server, "callback-e2e", PII_VALUES[0], "44182320150101123")
    second = closed_case(server, "callback-e2e-2", "王小军", "44182320140303456")
    third = closed_case(server, "callback-e2e-3", "陈小红", "44182320130505789")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN",
                                      bypass_csp=True)  # to inject axe
        page = context.new_page()
        saves: list[str] = []
        page.on("request", lambda r: saves.append(r.url) if r.method == "POST"
                and r.url.rsplit("/", 2)[-2] == "callbacks" else None)
        from_root(page, server, "operator1", "/intake")
        row = page.locator("#cb-list li", has_text=first)
        expect(row).to_be_visible(timeout=15_000)
        expect(page.locator("#cb-status")).to_contain_text("共 3 条待回访")

        # The count at the top, and F3 to the panel (it is below everything) and back.
        expect(page.locator("#cb-jump")).to_have_text("待回访 3 条 F3")
        expect(page.locator("#shortcuts")).to_contain_text("F3 待回访")
        expect(page.locator("#f-danger")).to_be_focused()
        page.keyboard.press("F3")
        expect(page.locator("#cb-list li").first.locator(".cb-show")).to_be_focused()
        assert page.locator("#callbacks-title").evaluate("h => h.getBoundingClientRect().top >= 0 && "
                                                         "h.getBoundingClientRect().top < innerHeight")
        page.keyboard.press("F3")
        expect(page.locator("#f-danger")).to_be_focused()

        # What the call is about: the report's concerns and what the units did.
        expect(row.locator(".cb-due")).to_have_text(re.compile(r"^\d{1,2}月\d{1,2}日 \d\d:\d\d$"))  # not 12/5
        expect(row.locator(".cb-concerns")).to_have_text("情况类别：家庭暴力、严重受伤，需要紧急救治")
        expect(row.locator(".cb-outcome")).to_contain_text("公安：已处置")
        expect(row.locator(".cb-outcome")).to_contain_text("医院：已处置")
        assert PII_VALUES[1] not in page.locator("#callbacks").inner_text()  # not before the click
        row.locator(".cb-show").focus()
        page.keyboard.press("Enter")
        expect(row.locator(".cb-phone")).to_have_text(f"{PII_VALUES[2]} {PII_VALUES[1]}")  # name, number
        row.locator(".cb-open").focus()
        page.keyboard.press("Enter")
        expect(row.locator(".cb-form")).to_be_visible()
        assert page.evaluate("document.activeElement.value") == "yes"  # the first choice focused
        page.keyboard.press("ArrowDown")  # 未联系上: no satisfaction to give
        expect(row.locator(".cb-sat")).to_be_disabled()
        page.keyboard.press("ArrowUp")  # 已联系上
        expect(row.locator(".cb-sat")).to_be_enabled()
        page.keyboard.press("Tab")  # out of the radio group, to the satisfaction
        assert page.evaluate("document.activeElement.className") == "cb-sat"
        row.locator(".cb-sat").select_option("dissatisfied")
        row.locator(".cb-save").click()  # no reason written: said by the note, nothing sent
        expect(row.locator(".cb-note-error")).to_have_text("不满意时请写明原因。")
        expect(row.locator(".cb-note")).to_be_focused()
        assert row.locator(".cb-note").get_attribute("aria-invalid") == "true" and saves == []
        row.locator(".cb-note").fill("无" * 2001)  # a paste too long: counted and said, never cut
        expect(row.locator(".cb-note + .count")).to_contain_text("已输入 2001 / 2000 字，请删减 1 字")
        row.locator(".cb-save").click()
        expect(row.locator(".cb-note-error")).to_have_text("回访情况最多2000字（现有2001字），请删减。")
        assert saves == [] and len(row.locator(".cb-note").input_value()) == 2001
        row.locator(".cb-note").fill("")
        row.locator(".cb-note").focus()
        page.keyboard.type("来电人说孩子仍无人照看，没有人上门")
        expect(row.locator(".cb-note-error")).to_have_text("")  # the reason written: its error gone
        no_serious(page)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.locator("#callbacks").screenshot(path=str(SHOTS / "console-callbacks.png"))
        row.locator(".cb-save").dblclick()  # a double click: one request
        expect(page.locator("#cb-status")).to_contain_text(f"已保存受理编号 {first} 的回访结果")
        expect(page.locator("#cb-list li")).to_have_count(2)
        assert len(saves) == 1, saves
        expect(page.locator("#cb-jump")).to_have_text("待回访 2 条 F3")
        done = page.locator("#cb-done li")
        expect(done).to_have_count(1)
        expect(done.first).to_contain_text(f"受理编号 {first}")
        expect(done.first).to_contain_text("已联系上，不满意")

        # Work moves on to the next row: the last message goes; that row's result was saved in
        # another tab meanwhile, which is said plainly (nobody else blamed).
        other = page.locator("#cb-list li", has_text=second)
        other.locator(".cb-open").click()
        expect(page.locator("#cb-status")).not_to_contain_text("已保存")
        tab = context.new_page()
        tab.goto(page.url)
        tab.locator("#cb-list li", has_text=second).locator(".cb-open").click()
        tab.locator("#cb-list li", has_text=second).locator("input[value=no]").check()
        tab.locator("#cb-list li", has_text=second).locator(".cb-save").click()
        expect(tab.locator("#cb-status")).to_contain_text(f"已保存受理编号 {second} 的回访结果")
        other.locator("input[value=no]").check()
        other.locator(".cb-save").click()
        expect(page.locator("#cb-status")).to_contain_text(f"受理编号 {second}：该回访结果已登记")
        assert "他人" not in page.locator("#cb-status").inner_text()
        expect(page.locator("#cb-list li")).to_have_count(1)

        # The last row's case is sent back (重办) while its result is being written: the call is
        # withdrawn from the list (stop 55: a first round's call stayed listed), and the result
        # the operator saves is kept (stop 56: the caller's words were refused).
        last = page.locator("#cb-list li", has_text=third)
        last.locator(".cb-open").click()
        last.locator("input[value=no]").check()
        send_back(server, third)
        last.locator(".cb-save").click()
        expect(page.locator("#cb-status")).to_contain_text(f"已保存受理编号 {third} 的回访结果")
        expect(page.locator("#cb-list li")).to_have_count(0)
        expect(page.locator("#cb-jump")).to_have_text("待回访 0 条 F3")
        expect(done).to_have_count(3)
        expect(done.first).to_contain_text(f"受理编号 {third}")  # newest first
        expect(done.first).to_contain_text("未联系上")
        expect(done.first).to_have_text(re.compile(r"· \d{1,2}月\d{1,2}日 \d\d:\d\d ·"))  # as 12月5日 17:17
        for width in (1366, 360):
            page.set_viewport_size({"width": width, "height": 900})
            no_serious(page)
        board = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN",
                                    bypass_csp=True).new_page()
        from_root(board, server, "supervisor1", "/board")
        expect(board.locator("main")).to_contain_text("回访不满意")
        no_serious(board)
        browser.close()

    done_rows = server.http.get("/v1/callbacks?status=done", headers=server.auth("supervisor1")).json()
    assert sorted(c["receipt_no"] for c in done_rows) == sorted([first, second, third])
    def chained() -> set[str] | None:  # the sequencer chains entries within a second
        entries = server.http.get("/v1/audit", params={"action": "callback."},
                                  headers=server.auth("auditor1")).json()
        actions = {e["action"] for e in entries}
        return actions if {"callback.contact", "callback.record"} <= actions else None

    wait_for(chained, what="the number's opening and the result on the audit trail")
