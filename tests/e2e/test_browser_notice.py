"""Agency notices in headless Chromium (contract §12), from `/`: the procuratorate's desk has no
inbox and is led to 通报; it files a notice about a child whose mother was detained, with the
keyboard, and sees the receipt after a redirect (what was filed, the lookup code once); then
三江镇's civil-affairs desk has the referral, naming the filing unit, and the procuratorate's
/desk lists the notice with the unit it went to. The police desk's form: the error summary in
the form's order and focused, errors cleared as fields are fixed, an id number that disagrees
with the age warned of, Ctrl+Enter files it, the id number shown whole. Axe at 1366 and 360 px."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect, sync_playwright

from services.common.numbers import check_character
from tests.e2e.axe import no_serious
from tests.e2e.client import Client, embedded_server
from tests.e2e.conftest import CHROMIUM_ARGS
from tests.e2e.test_browser_desk import from_root

PORT = 18250


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    with embedded_server(tmp_path_factory.mktemp("notice") / "var", PORT) as client:
        yield client


def test_a_procuratorate_notice_reaches_the_towns_civil_affairs_desk(server: Client) -> None:
    base = f"http://127.0.0.1:{PORT}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1366, "height": 800}, locale="zh-CN",
                                   bypass_csp=True).new_page()  # to inject axe
        from_root(page, server, "procuratorate-desk", "/desk")
        expect(page.locator("#no-inbox")).to_contain_text("本单位不接收转介")
        assert page.locator("#inbox").count() == 0
        page.locator("header a[href='/desk/notice']").click()
        page.wait_for_url(f"{base}/desk/notice")
        expect(page.locator("#filing-unit")).to_have_text("连南瑶族自治县人民检察院")
        no_serious(page)

        assert page.locator("input[name=concerns]:checked").count() == 0  # none ticked beforehand
        page.set_viewport_size({"width": 360, "height": 800})
        page.locator("input[value=parents_detained_or_rehab]").check()
        page.locator("#f-children-0-name").focus()
        page.keyboard.type("李小花")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.keyboard.type("7")
        page.locator("#f-location-region_code").focus()
        page.keyboard.type("金坑")
        page.locator("#f-location-region_code-list li").first.wait_for()
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        expect(page.locator("#f-location-region_code")).to_have_attribute("data-code", "441823100201")
        page.locator("#f-narrative").focus()
        page.keyboard.type("其母因涉嫌贩毒被刑事拘留，7岁女儿独自在家，无人照料。")
        page.locator("#submit").focus()
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(rf"{base}/desk/notice/receipt/[0-9a-f-]+$"))  # 303: no resend
        expect(page.locator("#receipt")).to_be_visible()
        expect(page.locator("h1")).to_have_text("通报已受理")
        receipt = page.locator("#receipt-no").inner_text()
        assert re.fullmatch(r"\d{8}-\w+", receipt), receipt
        code = page.locator("#lookup-code").inner_text()
        assert code and code not in page.url
        expect(page.locator("#routed")).to_contain_text("通报已安全保存")
        expect(page.locator("#routed")).to_contain_text(
            "转给儿童现住地的民政（三江镇社会事务办（儿童督导员））")  # by name
        expect(page.locator("#filed-children")).to_have_text("李小花")
        expect(page.locator("#filed-place")).to_contain_text("金坑")
        expect(page.locator("#filed-concerns")).to_contain_text("父母")
        href = page.locator("#lookup-link").get_attribute("href") or ""
        assert receipt in href and code not in href
        expect(page.locator("#receipt")).to_contain_text("查询码需自行输入")
        no_serious(page)
        page.reload()  # shown once: the lookup code is not shown again, nothing is sent again
        expect(page.locator("#lookup-code-gone")).to_be_visible()
        assert page.locator("#lookup-code").count() == 0
        expect(page.locator("#receipt-no")).to_have_text(receipt)

        civil = browser.new_page(viewport={"width": 1366, "height": 800}, locale="zh-CN")
        from_root(civil, server, "civil-sanjiang", "/desk")
        row = civil.locator("tr", has=civil.locator("a.open")).first
        expect(row).to_be_visible(timeout=30_000)
        row.locator("a.open").click()
        civil.wait_for_url(re.compile(rf"{base}/desk/referrals/[0-9a-f-]+$"))
        expect(civil.locator(".child-name")).to_have_text("李小花")
        expect(civil.locator(".filing-unit")).to_have_text("连南瑶族自治县人民检察院")
        expect(civil.locator(".narrative")).to_contain_text("刑事拘留")

        page.locator("#mine-link").click()  # the unit's own notices, on its /desk
        page.wait_for_url(f"{base}/desk#own-notices")
        expect(page.locator("header a[aria-current=page]")).to_have_text("本单位通报")
        assert page.locator("main a[href='/desk/notice']").count() == 1  # one way to the form
        row = page.locator("#own-notices-table tbody tr", has_text=receipt)
        expect(row.locator(".place")).to_contain_text("金坑")
        expect(row.locator(".status")).to_have_text("处理中")
        expect(row.locator(".referred")).to_contain_text("三江镇")
        expect(row.locator(".referred")).to_contain_text("待接收")
        assert "李小花" not in page.locator("#own-notices").inner_text()  # statuses, not children
        no_serious(page)
        browser.close()

    mine = server.http.get("/v1/notices/mine", headers=server.auth("procuratorate-desk"))
    assert mine.status_code == 200, mine.text
    assert [n["receipt_no"] for n in mine.json()] == [receipt]
    assert mine.json()[0]["referrals"] and "children" not in mine.json()[0]
    assert server.http.get("/v1/notices/mine", headers=server.auth("court-desk")).json() == []
    assert server.http.get("/v1/notices/mine", headers=server.auth("operator1")).status_code == 403


def test_a_police_desk_keeps_its_inbox_and_gets_the_notice_form(server: Client) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1366, "height": 800}, locale="zh-CN",
                                   bypass_csp=True).new_page()  # to inject axe
        from_root(page, server, "police-desk", "/desk")
        expect(page.locator("#inbox")).to_be_visible()
        expect(page.locator("#file-notice")).to_be_visible()
        page.locator("#file-notice").click()
        expect(page.locator("#own-notices-link")).to_have_attribute("href", "/desk#own-notices")
        # A finger's target (stop 46's review: the link 39 px, the boxes 13 px in 26 px labels).
        for target in (page.locator("#own-notices-link"), page.locator("label:has(#f-immediate_danger)"),
                       page.locator(".checks label").first):
            box = target.bounding_box()
            assert box is not None and box["height"] >= 38, (target.inner_text(), box)
        danger = page.locator("#f-immediate_danger").bounding_box()
        assert danger is not None and danger["height"] >= 20, danger
        page.locator("#submit").click()  # nothing filled in: the errors by their fields, in Chinese
        expect(page.locator("#error-summary")).to_contain_text("请填写")
        expect(page.locator("#error-narrative")).to_contain_text("通报事由")
        expect(page.locator("#error-location-region_code")).to_contain_text("儿童现住地")
        assert page.evaluate("document.activeElement.id") == "error-summary"
        links = page.locator("#error-summary a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
        assert links == ["#f-children", "#f-location-region_code", "#f-narrative"], links
        no_serious(page)

        page.locator("#f-narrative").fill("其父因涉嫌盗窃被刑事拘留，9岁儿子现由年迈祖母照看。")
        expect(page.locator("#error-narrative")).to_have_count(0)  # fixed: its error goes
        # Counted as on the report form, never cut (stop 54's police desk: the notice form had no count).
        expect(page.locator("#f-narrative + .count")).to_have_text("已输入 26 / 5000 字")
        expect(page.locator("#error-count")).to_have_text("有 2 处需要修改：")
        first17 = "44182320150506002"  # born 2015-05-06, 17th digit even: a girl
        id_number = first17 + check_character(first17)
        page.locator("#f-children-0-name").fill("王小明")
        expect(page.locator("#error-children")).to_have_count(0)
        page.locator("#f-children-0-age").fill("9")
        page.locator("#f-children-0-gender").select_option("male")
        page.locator("#f-children-0-id_number").fill(id_number)
        expect(page.locator("#warn-children-0-id_number")).to_contain_text(
            "身份证号显示出生于2015-05-06、女，与填写的年龄、性别不一致，请核对")
        for width in (1366, 360):  # all 18 digits in sight
            page.set_viewport_size({"width": width, "height": 800})
            fits = page.locator("#f-children-0-id_number").evaluate("e => e.scrollWidth <= e.clientWidth")
            assert fits, width
        page.locator("#f-location-region_code").fill("441823")
        page.locator("#f-narrative").press("Control+Enter")  # files it, despite the warning
        page.wait_for_url(re.compile(r".*/desk/notice/receipt/[0-9a-f-]+$"))
        expect(page.locator("#filed-children")).to_have_text("王小明")
        receipt_no = page.locator("#receipt-no").inner_text()
        # Back: the browser fills the form in again; one more tap filed it twice (stop 54's review).
        page.go_back()
        page.wait_for_url(f"{str(server.http.base_url).rstrip('/')}/desk/notice")
        expect(page.locator("#filed-before")).to_contain_text(f"上一份（受理编号 {receipt_no}）已经提交")
        assert page.input_value("#f-narrative") == "" and page.input_value("#f-children-0-name") == ""
        browser.close()


def test_the_place_hint_on_a_touch_screen_speaks_of_tapping(server: Client) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 360, "height": 800}, locale="zh-CN",
                                   has_touch=True, is_mobile=True).new_page()
        from_root(page, server, "justice-desk", "/desk")
        page.goto(str(server.http.base_url).rstrip("/") + "/desk/notice")
        page.locator("#f-location-region_code").fill("三江")
        status = page.locator("#f-location-region_code-status")
        expect(status).to_contain_text("请点选")
        assert "上下键" not in status.inner_text()
        browser.close()


def test_the_report_form_shares_the_summary_in_form_order(server: Client) -> None:
    """The reporter's form uses the same parts: its summary follows its own order (the place
    comes after what happened there), is focused, and an error goes once its field is fixed."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 800}, locale="zh-CN")
        from_root(page, server, "teacher1", "/report")
        page.locator("#f-children-0-name").fill("张小军")
        page.locator("#f-children-0-age").fill("19")
        page.locator("#f-children-0-name").press("Control+Enter")
        expect(page.locator("#error-summary")).to_be_visible()
        assert page.evaluate("document.activeElement.id") == "error-summary"
        links = page.locator("#error-summary a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
        assert links == ["#f-children-0-age", "#f-narrative", "#f-location-region_code"], links
        page.locator("#f-children-0-age").fill("9")
        expect(page.locator("#error-children-0-age")).to_have_count(0)
        expect(page.locator("#f-children-0-age")).not_to_have_class("invalid")
        expect(page.locator("#error-count")).to_have_text("有 2 处需要修改：")
        browser.close()
