"""A teacher on a phone, in headless Chromium, from `/`: log in, find the village by part of its
name, tick "in danger" and read at once to call 110/120, mistype an id number and read the
message in Chinese next to it, correct it, get a receipt; the report is stored with the
village's code and routed by it; what the concerns ticked reach is said as they are ticked. The
same picker by keyboard at 1366 px, and without JavaScript."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from services.api.pages.report import place_code
from services.common.labels import KIND_TEXT
from services.dispatch.routing import Directory, ReferralMatrix
from tests.e2e.axe import axe_source, serious_violations
from tests.e2e.client import Client, embedded_server, wait_for
from tests.helpers import id_number

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "img"
PORT = 18002
BASE = f"http://127.0.0.1:{PORT}"
CHILD_ID = id_number("44182320160301002")
VILLAGE = "连南瑶族自治县 三江镇 金坑村"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    with embedded_server(tmp_path_factory.mktemp("form") / "var", PORT) as client:
        yield client


def login_from_root(page: Page, server: Client) -> None:
    page.goto(f"{BASE}/")
    page.wait_for_url(f"{BASE}/login")
    page.fill("#username", "teacher1")
    page.fill("#password", server.password("teacher1"))
    page.click("button[type=submit]")
    page.wait_for_url(f"{BASE}/report")


def routed_to(server: Client, agency_id: str) -> dict[str, Any]:
    """The case and the report as the supervisor reads them through the API, once the unit's
    referral exists (each test files to a unit of its own)."""
    supervisor = server.auth("supervisor1")

    def found() -> dict[str, Any] | None:
        for case in server.http.get("/v1/cases", headers=supervisor).json():
            detail = server.http.get(f"/v1/cases/{case['case_id']}", headers=supervisor).json()
            for referral in detail["referrals"]:
                if referral["agency_id"] == agency_id:
                    r = server.http.get(f"/v1/referrals/{referral['referral_id']}", headers=supervisor)
                    assert r.status_code == 200, r.text
                    return {"case": detail, "report": r.json()["reports"][0]}
        return None

    return wait_for(found, 15, f"a referral to {agency_id}")  # type: ignore[no-any-return]


def check_axe(page: Page) -> None:
    """axe-core on a page whose CSP stays on: evaluated by the test driver, not injected."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    assert serious_violations(page) == []


