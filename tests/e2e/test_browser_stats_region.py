"""Statistics by region in headless Chromium (contract §12): the city supervisor (清远市, 4418) sees
a chart for each of its two counties, picks 清城区 by name with the keyboard and sees its figures
and a chart per town; the county supervisor of 清城区 is offered only its own county's places and
sees none of 连南's counts. The report placed at 连南 only is a group of its own among the towns
(they add up), a breadcrumb leads back up to the city, a city elsewhere is named as outside.
axe at 1366 and 360 px, nothing wider than the phone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.e2e.axe import no_serious
from tests.e2e.client import Client, embedded_server, wait_for
from tests.e2e.conftest import CHROMIUM_ARGS
from tests.e2e.test_browser_desk import login
from tests.e2e.test_browser_form import SHOTS
from tests.helpers import report_body

PORT = 18280
PLACES = ("441823100201", "441823101201", "441823104201",  # 连南: 三江镇, 寨岗镇, 大坪镇
          "441802100201", "441802002201",                  # 清城区: 源潭镇, 东城街道
          "441823")                                        # 连南, no town named


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    with embedded_server(tmp_path_factory.mktemp("stats-region") / "var", PORT) as client:
        for i, code in enumerate(PLACES):
            child = [{"name": "李小" + "明红军华芳丽"[i], "gender": "male", "age": 6 + i}]  # five children
            client.submit(report_body(location={"region_code": code, "address": "某村"}, children=child),
                          key=f"region-{i}")
        wait_for(lambda: client.http.get("/v1/stats", headers=client.auth("supervisor1")).json()["cases"]
                 == len(PLACES), what="the cases in the view")
        yield client


def offered(page: Page) -> list[str]:
    return page.locator("#region option").evaluate_all("os => os.map(o => o.value).filter(v => v)")


def test_the_city_supervisor_picks_qingcheng_and_sees_its_chart(server: Client) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1366, "height": 800}, locale="zh-CN",
                                   bypass_csp=True).new_page()  # to inject axe
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        login(page, server, "supervisor-qingyuan", "/board")
        page.goto(f"http://127.0.0.1:{PORT}/stats")
        expect(page.locator("#n-reports")).to_have_text(str(len(PLACES)))
        expect(page.locator("#stats-region")).to_have_text("清远市")
        expect(page.locator("#groups-h")).to_contain_text("清远市")
        for county, name, n in (("441802", "清城区", 2), ("441823", "连南瑶族自治县", 4)):
            expect(page.locator(f"#g-{county}-h")).to_have_text(name)
            expect(page.locator(f"#g-{county} canvas")).to_have_count(1)
            expect(page.locator(f"#g-{county}-sum")).to_contain_text(f"案件 {n} 件")
        tops = page.evaluate("""['441802', '441823'].map(c => echarts.getInstanceByDom(
            document.getElementById('g-' + c)).getOption().yAxis[0].max)""")
        assert tops[0] == tops[1] >= 1, tops  # one scale: 1 case is never drawn as tall as 3 (stop 61)
        assert {code[:6] for code in offered(page)} == {"441802", "441823"}
        expect(page.locator("#region option").first).to_have_text("清远市（全部）")
        page.locator("#groups").screenshot(path=str(SHOTS / "stats-regions.png"))

        page.set_viewport_size({"width": 360, "height": 800})  # on the phone, by the keyboard
        page.locator("#region").focus()
        page.locator("#region").select_option(label="清城区（全区）")  # named as 连南瑶族自治县 is
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")  # 统计
        page.wait_for_url("**/stats?*region=441802*")
        expect(page.locator("#stats-region")).to_have_text("清城区")
        expect(page.locator("#n-reports")).to_have_text("2")
        for town, name in (("441802100", "源潭镇"), ("441802002", "东城街道")):
            expect(page.locator(f"#g-{town}-h")).to_have_text(name)
            expect(page.locator(f"#g-{town} canvas")).to_have_count(1)
        expect(page.locator("#groups-quiet")).to_contain_text("飞来峡镇")
        assert page.locator("[id^=g-441823]").count() == 0
        bars = page.evaluate("echarts.getInstanceByDom(document.getElementById('g-441802100'))"
                             ".getOption().series[0].data.map(d => d.value)")
        assert sum(bars) == 1
        no_serious(page)
        page.locator("#groups").screenshot(path=str(SHOTS / "stats-regions-phone.png"))
        browser.close()
    assert errors == [], errors


def test_the_county_supervisors_picker_offers_only_its_own_county(server: Client) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1366, "height": 800}, locale="zh-CN",
                                   bypass_csp=True).new_page()
        login(page, server, "supervisor-qingcheng", "/board")
        page.goto(f"http://127.0.0.1:{PORT}/stats")
        expect(page.locator("#n-reports")).to_have_text("2")  # none of 连南's counts
        codes = offered(page)
        assert all(code.startswith("441802") for code in codes)
        assert "441802" not in codes  # the county once, the first choice (stop 50: offered twice)
        expect(page.locator("#region option").first).to_have_text("清城区（全部）")
        towns = page.locator("#region optgroup option").all_inner_texts()
        assert "源潭镇" in [t.strip() for t in towns] and not any("连南" in t or "三江" in t for t in towns)
        expect(page.locator("#g-441802100 canvas")).to_have_count(1)
        no_serious(page)
        browser.close()


def test_the_city_supervisor_goes_down_to_lian_nan_and_back_up(server: Client) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 360, "height": 800}, locale="zh-CN",
                                   bypass_csp=True).new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        login(page, server, "supervisor-qingyuan", "/board")
        page.goto(f"http://127.0.0.1:{PORT}/stats")
        expect(page.locator("#crumbs")).to_have_count(0)  # the caller's own region: nothing above
        page.locator("#group-441823 a").click()  # 查看连南瑶族自治县的统计
        page.wait_for_url("**/stats?*region=441823*")
        expect(page.locator("#n-reports")).to_have_text("4")
        expect(page.locator("#crumbs")).to_have_text("清远市连南瑶族自治县")
        expect(page.locator("#g-rest-h")).to_have_text("未细化到乡镇")
        expect(page.locator("#g-rest canvas")).to_have_count(1)
        sums = page.locator("[id$=-sum]").all_inner_texts()
        assert sum(int(t.split("报告 ")[1].split(" 件")[0]) for t in sums) == 4, sums  # they add up
        page.locator("#group-441823100 a").click()  # down to 三江镇
        page.wait_for_url("**/stats?*region=441823100*")
        expect(page.locator("#crumbs li")).to_have_text(["清远市", "连南瑶族自治县", "三江镇"])
        expect(page.locator("#crumbs [aria-current=page]")).to_have_text("三江镇")
        no_serious(page)
        page.locator("#crumbs a", has_text="清远市").focus()
        page.keyboard.press("Enter")  # back up to the city, by the keyboard
        page.wait_for_url(lambda url: "region=" not in url)
        expect(page.locator("#n-reports")).to_have_text(str(len(PLACES)))

        page.goto(f"http://127.0.0.1:{PORT}/stats?region=4401")  # another city
        expect(page.locator("#error-region")).to_have_text("该地区不在您的辖区内。")
        expect(page.locator("#region")).to_have_attribute("aria-describedby", "error-region")
        no_serious(page)
        browser.close()
    assert errors == [], errors
