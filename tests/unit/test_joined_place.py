"""A report that joins a case from another place refers the units serving that place too (§3
routes by the report's region code; the police desk's review, stop 56: "a move into 三江镇
doesn't name the local station"): once per unit, the units both places share not twice, a report
only naming the case's county adds none, and a place outside the directory opens no gap."""

from __future__ import annotations

from typing import Any

from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.helpers import report_body
from tests.unit.test_board_page import csrf, visible
from tests.unit.test_desk import red_case, referral_of
from tests.unit.test_pages import login

SANJIANG = "441823100"  # 三江镇: its own police station (police-441823100)


def report_at(api: Api, runner: EmbeddedRunner, key: str, region_code: str, **changes: Any) -> None:
    """The same child reported again, placed at `region_code` (it joins the case)."""
    body = report_body(location={"region_code": region_code, "address": "镇上"}, **changes)
    assert api.submit(body, key=key).status_code == 201
    runner.pump()


def units(api: Api, case_id: str) -> list[str]:
    case = api.client.get(f"/v1/cases/{case_id}", headers=api.auth("supervisor1")).json()
    return sorted(r["agency_id"] for r in case["referrals"])


def test_a_report_from_another_town_refers_that_towns_unit_once(api: Api, runner: EmbeddedRunner) -> None:
    case = red_case(api, runner, "place-1")
    assert units(api, case["case_id"]) == ["hospital-441823", "police-441823"]
    report_at(api, runner, "place-2", SANJIANG, narrative="父亲带着孩子去了三江镇")
    # The town's station is referred; the county's hospital serves both places and stays one.
    assert units(api, case["case_id"]) == ["hospital-441823", "police-441823", "police-441823100"]
    inbox = api.client.get("/v1/desk/referrals", headers=api.auth("police-sanjiang")).json()
    sanjiang = [r for r in inbox if r["case_id"] == case["case_id"]]
    assert [(r["status"], r["risk_level"]) for r in sanjiang] == [("dispatched", "red")], sanjiang
    report_at(api, runner, "place-3", SANJIANG, narrative="孩子还在三江镇")  # told, not referred again
    assert units(api, case["case_id"]) == ["hospital-441823", "police-441823", "police-441823100"]
    # The county police's page names the town's station among the case's other units, once.
    login(api.client, "police-desk", "/desk")
    others = visible(api.client.get(f"/desk/referrals/{referral_of(case, 'police')}").text)
    assert others.count("连南瑶族自治县公安局三江派出所：待接收") == 1, others
    # The board's row says where the child is now (stop 57's county supervisor: it kept the first
    # place), and 改派 to 三江镇's own office is not said to be outside the case.
    login(api.client, "supervisor1")
    board = api.client.get("/board").text
    row = visible(board.split(f'id="case-{case["case_id"]}"')[1].split("</tr>")[0])
    assert "县区：连南瑶族自治县三江镇（最新报告所说；立案时：连南瑶族自治县）" in row, row
    # ...and its timeline says why the town's station has it (the second round: no reason given).
    assert "转介：连南瑶族自治县公安局三江派出所（按新报告所在地）（分派系统）" in row, row
    assert "转介：连南瑶族自治县公安局（分派系统）" in row, row
    sent = api.client.post(f"/board/cases/{case['case_id']}/refer", data={
        "csrf": csrf(board), "agency_id": "civil-441823100", "reason": "孩子在三江镇，请儿童督导员跟进"})
    assert sent.status_code == 200 and "不负责本案所在" not in visible(sent.text), visible(sent.text)[:400]
    assert "已将案件" in visible(sent.text)


def test_a_report_naming_only_the_county_or_a_place_outside_adds_no_unit(
        api: Api, runner: EmbeddedRunner) -> None:
    first = api.submit(report_body(location={"region_code": SANJIANG, "address": "三江镇某村"}), key="town-1")
    assert first.status_code == 201
    runner.pump()
    case_id = api.client.get(f"/v1/reports/{first.json()['report_id']}",
                             headers=api.auth("operator1")).json()["case_id"]
    assert units(api, case_id) == ["hospital-441823", "police-441823100"]
    report_at(api, runner, "town-2", "441823")  # less precise than the case: the same area
    report_at(api, runner, "town-3", "440103")  # outside the directory: no unit there, no gap
    assert units(api, case_id) == ["hospital-441823", "police-441823100"]
    case = api.client.get(f"/v1/cases/{case_id}", headers=api.auth("supervisor1")).json()
    assert len(case["report_ids"]) == 3, case
    assert "routing_gap" not in [t["type"] for t in case["timeline"]], case["timeline"]
