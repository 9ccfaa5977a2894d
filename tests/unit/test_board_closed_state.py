"""A case whose every referral its units closed (办结) is not a closed case (结案): the board says
转介已办结 and offers 改派 and 结案, not 已结案 and 重新交办 (the operator's review, stop 54: the
board said 已结案 and offered 重新交办 for a case no supervisor had closed, whose 随访 still ran)."""

from __future__ import annotations

from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.unit.test_board_page import visible
from tests.unit.test_board_review import case_row
from tests.unit.test_desk import post, red_case
from tests.unit.test_followups import close_referrals
from tests.unit.test_pages import login


def test_every_referral_closed_is_not_a_closed_case(api: Api, runner: EmbeddedRunner) -> None:
    case = red_case(api, runner)
    close_referrals(api, case)
    runner.pump()
    login(api.client, "supervisor1")
    row = case_row(api.client.get("/board").text, case["case_id"])
    assert "转介已办结" in visible(row) and "已结案" not in visible(row)
    assert "/ 改派 / 结案" in row and "重新交办" not in row
    assert f'/board/cases/{case["case_id"]}/close' in row
    closed = post(api, "supervisor1", f"/v1/cases/{case['case_id']}/closure", {"reason": "处置完毕"})
    assert closed.status_code == 202, closed.text
    runner.pump()
    row = case_row(api.client.get("/board?show=closed").text, case["case_id"])
    assert "已结案" in visible(row) and "重新交办" in row and "/ 改派 / 结案" not in row
