"""A city supervisor's /stats (#28 review): a way back up to the city, a region elsewhere named
as outside, the sub-regions adding up (the county-only report in 未细化到乡镇), and each region
named by one rule (清城区 as 连南瑶族自治县, never 清远市清城区)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from projections.desk.processor import DeskProjection
from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.helpers import TEST_PASSWORD, report_body
from tests.unit.test_board_page import visible
from tests.unit.test_pages import login
from tests.unit.test_stats_figures import seed

NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


@pytest.fixture
def city(api: Api, hotline: ApiContainer) -> TestClient:
    hotline.accounts.add_user("sup-qy", TEST_PASSWORD, "supervisor", region="4418")
    seed(DeskProjection(hotline.view))  # six cases in 441823 (one at the county only), one in 441802001
    login(api.client, "sup-qy", home="/board")
    return api.client


def test_a_countys_page_leads_back_up_to_the_callers_city(city: TestClient) -> None:
    page = city.get("/stats", params={**NOVEMBER, "region": "441823100"})
    assert page.status_code == 200
    nav = re.search(r'<nav class="crumbs"[^>]*>(.*?)</nav>', page.text, re.S)
    assert nav is not None and visible(nav.group(1)) == "清远市连南瑶族自治县三江镇"
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', nav.group(1))
    assert links == [("/stats?from=2026-11-01&amp;to=2026-11-30", "清远市"),
                     ("/stats?from=2026-11-01&amp;to=2026-11-30&amp;region=441823", "连南瑶族自治县")]
    assert '<span aria-current="page">三江镇</span>' in nav.group(1)
    assert "广东省" not in visible(page.text)  # above the caller's region: not offered
    assert 'class="crumbs"' not in city.get("/stats", params=NOVEMBER).text  # the city itself


@pytest.mark.parametrize("region", ["4401", "45"])
def test_a_region_elsewhere_is_named_as_outside_next_to_the_picker(city: TestClient, region: str) -> None:
    page = city.get("/stats", params={**NOVEMBER, "region": region})
    assert page.status_code == 422
    assert '<p class="error" id="error-region">该地区不在您的辖区内。</p>' in page.text
    assert "请从列表中选择地区" not in page.text


def test_the_towns_add_up_with_the_county_only_report(city: TestClient) -> None:
    page = city.get("/stats", params={**NOVEMBER, "region": "441823"})
    assert page.status_code == 200
    assert re.search(r'id="n-reports">(\d+)<', page.text).group(1) == "6"  # type: ignore[union-attr]
    sums = re.findall(r'id="g-[^"]+-sum">报告 (\d+) 件', page.text)
    assert sum(map(int, sums)) == 6
    rest = re.search(r'<h3 id="g-rest-h">([^<]+)</h3>\s*<p class="hint" id="g-rest-sum">报告 (\d+) 件',
                     page.text)
    assert rest is not None and rest.groups() == ("未细化到乡镇", "1")


def test_both_counties_are_named_alike(city: TestClient) -> None:
    page = city.get("/stats", params=NOVEMBER)
    text = visible(page.text)
    assert "清城区（全区）" in text and "连南瑶族自治县（全县）" in text
    assert "清远市清城区" not in text and "清远市（全部）" in text
    assert re.search(r'<h3 id="g-441802-h">清城区</h3>', page.text)
    assert re.search(r'<h3 id="g-441823-h">连南瑶族自治县</h3>', page.text)
    shown = city.get("/stats", params={**NOVEMBER, "region": "441802"})
    assert '<span id="stats-region">清城区</span>' in shown.text
    assert "统计分析报告（按月）：清城区" in visible(shown.text)


def test_a_county_supervisor_chooses_the_county_once(api: Api) -> None:
    """The caller's own county is the first choice, 清城区（全部）; its 清城区（全区） beside it was
    the same choice twice (the city supervisor's review, stop 50, as supervisor-qingcheng)."""
    login(api.client, "supervisor-qingcheng", home="/board")
    page = api.client.get("/stats", params=NOVEMBER).text
    assert "本地区尚未登记监测哨点" in page and "均有报告" not in page  # none registered: said so
    picker = page.split('id="region"')[1].split("</select>")[0]
    assert "清城区（全部）" in picker and "清城区（全区）" not in picker
    assert picker.count('value="441802"') == 0 and 'value="441802001"' in picker  # its towns, below


def test_on_time_counts_the_referrals_received_or_past_their_time(city: TestClient, api: Api,
                                                                     runner: EmbeddedRunner) -> None:
    """A referral still within its time is neither on time nor late (the city supervisor's review,
    stop 50: "按时接收转介 0/2 件" while both were minutes old)."""
    api.submit(report_body(), key="fresh-red")
    runner.pump()
    today = datetime.now(UTC).astimezone(timezone(timedelta(hours=8))).date().isoformat()
    page = city.get("/stats", params={"from": today, "to": today})
    said = visible(page.text.split('id="g-441823-sum">')[1].split("</p>")[0])
    assert said == "报告1件·案件1件·待接收、未到时限2件·超时未接收0件", said
    november = city.get("/stats", params=NOVEMBER).text.split('id="g-441823-sum">')[1].split("</p>")[0]
    november = visible(november)
    assert "按时接收转介" in november and "（已接收或已超时的）" in november and "未到时限" not in november


def test_a_referral_withdrawn_after_its_time_counts_as_not_on_time(city: TestClient, api: Api,
                                                                   runner: EmbeddedRunner,
                                                                   hotline: ApiContainer) -> None:
    """The province supervisor's review, stop 61: a 派出所 let a red referral pass its time, the
    supervisor withdrew it, and the county read 按时接收转介 2/2 while the units' table below said
    超时未接收 1."""
    report = api.submit(report_body(), key="late-then-withdrawn").json()
    runner.pump()
    case_id = api.client.get(f"/v1/reports/{report['report_id']}",
                             headers=api.auth("operator1")).json()["case_id"]
    referrals = api.client.get(f"/v1/cases/{case_id}", headers=api.auth("supervisor1")).json()["referrals"]
    assert len(referrals) == 2
    later = datetime.now(UTC) + timedelta(days=1)
    for r in referrals:
        assert hotline.dispatch.escalate_if_due(r["referral_id"], now=later)
    runner.pump()
    first = referrals[0]["referral_id"]
    assert api.client.post(f"/v1/referrals/{first}/withdrawal", json={"reason": "超时未接收，改派他处"},
                           headers=api.auth("supervisor1")).status_code == 200
    runner.pump()
    today = datetime.now(UTC).astimezone(timezone(timedelta(hours=8))).date().isoformat()
    page = city.get("/stats", params={"from": today, "to": today})
    said = visible(page.text.split('id="g-441823-sum">')[1].split("</p>")[0])
    assert "按时接收转介0/1件" in said and "超时后被撤回或退回1件" in said, said
    assert "待接收、未到时限1件" in said  # escalated by the test's clock, not yet due by the page's
