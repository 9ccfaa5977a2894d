"""Callbacks (回访, contract §13): the aggregate alone, the policy that opens them as a case closes,
the API (roles, 409, 422, a supervisor's region) and a dissatisfied reporter on the board."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from eventsourcing.persistence import Tracking
from openpyxl import load_workbook

from services.bootstrap import ApiContainer, process_handler
from services.common.auditnote import Principal
from services.common.embedded import EmbeddedRunner
from services.common.errors import FieldError
from services.common.messages import CASE_OPENED, CASE_UPDATED, FOLLOWUP_CLOSED, FOLLOWUP_REOPENED, Message
from services.common.settings import Settings
from services.common.vocabulary import BEIJING
from services.deploy.systemd import shared_environment
from services.intake.callback import Callback, CallbackDone
from services.oversight.board import flagged_cases
from services.oversight.callback_figures import callback_figures
from tests.conftest import Api
from tests.helpers import PII_VALUES, audit_entries, report_body
from tests.unit.test_board_page import visible
from tests.unit.test_desk import post, red_case
from tests.unit.test_followups import close_referrals
from tests.unit.test_pages import login

NOW = datetime(2026, 12, 1, 8, tzinfo=UTC)


def a_callback() -> Callback:
    return Callback(id=uuid4(), report_id=str(uuid4()), case_id=str(uuid4()), receipt_no="20261201-X",
                    region_code="441823", opened_at=NOW, due_at=NOW + timedelta(days=3))


def test_a_callback_is_recorded_once() -> None:
    callback = a_callback()
    callback.record(reached=True, satisfaction="satisfied", sealed_note=None, by="operator1", at=NOW)
    assert callback.status == "done" and callback.reached and callback.satisfaction == "satisfied"
    with pytest.raises(CallbackDone):
        callback.record(reached=False, satisfaction=None, sealed_note=None, by="operator1", at=NOW)
    assert callback.reached is True  # unchanged


def test_a_satisfaction_needs_the_reporter_reached_and_one_of_three() -> None:
    callback = a_callback()
    with pytest.raises(FieldError) as refused:
        callback.record(reached=False, satisfaction="dissatisfied", sealed_note=None, by="o", at=NOW)
    assert refused.value.field == "satisfaction"
    with pytest.raises(FieldError):
        callback.record(reached=True, satisfaction="happy", sealed_note=None, by="o", at=NOW)
    assert callback.status == "due" and not callback.pending_events[1:]
    callback.record(reached=False, satisfaction=None, sealed_note=None, by="o", at=NOW)
    assert callback.status == "done" and callback.reached is False


def closed_case(api: Api, runner: EmbeddedRunner) -> dict:  # type: ignore[type-arg]
    """A red case with a second, anonymous report about the same child, closed."""
    case = red_case(api, runner)
    anonymous = report_body(reporter={"relation": "neighbour", "anonymous": True})
    assert api.submit(anonymous, key="anon").status_code == 201
    runner.pump()
    close_referrals(api, case)
    r = post(api, "supervisor1", f"/v1/cases/{case['case_id']}/closure", {"reason": "处置完毕"})
    assert r.status_code == 202, r.text
    runner.pump()
    return case


def test_a_closed_case_opens_one_callback_per_reachable_reporter_once(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    case = closed_case(api, runner)
    (row,) = hotline.callbacks.book.read()  # the anonymous report got none
    assert row.receipt_no == case["report"]["receipt_no"] and row.status == "due"
    assert row.due_at - row.opened_at == timedelta(days=hotline.settings.callback_days)
    # The closure delivered again (a relay's republish): still one.
    again = Message(id="dispatch/x/9", source="/hotline/dispatch", type=FOLLOWUP_CLOSED,
                    time=datetime.now(UTC), key=case["case_id"],
                    data={"case_id": case["case_id"], "at": datetime.now(UTC).isoformat(), "by": "s"})
    process_handler(hotline.callbacks)(again, Tracking("hotline.referrals.v1:0", 10_000))
    assert [r.callback_id for r in hotline.callbacks.book.read()] == [row.callback_id]


def test_callbacks_through_the_api(api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    closed_case(api, runner)
    (due,) = api.client.get("/v1/callbacks?status=due", headers=api.auth("operator1")).json()
    assert set(due) == {"callback_id", "receipt_no", "due_at", "status", "case_id", "concerns", "outcomes"}
    path = f"/v1/callbacks/{due['callback_id']}"
    # Roles and the supervisors' regions.
    assert api.client.get("/v1/callbacks", headers=api.auth("police-desk")).status_code == 403
    assert len(api.client.get("/v1/callbacks", headers=api.auth("supervisor-qingyuan")).json()) == 1
    assert api.client.get("/v1/callbacks", headers=api.auth("supervisor-qingcheng")).json() == []
    assert api.client.get("/v1/callbacks?status=x", headers=api.auth("operator1")).status_code == 422
    assert post(api, "supervisor1", path, {"reached": True}).status_code == 403
    # The phone only on request, audited; the list never carries it.
    assert PII_VALUES[1] not in api.client.get("/v1/callbacks", headers=api.auth("operator1")).text
    opened = post(api, "operator1", f"{path}/contact")
    assert opened.status_code == 200 and opened.json()["phone"] == PII_VALUES[1]
    assert any(e["action"] == "callback.contact" for e in audit_entries(hotline))
    # 422 naming the field, nothing stored; then once; again 409.
    refused = post(api, "operator1", path, {"reached": False, "satisfaction": "satisfied"})
    assert refused.status_code == 422 and "satisfaction" in refused.text
    assert post(api, "operator1", path, {"reached": True, "satisfaction": "ok"}).status_code == 422
    done = post(api, "operator1", path, {"reached": True, "satisfaction": "dissatisfied",
                                         "note": "李女士说没人联系过她"})
    assert done.status_code == 200 and done.json()["status"] == "done"
    again = post(api, "operator1", path, {"reached": False})
    assert again.status_code == 409 and "已记录" in again.json()["detail"]
    assert post(api, "operator1", "/v1/callbacks/nope", {"reached": False}).status_code == 404
    assert api.client.get("/v1/callbacks?status=due", headers=api.auth("operator1")).json() == []
    assert len(api.client.get("/v1/callbacks?status=done", headers=api.auth("operator1")).json()) == 1
    # The note is sealed: not in the event store's clear text, readable with the report's key.
    callback = hotline.callbacks.get_callback(due["callback_id"])
    assert "李女士" not in (callback.sealed_note or "")
    assert hotline.callbacks.note_of(callback) == "李女士说没人联系过她"


def test_a_dissatisfied_reporter_puts_the_case_up_for_review_until_reviewed(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    case = closed_case(api, runner)
    (due,) = api.client.get("/v1/callbacks", headers=api.auth("operator1")).json()
    boss = Principal("supervisor1", "supervisor")
    mine = next(c for c in flagged_cases(hotline, boss) if c["case_id"] == case["case_id"])
    assert "dissatisfied" not in mine["review_reasons"]
    post(api, "operator1", f"/v1/callbacks/{due['callback_id']}",
         {"reached": True, "satisfaction": "dissatisfied", "note": "没有人上门"})
    mine = next(c for c in flagged_cases(hotline, boss) if c["case_id"] == case["case_id"])
    assert mine["needs_review"] and "dissatisfied" in mine["review_reasons"]
    login(api.client, "supervisor1")
    assert "待复核：回访不满意" in visible(api.client.get("/board").text)
    # A supervisor's review after it settles the reason.
    reviewed = post(api, "supervisor1", f"/v1/cases/{case['case_id']}/review", {"note": "已约谈承办单位"})
    assert reviewed.status_code == 202, reviewed.text
    runner.pump()
    mine = next(c for c in flagged_cases(hotline, boss) if c["case_id"] == case["case_id"])
    assert "dissatisfied" not in mine["review_reasons"]
    figures = callback_figures(hotline.callbacks, None)
    month = datetime.now(BEIJING).strftime("%Y-%m")
    counted = {"due": 0, "done": 1, "reached": 1, "unreached": 0, "satisfied": 0, "basically_satisfied": 0,
               "dissatisfied": 1, "callback_rate": 1.0, "satisfied_rate": 0.0}
    assert figures == {**counted, "overdue": 0, "by_month": [{"month": month, **counted}]}
    assert callback_figures(hotline.callbacks, "441802")["done"] == 0


def test_the_figures_in_the_stats_the_page_and_the_monthly_workbook(
        api: Api, runner: EmbeddedRunner) -> None:
    closed_case(api, runner)
    (due,) = api.client.get("/v1/callbacks", headers=api.auth("operator1")).json()
    stats = api.client.get("/v1/stats", headers=api.auth("supervisor1")).json()
    month = datetime.now(BEIJING).strftime("%Y-%m")
    counted = {"due": 1, "done": 0, "reached": 0, "unreached": 0, "satisfied": 0, "basically_satisfied": 0,
               "dissatisfied": 0, "callback_rate": 0.0, "satisfied_rate": None}
    assert stats["callbacks"] == {**counted, "overdue": 0, "by_month": [{"month": month, **counted}]}
    post(api, "operator1", f"/v1/callbacks/{due['callback_id']}",
         {"reached": True, "satisfaction": "basically_satisfied"})
    stats = api.client.get("/v1/stats", headers=api.auth("supervisor1")).json()
    assert {k: v for k, v in stats["callbacks"].items() if k != "by_month"} == {
        "due": 0, "overdue": 0, "done": 1, "reached": 1, "unreached": 0, "satisfied": 0,
        "basically_satisfied": 1, "dissatisfied": 0, "callback_rate": 1.0, "satisfied_rate": 1.0}
    assert stats["callbacks"]["by_month"][0]["satisfied_rate"] == 1.0
    outside = api.client.get("/v1/stats", headers=api.auth("supervisor-qingcheng")).json()
    assert outside["callbacks"]["done"] == 0
    r = api.client.get("/v1/stats/monthly", params={"month": month}, headers=api.auth("supervisor1"))
    sheet = load_workbook(io.BytesIO(r.content))["回访"]
    header, total = ([cell.value for cell in row] for row in sheet.iter_rows(max_row=2))
    assert dict(zip(header, total, strict=True)) == {
        "区划": "合计", "应回访": 1, "已回访": 1, "待回访": 0, "其中已超期": 0, "回访率（%）": 100,
        "联系上": 1, "未联系上": 0, "满意": 0, "基本满意": 1, "不满意": 0, "满意率（%）": 100}
    login(api.client, "supervisor1")
    page = api.client.get("/stats").text
    text = visible(page)
    assert "回访与满意度" in text and "已回访1件" in text and "满意率100.0%" in text
    assert 'id="c-callbacks"' in page and "都在本月" not in text  # one month: charted too (#29 re-review)


def test_the_console_holds_the_callbacks_list_without_a_number(api: Api, runner: EmbeddedRunner) -> None:
    closed_case(api, runner)
    login(api.client, "operator1")
    page = api.client.get("/intake").text
    assert 'id="callbacks"' in page and "待回访" in visible(page) and "显示电话" in page
    assert PII_VALUES[1] not in page  # the number only by POST /v1/callbacks/{id}/contact


def test_the_days_are_a_bounded_setting_handed_to_the_services(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(var_dir=tmp_path).callback_days == 3
    monkeypatch.setenv("HOTLINE_CALLBACK_DAYS", "5")
    assert "HOTLINE_CALLBACK_DAYS=5" in shared_environment(Settings(var_dir=tmp_path))
    for wrong in ("0", "31", "three"):
        monkeypatch.setenv("HOTLINE_CALLBACK_DAYS", wrong)
        with pytest.raises(ValueError, match="HOTLINE_CALLBACK_DAYS"):
            Settings(var_dir=tmp_path)


def test_a_closure_that_arrives_before_the_cases_reports_still_opens_their_callbacks(
        api: Api, hotline: ApiContainer) -> None:
    """The cases and referrals topics are not ordered with each other: the closure first, the
    report after (the runner not pumped: these messages are the only ones delivered)."""
    report = api.submit(report_body(), key="closed-first").json()
    case_id, handle = str(uuid4()), process_handler(hotline.callbacks)

    def message(kind: str, n: int, **data: str) -> None:
        handle(Message(id=f"test/{kind}/{n}", source="/hotline/test", type=kind, time=NOW, key=case_id,
                       data={"case_id": case_id, **data}), Tracking(f"{kind}:0", n))

    message(FOLLOWUP_CLOSED, 1, at=NOW.isoformat(), by="supervisor1")
    assert hotline.callbacks.book.read() == []  # no report seen yet
    message(CASE_OPENED, 1, report_id=report["report_id"], region_code="441823100201")
    (row,) = hotline.callbacks.book.read()
    assert row.receipt_no == report["receipt_no"] and row.status == "due"
    assert row.opened_at == NOW and row.due_at == NOW + timedelta(days=hotline.settings.callback_days)
    # Reopened, another report joins: none until the case closes again; then one for it alone.
    second = api.submit(report_body(), key="closed-first-2").json()
    message(FOLLOWUP_REOPENED, 2)
    message(CASE_UPDATED, 2, report_id=second["report_id"], region_code="441823100201")
    assert len(hotline.callbacks.book.read()) == 1
    message(FOLLOWUP_CLOSED, 3, at=(NOW + timedelta(days=1)).isoformat(), by="supervisor1")
    rows = hotline.callbacks.book.read()
    assert sorted(r.receipt_no for r in rows) == sorted([report["receipt_no"], second["receipt_no"]])


def test_a_case_sent_back_by_rework_gets_a_new_round_of_callbacks_when_it_closes_again(
        api: Api, hotline: ApiContainer) -> None:
    """12345: a work order done again (重办) is called back again; a report joining does not."""
    report = api.submit(report_body(), key="rework-round").json()
    case_id, handle = str(uuid4()), process_handler(hotline.callbacks)

    def message(kind: str, n: int, **data: str) -> None:
        handle(Message(id=f"test/{kind}/{n}", source="/hotline/test", type=kind, time=NOW, key=case_id,
                       data={"case_id": case_id, **data}), Tracking(f"{kind}:0", n))

    message(CASE_OPENED, 1, report_id=report["report_id"], region_code="441823100201")
    message(FOLLOWUP_CLOSED, 1, at=NOW.isoformat(), by="supervisor1")
    message(FOLLOWUP_REOPENED, 2)  # a report joined: no new round
    message(FOLLOWUP_CLOSED, 2, at=(NOW + timedelta(days=1)).isoformat(), by="supervisor1")
    assert len(hotline.callbacks.book.read()) == 1
    message(FOLLOWUP_REOPENED, 3, by="supervisor1", agency_id="police-441823", referral_id=str(uuid4()))
    assert hotline.callbacks.book.read() == []  # the first round's call, not made, is withdrawn
    message(FOLLOWUP_REOPENED, 4, by="supervisor1", agency_id="police-441823", referral_id=str(uuid4()))
    message(FOLLOWUP_CLOSED, 3, at=(NOW + timedelta(days=2)).isoformat(), by="supervisor1")
    (row,) = hotline.callbacks.book.read()
    assert row.receipt_no == report["receipt_no"] and row.opened_at == NOW + timedelta(days=2)
    rows = hotline.callbacks.book.read(superseded=True)
    later = NOW + timedelta(days=2)
    assert sorted((r.opened_at, r.status) for r in rows) == [(NOW, "superseded"), (later, "due")]
    message(FOLLOWUP_CLOSED, 4, at=(NOW + timedelta(days=2)).isoformat(), by="supervisor1")  # republished
    assert len(hotline.callbacks.book.read(superseded=True)) == 2
