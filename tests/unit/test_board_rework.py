"""重办 on /board as the server answers: a closed case with a dissatisfied callback offers 重新交办
(the unit that handled it preselected); a blank reason is said by its field; done, the banner
says the flag was reviewed by it, the case is open again and the timeline says 重新交办给X：原因."""

from __future__ import annotations

import re

import pytest

from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.helpers import on_call_everywhere
from tests.unit.test_board_callbacks import row_of, unhappy
from tests.unit.test_board_page import csrf, visible
from tests.unit.test_pages import login

POLICE = "police-441823"


def test_a_closed_dissatisfied_case_is_sent_back_from_the_board(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    on_call_everywhere(hotline)  # so the only flag is the reporter's
    case_id, _ = unhappy(api, runner)
    login(api.client, "supervisor1")
    page = api.client.get("/board").text
    row = row_of(page, case_id)
    assert f'action="/board/cases/{case_id}/rework"' in row and "改派</button>" not in row
    handled = re.search(r'<select id="agency-[^"]+" name="agency_id">.*?</select>', row, re.S)
    assert handled is not None and len(re.findall(r"<option [^>]*selected", handled.group(0))) == 1

    blank = api.client.post(f"/board/cases/{case_id}/rework",
                            data={"csrf": csrf(page), "agency_id": POLICE, "reason": " "})
    assert blank.status_code == 422
    assert f'<p class="error" id="rework-reason-{case_id}-err">' in blank.text
    assert "请填写重新交办原因。" in visible(blank.text)

    done = api.client.post(f"/board/cases/{case_id}/rework",
                           data={"csrf": csrf(page), "agency_id": POLICE, "reason": "孩子仍被打"})
    said = visible(done.text)
    assert "重新交办给连南瑶族自治县公安局，该单位将在收件箱中看到此案件" in said
    assert "“回访不满意”已由此次重新交办复核，看板上的该提示已清除" in said
    row = visible(row_of(done.text, case_id))  # before the view caught up
    assert "待复核" not in row and "已结案" not in row and "重新交办给连南瑶族自治县公安局：孩子仍被打" in row
    runner.pump()
    row = visible(row_of(api.client.get("/board").text, case_id))
    assert "待复核" not in row and "已结案" not in row
    assert "重新交办给连南瑶族自治县公安局：孩子仍被打，回访不满意已复核（督办人员supervisor1）" in row
    assert row.count("重新交办给") == 1
    assert "原因：孩子仍被打" not in row  # the round's referral is not a second line (stop 55)
    # The unit's two rounds told apart on the referral lines (stop 55's county supervisor).
    assert "连南瑶族自治县公安局（第1次转介）：已办结" in row, row
    assert "连南瑶族自治县公安局（第2次转介：重新交办）：待接收" in row, row
    listed = visible(api.client.get("/callbacks").text)  # the same rule: reviewed by 重办
    assert "结果：已联系上，不满意，已复核（" in listed

    again = api.client.post(f"/board/cases/{case_id}/rework",
                            data={"csrf": csrf(page), "agency_id": POLICE, "reason": "孩子仍被打"})
    assert again.status_code == 200 and "重新交办给连南瑶族自治县公安局" in visible(again.text)  # a retry
    runner.pump()
    inbox = api.client.get("/v1/desk/referrals", headers=api.auth("police-desk")).json()
    assert len([r for r in inbox if r["case_id"] == case_id]) == 2  # the first round and this one


def test_the_board_reads_each_plan_once_for_its_reasons(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer, monkeypatch: pytest.MonkeyPatch) -> None:
    """A case closed and sent back holds a 结案 line and a 重办 line, both with reasons in its plan:
    one read of the plan serves both (stop 55 left two, on every 5-second refresh)."""
    on_call_everywhere(hotline)
    case_id, _ = unhappy(api, runner)
    login(api.client, "supervisor1")
    page = api.client.get("/board").text
    api.client.post(f"/board/cases/{case_id}/rework",
                    data={"csrf": csrf(page), "agency_id": POLICE, "reason": "孩子仍被打"})
    runner.pump()
    reads: list[str] = []
    plan = hotline.dispatch.followup_plan

    def counted(case: str) -> object:
        reads.append(case)
        return plan(case)

    monkeypatch.setattr(hotline.dispatch, "followup_plan", counted)
    row = visible(row_of(api.client.get("/board").text, case_id))
    assert "结案，原因：处置完毕" in row and "重新交办给连南瑶族自治县公安局：孩子仍被打" in row, row
    assert reads.count(case_id) == 1, reads
