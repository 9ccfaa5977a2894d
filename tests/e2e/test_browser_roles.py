"""Every role's home in headless Chromium: the operator takes calls with the keyboard only,
the repeat check shows a known child, the admin disables a user, the auditor filters the trail;
every page passes axe-core (no serious or critical violations) at 1366 and at 360 px wide."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.e2e.axe import serious_violations
from tests.e2e.client import Client, embedded_server, wait_for
from tests.e2e.test_browser_form import SHOTS
from tests.helpers import id_number, report_body

PORT = 18005
BASE = f"http://127.0.0.1:{PORT}"
PLACE = "f-location-region_code"  # the console's place picker (the report form's)
VILLAGE = "441823100201"  # 连南瑶族自治县 三江镇 金坑村
HOMES = {"operator1": ("/intake", "来电登记"), "teacher1": ("/report", "强制报告"),
         "police-desk": ("/desk", "转介收件箱"), "supervisor1": ("/board", "案件督办看板"),
         "auditor1": ("/audit", "审计日志"), "admin1": ("/admin", "账号与哨点")}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    with embedded_server(tmp_path_factory.mktemp("roles") / "var", PORT) as client:
        yield client


class Watched:
    """A page whose console errors (CSP refusals, 404s such as a missing favicon) are kept."""

    def __init__(self, context: BrowserContext):
        self.context = context
        self.page = context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def active(self) -> str:
        return str(self.page.evaluate("document.activeElement.id || document.activeElement.value || ''"))

    def tab_to(self, target: str, most: int = 40) -> None:
        """Tab until the element is focused: it is reachable with the keyboard, in order."""
        for _ in range(most):
            if self.active() == target:
                return
            self.page.keyboard.press("Tab")
        raise AssertionError(f"{target} not reached with Tab (stuck at {self.active()!r})")


def log_in_with_keyboard(w: Watched, server: Client, user: str) -> None:
    w.page.goto(f"{BASE}/")
    assert w.page.url.startswith(f"{BASE}/login")
    # autofocus lands at the page's first rendering, which may come after the load event goto waits for
    expect(w.page.locator("#username")).to_be_focused()
    w.page.keyboard.type(user)
    w.page.keyboard.press("Tab")
    w.page.keyboard.type(server.password(user))
    w.page.keyboard.press("Enter")
    w.page.wait_for_url(f"{BASE}{HOMES[user][0]}*")


def region_codes(server: Client, case_id: str) -> dict[str, str]:
    """Each report of the case with the region code stored, as the supervisor reads them."""
    supervisor = server.auth("supervisor1")
    case = server.http.get(f"/v1/cases/{case_id}", headers=supervisor).json()
    codes = {}
    for referral in case["referrals"]:
        r = server.http.get(f"/v1/referrals/{referral['referral_id']}", headers=supervisor)
        assert r.status_code == 200, r.text
        codes.update({report["report_id"]: report["region_code"] for report in r.json()["reports"]})
    return codes


def test_operator_takes_calls_with_the_keyboard_only(server: Client, browser: Browser) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    w = Watched(browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN"))
    page, kb = w.page, w.page.keyboard
    log_in_with_keyboard(w, server, "operator1")
    assert w.active() == "f-danger"
    assert page.input_value("#f-channel") == "hotline_12345"  # the account's line
    assert "Ctrl+Enter" in page.inner_text("#shortcuts")
    kb.press("Control+Enter")  # nothing typed: every missing field is said at once, nothing sent
    assert page.inner_text("#error-children") == "请填写至少一名儿童的姓名、年龄或身份证号码。"
    assert page.locator("#error-narrative, #error-location-region_code").count() == 2
    assert page.locator("#error-summary li").count() == 3 and w.active() == "f-children-0-name"

    # Danger: the transfer script appears and stays until the transfer is confirmed.
    kb.press("F2")
    assert page.is_visible("#danger-banner") and "110" in page.inner_text("#danger-banner")
    kb.press("Tab")
    assert w.active() == "transfer-110"
    kb.press("Enter")
    assert page.is_hidden("#danger-banner") and "110" in page.inner_text("#transfer-status")
    assert w.active() == "f-anonymous"

    kb.press("F4")  # anonymous: name and phone hidden, never sent
    assert page.is_checked("#f-anonymous") and page.is_hidden("#caller-identity")
    kb.press("Tab")
    assert w.active() == "f-reporter-relation"
    kb.press("Tab")
    assert w.active() == "f-children-0-name"
    kb.type("王小明")
    w.tab_to("f-children-0-age")
    kb.type("9")
    w.tab_to("domestic_violence")
    kb.press("Space")
    w.tab_to("serious_injury")
    kb.press("Space")
    w.tab_to("f-narrative")
    kb.type("邻居听到孩子哭喊，父亲在打孩子，孩子手臂流血")
    # The place by part of a village's name, chosen from the list with the arrow keys and Enter.
    w.tab_to(PLACE)
    kb.type("金坑")
    page.wait_for_selector(f"#{PLACE}-list [role=option]:has-text('金坑村')")
    kb.press("ArrowDown")
    kb.press("Enter")  # chooses the place; the call is not sent
    assert page.input_value(f"#{PLACE}") == "连南瑶族自治县 三江镇 金坑村"
    assert page.get_attribute(f"#{PLACE}", "data-code") == VILLAGE
    assert page.is_hidden(f"#{PLACE}-list") and w.active() == PLACE
    kb.press("Enter")  # again: still nothing sent
    assert page.is_hidden("#receipt-panel") and page.is_hidden("#error-summary")  # all mended
    leaving = ("() => { const e = new Event('beforeunload', {cancelable: true}); dispatchEvent(e);"
               " return e.defaultPrevented; }")
    assert page.evaluate(leaving)  # the back button asks while the call is unsent
    kb.press("Control+Enter")

    page.wait_for_selector("#receipt-panel:not([hidden])")
    assert w.active() == "receipt-title"
    receipt_no, lookup_code = page.inner_text("#receipt-no"), page.inner_text("#lookup-code")
    assert len(receipt_no) == 19 and len(lookup_code) == 10
    assert page.evaluate(leaving)  # the lookup code is shown once: leaving asks until it is marked as told
    assert page.eval_on_selector("#receipt-no", "e => getComputedStyle(e).whiteSpace") == "nowrap"
    assert page.get_attribute("#receipt-lookup", "href") == f"/lookup?receipt_no={receipt_no}"
    assert "受理编号和查询码即可补充" in page.inner_text("#receipt-panel")
    for _ in range(3):  # the read-back checklist (after the duty lines to ring when no unit was told)
        kb.press("Tab")
        while not page.evaluate("document.activeElement.classList.contains('readback')"):
            assert page.evaluate("document.activeElement.matches('#receipt-untold a.tel')")
            kb.press("Tab")
        kb.press("Space")
    assert page.locator(".readback:checked").count() == 3 and not page.evaluate(leaving)
    assert page.input_value("#f-narrative") == "" and page.input_value("#f-children-0-name") == ""
    # Nothing typed stays in the browser (shared call-centre PCs).
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0

    kb.press("F9")  # the next call
    assert page.is_hidden("#receipt-panel") and w.active() == "f-danger"
    w.tab_to("f-children-0-name")
    kb.type("王小明")
    w.tab_to("f-children-0-age")
    kb.type("9")
    w.tab_to("f-children-0-id_number")  # a wrong check character is flagged while typing
    right = id_number("44182320150101123")
    kb.type(right[:17] + ("0" if right[17] != "0" else "1"))
    page.wait_for_selector("#error-children-0-id_number:has-text('校验位')")
    kb.press("Backspace")
    kb.type(right[17])  # corrected: the error goes, the check answers
    page.wait_for_selector("#repeat-check:not([hidden])")
    assert page.locator("#error-children-0-id_number").count() == 0
    kb.press("Control+A")
    kb.press("Backspace")
    w.tab_to(PLACE)
    kb.type("新寨")  # two villages of that name: nothing is sent, the field says so and has the focus
    kb.press("Control+Enter")
    page.wait_for_selector("#error-location-region_code")
    assert "有2个地点与“新寨”相符" in page.inner_text("#error-location-region_code")
    assert w.active() == PLACE and page.get_attribute(f"#{PLACE}", "aria-invalid") == "true"
    assert page.is_hidden("#receipt-panel")
    kb.press("Control+A")
    kb.type(VILLAGE)  # a code typed as it is still works
    assert page.locator("#error-location-region_code").count() == 0
    page.wait_for_selector("#repeat-known", timeout=15000)
    known = page.inner_text("#repeat-check")
    assert "1 个在办案件" in known and "红色" in known and "本次报告将并入此案" in known
    kb.press("F2")  # for the picture: the script and the known child side by side
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / "intake-console.png"))
    kb.press("F2")
    w.tab_to("f-narrative")
    kb.type("孩子又被打了")
    kb.press("Control+Enter")
    page.wait_for_selector("#receipt-panel:not([hidden])")
    second = page.inner_text("#receipt-no")
    assert second != receipt_no

    # The caller rings back: "my recent calls" finds the first report; add a supplement.
    wait_for(lambda: page.locator(f"#recent-calls tr:has-text('{receipt_no}') .badge").count(),
               what="the first call triaged in the recent list")
    status = "getComputedStyle(document.querySelector('#recent-calls td.status')).whiteSpace"
    assert page.evaluate(status) == "nowrap"
    page.focus(f"button.supplement[data-receipt='{receipt_no}']")
    kb.press("Enter")
    kb.type("孩子已被送到奶奶家，奶奶说孩子常常没饭吃")
    kb.press("Tab")
    kb.press("Enter")  # the new concerns, as by receipt number
    w.tab_to("neglect")
    kb.press("Space")
    page.focus("tr.sup textarea")
    kb.press("Control+Enter")  # sends this supplement, never the (empty) call form
    page.wait_for_selector(f"tr.sup .sup-result:has-text('已补充到受理编号 {receipt_no} 的报告')")
    assert w.active().endswith("-result") and page.input_value("tr.sup textarea") == ""
    assert page.is_hidden("#error-summary")
    # The caller checks progress: the receipt's link fills in the number, never the code.
    page.fill("#r-receipt_no", receipt_no)
    assert page.eval_on_selector("#r-receipt_no", "e => e.scrollWidth <= e.clientWidth")
    page.context.close()
    # No CSP refusal, no 404 (the favicon), no script error; the one 422 is the wrong id's check.
    assert [e for e in w.errors if "status of 422" not in e] == [] and len(w.errors) <= 1, w.errors

    # What the console sent is what the API holds.
    reports = server.http.get("/v1/reports/mine", headers=server.auth("operator1")).json()
    first = next(r for r in reports if r["receipt_no"] == receipt_no)
    detail = server.http.get(f"/v1/reports/{first['report_id']}", headers=server.auth("operator1")).json()
    assert [t["to"] for t in detail["transfers"]] == ["110"]
    again = wait_for(lambda: next((r for r in server.http.get(
        "/v1/reports/mine", headers=server.auth("operator1")).json() if r["receipt_no"] == second), None),
        what="the second call triaged")
    assert again["case_id"] == first["case_id"]  # the same child: the same case (contract §3)
    # Both stored with the village's code: chosen by name, then typed.
    codes = region_codes(server, first["case_id"])
    assert codes == {first["report_id"]: VILLAGE, again["report_id"]: VILLAGE}
    wait_for(lambda: "neglect" in server.http.get(f"/v1/cases/{first['case_id']}",
                                                  headers=server.auth("supervisor1")).json()["concerns"],
             what="the row's supplement with its new concern")


def test_admin_disables_a_user(server: Client, browser: Browser) -> None:
    token = server.auth("edu-desk")
    w = Watched(browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN"))
    log_in_with_keyboard(w, server, "admin1")
    page = w.page
    page.click("#user-edu-desk button:has-text('停用')")
    page.click("#confirm-yes")  # a risky action asks first, on a page of its own
    page.wait_for_selector("#notice")
    assert "已停用账号 edu-desk" in page.inner_text("#notice")
    assert "已停用" in page.inner_text("#user-edu-desk")
    assert server.http.get("/v1/desk/referrals", headers=token).status_code == 401
    page.fill("#f-username", "operator-night")
    page.select_option("#f-role", "operator")
    page.select_option("#f-channel", "hotline_12355")
    page.click("#add-user-submit")
    password = page.inner_text("#secret-password")
    assert server.http.post("/v1/auth/token", data={"username": "operator-night",
                                                     "password": password}).status_code == 200
    page.goto(f"{BASE}/admin#users")
    page.screenshot(path=str(SHOTS / "admin.png"))
    page.context.close()
    assert w.errors == [], w.errors


def test_auditor_filters_the_trail(server: Client, browser: Browser) -> None:
    w = Watched(browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN"))
    log_in_with_keyboard(w, server, "auditor1")
    page = w.page
    assert "哈希链校验通过" in page.inner_text("#chain")
    page.fill("#f-actor", "admin1")
    page.select_option("#f-action", "account.")  # the group 账号, by its Chinese name in the list
    page.click("#apply")
    page.wait_for_url("**/audit?*")
    rows = page.locator("#trail tbody tr")
    acted = page.locator("#trail tbody tr:has([data-action])")  # not a row saying nothing was found
    assert rows.count() >= 1 and acted.count() == rows.count(), page.inner_text("#trail")
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td")
        action = cells.nth(4).locator("[data-action]").get_attribute("data-action") or ""
        assert cells.nth(2).inner_text().startswith("admin1") and action.startswith("account.")
    assert "停用账号" in page.inner_text("#trail") and "account." not in page.inner_text("#trail")
    page.screenshot(path=str(SHOTS / "audit.png"))
    page.context.close()
    assert w.errors == [], w.errors


@pytest.mark.parametrize("width", [1366, 360])
def test_every_page_passes_axe_and_fits_the_width(server: Client, browser: Browser, width: int) -> None:
    server.submit(report_body(), key=f"axe-{width}")  # rows on the desk and the board
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="zh-CN",
                                  bypass_csp=True)  # to inject axe; CSP is kept in the tests above
    page = context.new_page()
    found: dict[str, list[str]] = {}

    def check(name: str) -> None:
        found[name] = serious_violations(page)
        overflow = page.evaluate("document.documentElement.scrollWidth") - width
        if overflow > 0:
            found[name].append(f"{overflow}px wider than the screen")

    page.goto(f"{BASE}/login")
    check("/login")
    for user, (home, heading) in HOMES.items():
        context.clear_cookies()
        page.goto(f"{BASE}/")
        page.fill("#username", user)
        page.fill("#password", server.password(user))
        page.click("button[type=submit]")
        page.wait_for_url(f"{BASE}{home}")
        assert heading in page.inner_text("main")  # useful work, reached from /
        if user == "operator1":
            page.keyboard.press("F2")  # the danger script is part of the page
        check(home)
    page.goto(f"{BASE}/no-such-page")
    check("404")
    page.goto(f"{BASE}/board")
    check("403")
    # Its ways out, a finger's target (the police desk's review, stop 47: 19 px).
    heights = page.locator("main a").evaluate_all("links => links.map(a => a.getBoundingClientRect().height)")
    assert len(heights) == 2 and min(heights) >= 40, heights
    context.close()
    assert {name: v for name, v in found.items() if v} == {}
    assert len(found) == len(HOMES) + 3  # and the login, 404 and 403 pages
