"""Nested jurisdictions in headless Chromium (contract §12): a report in 连南 (441823) and one in
清城区 (441802); the city's supervisor (清远市, 4418) has both counties' cases on /board, the
county's (清城区) only its own, and the other county's case page is the Chinese not-found page;
the admin adds an auditor for the city on /admin (the region field shown only for that role),
which waits for the security officer. Axe at 1366 and 360 px."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.e2e.axe import no_serious
from tests.e2e.client import Client, embedded_server, wait_for
from tests.e2e.conftest import CHROMIUM_ARGS
from tests.e2e.test_browser_desk import from_root
from tests.helpers import report_body

PORT = 18270
PLACES = {"441823": ("441823100201", "王小明"), "441802": ("441802001001", "陈小红")}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    with embedded_server(tmp_path_factory.mktemp("city") / "var", PORT) as client:
        yield client


def checked(page: Page) -> None:
    """Axe and no sideways scrolling at 1366 and 360 px, then back to the desktop's width."""
    no_serious(page)
    page.set_viewport_size({"width": 1366, "height": 800})


def file_both(server: Client) -> dict[str, str]:
    """One report in each county (different children: two cases); their case ids by county."""
    reports = {county: server.submit(report_body(
        location={"region_code": code, "address": "某村三巷"},
        children=[{"name": name, "gender": "female", "age": 8}]), key=f"city-{county}")["report_id"]
        for county, (code, name) in PLACES.items()}

    def cases() -> dict[str, str] | None:
        found: dict[str, Any] = {county: server.http.get(f"/v1/reports/{report_id}",
                                                         headers=server.auth("operator1")).json()
                                 for county, report_id in reports.items()}
        return {c: s["case_id"] for c, s in found.items()} if all(
            s.get("case_id") for s in found.values()) else None

    made: dict[str, str] = wait_for(cases, what="both cases")
    wait_for(lambda: len(server.http.get("/v1/cases", headers=server.auth("supervisor1")).json()) >= 2,
             what="both cases on the board")
    return made


def test_the_city_board_holds_both_counties_and_the_county_board_its_own(server: Client) -> None:
    base = f"http://127.0.0.1:{PORT}"
    cases = file_both(server)
    assert cases["441823"] != cases["441802"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        city = browser.new_context(viewport={"width": 1366, "height": 800}, locale="zh-CN",
                                   bypass_csp=True).new_page()  # to inject axe
        from_root(city, server, "supervisor-qingyuan", "/board")
        for case_id in cases.values():
            expect(city.locator(f"#case-{case_id}")).to_be_visible()
        checked(city)

        county = browser.new_context(viewport={"width": 1366, "height": 800}, locale="zh-CN",
                                     bypass_csp=True).new_page()
        from_root(county, server, "supervisor-qingcheng", "/board")
        expect(county.locator(f"#case-{cases['441802']}")).to_be_visible()
        assert county.locator(f"#case-{cases['441823']}").count() == 0
        assert cases["441823"][:8] not in county.locator("main").inner_text()
        checked(county)
        own = county.goto(f"{base}/followups/cases/{cases['441802']}")
        assert own is not None and own.status == 200
        other = county.goto(f"{base}/followups/cases/{cases['441823']}")
        assert other is not None and other.status == 404
        expect(county.locator("h1")).to_have_text("未找到")
        assert cases["441823"][:8] not in county.locator("main").inner_text()
        checked(county)

        admin = browser.new_context(viewport={"width": 1366, "height": 800}, locale="zh-CN",
                                    bypass_csp=True).new_page()
        from_root(admin, server, "admin1", "/admin")
        expect(admin.locator("#user-supervisor-qingyuan")).to_contain_text("辖区：4418 清远市")
        expect(admin.locator("#user-supervisor1")).to_contain_text("辖区：全部")
        admin.select_option("#f-role", "operator")
        expect(admin.locator("#f-region")).to_be_hidden()
        admin.select_option("#f-role", "auditor")
        expect(admin.locator("#f-region")).to_be_visible()
        expect(admin.locator("#f-channel")).to_be_hidden()
        admin.fill("#f-username", "auditor-qingyuan")
        admin.select_option("#f-region", "4418")
        checked(admin)
        admin.locator("#add-user-submit").click()
        expect(admin.locator("main")).to_contain_text("等待安全管理员批准")
        expect(admin.locator("main")).to_contain_text("辖区：4418 清远市")
        expect(admin.locator("#notice")).to_contain_text("批准后可查看：清远市")
        checked(admin)
        browser.close()

    asked = server.http.get("/v1/account-requests", headers=server.auth("security1")).json()
    assert [(r["username"], r["role"], r["region"]) for r in asked] == [
        ("auditor-qingyuan", "auditor", "4418")]
    county_api = server.http.get("/v1/cases", headers=server.auth("supervisor-qingcheng")).json()
    assert [c["case_id"] for c in county_api] == [cases["441802"]]
