"""The /stats page: the region chosen by name (county first), the monthly report's links that
work with the page's session, referrals by kind and by status as separate charts, refusals in
Chinese."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from services.api.web import BEIJING
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
    # The province and the city (#28: their figures, as the API's), then each county and its places.
    assert options[1:3] == [("44", "", "广东省"), ("4418", "", "清远市")]
    assert options[3] == ("441823", "selected", "连南瑶族自治县（全县）")
    assert [o[1] for o in options].count("selected") == 1 and len(options) > 20
    assert any(name.strip() == "三江镇" for _, _, name in options)
    assert all(not re.search(r"\d", name) for _, _, name in options)  # names, not codes
    text = visible(page.text)
    assert "连南瑶族自治县" in text and "441823" not in text
    for chart in ("c-kind", "c-status", "c-concern", "c-level"):
        assert f'id="{chart}"' in page.text
    form = re.search(r'<form method="get" action="(/v1/stats/monthly)"(.*?)</form>', page.text, re.S)
    assert form is not None and 'name="region" value="441823"' in form.group(2)
    month = re.search(r'<option value="(\d{4}-\d{2})">', form.group(2)).group(1)  # type: ignore[union-attr]
    params = {"month": month, "region": "441823"}
    xlsx = api.client.get(form.group(1), params={**params, "format": "xlsx"})  # as the button sends it
    assert xlsx.status_code == 200 and "spreadsheetml" in xlsx.headers["content-type"]
    csv = api.client.get(form.group(1), params={**params, "format": "csv"})
    assert "【概要】" in csv.content.decode("utf-8-sig")


def test_refusals_are_in_chinese(api: Api) -> None:
    login(api.client, "auditor1")
    for params, message in (({"region": "45"}, "请从列表中选择地区"),
                            ({"from": "2026-02-30"}, "日期格式不正确"),
                            ({"from": "2026-11-29", "to": "2026-11-28"}, "结束日期不能早于开始日期")):
        r = api.client.get("/stats", params=params)
        assert r.status_code == 422 and message in r.text, params
        text = visible(r.text).replace("auditor1", "").replace("Excel", "")  # Excel: allowed everywhere
        assert not re.search(r"[A-Za-z]{4,}", text), params


def _value(html: str, field: str) -> str:
    return re.search(rf'id="{field}" name="{field}" value="([^"]*)"', html).group(1)  # type: ignore[union-attr]


def test_a_wrong_window_keeps_what_was_typed(api: Api) -> None:
    login(api.client, "supervisor1")
    r = api.client.get("/stats", params={"from": "2026-11-29", "to": "2026-11-28", "region": "441823100"})
    assert r.status_code == 422
    assert (_value(r.text, "from"), _value(r.text, "to")) == ("2026-11-29", "2026-11-28")
    assert '<option value="441823100" selected>' in r.text
    assert re.search(r'id="to"[^>]*aria-describedby="error-to">\s*'
                     r'<p class="error" id="error-to">结束日期不能早于开始日期', r.text)
    r = api.client.get("/stats", params={"from": "", "to": "2026-11-28"})
    assert r.status_code == 422 and 'id="error-from">请选择开始日期' in r.text
    assert (_value(r.text, "from"), _value(r.text, "to")) == ("", "2026-11-28")


def test_quick_ranges_follow_the_beijing_calendar(api: Api) -> None:
    login(api.client, "supervisor1")
    today = datetime.now(BEIJING).date()
    monday = today - timedelta(days=today.weekday())
    last_month_end = today.replace(day=1) - timedelta(days=1)
    links = dict((text, href.replace("&amp;", "&")) for href, text in re.findall(
        r'<a href="(/stats\?from=[^"]+)"[^>]*>([^<]+)</a>', api.client.get("/stats").text))
    assert links == {
        "今天": f"/stats?from={today}&to={today}", "本周": f"/stats?from={monday}&to={today}",
        "本月": f"/stats?from={today.replace(day=1)}&to={today}",
        "上月": f"/stats?from={last_month_end.replace(day=1)}&to={last_month_end}"}
    scoped = api.client.get("/stats", params={"region": "441823100"}).text
    assert f"/stats?from={today}&amp;to={today}&amp;region=441823100" in scoped


def test_empty_charts_say_so(api: Api, runner: EmbeddedRunner) -> None:
    login(api.client, "supervisor1")
    page = api.client.get("/stats").text
    for chart in ("c-day", "c-level", "c-concern", "c-kind", "c-status", "c-ack", "c-follow"):
        assert f'id="{chart}-empty">暂无数据' in page and f'id="{chart}"' not in page, chart
    red_case(api, runner)  # referrals sent, none acknowledged
    page = api.client.get("/stats").text
    assert 'id="c-level"' in page and 'id="c-level-empty"' not in page
    assert 'id="c-ack-empty">暂无数据' in page and 'id="c-ack"' not in page  # no SLA line over nothing


def test_the_monthly_report_is_chosen_by_month(api: Api) -> None:
    login(api.client, "supervisor1")
    page = api.client.get("/stats", params={"from": "2025-01-01", "to": "2025-01-31"}).text
    select = re.search(r'<select id="month" name="month">(.*?)</select>', page, re.S).group(1)  # type: ignore[union-attr]
    months = re.findall(r'<option value="(\d{4}-\d{2})">(.*?)</option>', select)
    today = datetime.now(BEIJING).date()
    assert len(months) == 12 and months[0] == (today.strftime("%Y-%m"), f"{today.year}年{today.month}月")
    assert "2025-01" not in select  # not derived from the window's end
    assert months[1][0] == (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
