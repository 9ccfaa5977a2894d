"""The supervisors' /oncall page: units by name, and who keeps the rosters (the system
administrator, on the admin page) in Chinese, with no API call or command to run."""

from __future__ import annotations

import re

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
    assert "此刻无人值守、或值班人员的通知地址连续发送失败的单位排在最前（标红）" in text
    assert "单位值班电话：0763-6622110" in text  # each unit's own line (directory v6)
    for code in ("PUT", "/v1/", "hotline", "police-441823", "oncall"):
        assert code not in text, code
    assert not re.search(r"[A-Za-z]{3,}", text.replace("supervisor1", ""))
