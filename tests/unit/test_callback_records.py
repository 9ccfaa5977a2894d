"""Recording a callback (回访, contract §13) as the console does it: a double click answers one 200
and one 409 (never 500), 不满意 needs its reason, the operator's own done list with each row's
concerns and outcome, the caller's name beside the number, and a case's results for the board."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.bootstrap import ApiContainer
from services.common.auditnote import AuditLog, Principal
from services.common.embedded import EmbeddedRunner
from services.common.errors import NotFound
from services.oversight.callbacks import callback_review
from tests.conftest import Api
from tests.helpers import PII_VALUES, audit_entries, report_body
from tests.unit.test_callbacks import closed_case
from tests.unit.test_desk import post


def due_one(api: Api, runner: EmbeddedRunner) -> tuple[dict[str, Any], dict[str, Any]]:
    case = closed_case(api, runner)
    (due,) = api.client.get("/v1/callbacks?status=due", headers=api.auth("operator1")).json()
    return case, due


def test_a_double_click_answers_one_200_and_one_409(api: Api, runner: EmbeddedRunner,
                                                    hotline: ApiContainer,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _, due = due_one(api, runner)
    # Both requests have read the callback as due before either saves: the race of a double click.
    both_loaded = threading.Barrier(2, timeout=5)
    save = hotline.callbacks.save

    def save_after_both(*args: Any, **kwargs: Any) -> Any:
        both_loaded.wait()
        return save(*args, **kwargs)

    monkeypatch.setattr(hotline.callbacks, "save", save_after_both)
    path = f"/v1/callbacks/{due['callback_id']}"
    body = {"reached": True, "satisfaction": "satisfied"}
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda _: post(api, "operator1", path, body), range(2)))
    assert sorted(r.status_code for r in answers) == [200, 409], [r.text for r in answers]
    assert "已记录" in next(r for r in answers if r.status_code == 409).json()["detail"]
    assert hotline.callbacks.get_callback(due["callback_id"]).version == 2  # one result stored


@pytest.mark.parametrize("note", [None, "", "   "])
def test_dissatisfied_needs_a_reason(api: Api, runner: EmbeddedRunner, hotline: ApiContainer,
                                     note: str | None) -> None:
    _, due = due_one(api, runner)
    body: dict[str, Any] = {"reached": True, "satisfaction": "dissatisfied"}
    if note is not None:
        body["note"] = note
    refused = post(api, "operator1", f"/v1/callbacks/{due['callback_id']}", body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"][0]["loc"][-1] == "note"
    assert "不满意时请写明原因" in refused.text
    assert hotline.callbacks.get_callback(due["callback_id"]).status == "due"  # nothing stored
    with pytest.raises(Exception, match="note"):
        hotline.callbacks.record(due["callback_id"], reached=True, satisfaction="dissatisfied",
                                 note=" ", by="operator1")


def test_rows_carry_the_concerns_and_the_units_outcome(api: Api, runner: EmbeddedRunner) -> None:
    case, due = due_one(api, runner)
    assert due["concerns"] == report_body()["concerns"] and due["case_id"] == case["case_id"]
    assert sorted(o["agency_kind"] for o in due["outcomes"]) == ["hospital", "police"]
    assert {o["outcome"] for o in due["outcomes"]} == {"已处置"}
    assert PII_VALUES[1] not in str(due) and PII_VALUES[2] not in str(due)


def test_the_operators_own_done_list_newest_first(api: Api, runner: EmbeddedRunner,
                                                  hotline: ApiContainer) -> None:
    case, due = due_one(api, runner)
    path = f"/v1/callbacks/{due['callback_id']}"
    mine = "/v1/callbacks?status=done&mine=1"
    assert api.client.get(mine, headers=api.auth("operator1")).json() == []
    before = datetime.now(UTC)
    assert post(api, "operator1", path, {"reached": True, "satisfaction": "dissatisfied",
                                         "note": "说没人联系过她"}).status_code == 200
    (row,) = api.client.get(mine, headers=api.auth("operator1")).json()
    assert row["callback_id"] == due["callback_id"] and row["status"] == "done"
    assert row["reached"] is True and row["satisfaction"] == "dissatisfied"
    assert row["recorded_by"] == "operator1" and datetime.fromisoformat(row["recorded_at"]) >= before
    assert row["concerns"] == report_body()["concerns"] and row["outcomes"]
    assert "说没人联系过她" not in str(row)  # the note is not on the list
    # A supervisor recorded none; a window that starts after it finds none; bounded windows.
    assert api.client.get(mine, headers=api.auth("supervisor1")).json() == []
    later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    asked = {"status": "done", "mine": "1"}
    assert api.client.get("/v1/callbacks", params={**asked, "since": later},
                          headers=api.auth("operator1")).json() == []
    for since in ("2020-01-01T00:00:00+08:00", "2026-12-01T00:00:00"):
        refused = api.client.get("/v1/callbacks", params={**asked, "since": since},
                                 headers=api.auth("operator1"))
        assert refused.status_code == 422 and "since" in refused.text, since
    assert api.client.get("/v1/callbacks?mine=1&status=due",
                          headers=api.auth("operator1")).status_code == 422
    assert api.client.get("/v1/callbacks", params={"status": "done", "since": later},
                          headers=api.auth("operator1")).status_code == 422  # since: with mine only


def test_contact_gives_the_name_beside_the_number_audited(api: Api, runner: EmbeddedRunner,
                                                          hotline: ApiContainer) -> None:
    _, due = due_one(api, runner)
    opened = post(api, "operator1", f"/v1/callbacks/{due['callback_id']}/contact").json()
    assert opened["phone"] == PII_VALUES[1] and opened["name"] == PII_VALUES[2]
    assert [e["action"] for e in audit_entries(hotline)].count("callback.contact") == 1


def test_the_boards_review_opens_the_note_in_region_audited(api: Api, runner: EmbeddedRunner,
                                                             hotline: ApiContainer) -> None:
    case, due = due_one(api, runner)
    boss = Principal("supervisor-qingyuan", "supervisor", region="4418")
    audit = AuditLog(hotline.audit, None)
    assert callback_review(hotline, boss, audit, case["case_id"]) == [{
        "callback_id": due["callback_id"], "receipt_no": due["receipt_no"], "due_at": due["due_at"],
        "status": "due", "reached": None, "satisfaction": None, "recorded_at": None,
        "recorded_by": None, "note": None}]
    post(api, "operator1", f"/v1/callbacks/{due['callback_id']}",
         {"reached": True, "satisfaction": "dissatisfied", "note": "说没人联系过她"})
    (result,) = callback_review(hotline, boss, audit, case["case_id"])
    assert result["satisfaction"] == "dissatisfied" and result["note"] == "说没人联系过她"
    assert result["recorded_by"] == "operator1" and result["reached"] is True
    reads = [e for e in audit_entries(hotline) if e["action"] == "callback.read"]
    assert len(reads) == 1 and reads[0]["case_id"] == case["case_id"]  # the read that opened a note
    outside = Principal("supervisor-qingcheng", "supervisor", region="441802")
    with pytest.raises(NotFound):
        callback_review(hotline, outside, audit, case["case_id"])
