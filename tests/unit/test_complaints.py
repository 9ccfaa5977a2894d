"""A caller's complaint or pressing for action (投诉、催办: "nobody came") puts the case up for the
supervisor's review, said on the board and on the case's timeline, until a supervisor reviews it
(stop 59's operator: filed as a plain 补充, it showed nowhere on the board)."""

from __future__ import annotations

from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.unit.test_board_page import visible
from tests.unit.test_board_review import case_row
from tests.unit.test_desk import post, red_case
from tests.unit.test_pages import login


def board_row(api: Api, case_id: str) -> str:
    login(api.client, "supervisor1")
    return visible(case_row(api.client.get(f"/board?case={case_id}").text, case_id))


def test_a_complaint_by_receipt_puts_the_case_up_for_review_until_a_supervisor_looks(
        api: Api, runner: EmbeddedRunner) -> None:
    case = red_case(api, runner)
    report = case["report"]
    pair = {"receipt_no": report["receipt_no"], "lookup_code": report["lookup_code"]}
    plain = api.client.post("/v1/receipts/supplements", headers=api.auth("operator1"),
                            json={**pair, "narrative": "孩子今天还在哭"})
    assert plain.status_code == 202
    runner.pump()
    assert "来电人投诉或催办" not in board_row(api, case["case_id"])
    said = api.client.post("/v1/receipts/supplements", headers=api.auth("operator1"),
                           json={**pair, "narrative": "来电人说三天了没有人上门", "complaint": True})
    assert said.status_code == 202, said.text
    runner.pump()
    row = board_row(api, case["case_id"])
    assert "来电人投诉或催办" in row and "补充情况（来电人投诉或催办）" in row
    detail = api.client.get(f"/v1/cases/{case['case_id']}", headers=api.auth("supervisor1")).json()
    assert detail["needs_review"] is True
    supplements = [t for t in detail["timeline"] if t["type"] == "case_supplement"]
    assert [t.get("complaint", False) for t in supplements] == [False, True]
    reviewed = post(api, "supervisor1", f"/v1/cases/{case['case_id']}/review",
                    {"note": "已电话督促派出所上门"})
    assert reviewed.status_code in (200, 202), reviewed.text
    runner.pump()
    after = api.client.get(f"/v1/cases/{case['case_id']}", headers=api.auth("supervisor1")).json()
    assert after["needs_review"] is False


def test_a_complaint_is_a_flag_of_the_api_too(api: Api, runner: EmbeddedRunner) -> None:
    case = red_case(api, runner, key="red-2")
    r = api.client.post(f"/v1/reports/{case['report']['report_id']}/supplements",
                        headers=api.auth("operator1"),
                        json={"narrative": "还是没有人来", "complaint": "maybe"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "complaint"]
