"""The board's tab title counts the referrals past their time still not taken on, so a board left
in a background tab says it (stop 53's left list), and the refreshed part carries the count."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from services.api.web import late_by
from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.helpers import report_body
from tests.unit.test_pages import login
from tests.unit.test_raised_referrals import yellow_case


def title(html: str) -> str:
    return re.search(r"<title>([^<]*)</title>", html).group(1)  # type: ignore[union-attr]


def test_the_tab_title_counts_overdue_referrals(api: Api, runner: EmbeddedRunner,
                                                hotline: ApiContainer) -> None:
    case = yellow_case(api, runner, "title-overdue")
    login(api.client, "supervisor1")
    assert title(api.client.get("/board").text) == "案件督办看板"
    assert 'id="overdue-count" data-n="0"' in api.client.get("/board/cases").text
    for r in case["referrals"]:
        due = datetime.fromisoformat(r["due_at"]) + timedelta(seconds=1)
        assert hotline.dispatch.escalate_if_due(r["referral_id"], now=due)
    runner.pump()
    assert title(api.client.get("/board").text) == "【2个转介超时未接收】案件督办看板"
    assert 'id="overdue-count" data-n="2"' in api.client.get("/board/cases").text
    taken = [r for r in case["referrals"] if r["agency_id"] == "civil-441823"][0]
    login(api.client, "civil-desk", "/desk")
    page = api.client.get(f"/desk/referrals/{taken['referral_id']}")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    ack = api.client.post(f"/desk/referrals/{taken['referral_id']}/acknowledge", data={"csrf": csrf},
                          follow_redirects=False)
    assert ack.status_code == 303, ack.text
    runner.pump()
    login(api.client, "supervisor1")
    assert title(api.client.get("/board").text) == "【1个转介超时未接收】案件督办看板"


def test_the_tab_title_counts_cases_no_unit_covers(api: Api, runner: EmbeddedRunner) -> None:
    """Stop 55's county supervisor: a red case no unit covers (a place outside the directory) said
    "未知县区" and left the title as it was."""
    outside = report_body(location={"region_code": "441825", "address": "某村"})
    assert api.submit(outside, key="title-gap").status_code == 201
    runner.pump()
    login(api.client, "supervisor1")
    board = api.client.get("/board").text
    assert title(board) == "【1个案件无接收单位】案件督办看板"
    assert 'data-unrouted="1"' in api.client.get("/board/cases").text
    assert "清远市名录外地区（441825）" in board and "未知县区" not in board


def test_a_place_outside_the_directory_has_one_name_on_every_page(hotline: ApiContainer) -> None:
    """Stop 55's county supervisor read four names for one such place: one wording now."""
    directory = hotline.directory
    assert directory.county_label("441823100201") == "连南瑶族自治县"
    assert directory.county_label("441825") == "清远市名录外地区（441825）"
    assert directory.county_label("441825100") == "清远市名录外地区（441825）"
    assert directory.county_label("") == "未填写地区"
    assert directory.county_label("530102") == "名录外地区（530102）"  # no wider area known either
    # The board's row names the town too (stop 56's county supervisor: only the county).
    assert directory.place_label("441823100201") == "连南瑶族自治县 三江镇"
    assert directory.place_label("441825100") == "清远市名录外地区（441825）"


def test_how_late_a_referral_is_is_said_in_days_hours_and_minutes() -> None:
    """Stop 58's city supervisor: the board said 仍未接收 and not by how long, to rank who is latest."""
    now = datetime.now(UTC)
    assert late_by((now - timedelta(minutes=12, seconds=5)).isoformat()) == "12分钟"
    assert late_by((now - timedelta(hours=2, minutes=5, seconds=5)).isoformat()) == "2小时5分"
    assert late_by((now - timedelta(days=3, hours=4, seconds=5)).isoformat()) == "3天4小时"
    assert late_by((now + timedelta(minutes=5)).isoformat()) == "" and late_by(None) == ""
