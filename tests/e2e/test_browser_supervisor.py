"""The supervisor's day in headless Chromium, from `/` (contract §15): a desk declined a red
referral; the supervisor reads why on the board, re-routes the case to a chosen unit, sets its
ledger categories, downloads the ledger and the monthly report by clicking the pages' links (no
token) and opens both; the auditor filters the trail by the short case id the pages show. The
board and /stats pass axe at 1366 and 360 px."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect, sync_playwright

from services.common.vocabulary import BEIJING
from tests.e2e.axe import serious_violations
from tests.e2e.client import Client, embedded_server, wait_for
from tests.e2e.conftest import CHROMIUM_ARGS
from tests.e2e.test_browser_desk import from_root
from tests.e2e.test_browser_form import SHOTS
from tests.helpers import report_body
from tests.receiver import Receiver

PORT = 18120
BASE = f"http://127.0.0.1:{PORT}"
REASON = "该地址属三江派出所辖区，请改派"
EDU = "连南瑶族自治县教育局"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    # Loopback webhooks are for tests only (issue 26 refuses them unless allowed).
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HOTLINE_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8")
        with embedded_server(tmp_path_factory.mktemp("supervisor") / "var", PORT) as client:
            yield client


@pytest.fixture(scope="module")
def declined(server: Client) -> dict[str, Any]:
    """A red case whose police referral the desk declined (through the API, before the browser)."""
    report = server.submit(report_body(), key="declined-red")
    police = server.wait_for_referrals(report["report_id"], ("police-desk",))["police-desk"]
    r = server.http.post(f"/v1/referrals/{police['referral_id']}/decline", json={"reason": REASON},
                         headers=server.auth("police-desk"))
    assert r.status_code == 200, r.text

    def seen() -> dict[str, Any] | None:
        case: dict[str, Any] = server.http.get(f"/v1/cases/{police['case_id']}",
                                               headers=server.auth("supervisor1")).json()
        return case if any(x["status"] == "declined" for x in case["referrals"]) else None

    return wait_for(seen, what="the decline on the board")  # type: ignore[no-any-return]


def rows(path: Path) -> list[dict[str, Any]]:
    sheet = load_workbook(path).active
    assert sheet is not None
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    return [dict(zip(cells[0], row, strict=True)) for row in cells[1:]]


def open_case(page: Page, case_id: str) -> Any:
    row = page.locator(f"#case-{case_id}")
    if row.locator("details").get_attribute("open") is None:
        row.locator("summary").click()
    return row


def test_the_supervisor_reroutes_sets_categories_and_downloads(server: Client, declined: dict[str, Any],
                                                               tmp_path: Path) -> None:
    case_id = declined["case_id"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN",
                                      accept_downloads=True)
        page = context.new_page()
        from_root(page, server, "supervisor1", "/board")

        police = page.locator(f"#case-{case_id} .referral[data-agency='police-441823']")
        expect(police.locator(".unit")).to_have_text("连南瑶族自治县公安局")
        expect(police.locator(".ref-status")).to_have_text("已退回")
        expect(police.locator(".decline-reason")).to_have_text(f"退回原因：{REASON}")
        expect(page.locator(f"#case-{case_id}")).to_contain_text("待复核：有单位退回转介")

        row = open_case(page, case_id)
        expect(row.locator(".timeline")).to_contain_text(f"退回转介，原因：{REASON}（连南瑶族自治县公安局）")
        row.locator(f"#agency-{case_id}").select_option(label="连南瑶族自治县公安局三江派出所（只负责三江镇）")
        # Another form of the case refused meanwhile: the unit chosen stays (stop 56's second review).
        row.locator(f"#close-reason-{case_id}").fill(" ")
        with page.expect_navigation():
            row.locator("form.close button").click()
        row = page.locator(f"#case-{case_id}")
        expect(row.locator(f"#close-reason-{case_id}-err")).to_contain_text("请填写结案原因")
        expect(row.locator(f"#agency-{case_id}")).to_have_value("police-441823100")
        row.locator(f"#refer-reason-{case_id}").fill("公安局退回，改派属地派出所")
        with page.expect_navigation():
            row.locator("form.refer button").click()
        # The case's code is the county's: the station serves one town, said before it is sent
        # (stop 55's county supervisor: no warning); ticked, it goes.
        row = page.locator(f"#case-{case_id}")
        expect(row.locator(f"#agency-{case_id}-err")).to_contain_text("只负责三江镇，不负责本案所在的连南瑶族自治县")
        expect(row.locator(f"#refer-reason-{case_id}")).to_have_value("公安局退回，改派属地派出所")
        row.locator(f"#outside-ok-{case_id}").check()
        with page.expect_navigation():  # to the board and its notice (whose query the page drops)
            row.locator("form.refer button").click()
        expect(page.locator("#notice[role=status]")).to_contain_text(
            f"已将案件 {case_id[:8]} 转介给连南瑶族自治县公安局三江派出所")
        station = page.locator(f"#case-{case_id} .referral[data-agency='police-441823100']")
        expect(station.locator(".ref-status")).to_have_text("待接收", timeout=15_000)
        expect(page.locator(f"#case-{case_id}")).not_to_contain_text("有单位退回转介")  # re-routed: settled

        row = open_case(page, case_id)
        for box in row.locator("input[name=categories]").all():
            box.uncheck()
        row.get_by_label("留守").check()
        row.get_by_label("事实无人抚养").check()
        row.locator(f"#reassess-reason-{case_id}").fill("核实为留守儿童，父母均在外务工")
        with page.expect_navigation():
            row.locator("form.reassess button").click()
        expect(page.locator("#notice")).to_contain_text(  # the level as it was (stop 50's second review)
            f"已将案件 {case_id[:8]} 的台账类别改为：留守、事实无人抚养；风险等级仍为红色。")
        expect(page.locator(f"#case-{case_id} .categories")).to_have_text("台账类别：留守、事实无人抚养",
                                                                        timeout=15_000)
        page.screenshot(path=str(SHOTS / "board.png"), full_page=True)

        month = datetime.fromisoformat(declined["opened_at"]).astimezone(BEIJING).strftime("%Y-%m")
        page.select_option("#ledger-month", month)
        with page.expect_download() as ledger_download:
            page.click("#ledger-xlsx")
        ledger = tmp_path / "ledger.xlsx"
        ledger_download.value.save_as(ledger)
        (child,) = [r for r in rows(ledger) if r["案件编号"] == case_id]
        assert (child["儿童姓名"], child["性别"], child["年龄"]) == ("王小明", "男", 9)
        assert child["困境类别"] == "留守、事实无人抚养" and child["风险等级"] == "红色"
        assert child["牵头单位"] == "连南瑶族自治县民政局（未成年人保护中心）"

        page.click("header a[href='/stats']")
        page.wait_for_url(f"{BASE}/stats")
        with page.expect_download() as report_download:
            page.click("#monthly-xlsx")
        report = tmp_path / "monthly.xlsx"
        report_download.value.save_as(report)
        book = load_workbook(report)
        summary = {r[0].value: r[1].value for r in book["概要"].iter_rows(min_row=2)}
        assert summary["报告数"] == 1 and summary["案件数"] == 1
        browser.close()


def test_the_board_on_a_phone_labels_statuses_and_has_big_targets(server: Client,
                                                                 declined: dict[str, Any]) -> None:
    case_id = declined["case_id"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 360, "height": 800}, locale="zh-CN")
        from_root(page, server, "supervisor1", "/board")
        expect(page.locator(f"#case-{case_id} td.case-status")).to_have_text("状态：待接收")
        row = open_case(page, case_id)
        box = row.locator("input[name=categories]").first.bounding_box()
        assert box is not None and box["width"] >= 24 and box["height"] >= 24, box
        for form in ("refer", "close"):
            button = row.locator(f"form.{form} button").bounding_box()
            assert button is not None and button["height"] >= 44, (form, button)
        # A caller's receipt number, as read out over the phone, finds its case (stop 58's city supervisor).
        other = server.submit(report_body(children=[{"name": "林小东", "age": 6}]), key="searched")
        page.locator("#q").fill(other["receipt_no"].replace("-", " ").lower())
        page.locator("#county-go").click()
        expect(page.locator("#search-said")).to_have_text(re.compile("找到1个案件"), timeout=10_000)
        expect(page.locator("#cases tbody tr")).to_have_count(1)
        expect(page.locator(f"#case-{case_id}")).to_have_count(0)
        page.locator("#filters-clear").click()
        expect(page.locator(f"#case-{case_id}")).to_have_count(1)
        expect(page.locator("#board-counts")).to_contain_text("在办")
        browser.close()


def test_the_auditor_filters_the_trail_by_the_short_case_id(server: Client, declined: dict[str, Any]) -> None:
    short = declined["case_id"][:8]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        from_root(page, server, "auditor1", "/audit")
        page.fill("#f-case", f"{short[:4].upper()} {short[4:]}")  # as read out, spaced and upper case
        page.click("#apply")
        page.wait_for_url(f"{BASE}/audit?*")
        expect(page.locator("#f-case")).to_have_value(short)
        trail = page.locator("#trail tbody tr")
        expect(trail.first).to_be_visible()
        assert trail.count() >= 3
        for i in range(trail.count()):
            expect(trail.nth(i).locator("td").nth(6)).to_contain_text(short)
        # The report filed before the case existed is found through the case, and says so.
        expect(trail.filter(has_text="提交报告").locator("td").nth(6)).to_contain_text("经报告")
        expect(page.locator("#trail")).to_contain_text("退回转介")
        expect(page.locator("#trail")).to_contain_text("连南瑶族自治县公安局")
        expect(page.locator("#trail")).not_to_contain_text("referral.decline")
        page.fill("#f-case", "不是编号")
        page.click("#apply")
        expect(page.locator("#error-case")).to_contain_text("请输入案件编号（页面上显示的8位")
        browser.close()


def test_supervisor_pages_pass_axe_on_a_desk_and_a_phone(server: Client, declined: dict[str, Any]) -> None:
    """The board (a case open), statistics, who is on duty and the follow-ups."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_context(locale="zh-CN", bypass_csp=True).new_page()  # to inject axe
        from_root(page, server, "supervisor1", "/board")
        found: dict[str, list[str]] = {}
        for path in ("/board", "/stats", "/oncall", "/followups"):
            for width in (1366, 360):
                page.set_viewport_size({"width": width, "height": 800})
                page.goto(f"{BASE}{path}")
                if path == "/board":
                    open_case(page, declined["case_id"])
                expect(page.locator("main h1, main h2").first).to_be_visible()
                found[f"{path} {width}"] = serious_violations(page)
        page.set_viewport_size({"width": 360, "height": 800})
        page.goto(f"{BASE}/stats")
        page.wait_for_timeout(300)
        page.screenshot(path=str(SHOTS / "stats-phone.png"), full_page=True)
        browser.close()
    assert all(v == [] for v in found.values()), found


