"""The admin's day in headless Chromium, from `/` with no API call of its own: add a user (the
first password shown once), open a unit's on-call roster from /admin, add two contacts (one
with a webhook on a local receiver, one without), save, see the secret once, send a test and
see it delivered, signed with that secret; the contact without webhook is warned about; axe at
1366 and 360 px. Only the chosen role's unit field shows; a risky action asks first (its confirm
button focused, 取消 back); statuses and sentinel names do not wrap at 1366 px; a fixed error
goes away as its field changes. Every error of 新增账号 at once; Back after 停用 lands on a page
that renders. A supervisor's region is chosen (never defaulted), said by name, the pending account
listed and the request withdrawn; roles and action buttons keep one line. And /docs renders every
operation with the outside network blocked."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.e2e.axe import serious_violations
from tests.e2e.client import Client, embedded_server
from tests.e2e.test_browser_form import SHOTS
from tests.receiver import Receiver

PORT = 18150
BASE = f"http://127.0.0.1:{PORT}"
UNIT = "police-441823"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    # Loopback webhooks are for tests only (issue 26 refuses them unless allowed).
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HOTLINE_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8")
        with embedded_server(tmp_path_factory.mktemp("admin") / "var", PORT) as client:
            yield client


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def log_in(page: Page, server: Client, user: str, password: str, home: str) -> None:
    page.goto(f"{BASE}/")
    page.wait_for_url(f"{BASE}/login*")
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{BASE}{home}")


# How many lines each cell's text takes, for every cell the selector finds.
LINES = """(sel) => [...document.querySelectorAll(sel)].map(cell => {
    const r = document.createRange(); r.selectNodeContents(cell);
    return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size; })"""


def test_admin_adds_a_user_and_sets_a_roster_and_its_test_arrives_signed(
        server: Client, browser: Browser, receiver: Receiver) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, server, "admin1", server.password("admin1"), "/admin")

    unit_fields = page.locator("#add-user .unit:visible select")
    expect(unit_fields).to_have_count(0)  # 请选择: no unit field yet
    page.select_option("#f-role", "desk")
    expect(unit_fields).to_have_count(1)
    expect(page.locator("#f-agency_id")).to_be_visible()
    page.select_option("#f-agency_id", UNIT)  # then the role changes: the agency is not posted
    page.fill("#f-username", "operator7")  # (an auditor's account waits for approval: test_browser_security)
    page.select_option("#f-role", "operator")
    expect(unit_fields).to_have_count(1)  # the operator's line, left empty: refused
    expect(page.locator("#f-channel")).to_be_visible()
    page.click("#add-user-submit")
    expect(page.locator("#error-channel")).to_contain_text("请选择该接线员的来电线路")
    page.select_option("#f-channel", "hotline_12349")
    page.click("#add-user-submit")
    password = page.inner_text("#secret-password").strip()
    assert re.fullmatch(r"[A-HJ-NP-Za-km-z2-9]{5}(-[A-HJ-NP-Za-km-z2-9]{5}){2}", password), password
    expect(page.locator("#user-operator7")).not_to_contain_text("公安")
    page.goto(f"{BASE}/admin")
    assert password not in page.content()  # shown once

    page.click(f'#directory a[href="/admin/oncall/{UNIT}"]')
    page.wait_for_url(f"{BASE}/admin/oncall/{UNIT}")
    expect(page.locator("#on-duty")).to_contain_text("尚未设置值班表")
    page.fill("#f-c0_name", "值班民警")
    page.fill("#f-c0_phone", "0763-1234567")
    page.fill("#f-c0_webhook_url", receiver.hook("police"))
    page.fill("#f-c1_name", "所长")
    page.fill("#f-c1_phone", "13800000000")
    page.uncheck('#contact-1 input[name="c1_weekdays"][value="7"]')
    page.fill("#f-c1_from", "8:00")  # read as 08:00
    page.fill("#f-c1_to", "１８：００")  # as a Chinese keyboard types it (the IT office's review, stop 50)
    page.click("#save")
    secret = page.inner_text("#secret-value").strip()
    assert len(secret) >= 16
    expect(page.locator("#oncall-secret")).to_contain_text("只显示这一次")
    expect(page.locator("#warn-1")).to_contain_text("不会自动收到通知")
    expect(page.locator("#warn-0")).to_have_count(0)
    page.screenshot(path=str(SHOTS / "admin-oncall.png"), full_page=True)

    page.goto(f"{BASE}/admin/oncall/{UNIT}")
    assert secret not in page.content()  # never shown again
    expect(page.locator("#on-duty")).to_contain_text("值班民警")  # all day, every day
    expect(page.locator("#f-c1_from")).to_have_value("08:00")
    expect(page.locator("#f-c1_to")).to_have_value("18:00")
    expect(page.locator('#contact-1 input[name="c1_weekdays"][value="7"]')).not_to_be_checked()
    expect(page.locator("#contact-1 button.test")).to_have_count(0)  # no webhook, nothing to test
    page.click("#contact-0 button.test")
    expect(page.locator("#test-result")).to_contain_text("已送达")
    (got,) = receiver.got
    assert receiver.signed(secret)
    body = json.loads(got["body"])
    assert body["event"] == "test" and body["agency_id"] == UNIT
    assert "13800000000" not in got["body"].decode() and "0763" not in got["body"].decode()

    page.goto(f"{BASE}/admin")
    expect(page.locator(f'#directory a[href="/admin/oncall/{UNIT}"]')).to_be_visible()
    expect(page.locator("#directory")).to_contain_text("2 位联系人")
    page.click('header a[href="/admin/health"]')  # 运行状况: the unit now has someone to tell
    expect(page.locator("h1")).to_have_text("运行状况")
    unreachable = page.locator("#health-todo li", has_text="此刻无人可通知的单位")
    expect(unreachable).to_contain_text("连南瑶族自治县人民医院")
    assert "连南瑶族自治县公安局、" not in unreachable.inner_text() + "、"
    expect(page.locator(f'tr[data-agency="{UNIT}"]')).to_contain_text("值班民警")
    page.click('tr[data-agency="hospital-441823"] a')  # the unit to mend, a click away
    page.wait_for_url(f"{BASE}/admin/oncall/hospital-441823")
    context.close()

    # The new operator's first login: her own password before any page (the IT office's review,
    # stop 60: the admin went on knowing every password), then the console.
    other = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    mine = other.new_page()
    log_in(mine, server, "operator7", password, "/account/password?next=%2Fintake")
    expect(mine.locator("#owed")).to_contain_text("请先设置一个新密码")
    mine.fill("#current", password)
    mine.fill("#password", "Lina-own-2026")
    mine.fill("#password2", "Lina-own-2026!")
    mine.click("#change")
    expect(mine.locator("#error-password2")).to_contain_text("两次输入的新密码不一致")
    mine.fill("#current", password)
    mine.fill("#password", "Lina-own-2026")
    mine.fill("#password2", "Lina-own-2026")
    mine.click("#change")
    mine.wait_for_url(f"{BASE}/intake")
    mine.goto(f"{BASE}/logout")
    log_in(mine, server, "operator7", "Lina-own-2026", "/intake")  # hers now, no detour
    other.close()
    assert errors == [], errors


def test_risky_actions_ask_first_and_the_table_keeps_its_shape(server: Client, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    log_in(page, server, "admin1", server.password("admin1"), "/admin")
    page.click('button[aria-label="重置密码 teacher1"]')
    expect(page.locator("#confirm-h")).to_be_focused()
    expect(page.locator("#confirm")).to_contain_text("已登录的会话将立即退出")
    page.click("#confirm-no")
    page.wait_for_url(f"{BASE}/admin#user-teacher1")
    page.click('button[aria-label="停用 operator1"]')
    expect(page.locator("#confirm-h")).to_be_focused()  # the confirming page is there, its heading read
    expect(page.locator("#confirm")).to_contain_text("账号：operator1（热线接线员")  # whose, to check
    page.keyboard.press("Enter")  # one Enter never disables (the IT office's review, stop 50)
    expect(page.locator("#confirm-yes")).to_be_visible()
    page.keyboard.press("Tab")  # the button is next
    expect(page.locator("#confirm-yes")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#notice")).to_contain_text("已停用账号 operator1")
    page.go_back()  # a GET page, not "Confirm Form Resubmission"
    expect(page.locator("#confirm-h")).to_have_text("账号 operator1 已停用")
    page.click("#confirm-no")
    page.click("#add-user-submit")  # empty: every error at once
    expect(page.locator("#error-username")).to_be_visible()
    expect(page.locator("#error-role")).to_be_visible()
    page.fill("#f-name", "连南瑶族自治县三江镇中心小学")
    page.fill("#f-region_code", "441823100")
    page.select_option("#f-first_reporter", "teacher1")
    page.click('#add-sentinel button[type="submit"]')
    expect(page.locator("#notice")).to_contain_text("已登记监测哨点")
    assert page.evaluate(LINES, "#user-operator1 .state") == [1]  # 已停用 on one line
    assert page.evaluate(LINES, "#sentinel-1 .sname")[0] <= 2
    context.close()


@pytest.mark.parametrize("width", [1366, 360])
def test_the_admin_pages_pass_axe_and_fit_the_width(server: Client, browser: Browser, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="zh-CN",
                                  bypass_csp=True)  # to inject axe; the CSP is kept in the test above
    page = context.new_page()
    log_in(page, server, "admin1", server.password("admin1"), "/admin")
    found: dict[str, list[str]] = {}
    for path in ("/admin", f"/admin/oncall/{UNIT}", "/admin/oncall/hospital-441823", "/admin/health"):
        page.goto(f"{BASE}{path}")
        found[path] = serious_violations(page)
        overflow = page.evaluate("document.documentElement.scrollWidth") - width
        if overflow > 0:
            found[path].append(f"{overflow}px wider than the screen")
    page.goto(f"{BASE}/admin")
    page.click('button[aria-label="重置密码 teacher1"]')  # the confirmation step
    found["confirm"] = serious_violations(page)
    if width == 360:  # each cell says its column, the header row gone (stop 50's review)
        page.goto(f"{BASE}/admin")
        state = page.locator("#user-teacher1 td.state")
        assert state.evaluate("td => getComputedStyle(td, '::before').content") == '"状态："'
        page.goto(f"{BASE}/admin/oncall/{UNIT}")
        page.screenshot(path=str(SHOTS / "admin-oncall-phone.png"), full_page=True)
    page.goto(f"{BASE}/admin/oncall/hospital-441823")
    page.fill("#f-c0_name", "值班医生")
    page.fill("#f-c0_from", "08:00")
    page.click("#save")  # an error next to its field (no end time) is also checked
    expect(page.locator("#error-c0_to")).to_be_visible()
    found["errors"] = serious_violations(page)
    page.fill("#f-c0_to", "17:00")  # fixed: its error goes at once
    expect(page.locator("#error-c0_to")).to_have_count(0)
    expect(page.locator("#f-c0_to")).not_to_have_attribute("aria-invalid", "true")
    context.close()
    assert found == {k: [] for k in found}, found


def test_docs_render_every_operation_with_no_outside_network(server: Client, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    outside: list[str] = []

    def only_local(route: Route) -> None:
        if route.request.url.startswith("http://127.0.0.1:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{BASE}/docs")  # signed out: the login page, not the API's map (#26)
    page.wait_for_url(f"{BASE}/login*")
    log_in(page, server, "admin1", server.password("admin1"), "/admin")
    page.goto(f"{BASE}/docs")
    paths = server.http.get("/openapi.json", headers=server.auth("admin1")).json()["paths"]
    operations = sum(len([m for m in ops if m in ("get", "put", "post", "delete", "patch")])
                     for ops in paths.values())
    expect(page.locator(".opblock")).to_have_count(operations, timeout=15_000)
    roster = page.locator(".opblock-summary-path", has_text="/v1/agencies/{agency_id}/oncall")
    expect(roster.first).to_be_visible()
    page.wait_for_timeout(300)
    context.close()
    assert outside == [] and errors == [], (outside, errors)


def test_a_region_is_chosen_named_and_a_request_withdrawn(server: Client, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    log_in(page, server, "admin1", server.password("admin1"), "/admin")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.fill("#f-username", "ｑｉａｎ")  # fullwidth letters: said so
    page.select_option("#f-role", "desk")
    expect(page.locator('label[for="f-agency_id"]')).to_contain_text("所属机构 *")
    page.select_option("#f-role", "supervisor")
    expect(page.locator("#f-region option").first).to_have_text("请选择")
    page.click("#add-user-submit")
    expect(page.locator("#error-username")).to_contain_text("不能用汉字或全角字符")
    expect(page.locator("#error-region")).to_contain_text("请选择辖区")
    page.fill("#f-username", "qian.qc")
    page.select_option("#f-region", "441802")
    page.click("#add-user-submit")
    expect(page.locator("#notice")).to_contain_text("批准后可查看：清远市 清城区")
    expect(page.locator("#notice")).to_contain_text("辖区：441802 清城区")
    expect(page.locator("#pending-qian\\.qc")).to_contain_text("待安全管理员批准")
    expect(page.locator("#pending-qian\\.qc button")).to_have_count(0)
    page.click('.admin-nav a[href="#asked"]')
    expect(page.locator("#asked-title")).to_have_text("我提交的账号变更申请")
    expect(page.locator("#asked")).to_contain_text("过期")
    page.click('button[aria-label="撤回对 qian.qc 的申请"]')
    expect(page.locator("#notice")).to_contain_text("已撤回对账号 qian.qc 的申请")
    expect(page.locator("#pending-qian\\.qc")).to_have_count(0)
    expect(page.locator("#asked")).to_contain_text("已撤回")
    assert set(page.evaluate(LINES, "#users td.role")) == {1}  # 热线接线员, 系统管理员 … on one line
    tops = """(sel) => new Set([...document.querySelectorAll(sel)]
        .map(b => b.getBoundingClientRect().top)).size"""
    assert page.evaluate(tops, "#user-teacher1 td.actions button") == 1  # 停用 and 重置密码 side by side
    height = page.evaluate("document.querySelector('#users table').getBoundingClientRect().height")
    assert height < page.locator("#users tbody tr").count() * 80, height  # a button tall (was ~190 px)
    context.close()
    assert errors == [], errors
