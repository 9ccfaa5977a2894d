"""A case sent back (重办) before its callback was made: that call is withdrawn, listed and counted
nowhere, refused with its reason if an open console saves it, and the supervisor's record says
why; the next closure opens the call that counts (stop 55's county supervisor saw both listed)."""

from __future__ import annotations

import pytest

from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from services.intake.callback import CallbackDone
from tests.conftest import Api
from tests.unit.test_board_page import visible
from tests.unit.test_board_review import case_row
from tests.unit.test_callbacks import NOW, a_callback, closed_case
from tests.unit.test_desk import post
from tests.unit.test_pages import login

POLICE = "police-441823"


def test_a_call_not_made_is_withdrawn_once_and_a_call_made_stays() -> None:
    made, not_made = a_callback(), a_callback()
    made.record(reached=True, satisfaction="satisfied", sealed_note=None, by="operator1", at=NOW)
    made.supersede(at=NOW)
    assert made.status == "done" and made.satisfaction == "satisfied"
    not_made.supersede(at=NOW)
    not_made.supersede(at=NOW)  # delivered again: one event
    assert not_made.status == "superseded" and len(not_made.pending_events) == 2
    # The operator was on the phone as the case was sent back: the result saved then counts (stop
    # 56's county supervisor saw the caller's words refused).
    not_made.record(reached=True, satisfaction="dissatisfied", sealed_note=None, by="operator1", at=NOW)
    assert not_made.status == "done" and not_made.satisfaction == "dissatisfied"
    with pytest.raises(CallbackDone):
        not_made.record(reached=False, satisfaction=None, sealed_note=None, by="operator1", at=NOW)


def due(api: Api) -> list[dict]:  # type: ignore[type-arg]
    r = api.client.get("/v1/callbacks?status=due", headers=api.auth("operator1"))
    assert r.status_code == 200, r.text
    return list(r.json())


def callback_stats(api: Api) -> dict:  # type: ignore[type-arg]
    return dict(api.client.get("/v1/stats", headers=api.auth("supervisor1")).json()["callbacks"])


def test_a_callback_not_made_before_rework_is_withdrawn_and_the_next_closure_counts(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    case = closed_case(api, runner)
    case_id = case["case_id"]
    (first,) = due(api)
    assert callback_stats(api)["due"] == 1

    sent = post(api, "supervisor1", f"/v1/cases/{case_id}/referrals",
                {"agency_id": POLICE, "reason": "处置不彻底，请再次核实"})
    assert sent.status_code == 201 and sent.json()["rework"], sent.text
    runner.pump()
    assert due(api) == []  # withdrawn: not a call to make
    figures = callback_stats(api)
    assert figures["due"] == 0 and figures["done"] == 0, figures
    assert hotline.callbacks.get_callback(first["callback_id"]).status == "superseded"
    assert api.client.get("/v1/callbacks?status=done", headers=api.auth("operator1")).json() == []
    # Said where the supervisor looks: the case's panel and /callbacks (stop 56's county supervisor
    # found it only by typing the record's address).
    login(api.client, "supervisor1")
    row = visible(case_row(api.client.get("/board").text, case_id))
    assert f"受理编号{first['receipt_no']}：" in row and "这次回访尚未登记结果，已作废" in row, row
    assert f"回访（受理编号{first['receipt_no']}）：尚未登记结果，随重新交办作废（系统）" in row, row
    listed = visible(api.client.get("/callbacks").text)
    assert "已作废（1）" in listed and "待回访（0）" in listed, listed

    referral_id = sent.json()["referral_id"]
    assert post(api, "police-desk", f"/v1/referrals/{referral_id}/acknowledge").status_code == 200
    assert post(api, "police-desk", f"/v1/referrals/{referral_id}/outcome",
                {"outcome": "再次核实，已处置", "note": ""}).status_code == 200
    closed = post(api, "supervisor1", f"/v1/cases/{case_id}/closure", {"reason": "再次处置完毕"})
    assert closed.status_code == 202
    runner.pump()
    (second,) = due(api)  # one call for the report, not two
    assert second["receipt_no"] == first["receipt_no"] and second["callback_id"] != first["callback_id"]
    assert callback_stats(api)["due"] == 1

    login(api.client, "supervisor1")
    record = visible(api.client.get(f"/board/callbacks/{case_id}").text)
    assert f"受理编号{first['receipt_no']}：" in record
    assert "案件重新交办（重办），这次回访尚未登记结果，已作废（以再次结案后的回访为准" in record
    assert record.count("尚未回访") == 1, record
    made = post(api, "operator1", f"/v1/callbacks/{second['callback_id']}", {"reached": False})
    assert made.status_code == 200, made.text
    # The first round's operator, on the phone all along, saves what the caller said: kept and
    # counted as a call made, no longer listed as withdrawn.
    late = post(api, "operator1", f"/v1/callbacks/{first['callback_id']}",
                {"reached": True, "satisfaction": "dissatisfied", "note": "孩子父亲回家后又打了孩子"})
    assert late.status_code == 200, late.text
    assert callback_stats(api)["done"] == 2
    listed = visible(api.client.get("/callbacks").text)
    assert "已作废" not in listed and "已回访（2）" in listed, listed