def test_a_referral_no_notification_reached_is_flagged_and_its_record_says_why(server: Client) -> None:
    """The hospital's receiver refuses everything: the board says its red referral reached no one
    and why, and the referral's 通知记录 lists each attempt, at 1366 and 360 px (stop 51's review)."""
    dead = Receiver()
    dead.failing = 10**6
    try:
        r = server.http.put("/v1/agencies/hospital-441823/oncall", headers=server.auth("admin1"), json={
            "contacts": [{"name": "值班医生", "phone": "0763-6661234", "webhook_url": dead.hook("hospital")}],
            "secret": "hospital-secret-for-the-browser-test"})
        assert r.status_code == 200, r.text
        child = {"name": "陈小兰", "gender": "female", "age": 7}  # a case of its own, not the declined one
        place = {"region_code": "441823", "address": "某村五巷"}
        report = server.submit(report_body(children=[child], location=place), key="unreached-hospital")
        hospital = server.wait_for_referrals(report["report_id"], ("hospital-desk",))["hospital-desk"]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for width in (1366, 360):
                page = browser.new_page(viewport={"width": width, "height": 800}, locale="zh-CN",
                                        bypass_csp=True)  # to inject axe
                from_root(page, server, "supervisor1", "/board")
                line = page.locator(f".referral[data-referral='{hospital['referral_id']}']")
                flag = line.locator(".undelivered")
                wait_for(lambda: (page.reload(), flag.count())[1], what="the flag on the board")  # noqa: B023
                expect(flag).to_contain_text("通知未送达：发给值班医生的")
                expect(flag).to_contain_text("最近一次失败：接收方拒收，返回状态码 503")
                expect(flag).to_contain_text("请直接电话联系")
                expect(line.locator(".ref-phone")).to_contain_text("0763-6661234")
                link = line.locator("a.notif-link")
                box = link.bounding_box()
                assert box is not None and box["height"] >= 40, box  # a finger's target on a phone
                link.click()
                page.wait_for_url(f"{BASE}/board/notifications/{hospital['referral_id']}")
                expect(page.locator("h1")).to_have_text("通知记录 · 连南瑶族自治县人民医院")
                first = page.locator("#deliveries tbody tr").first
                expect(first).to_contain_text("派出通知")
                expect(first).to_contain_text("值班医生")
                expect(first).to_contain_text("送达失败：接收方拒收，返回状态码 503。下次重试")
                expect(page.locator("#duty-phone")).to_contain_text("0763-6661234")
                expect(page.locator("#who-mends")).to_contain_text("告知系统管理员")
                assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
                assert serious_violations(page) == []
                page.click("text=返回案件督办看板")
                page.wait_for_url(f"{BASE}/board?case={hospital['case_id']}#case-{hospital['case_id']}")
                page.close()
            browser.close()
    finally:
        dead.close()


