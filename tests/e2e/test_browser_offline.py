"""The reporter's form offline (contract §13) in headless Chromium under the pages' own CSP (axe
comes in as an init script). A teacher on a 360 px phone opens /report, loses the network (a calm
banner says the form works all the same), files a report: the page says in Chinese that it waits
in the browser; her other links open a small offline page that counts it; the network returns
and the report arrives once (her own list through the API), the receipt says which report it was
and the browser keeps nothing of it. An empty form or a wrong id number is not kept: the server's
messages show by the fields. Two reports an earlier page kept that the server refuses both stay
and come back into the form one at a time until each is mended and sent. Another teacher opens
/report with the server gone and the network off (after a first visit) and sees the form; a
report filed while the network is up but the server cannot be reached waits too; her session has
run out when the server is back: the page asks her to log in again and sends it after."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import no_serious
from tests.e2e.client import Client, embedded_server, wait_for
from tests.e2e.report_phone import fill, kept_anywhere, mine, open_form, phone
from tests.e2e.report_review import hint_and_double_tap, receipt_back_and_mine

PORT, RESTARTED_PORT = 18410, 18411
WAITING = "网络已断开：报告已保存在本机，联网后自动发送"
QUEUE = "hotline-report-queue"
BANNER = "当前没有网络：可以照常填写，提交后保存在本机，联网后自动发送。"
WRONG_CHECK = "441823201501011230"  # its check character is 7


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    with embedded_server(tmp_path_factory.mktemp("offline") / "var", PORT) as client:
        yield client


def test_a_report_filed_offline_is_sent_once_when_the_network_returns(server: Client) -> None:
    base = f"http://127.0.0.1:{PORT}"
    with phone() as (context, page):
        open_form(page, server)
        key = page.input_value("input[name=idempotency_key]")
        assert re.fullmatch(r"[A-Za-z0-9_-]{24}", key)  # the page's own, for a form kept offline

        expect(page.locator("#net-banner")).to_be_hidden()
        expect(page.locator("#install-hint")).to_contain_text("添加到主屏幕")
        expect(page.locator("#install")).to_be_hidden()  # until the browser offers it
        context.set_offline(True)
        expect(page.locator("#net-banner")).to_have_text(BANNER)

        # An empty form is not kept: the same messages as the server's, by the fields.
        page.click("#submit")
        expect(page.locator("#error-summary")).to_be_focused()
        expect(page.locator("#error-narrative")).to_have_text(re.compile("^请填写情况描述"))
        expect(page.locator("#error-children")).to_have_text(re.compile("^请至少填写一名儿童"))
        expect(page.locator("#error-location-region_code")).to_have_text(re.compile("^请填写发生地点"))
        expect(page.locator("#offline-box")).to_be_hidden()
        assert page.evaluate(f"localStorage.getItem('{QUEUE}')") is None
        fill(page, "陈小雨", "孩子连续三天没来上学，邻居说家中无人照料。")
        page.fill("#f-children-0-id_number", WRONG_CHECK)
        page.click("#submit")
        expect(page.locator("#error-children-0-id_number")).to_have_text("身份证号码校验位不正确，请核对；不确定的可清空（知道才填）。")
        expect(page.locator("#error-summary")).to_have_text(re.compile("有 1 处需要修改"))
        assert page.evaluate(f"localStorage.getItem('{QUEUE}')") is None
        page.fill("#f-children-0-id_number", "")
        expect(page.locator("#error-summary")).to_be_hidden()  # mended: the summary follows
        expect(page.locator("#f-location-region_code-status")).to_have_text("已选择：连南瑶族自治县")
        page.click("#submit")
        expect(page.locator("#offline-text")).to_have_text(WAITING)
        expect(page.locator("#offline-box")).to_contain_text("发送成功后立即从本机删除")
        assert page.url == f"{base}/report" and page.input_value("#f-narrative") == ""  # ready for another
        expect(page.locator("#f-location-region_code-status")).to_have_text("")  # the place went too
        assert kept_anywhere(page, "家中无人照料")
        assert page.input_value("input[name=idempotency_key]") != key  # the next report is another
        no_serious(page)
        page.set_viewport_size({"width": 360, "height": 800})
        assert mine(server, "teacher1") == []  # nothing reached the server

        # Her other links offline: a small page in Chinese that counts what waits, and the way back.
        page.click("header >> text=我提交的报告")
        expect(page.locator("h1")).to_have_text("网络已断开")
        expect(page.locator("#queued")).to_have_text("1 份报告保存在本机，联网后自动发送。")
        assert not kept_anywhere(page, "陈小雨", storage=False)  # only the queue holds it, no copy of a page
        no_serious(page)
        page.goto(f"{base}/lookup")
        expect(page.locator("h1")).to_have_text("网络已断开")
        page.click("#back")
        page.wait_for_url(f"{base}/report")
        expect(page.locator("#offline-text")).to_have_text(WAITING, timeout=15_000)
        page.set_viewport_size({"width": 360, "height": 800})

        context.set_offline(False)
        expect(page.locator("#offline-box")).to_be_hidden(timeout=15_000)
        expect(page.locator("#net-banner")).to_be_hidden()
        receipt = page.locator("#sent-receipts [data-was=receipt-no]").inner_text()
        assert re.fullmatch(r"\d{8}-[0-9A-Z]{10}", receipt), receipt
        expect(page.locator("#sent-receipts")).to_contain_text("报告已受理")
        expect(page.locator("#sent-receipts .sent-what")).to_have_text(re.compile(
            r"^儿童陈小雨，“孩子连续三天没来上学，邻居说家中……”。本机填写于 \d+月\d+日 \d\d:\d\d，"
            r"发送于 \d+月\d+日 \d\d:\d\d（北京时间）$"))
        assert not kept_anywhere(page, "家中无人照料")
        assert page.evaluate(f"localStorage.getItem('{QUEUE}')") is None
        no_serious(page)

        page.evaluate("dispatchEvent(new Event('online'))")  # again, and a new visit: nothing more to send
        page.reload()
        expect(page.locator("#offline-box")).to_be_hidden()
        wait_for(lambda: mine(server, "teacher1"), what="the report in her own list")
        time.sleep(1)  # a second report would have been triaged by now
        filed = mine(server, "teacher1")
        assert [r["receipt_no"] for r in filed] == [receipt]

        # The browser offers to install the form: a button beside the hint, gone once used.
        page.evaluate("""() => { const offer = new Event('beforeinstallprompt');
            offer.prompt = () => { window.prompted = true; };
            offer.userChoice = Promise.resolve({outcome: 'accepted'});
            dispatchEvent(offer); }""")
        page.click("#install")
        expect(page.locator("#install")).to_be_hidden()
        assert page.evaluate("window.prompted === true")
    assert [r["receipt_no"] for r in mine(server, "teacher1")] == [receipt]


def test_the_form_opens_offline_and_a_report_waits_through_a_new_login(tmp_path: Path) -> None:
    base = f"http://127.0.0.1:{RESTARTED_PORT}"
    var = tmp_path / "var"
    with phone() as (context, page):
        with embedded_server(var, RESTARTED_PORT) as server:
            open_form(page, server)
            password = server.password("teacher1")
        # The server is gone and the network off: the form opens all the same.
        context.set_offline(True)
        page.goto(f"{base}/report")
        expect(page.locator("h1")).to_have_text("填写强制报告")
        expect(page.locator("#f-narrative")).to_be_editable()
        expect(page.locator("#offline-hint")).to_be_visible()
        assert page.input_value("input[name=csrf]") == ""  # the kept copy holds no form token

        # The network is back but the server does not answer (a signal that carries nothing).
        context.set_offline(False)
        fill(page, "周小军", "孩子手臂有多处淤青，说是被继父打的。")
        page.click("#submit")
        expect(page.locator("#offline-text")).to_have_text(WAITING)
        assert kept_anywhere(page, "被继父打的")

        with embedded_server(var, RESTARTED_PORT) as server:
            context.clear_cookies()  # her session has run out meanwhile
            page.evaluate("dispatchEvent(new Event('online'))")
            expect(page.locator("#offline-text")).to_contain_text("登录已过期：报告仍保存在本机")
            assert kept_anywhere(page, "被继父打的") and mine(server, "teacher1") == []
            page.click("#offline-login a")
            page.fill("#username", "teacher1")
            page.fill("#password", password)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/report")
            expect(page.locator("#sent-receipts [data-was=receipt-no]")).to_be_visible(timeout=15_000)
            receipt = page.locator("#sent-receipts [data-was=receipt-no]").inner_text()
            assert not kept_anywhere(page, "被继父打的")
            wait_for(lambda: mine(server, "teacher1"), what="the report in her own list")
            assert [r["receipt_no"] for r in mine(server, "teacher1")] == [receipt]


def kept_by_an_earlier_page(child: str, id_number: str, narrative: str) -> dict[str, object]:
    """A report as the first release of the page queued it: no checks in the browser."""
    return {"key": f"earlier-{id_number}", "user": "teacher1", "fields": [
        ["children.0.name", child], ["children.0.gender", "unknown"], ["children.0.age", "9"],
        ["children.0.id_number", id_number], ["narrative", narrative],
        ["location.region_code", "441823"], ["reporter.relation", "teacher"]]}


def test_two_kept_reports_the_server_refuses_stay_until_each_is_mended(server: Client) -> None:
    """The review's lost report: two kept reports with a wrong id number came back as one form and
    the first was gone. Each is kept until the server accepts it, mended one at a time."""
    before = len(mine(server, "teacher1"))
    first = kept_by_an_earlier_page("林小花", "441823201602024560", "林小花说晚上常被锁在门外。")
    second = kept_by_an_earlier_page("黄小宝", "441823201501011230", "黄小宝脸上有新的伤痕。")
    with phone() as (context, page):
        open_form(page, server)
        context.set_offline(True)
        page.evaluate("([key, list]) => localStorage.setItem(key, JSON.stringify(list))",
                      [QUEUE, [first, second]])
        page.reload()
        expect(page.locator("#offline-text")).to_have_text(WAITING + "（共 2 份）")

        context.set_offline(False)
        expect(page.locator("#fix-box")).to_be_visible(timeout=15_000)
        expect(page.locator("#fix-text")).to_contain_text("儿童林小花")
        expect(page.locator("#fix-more")).to_have_text(re.compile("^另有 1 份等待修改：儿童黄小宝"))
        expect(page.locator("#error-children-0-id_number")).to_have_text("身份证号码校验位不正确，请核对；不确定的可清空（知道才填）。")
        assert page.input_value("#f-narrative") == "林小花说晚上常被锁在门外。"
        expect(page.locator("#f-location-region_code-status")).to_have_text("已选择：连南瑶族自治县")
        assert [r["fields"][0][1] for r in page.evaluate(f"JSON.parse(localStorage.getItem('{QUEUE}'))")] == [
            "林小花", "黄小宝"]  # both still kept
        no_serious(page)
        page.set_viewport_size({"width": 360, "height": 800})

        page.fill("#f-children-0-id_number", "441823201602024563")
        page.click("#submit")
        sent = page.locator("#sent-receipts .sent-what")
        expect(sent).to_have_text(re.compile("^儿童林小花，"), timeout=15_000)
        expect(page.locator("#fix-text")).to_contain_text("儿童黄小宝")  # the next, in its turn
        expect(page.locator("#fix-more")).to_have_text("")
        assert page.input_value("#f-children-0-name") == "黄小宝"
        assert not kept_anywhere(page, "林小花")
        page.fill("#f-children-0-id_number", "441823201501011237")
        page.click("#submit")
        expect(page.locator("#sent-receipts .sent-what")).to_have_count(2, timeout=15_000)
        expect(page.locator("#fix-box")).to_be_hidden()
        assert page.evaluate(f"localStorage.getItem('{QUEUE}')") is None
        assert page.input_value("#f-children-0-name") == ""
    wait_for(lambda: len(mine(server, "teacher1")) == before + 2, what="both reports in her list")


def test_the_re_review_on_a_phone(tmp_path: Path) -> None:
    """Each finding of the teacher's re-review (report_review.py), on a server of its own."""
    with embedded_server(tmp_path / "var", RESTARTED_PORT) as server, phone() as (context, page):
        hint_and_double_tap(context, page, server)
        receipt_back_and_mine(context, page, f"http://127.0.0.1:{RESTARTED_PORT}")
