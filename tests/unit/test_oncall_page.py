"""The supervisors' /oncall page: units by name, and who keeps the rosters (the system
administrator, on the admin page) in Chinese, with no API call or command to run."""

from __future__ import annotations

import re

from services.bootstrap import ApiContainer
from services.notify.application import SupervisorHook
from tests.conftest import Api
from tests.unit.test_board_page import visible
from tests.unit.test_pages import login


def test_the_oncall_page_names_units_and_sends_staff_to_the_administrator(api: Api) -> None:
    login(api.client, "supervisor1")
    page = api.client.get("/oncall")
    text = visible(page.text)
    assert page.status_code == 200 and "连南瑶族自治县公安局" in text
    assert "值班表由系统管理员" in text
    # The order it gives is the page's (stop 53's review: a failing unit came first, unexplained).
    assert ("每个县区内，此刻无人值守的单位（标红）和值班人员的通知地址连续发送失败的单位（标橙）"
            "排在最前") in text
    assert "单位值班电话：0763-6622110" in text  # each unit's own line (directory v6)
    for code in ("PUT", "/v1/", "hotline", "police-441823", "oncall"):
        assert code not in text, code
    assert not re.search(r"[A-Za-z]{3,}", text.replace("supervisor1", ""))


def counties_of(html: str) -> list[tuple[str, list[str]]]:
    """Each county's heading on /oncall and its units' ids, in the page's order."""
    groups = []
    for body in html.split('<tbody class="county"')[1:]:
        body = body.split("</tbody>")[0]
        name = visible(body.split('<tr class="county-h">')[1].split("</tr>")[0])
        groups.append((name, re.findall(r'data-agency="([^"]+)"', body)))
    return groups


def test_oncall_lists_each_county_apart_and_a_county_supervisor_only_their_own(api: Api) -> None:
    """Stop 53's review: "/oncall is not grouped by county"; a county's supervisor is shown the
    units (and their staff's names and phones) of their own county only."""
    login(api.client, "supervisor1")
    groups = counties_of(api.client.get("/oncall").text)
    assert [name for name, _ in groups] == ["清城区", "连南瑶族自治县"]  # by code: nobody is on duty anywhere
    for name, units in groups:
        code = "441802" if name == "清城区" else "441823"
        assert units and all(u.split("-")[1].startswith(code) for u in units), (name, units)
    assert "police-441823100" in dict(groups)["连南瑶族自治县"]  # the town's station with its county
    login(api.client, "supervisor-qingcheng", home="/board")
    page = api.client.get("/oncall").text
    shown = re.findall(r'data-agency="([^"]+)"', page)
    assert shown and all(u.endswith("-441802") for u in shown), shown
    assert '<tr class="county-h">' not in page  # one county: no heading
    assert "本辖区各单位" in visible(page)


def test_oncall_says_whether_supervisors_are_pushed_an_overdue_referral(api: Api,
                                                                       hotline: ApiContainer) -> None:
    """Stop 53's review: the record page was "the only place where a supervisor learns that no
    deadline alert is sent to supervisors"."""
    login(api.client, "supervisor1")
    hotline.notify.supervisors = None
    said = visible(api.client.get("/oncall").text)
    assert "超时未接收的转介不会另外推送给督办人员（系统未设置督办通知地址）" in said
    hotline.notify.supervisors = SupervisorHook("https://hook.example.invalid/supervisors", "s" * 24)
    said = visible(api.client.get("/oncall").text)
    assert "超时未接收的转介会另外通知督办人员" in said and "不会另外推送" not in said