def test_the_supervisor_phones_a_unit_nobody_can_be_told_of_and_records_the_call(server: Client) -> None:
    """A yellow case at units with no roster (stop 52's review: "请直接电话联系" with no number, and
    no place to note the call): on a phone the board gives the unit's duty phone from the
    directory; 记录电话督办 opens the referral's record at its calls; a call saved without saying
    whether anyone answered is refused in Chinese with the note kept; saved, it is listed, and the
    board says it on the referral's line and the case's timeline."""
    child = {"name": "黄小燕", "gender": "female", "age": 12}
    report = server.submit(report_body(children=[child], concerns=["school_dropout"], immediate_danger=False,
                                       narrative="孩子两周没去上学"), key="phoned-civil")
    civil = server.wait_for_referrals(report["report_id"], ("civil-desk",))["civil-desk"]
    said = "民政局值班员称今天下午入户核实"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN", bypass_csp=True)
        from_root(page, server, "supervisor1", "/board")
        line = page.locator(f".referral[data-referral='{civil['referral_id']}']")
        expect(line.locator(".unstaffed")).to_contain_text("该单位此刻无人值守")
        expect(line.locator(".ref-phone")).to_have_text("单位值班电话： 0763-6628012")
        assert line.locator(".ref-phone a").get_attribute("href") == "tel:0763-6628012"
        link = line.locator("a.call-link")
        box = link.bounding_box()
        assert box is not None and box["height"] >= 40, box
        link.click()
        page.wait_for_url(f"{BASE}/board/notifications/{civil['referral_id']}#calls")
        expect(page.locator("#no-calls")).to_have_text("还没有督办记录。")
        page.fill("#call-note", said)
        page.click("#save-call")
        expect(page.locator("#error-summary")).to_contain_text("请选择电话是否接通。")
        expect(page.locator("#call-note")).to_have_value(said)  # nothing typed is lost
        # The refused form's address is the page's own again: Back and Reload ask nothing (the review).
        assert page.url == f"{BASE}/board/notifications/{civil['referral_id']}#calls", page.url
        page.check("input[name=reached][value=no]")
        page.click("#save-call")
        expect(page.locator("#notice")).to_have_text("已记录电话督办。")
        assert "done=" not in page.url  # said once: a reload does not say it again
        expect(page.locator("ol.calls li")).to_have_count(1)
        expect(page.locator("ol.calls li")).to_contain_text(
            f"督办人员（supervisor1）：电话督办，未接通。{said}")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert serious_violations(page) == []
        assert page.title().startswith("通知记录 · ") and "script" not in page.title()
        page.go_back()  # the refused form's step: the record again, by GET, no resubmission page
        expect(page.locator("#calls-h")).to_have_text("督办记录（电话、书面）")
        page.go_forward()
        page.click("text=返回案件督办看板")
        page.wait_for_url(f"{BASE}/board?case={civil['case_id']}#case-{civil['case_id']}")
        # A refused 改级 (no reason): the board's own address at the case, so Reload sends nothing again.
        row = open_case(page, civil["case_id"])
        row.locator("form.reassess button[type=submit]").click()
        expect(row.locator("form.reassess .error").first).to_contain_text("请填写改级原因")
        assert page.url == f"{BASE}/board?case={civil['case_id']}#case-{civil['case_id']}", page.url
        expect(row.locator("form.reassess input[name=reason]")).to_be_focused()  # type it there at once
        line = page.locator(f".referral[data-referral='{civil['referral_id']}']")
        wait_for(lambda: (page.reload(), line.locator(".last-call").count())[1], what="the call on the board")
        expect(line.locator(".last-call")).to_contain_text(f"supervisor1，未接通。{said}")
        expect(page.locator(f"#case-{civil['case_id']} ol.timeline")).to_contain_text(
            "电话督办：连南瑶族自治县民政局（未成年人保护中心），未接通")
        page.screenshot(path=str(SHOTS / "board-call-phone.png"), full_page=False)
        # In writing (stop 62's county supervisor: no 督办 reached the unit but by phone): refused
        # empty, then sent; the unit reads it, marked, on its inbox and its referral until it answers.
        line.locator("a.call-link").click()
        page.click("#save-urge")
        expect(page.locator("#error-summary")).to_contain_text("未能发出书面督办：请写明督办意见")
        asked = "请于今天17时前接收并入户核实，在系统中记录进展"
        page.fill("#urge-note", asked)
        page.click("#save-urge")
        expect(page.locator("#notice")).to_contain_text("已发出书面督办")
        expect(page.locator("ol.calls li").last).to_contain_text(
            "书面督办（该单位在转介收件箱和转介详情中看到")
        desk = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
        from_root(desk, server, "civil-desk", "/desk")
        row = desk.locator(f"#ref-{civil['referral_id']}")
        expect(row.locator(".phoned")).to_contain_text("书面督办")
        expect(row.locator(".phoned")).to_contain_text(asked)
        row.locator("a.open").click()
        expect(desk.locator("#call-owed")).to_contain_text(f"书面督办：{asked}")
        expect(desk.locator("#phoned")).to_contain_text(f"书面督办：{asked} （尚未答复）")
        expect(desk.locator("#call-owed")).to_contain_text("督办人员督办了2次，本单位尚未答复")
        browser.close()


