"""The auditor's day, mended (#26 usability review): reads said as people chose them, refused
statistics reads on the trail, every filter in force shown, account requests by kind and number,
one date range for both pages, paging that keeps 不含本人的查看, a banner that says when it checked."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlparse

from services.bootstrap import ApiContainer
from services.common.vocabulary import BEIJING
from services.oversight.filters import filters_label, filters_text, typed_text
from tests.conftest import Api
from tests.helpers import audit_entries, sequence
from tests.unit.test_admin_audit_pages import trail_rows
from tests.unit.test_board_page import visible
from tests.unit.test_pages import login


def today() -> date:
    """Beijing's date at the run, not the import (a run across Beijing midnight, 16:00 UTC)."""
    return datetime.now(BEIJING).date()


def test_a_window_reads_as_it_was_chosen_even_from_older_entries() -> None:
    days = ("since=2026-11-03T00:00:00+08:00&until=2026-12-03T00:00:00+08:00")
    assert filters_label(days) == "时段 2026-11-03 至 2026-12-02（含）"
    assert filters_label(filters_text(since=datetime(2026, 11, 3, tzinfo=BEIJING))) == "时段 2026-11-03 起"
    moments = filters_text(since=datetime(2026, 11, 3, 10, 30, tzinfo=BEIJING),
                           until=datetime(2026, 11, 4, 10, 30, tzinfo=BEIJING))
    assert filters_label(moments) == "时段 2026-11-03 10:30:00 至 2026-11-04 10:30:00（不含）"
    assert filters_label("region=441823", lambda code: "连南瑶族自治县") == "地区 连南瑶族自治县"
    # What was typed into a refused read: dates and codes only, bounded; a long number is '#'.
    typed = typed_text(**{"from": "张三 13800138000", "to": "", "until": "2026-12-02T10:00:00+08:00" * 3})
    assert "13800138000" not in typed
    assert filters_label(typed) == "开始日期 ???# 结束日期 空 止 2026-12-02T10:00:00+08:002026-12-02T10:0"
    # A date typed with slashes reads as typed (the auditor's review, stop 50: 2026?12?01).
    assert filters_label(typed_text(**{"from": "2026/12/01"})) == "开始日期 2026/12/01"


def test_stats_reads_and_refusals_are_told_apart_on_the_audit_page(api: Api, hotline: ApiContainer) -> None:
    login(api.client, "auditor1")
    first, last = (today() - timedelta(days=29)).isoformat(), today().isoformat()
    assert api.client.get("/stats", params={"from": first, "to": last, "region": "441823"}).status_code == 200
    for params in ({"from": "abc"}, {"from": "", "to": ""}, {"from": f"{last}T10:00"},
                   {"since": f"{last}T12:00:00+08:00", "until": f"{last}T18:00:00+08:00"}):
        assert api.client.get("/stats", params=params).status_code == 422, params
    sequence(hotline)
    stats = [(e["action"], e["resource_id"]) for e in audit_entries(hotline) if e["resource_type"] == "stats"]
    assert stats[0][0] == "stats.read" and "+08:00" in stats[0][1]
    assert [a for a, _ in stats[1:]] == ["stats.refused"] * 4
    assert "from=abc" in stats[1][1] and "from=%E7%A9%BA" in stats[2][1]  # empty: 空
    assert f"until={last}T18:00:00+08:00" in stats[4][1]  # the window asked for, as typed
    page = api.client.get("/audit", params={"form": "1", "action": "stats."})  # own reads shown
    text = visible(page.text)
    assert f"统计时段{first}至{last}（含）地区连南瑶族自治县" in text and "08:00" not in text
    assert "统计查询被拒" in text and "开始日期abc" in text and "开始日期空结束日期空" in text
    assert f"时段{last}12:00:00至{last}18:00:00（不含）" in text
    assert "441823" not in text  # the region by name


def test_every_filter_in_force_is_shown_with_a_way_to_clear_it(api: Api, hotline: ApiContainer) -> None:
    login(api.client, "auditor1")
    page = api.client.get("/audit", params={"since": "2026-12-02T10:52:15", "action": "report.submit"})
    assert page.status_code == 200
    chips = page.text.split('id="active-filters"')[1].split("</div>")[0]
    assert "起 2026-12-02 10:52:15" in chips and "提交报告" in chips and 'id="clear-filters"' in chips
    assert 'id="f-since" name="since" value=""' in page.text  # the box cannot hold a time: the chip does
    since_chip = re.search(r'data-filter="since">[^<]*<a href="([^"]+)"', chips).group(1)  # type: ignore[union-attr]
    kept = parse_qs(urlparse(since_chip.replace("&amp;", "&")).query)
    assert "since" not in kept and kept["action"] == ["report.submit"] and kept["hide_own"] == ["1"]
    assert 'id="active-filters"' not in api.client.get("/audit").text  # nothing in force, nothing said


