"""The /stats page: the region chosen by name (county first), the monthly report's links that
work with the page's session, referrals by kind and by status as separate charts, refusals in
Chinese."""

from __future__ import annotations

import re

from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.unit.test_board_page import visible
from tests.unit.test_desk import red_case
from tests.unit.test_pages import login


def test_the_region_is_chosen_by_name_and_the_report_downloads(api: Api, runner: EmbeddedRunner) -> None:
    red_case(api, runner)
    login(api.client, "supervisor1")
    page = api.client.get("/stats", params={"region": "441823"})
    assert page.status_code == 200
    select = re.search(r'<select id="region" name="region">(.*?)</select>', page.text, re.S).group(1)  # type: ignore[union-attr]
    options = re.findall(r'<option value="(\d*)"\s*(selected)?\s*>([^<]+)</option>', select)
    assert options[0] == ("", "", "全部地区")
    assert options[1] == ("441823", "selected", "连南瑶族自治县（全县）")  # the county first, then its places
    assert [o[1] for o in options].count("selected") == 1 and len(options) > 20
    assert any(name.strip() == "三江镇" for _, _, name in options)
    assert all(not re.search(r"\d", name) for _, _, name in options)  # names, not codes
    text = visible(page.text)
    assert "连南瑶族自治县" in text and "441823" not in text
    for chart in ("c-kind", "c-status", "c-concern", "c-level"):
        assert f'id="{chart}"' in page.text
    links = {kind: href.replace("&amp;", "&") for href, kind in
             re.findall(r'href="(/v1/stats/monthly\?[^"]+)" id="monthly-(xlsx|csv)"', page.text)}
    assert set(links) == {"xlsx", "csv"} and all("region=441823" in h for h in links.values())
    xlsx = api.client.get(links["xlsx"])  # the session cookie alone, as a click sends it
    assert xlsx.status_code == 200 and "spreadsheetml" in xlsx.headers["content-type"]
    assert "【概要】" in api.client.get(links["csv"]).content.decode("utf-8-sig")


def test_refusals_are_in_chinese(api: Api) -> None:
    login(api.client, "auditor1")
    for params, message in (({"region": "44"}, "请从列表中选择地区"),
                            ({"from": "2026-02-30"}, "日期格式不正确"),
                            ({"from": "2026-11-29", "to": "2026-11-28"}, "结束日期不能早于开始日期")):
        r = api.client.get("/stats", params=params)
        assert r.status_code == 422 and message in r.text, params
        assert not re.search(r"[A-Za-z]{4,}", visible(r.text).replace("auditor1", "")), params