def test_teacher_files_by_village_name_on_a_phone(server: Client, browser: Browser) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 360, "height": 780}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True, locale="zh-CN")
    page = context.new_page()
    refused: list[str] = []  # a script the page's CSP refused (no nonce) would show here
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    login_from_root(page, server)

    # A short form: children 2 and 3 wait behind a button, one at a time.
    expect(page.locator("#child-1")).to_be_hidden()
    expect(page.locator("#child-2")).to_be_hidden()
    page.locator("#add-child").tap()
    expect(page.locator("#child-1")).to_be_visible()
    expect(page.locator("#f-children-1-name")).to_be_focused()
    expect(page.locator("#child-2")).to_be_hidden()
    page.fill("#f-children-1-name", "王小华")
    page.fill("#f-children-1-age", "18")  # too old: the block must stay in sight after the error

    # Immediate danger: the warning is there as soon as the box is ticked, before anything is sent.
    expect(page.locator("#danger-notice")).to_be_hidden()
    page.locator("#f-immediate_danger").tap()
    expect(page.locator("#danger-notice")).to_be_visible()
    expect(page.locator("#danger-notice")).to_contain_text("110")
    expect(page.locator("#danger-notice")).to_contain_text("120")
    for number in ("110", "120"):  # a finger's target (the reporters' review, stop 49: 33×19 px)
        box = page.locator(f"#danger-notice a[href='tel:{number}']").bounding_box()
        assert box and box["height"] >= 40 and box["width"] >= 40, box
    assert page.url == f"{BASE}/report"  # nothing was submitted

    page.fill("#f-children-0-name", "王小明")
    page.fill("#f-children-0-age", "9")
    page.fill("#f-children-0-id_number", CHILD_ID[:17] + ("1" if CHILD_ID[17] == "0" else "0"))
    page.check("input[value=domestic_violence]")
    boxes = page.eval_on_selector_all(".checks input[type=checkbox]", "bs => bs.map(b => b.offsetWidth)")
    assert min(boxes) >= 20, boxes  # the reporters' review, stop 49: 13 px
    died = page.locator("#f-child_died").locator("xpath=..").bounding_box()
    assert died and died["height"] >= 40, died  # a tap target, and 有儿童死亡 not broken mid-word
    # What the concerns reach, said as they are ticked; an injury alone asks who hurt the child.
    routes = page.locator("p.routes")
    expect(routes).to_have_text(  # the hospital only with 严重受伤 (stop 59's hospital desk)
        "提交后转介：公安。另由所在地民政部门牵头随访。儿童受了伤需要医治、或正在医院的，"
        "请同时勾选“严重受伤，需要紧急救治”，报告才会同时转医院。")
    page.check("input[value=serious_injury]")
    expect(routes).to_have_text("提交后转介：公安、医院。另由所在地民政部门牵头随访。"
                                "需要紧急救治：请立即拨打 120；车祸逃逸等须报警的，同时拨打 110。")
    page.uncheck("input[value=domestic_violence]")  # danger is ticked, and an injury: 120 first
    expect(routes).to_contain_text("提交后转介：医院。另由所在地民政部门牵头随访。"
                                   "需要紧急救治：请立即拨打 120；车祸逃逸等须报警的，同时拨打 110。")
    expect(routes).to_contain_text("如是被人伤害，请同时勾选")  # danger, injured: 120 first, then who hurt
    expect(routes).not_to_have_class(re.compile("routes-warn"))
    page.uncheck("input[value=serious_injury]")
    page.check("input[value=neglect]")  # danger, no injury, nothing that reaches the police: amber
    expect(routes).to_contain_text("儿童正处于危险中，所选类别不转公安")
    expect(routes).to_have_class(re.compile("routes-warn"))
    page.uncheck("input[value=neglect]")
    page.check("input[value=serious_injury]")
    page.uncheck("input[value=serious_injury]")
    page.check("input[value=domestic_violence]")
    page.check("input[value=early_marriage]")  # the reporters' third review: a pregnant girl of 15
    expect(routes).not_to_contain_text("早婚早育：")  # 家庭暴力 reaches the police already
    page.uncheck("input[value=domestic_violence]")
    expect(routes).to_contain_text("早婚早育：女孩未满14周岁发生性关系或怀孕的，属于性侵害，请同时勾选“性侵害或疑似性侵害”")
    page.uncheck("input[value=early_marriage]")
    page.check("input[value=domestic_violence]")
    expect(routes).not_to_have_class(re.compile("routes-warn"))
    page.fill("#f-narrative", "孩子手臂有大片淤青，说是被父亲打的")

    # The place: part of the village's name, then a tap on it in the list.
    place = page.locator("#f-location-region_code")
    place.press_sequentially("金")
    options = page.locator("#f-location-region_code-list [role=option]")
    expect(options).to_have_count(2)  # 金坑村 and 金鸡村
    expect(place).to_have_attribute("aria-expanded", "true")
    place.evaluate("box => box.closest('fieldset').scrollIntoView()")
    page.screenshot(path=str(SHOTS / "report-form-phone.png"))  # one phone screen: the picker open
    place.press_sequentially("坑")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("金坑村")
    expect(options.first).to_contain_text("连南瑶族自治县 三江镇")
    options.first.tap()
    expect(place).to_have_value(VILLAGE)
    expect(place).to_have_attribute("data-code", "441823100201")
    expect(page.locator("#f-location-region_code-list")).to_be_hidden()
    check_axe(page)

    page.click("#submit")
    page.wait_for_selector("#error-summary")
    message = page.locator("#error-children-0-id_number")
    expect(message).to_have_text("身份证号码校验位不正确，请核对；不确定的可清空（知道才填）。")
    expect(page.locator("#error-summary")).to_contain_text("儿童1：身份证号码校验位不正确，请核对；不确定的可清空（知道才填）。")
    expect(page.locator("#error-summary")).to_contain_text("儿童2：年龄须为0至17")
    expect(page.locator("#error-children-1-age")).to_be_visible()  # the wrong child's block is shown
    expect(page.locator("#child-2")).to_be_hidden()
    expect(page.locator("#add-child")).to_be_visible()
    field_box = page.locator("#f-children-0-id_number").bounding_box()
    message_box = message.bounding_box()
    assert field_box and message_box and 0 <= message_box["y"] - field_box["y"] < 120
    expect(page.locator("#f-location-region_code")).to_have_value(VILLAGE)  # nothing typed is lost
    expect(page.locator("#danger-notice")).to_be_visible()
    page.screenshot(path=str(SHOTS / "report-form-error.png"), full_page=True)
    check_axe(page)

    page.fill("#f-children-0-id_number", CHILD_ID.lower())
    page.fill("#f-children-1-age", "7")
    page.click("#submit")
    page.wait_for_selector("#receipt")
    receipt_no = page.inner_text("#receipt-no")
    expect(page.locator("#routed")).to_contain_text(  # with its duty line (stop 59's teacher)
        "转给事发地的公安（连南瑶族自治县公安局三江派出所，值班电话 0763-6621360）")
    expect(page.locator("main")).to_contain_text("110")
    page.screenshot(path=str(SHOTS / "report-receipt.png"), full_page=True)
    for width in (1366, 360):  # the receipt, then the reporter's own list with this report in it
        page.set_viewport_size({"width": width, "height": 780})
        check_axe(page)

    def listed() -> bool:
        page.goto(f"{BASE}/report/mine")  # listed a moment after filing (the view follows)
        return receipt_no in page.locator("td.receipt-no").all_inner_texts()
    wait_for(listed, timeout=20, what="the report in /report/mine")
    for width in (1366, 360):
        page.set_viewport_size({"width": width, "height": 780})
        check_axe(page)
    context.close()

    assert refused == []
    assert len(receipt_no) == 19
    stored = routed_to(server, "police-441823100")  # the town's police station, by the village's code
    assert stored["report"]["region_code"] == "441823100201"
    assert stored["report"]["immediate_danger"] is True
    assert stored["report"]["children"][0]["id_number"] == CHILD_ID  # 'x' typed, 'X' kept
    assert stored["case"]["risk_level"] == "red"


