"""重办 in headless Chromium with the page's strict CSP: a case closed with a dissatisfied callback
(the reporter: the police came once and the child is still beaten) is sent back to the police from
/board by keyboard: a blank reason said by its field, then the banner naming the unit and the
flag reviewed by it, the case open again, the timeline saying 重新交办给X：原因; the police desk
finds the new referral in its inbox beside the finished one. Axe at 1366 and 360 px."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.e2e.axe import no_serious
from tests.e2e.client import Client, embedded_server, wait_for
from tests.e2e.conftest import CHROMIUM_ARGS
from tests.e2e.test_browser_board_callbacks import csp_refusals
from tests.e2e.test_browser_callbacks import closed_case
from tests.e2e.test_browser_desk import from_root
from tests.helpers import PII_VALUES

PORT = 18460
BASE = f"http://127.0.0.1:{PORT}"
WORDS = "派出所民警上门后没有再联系，孩子仍被打"
REASON = "回访反映民警上门后未再联系，孩子仍被打，请再次上门核查"
POLICE = "连南瑶族自治县公安局"


@pytest.fixture(scope="module")
def unhappy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Client, str]]:
    """The server, and a case it closed whose reporter was reached and dissatisfied."""
    with embedded_server(tmp_path_factory.mktemp("rework") / "var", PORT) as server:
        receipt = closed_case(server, "rework", PII_VALUES[0], "44182320150101123")
        (due,) = server.http.get("/v1/callbacks?status=due", headers=server.auth("operator1")).json()
        said = {"reached": True, "satisfaction": "dissatisfied", "note": WORDS}
        done = server.http.post(f"/v1/callbacks/{due['callback_id']}", json=said,
                                headers=server.auth("operator1"))
        assert done.status_code == 200 and due["receipt_no"] == receipt, done.text
        yield server, due["case_id"]


def open_panel(page: Page, case_id: str) -> None:
    summary = page.locator(f"#case-{case_id} summary")
    summary.focus()
    page.keyboard.press("Enter")  # the panel opens by the keyboard
    expect(page.locator(f"#case-{case_id} form.rework")).to_be_visible()


def test_a_closed_case_is_sent_back_to_the_police_and_reaches_its_inbox(
        unhappy: tuple[Client, str]) -> None:
    server, case_id = unhappy
    short = case_id[:8]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        # Axe first, at both widths, on the closed case's panel with 重新交办 open.
        for width in (1366, 360):
            checked = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN",
                                          bypass_csp=True).new_page()  # to inject axe
            from_root(checked, server, "supervisor1", "/board")
            open_panel(checked, case_id)
            box = checked.locator(f"#rework-reason-{case_id}").bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width  # on a phone too
            no_serious(checked)
            checked.context.close()

        page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN").new_page()
        refused = csp_refusals(page)
        from_root(page, server, "supervisor1", "/board")
        row = page.locator(f"#case-{case_id}")
        expect(row.locator(".needs-review")).to_have_text("待复核：回访不满意")
        expect(row.locator(".case-status")).to_contain_text("已结案")
        expect(row.locator("summary")).to_contain_text("重新交办")
        open_panel(page, case_id)
        expect(row.locator("form.refer")).to_have_count(0)  # 改派 is for open cases
        expect(row.locator("form.rework h3")).to_have_text("重新交办")

        # A blank reason (spaces pass the browser's check): said by the field, in Chinese.
        page.locator(f"#agency-{case_id}").focus()
        page.locator(f"#agency-{case_id}").select_option("police-441823")
        page.keyboard.press("Tab")
        expect(page.locator(f"#rework-reason-{case_id}")).to_be_focused()
        page.keyboard.type("   ")
        page.keyboard.press("Enter")
        expect(page.locator(f"#rework-reason-{case_id}-err")).to_contain_text("请填写重新交办原因")
        expect(page.locator(f"#rework-reason-{case_id}")).to_have_attribute("aria-invalid", "true")
        expect(page.locator(f"#agency-{case_id}")).to_have_value("police-441823")  # kept

        page.locator(f"#rework-reason-{case_id}").fill(REASON)
        page.locator(f"#rework-reason-{case_id}").press("Enter")
        notice = page.locator("#notice")
        expect(notice).to_contain_text(f"已将案件 {short} 重新交办给{POLICE}，该单位将在收件箱中看到此案件")
        expect(notice).to_contain_text("“回访不满意”已由此次重新交办复核，看板上的该提示已清除")
        row = page.locator(f"#case-{case_id}")
        expect(row.locator(f"#todo-{case_id}")).to_have_count(0)
        expect(row.locator(".needs-review", has_text="回访不满意")).to_have_count(0)  # another flag may show
        expect(row.locator(".case-status")).not_to_contain_text("已结案")

        def reworked_line() -> bool:
            page.goto(f"{BASE}/board#case-{case_id}")
            page.reload()  # the notice's query is gone from the address: the goto alone moves the hash
            line = f"重新交办给{POLICE}：{REASON}"
            return line in page.locator(f"#case-{case_id} ol.timeline").inner_text()

        wait_for(reworked_line, what="重办 on the timeline")
        expect(page.locator(f"#case-{case_id} ol.timeline")).to_contain_text(
            f"重新交办给{POLICE}：{REASON}，回访不满意已复核（督办人员 supervisor1）")
        expect(page.locator(f"#case-{case_id} .case-status")).to_contain_text("待接收")
        assert refused == [], refused

        # The police desk: the new referral in its inbox, waiting; the finished one listed apart.
        desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN").new_page()
        from_root(desk, server, "police-desk", "/desk")
        expect(desk.locator("#referrals tbody tr", has_text=f"案件 {short}")).to_have_count(1)
        expect(desk.locator("#finished tbody tr", has_text=f"案件 {short}")).to_have_count(1)
        fresh = desk.locator("#referrals tbody tr[data-status=dispatched]", has_text=f"案件 {short}")
        expect(fresh.locator(".status")).to_have_text("待接收")
        expect(fresh.locator("button.ack")).to_be_visible()
        browser.close()