def test_own_audit_views_record_their_filters_in_chinese(api: Api, hotline: ApiContainer) -> None:
    login(api.client, "auditor1")
    api.client.get("/audit", params={"form": "1", "actor": "oper", "action": "report.submit",
                                     "since": "2026-11-01", "until": "2026-11-30"})
    sequence(hotline)
    last = audit_entries(hotline)[-1]
    assert (last["action"], last["resource_type"]) == ("audit.read", "audit")
    assert "actor=oper" in last["resource_id"] and "action=report.submit" in last["resource_id"]
    text = visible(api.client.get("/audit", params={"form": "1", "action": "audit.read"}).text)
    assert "审计日志时段2026-11-01至2026-11-30（含）操作提交报告操作人或所涉账号以“oper”开头" in text


def test_account_request_rows_say_the_change_and_its_number(api: Api, hotline: ApiContainer) -> None:
    asked = api.client.post("/v1/users/supervisor1/reset-password", headers=api.auth("admin1")).json()
    number = asked["request_id"][:8]
    assert api.client.post(f"/v1/account-requests/{asked['request_id']}/approve",
                           headers=api.auth("security1")).status_code == 200
    sequence(hotline)
    login(api.client, "auditor1")
    rows = trail_rows(api.client.get("/audit", params={"action": "account."}).text)
    request = next(r for r in rows if 'data-action="account.request"' in r[4])
    approval = next(r for r in rows if 'data-action="account.approve"' in r[4])
    assert "supervisor1" in request[5] and "重置密码" in request[5] and f"申请 {number}" in request[5]
    assert f"申请 {number}" in approval[5]


def test_the_stats_page_says_why_whole_days_and_says_it_once(api: Api) -> None:
    login(api.client, "auditor1")
    page = api.client.get("/stats")
    assert "以免从两个时间段的差推断出单份报告的内容" in page.text.split('id="auditor-days"')[1][:200]
    timed = api.client.get("/stats", params={"from": f"{today()}T10:00", "to": today().isoformat()})
    assert timed.status_code == 422 and "日期格式不正确" not in timed.text
    assert "以免从两个时间段的差推断出单份报告的内容" in timed.text.split('id="error-from"')[1][:200]
    both = api.client.get("/stats", params={"from": "abc", "to": "xyz"})
    summary = both.text.split('id="stats-errors">')[1].split("</div>")[0]
    assert summary.count("日期格式不正确") == 1
    login(api.client, "supervisor1")
    sup = api.client.get("/stats", params={"from": f"{today()}T10:00"})
    assert sup.status_code == 422 and "请只选择日期，不带具体时刻" in sup.text


def test_one_date_range_for_both_pages_and_their_pickers(api: Api) -> None:
    login(api.client, "auditor1")
    latest = (today() + timedelta(days=366)).isoformat()
    said = f"日期须在 2000-01-01 至 {latest} 之间"
    audit = api.client.get("/audit", params={"since": "1999-12-31"})
    stats = api.client.get("/stats", params={"from": "1999-12-31", "to": today().isoformat()})
    far = api.client.get("/stats", params={"from": today().isoformat(), "to": "2100-01-01"})
    for page in (audit, stats, far):
        assert page.status_code == 422 and said in page.text
    for page, field in ((api.client.get("/audit"), "f-since"), (api.client.get("/audit"), "f-until"),
                        (api.client.get("/stats"), "from"), (api.client.get("/stats"), "to")):
        tag = re.search(rf'<input type="date" id="{field}"[^>]*>', page.text).group(0)  # type: ignore[union-attr]
        assert 'min="2000-01-01"' in tag and f'max="{latest}"' in tag, field


def test_paging_links_keep_the_own_views_choice(api: Api, hotline: ApiContainer) -> None:
    for n in range(55):
        hotline.audit.record(actor="operator1", role="operator", unit=None, action="report.read",
                             resource_type="report", resource_id=f"r{n}", case_id=None, client=None)
    sequence(hotline)
    login(api.client, "auditor1")

    def links(params: dict[str, str]) -> list[dict[str, list[str]]]:
        page = api.client.get("/audit", params=params).text
        older = re.search(r'<a href="([^"]+)" id="older"', page).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
        second = api.client.get(older).text
        newest = re.search(r'<a href="([^"]+)">回到最新', second).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
        return [parse_qs(urlparse(u).query) for u in (older, newest)]

    for found in links({}):
        assert found.get("hide_own") == ["1"] and found["form"] == ["1"]
    for found in links({"form": "1"}):  # unticked: stays unticked on every page
        assert "hide_own" not in found and found["form"] == ["1"]


def test_the_banner_says_when_it_checked(api: Api, hotline: ApiContainer) -> None:
    sequence(hotline)
    login(api.client, "auditor1")
    banner = visible(api.client.get("/audit").text.split('id="chain"')[1].split("</div>")[0])
    assert re.search(r"截至\d{4}-\d{2}-\d{2}\d{2}:\d{2}（北京时间）校验的\d+条记录", banner)
    assert "之后新增的记录将在下次校验时核对" in banner


def test_the_follow_up_chart_has_value_labels(api: Api) -> None:
    login(api.client, "supervisor1")
    page = api.client.get("/stats").text
    follow = page.split("draw('c-follow'")[1].split("});")[0] if "draw('c-follow'" in page else ""
    assert "label: {show: true" in follow or 'id="c-follow-empty"' in page
    template = open("services/api/templates/stats.html", encoding="utf-8").read()
    assert "label: {show: true, position: 'top'}" in template.split("draw('c-follow'")[1].split("});")[0]