PICKER_QUERIES = ["金坑", "三江镇", "三江", "三江镇龙", "三江龙", "三江 龙", "江镇龙湾", "新寨村",
                  "三排 新寨", "连南瑶族自治县 三江镇", "连南瑶族自治县", "清城区", "龙", "村", "月球"]


def test_the_picker_finds_what_the_server_finds_and_lists_a_towns_villages(
    server: Client, browser: Browser
) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 780}, is_mobile=True,
                                  has_touch=True, locale="zh-CN")
    page = context.new_page()
    login_from_root(page, server)
    place = page.locator("#f-location-region_code")
    listed = page.locator("#f-location-region_code-list [role=option]")
    directory = Directory.load()
    for text in PICKER_QUERIES:  # the script's rule and Directory.find_places, side by side
        place.fill(text)
        places = directory.find_places(text)
        found = [code for code, _ in places]
        chosen = [name for _, name in places] == [text]  # its full name: nothing more to choose
        assert place.get_attribute("data-matches") == str(len(found)), text
        assert listed.evaluate_all("items => items.map(li => li.dataset.code)") == (
            [] if chosen else found[:30]), text
        assert place.get_attribute("data-code") == place_code(text, directory)[0], text

    place.fill("三江镇")  # the town and all its villages, in a list that scrolls on the phone
    expect(listed).to_have_count(15)
    expect(page.locator("#f-location-region_code-status")).to_contain_text("找到15个地点，请点选")
    box = page.locator("#f-location-region_code-list")
    sizes = box.evaluate("ul => [ul.scrollHeight, ul.clientHeight, ul.getBoundingClientRect().height]")
    assert sizes[0] > sizes[1] and sizes[2] <= 780 * 0.6
    listed.nth(14).scroll_into_view_if_needed()
    listed.nth(14).tap()
    expect(place).to_have_value("连南瑶族自治县 三江镇 三联村")
    place.fill("三江镇龙")
    expect(listed).to_have_count(2)  # 大龙村 and 龙湾村
    hint = page.locator("label[for=f-location-region_code]")
    expect(hint).to_have_text(  # short (#29): the codes are in the guide
        "发生地点 *（输入村名或镇名中的字，如“金坑”“三江 龙湾”，从列表中点选）")
    check_axe(page)
    context.close()