def test_the_supervisor_withdraws_a_referral_a_unit_does_not_act_on(server: Client) -> None:
    """Stop 58's city supervisor: 改派 only added a unit; the one that never answered kept the case
    from closing. From the board's line, its record page withdraws it with a reason and a ticked box."""
    report = server.submit(report_body(children=[{"name": "周小雨", "age": 11}], concerns=["school_dropout"],
                                       immediate_danger=False, narrative="孩子一个月没去上学"),
                           key="withdrawn")
    edu = server.wait_for_referrals(report["report_id"], ("edu-desk",))["edu-desk"]
    reason = "多次电话督办仍未接收，改由县民政局办理"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 800}, locale="zh-CN")
        from_root(page, server, "supervisor1", "/board")
        page.locator(f".referral[data-referral='{edu['referral_id']}'] a.notif-link").click()
        page.wait_for_url(f"{BASE}/board/notifications/{edu['referral_id']}")
        page.fill("#withdraw-reason", reason)
        page.click("#withdraw-go")
        expect(page.locator("#error-summary")).to_have_text("未能撤回转介：请勾选“确认撤回”。")
        expect(page.locator("#withdraw-reason")).to_have_value(reason)  # kept
        assert page.url == f"{BASE}/board/notifications/{edu['referral_id']}#withdraw", page.url
        page.check("#withdraw-sure")
        page.click("#withdraw-go")
        expect(page.locator("#withdraw-notice")).to_contain_text("已撤回这条转介")
        expect(page.locator("#withdrawn")).to_contain_text(f"撤回原因：{reason}")
        page.locator("#withdraw-notice a").click()
        line = page.locator(f".referral[data-referral='{edu['referral_id']}']")
        wait_for(lambda: (page.reload(), line.locator(".ref-status", has_text="已由督办撤回").count())[1],
                 what="the withdrawal on the board")
        expect(line.locator(".decline-reason")).to_have_text(f"撤回原因：{reason}")
        expect(page.locator(f"#case-{edu['case_id']} ol.timeline")).to_contain_text(
            f"督办撤回转介：{EDU}，原因：{reason}")
        browser.close()