def test_the_routes_line_names_what_dispatch_routes_to_for_every_set_of_concerns(
    server: Client, browser: Browser
) -> None:
    """routes.js works out in the page what ReferralMatrix.kinds_for decides in dispatch: the two,
    side by side, for each of the 2^16 sets of concerns the form can send (none included)."""
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="zh-CN")
    page = context.new_page()
    login_from_root(page, server)
    matrix = ReferralMatrix.load()
    concerns = sorted(matrix.concerns)
    assert len(concerns) == len(page.locator("input[name=concerns]").all()) == 16  # every box the form has
    said = page.evaluate("""concerns => {
      const out = [];
      for (let mask = 0; mask < (1 << concerns.length); mask++) {
        out.push(window.HotlineRoutes.units(concerns.filter((_, i) => mask & (1 << i))));
      }
      return out;
    }""", concerns)
    for mask, units in enumerate(said):
        chosen = [c for i, c in enumerate(concerns) if mask & (1 << i)]
        assert units == "、".join(KIND_TEXT[k] for k in matrix.kinds_for(chosen)), chosen
    context.close()


def test_the_picker_by_keyboard_at_1366(server: Client, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    login_from_root(page, server)
    expect(page.locator("#install-hint")).to_be_hidden()  # no home screen to add to on a PC (stop 64)
    place = page.locator("#f-location-region_code")
    place.focus()
    page.keyboard.type("新寨")
    options = page.locator("#f-location-region_code-list [role=option]")
    expect(options).to_have_count(2)  # one in 三江镇, one in 三排镇
    expect(page.locator("#f-location-region_code-status")).to_contain_text("找到2个地点")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    assert place.get_attribute("aria-activedescendant") == options.nth(1).get_attribute("id")
    check_axe(page)
    page.keyboard.press("Enter")
    expect(place).to_have_value("连南瑶族自治县 三排镇 新寨村")
    expect(place).to_have_attribute("data-code", "441823106206")
    assert page.url == f"{BASE}/report"  # Enter chose; it did not submit
    place.fill("")
    page.keyboard.type("月球")
    expect(page.locator("#f-location-region_code-status")).to_contain_text("没有找到")
    page.keyboard.press("Escape")
    check_axe(page)
    context.close()


def test_without_javascript_the_name_is_mapped_to_its_code(server: Client, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="zh-CN",
                                  java_script_enabled=False)
    page = context.new_page()
    login_from_root(page, server)
    place = page.locator("#f-location-region_code")
    assert place.get_attribute("list") == "f-location-region_code-names"  # the browser's suggestions
    page.check("#f-immediate_danger")
    page.fill("#f-children-0-name", "李小红")
    page.fill("#f-narrative", "孩子独自在家多日无人照看")
    place.fill("三江")  # more than one place: say so, keep what was typed
    page.click("#submit")
    expect(page.locator("#error-location-region_code")).to_contain_text("请从列表中选择")
    expect(page.locator("#danger-notice")).to_be_visible()  # the server's warning stays
    place.fill("油岭村")
    page.click("#submit")
    page.wait_for_selector("#receipt")
    context.close()
    stored = routed_to(server, "civil-441823")  # 三排镇 has no unit of its own: the county's
    assert stored["report"]["region_code"] == "441823106201"


def test_what_is_typed_survives_a_reload_and_leaving_asks_first(server: Client, browser: Browser) -> None:
    """Stop 59's teacher: a reload mid-form emptied it, and 退出 or 我提交的报告 left with no word.
    The form comes back as typed after a reload; a link away asks; once sent, nothing comes back."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale="zh-CN")
    page = context.new_page()
    login_from_root(page, server)
    page.fill("#f-children-0-name", "刘小芳")
    page.fill("#f-children-0-age", "9")
    page.locator("#f-immediate_danger").tap()
    page.check("input[value=physical_harm]")
    page.fill("#f-narrative", "刘小芳手臂有淤青，说继父喝酒后打她。")
    family = page.locator("input[name='reporter.confidential']")
    expect(family).to_be_checked()  # kept from the family unless she unticks it (stop 64's teacher)
    family.uncheck()
    page.reload()
    expect(page.locator("#draft-restored")).to_have_text("已恢复您在本页填写但尚未提交的内容，请核对后点“提交报告”。")
    assert page.input_value("#f-children-0-name") == "刘小芳" and page.input_value("#f-children-0-age") == "9"
    assert page.input_value("#f-narrative") == "刘小芳手臂有淤青，说继父喝酒后打她。"
    assert page.is_checked("input[value=physical_harm]") and page.is_checked("#f-immediate_danger")
    expect(family).not_to_be_checked()  # as she left it, not the page's default
    expect(page.locator("#danger-notice")).to_be_visible()
    expect(page.locator("#child-1")).to_be_hidden()  # only the children typed are shown

    asked: list[str] = []
    page.once("dialog", lambda d: (asked.append(d.type), d.dismiss()))
    page.locator("#f-narrative").tap()  # the page has had a gesture since the reload
    page.click("a[href='/report/mine']")
    wait_for(lambda: asked, what="the question before leaving")
    assert asked == ["beforeunload"] and page.url == f"{BASE}/report"

    page.fill("#f-location-region_code", "441823")
    page.select_option("#f-reporter-relation", "teacher")
    page.click("#submit")
    page.wait_for_url(re.compile(r".*/report/receipt/"))
    page.goto(f"{BASE}/report")
    expect(page.locator("h1")).to_have_text("填写强制报告")
    expect(page.locator("#draft-restored")).to_have_count(0)
    assert page.input_value("#f-narrative") == "" and page.input_value("#f-children-0-name") == ""
    assert not page.evaluate("Object.keys(sessionStorage).some(k => k.startsWith('report-draft:'))")

    # The same girl again: on her phone, the list says it joined the first, whole (stop 59's teacher:
    # the note was cut off at 390 px, the page scrolled sideways).
    page.fill("#f-children-0-name", "刘小芳")
    page.fill("#f-children-0-age", "9")
    page.fill("#f-narrative", "刘小芳三天没来上学，同学说她被带去了外镇。")
    page.fill("#f-location-region_code", "441823")
    page.select_option("#f-reporter-relation", "teacher")
    page.click("#submit")
    page.wait_for_url(re.compile(r".*/report/receipt/"))

    def joined() -> bool:
        page.goto(f"{BASE}/report/mine")
        return page.locator("#my-reports .joined").count() > 0

    wait_for(joined, what="the second report listed as joining the first")
    note = page.locator("#my-reports .joined").first.bounding_box()
    assert note and note["x"] + note["width"] <= 390, note
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


def test_on_a_phone_the_place_box_goes_to_the_top_when_tapped(server: Client, browser: Browser) -> None:
    """Stop 59's teacher: the place list opened under the box at the bottom of the screen, where the
    keyboard comes up."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale="zh-CN")
    page = context.new_page()
    login_from_root(page, server)
    box = page.locator("#f-location-region_code")
    box.scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, -(window.innerHeight - 120))")  # the box near the bottom
    assert box.bounding_box()["y"] > 500  # type: ignore[index]
    box.tap()
    # Under the page's own header and the box's label, at the top of what the keyboard leaves.
    wait_for(lambda: box.bounding_box()["y"] < 200, what="the box at the top")  # type: ignore[index]
    page.keyboard.type("三江")
    expect(page.locator("#f-location-region_code-list li").first).to_be_visible()
    context.close()


def test_a_missing_child_is_told_to_call_110_now(server: Client, browser: Browser) -> None:
    """Stop 59's teacher: ticking 被拐卖、拐骗或失踪 said only where the report would go; choosing
    监测哨点第一报告人 with no sentinel point bound said nothing of it either."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale="zh-CN")
    page = context.new_page()
    login_from_root(page, server)
    routes = page.locator("p.routes[data-boxes=concerns]")
    expect(page.locator("#no-sentinel")).to_be_hidden()  # teacher1 is bound to no sentinel point
    page.select_option("#f-reporter-relation", "sentinel_first_reporter")
    expect(page.locator("#no-sentinel")).to_contain_text("您的账号尚未绑定监测哨点")
    page.check("input[value=trafficking_abduction]")
    expect(routes).to_contain_text("儿童被拐、被带走或下落不明：请立即拨打 110 报警"
                                   "（儿童走失报警不需要等 24 小时）。")
    page.uncheck("input[value=trafficking_abduction]")
    expect(routes).not_to_contain_text("下落不明")
    context.close()
