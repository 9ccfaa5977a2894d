"""Desk actions, supervisor decisions and the SLA clock, through the API in memory."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from services.dispatch.scheduler import EscalationScheduler
from tests.conftest import Api
from tests.helpers import report_body


def red_case(api: Api, runner: EmbeddedRunner, key: str = "red") -> dict:  # type: ignore[type-arg]
    report = api.submit(report_body(), key=key).json()
    runner.pump()
    case_id = api.client.get(f"/v1/reports/{report['report_id']}",
                             headers=api.auth("operator1")).json()["case_id"]
    case = api.client.get(f"/v1/cases/{case_id}", headers=api.auth("supervisor1")).json()
    case["report"] = report
    return case  # type: ignore[no-any-return]


def referral_of(case: dict, kind: str) -> str:  # type: ignore[type-arg]
    return next(r["referral_id"] for r in case["referrals"] if r["agency_kind"] == kind)


def post(api: Api, user: str, path: str, body: dict | None = None):  # type: ignore[no-untyped-def, type-arg]
    return api.client.post(path, json=body, headers=api.auth(user))


def test_acknowledge_is_idempotent_and_scoped_to_the_unit(api: Api, runner: EmbeddedRunner) -> None:
    case = red_case(api, runner)
    police = referral_of(case, "police")
    first = post(api, "police-desk", f"/v1/referrals/{police}/acknowledge")
    assert first.status_code == 200 and first.json()["status"] == "acknowledged"
    again = post(api, "police-desk", f"/v1/referrals/{police}/acknowledge")
    assert again.status_code == 200 and again.json()["acknowledged_at"] == first.json()["acknowledged_at"]
    assert post(api, "hospital-desk", f"/v1/referrals/{police}/acknowledge").status_code == 404
    assert post(api, "operator1", f"/v1/referrals/{police}/acknowledge").status_code == 403
    runner.pump()
    inbox = api.client.get("/v1/desk/referrals?status=acknowledged",
                           headers=api.auth("police-desk")).json()
    assert [r["referral_id"] for r in inbox] == [police]


def test_decline_sends_the_case_back_for_rerouting(api: Api, runner: EmbeddedRunner) -> None:
    case = red_case(api, runner)
    hospital = referral_of(case, "hospital")
    missing = post(api, "hospital-desk", f"/v1/referrals/{hospital}/decline", {"reason": ""})
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "reason"]
    declined = post(api, "hospital-desk", f"/v1/referrals/{hospital}/decline",
                    {"reason": "本院无儿科急诊"})
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    assert post(api, "hospital-desk", f"/v1/referrals/{hospital}/acknowledge").status_code == 409
    runner.pump()
    board = api.client.get(f"/v1/cases/{case['case_id']}", headers=api.auth("supervisor1")).json()
    assert board["needs_review"] is True
    assert "referral_declined" in [t["type"] for t in board["timeline"]]
    detail = api.client.get(f"/v1/referrals/{hospital}", headers=api.auth("supervisor1")).json()
    assert detail["decline_reason"] == "本院无儿科急诊"

    path = f"/v1/cases/{case['case_id']}/referrals"
    assert post(api, "supervisor1", path, {"agency_id": "hospital-441802", "reason": "转清远市人民医院"}
                ).status_code == 201
    assert post(api, "supervisor1", path, {"agency_id": "hospital-441802", "reason": "again"}
                ).status_code == 409
    unknown = post(api, "supervisor1", path, {"agency_id": "nowhere", "reason": "x"})
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["body", "agency_id"]
    assert post(api, "police-desk", path, {"agency_id": "hospital-441802", "reason": "x"}
                ).status_code == 403


def test_outcomes_close_referrals_and_then_the_case(api: Api, runner: EmbeddedRunner) -> None:
    case = red_case(api, runner)
    report = case["report"]
    for kind, desk in (("police", "police-desk"), ("hospital", "hospital-desk")):
        early = post(api, desk, f"/v1/referrals/{referral_of(case, kind)}/outcome",
                     {"outcome": "已处置", "note": ""})
        assert early.status_code == 409 and "接收后才能办结" in early.json()["detail"]  # not yet taken on
        post(api, desk, f"/v1/referrals/{referral_of(case, kind)}/acknowledge")
        r = post(api, desk, f"/v1/referrals/{referral_of(case, kind)}/outcome",
                 {"outcome": "已处置", "note": "已出警并送医"})
        assert r.status_code == 200 and r.json()["status"] == "closed"
        again = post(api, desk, f"/v1/referrals/{referral_of(case, kind)}/outcome",
                     {"outcome": "x", "note": ""})
        assert again.status_code == 409
    runner.pump()
    status = api.client.get(f"/v1/reports/{report['report_id']}", headers=api.auth("operator1"))
    assert status.json()["status"] == "closed"
    pair = {"receipt_no": report["receipt_no"], "lookup_code": report["lookup_code"]}
    # Its units are done, its home visits are not (stop 59's teacher read 已处理完毕 that day).
    assert api.client.post("/v1/receipts/lookup", json=pair).json() == {"status": "in_progress"}
    closed = post(api, "supervisor1", f"/v1/cases/{case['case_id']}/closure", {"reason": "处置完毕"})
    assert closed.status_code == 202, closed.text
    runner.pump()
    assert api.client.post("/v1/receipts/lookup", json=pair).json() == {"status": "handled"}


def test_reassessment_by_supervisor(api: Api, runner: EmbeddedRunner) -> None:
    report = api.submit(report_body(concerns=[], immediate_danger=False, narrative="情况不明"),
                        key="vague").json()
    runner.pump()
    case_id = api.client.get(f"/v1/reports/{report['report_id']}",
                             headers=api.auth("operator1")).json()["case_id"]
    path = f"/v1/cases/{case_id}/reassessments"
    assert post(api, "operator1", path, {"risk_level": "red", "reason": "x"}).status_code == 403
    no_reason = post(api, "supervisor1", path, {"risk_level": "red"})
    assert no_reason.status_code == 422 and no_reason.json()["detail"][0]["loc"] == ["body", "reason"]
    assert post(api, "supervisor1", "/v1/cases/nope/reassessments",
                {"risk_level": "red", "reason": "x"}).status_code == 404
    r = post(api, "supervisor1", path, {"risk_level": "orange", "concerns": ["school_bullying"],
                                        "reason": "电话回访核实：校园欺凌"})
    assert r.status_code == 202
    runner.pump()
    case = api.client.get(f"/v1/cases/{case_id}", headers=api.auth("supervisor1")).json()
    assert case["risk_level"] == "orange" and case["initial_risk_level"] == "blue"
    assert not case["needs_review"]
    assert sorted(x["agency_kind"] for x in case["referrals"]) == ["civil_affairs", "education"]
    (reassessed,) = [t for t in case["timeline"] if t["type"] == "case_reassessment"]
    assert reassessed["by"] == "supervisor1"
    after = [t["type"] for t in case["timeline"][case["timeline"].index(reassessed) + 1:]]
    # blue → orange: education referred, the waiting civil-affairs referral raised with the case
    assert sorted(after) == ["followup_replanned", "referral_dispatched", "referral_raised"]
    assert {x["agency_kind"]: x["risk_level"] for x in case["referrals"]} == {
        "civil_affairs": "orange", "education": "orange"}


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def test_overdue_referral_escalates_once_across_restarts(
    api: Api, runner: EmbeddedRunner, hotline: ApiContainer
) -> None:
    case = red_case(api, runner)
    police, hospital = referral_of(case, "police"), referral_of(case, "hospital")
    post(api, "hospital-desk", f"/v1/referrals/{hospital}/acknowledge")
    runner.pump()
    assert hotline.dispatch is not None and hotline.view is not None
    clock = Clock()
    scheduler = EscalationScheduler(hotline.dispatch, hotline.view, clock=clock)
    assert scheduler.tick() == 0  # not yet due
    clock.now += timedelta(seconds=901)
    assert scheduler.tick() == 1
    assert scheduler.tick() == 0  # the view still says dispatched; the aggregate says no
    restarted = EscalationScheduler(hotline.dispatch, hotline.view, clock=clock)
    assert restarted.tick() == 0
    runner.pump()
    assert restarted.tick() == 0
    detail = api.client.get(f"/v1/referrals/{police}", headers=api.auth("supervisor1")).json()
    assert detail["status"] == "escalated"
    assert api.client.get(f"/v1/referrals/{hospital}", headers=api.auth("supervisor1")
                          ).json()["status"] == "acknowledged"

    # On the board, escalated cases come first, and stay escalated until acknowledged.
    quiet = api.submit(report_body(concerns=["sexual_abuse"], children=[{"name": "李小红", "age": 7}]),
                       key="other-red").json()
    runner.pump()
    board = api.client.get("/v1/cases", headers=api.auth("supervisor1")).json()
    assert board[0]["case_id"] == case["case_id"] and board[0]["escalated"]
    assert quiet["report_id"] not in board[0]["report_ids"]
    post(api, "police-desk", f"/v1/referrals/{police}/acknowledge")
    runner.pump()
    board = api.client.get("/v1/cases", headers=api.auth("supervisor1")).json()
    assert not any(c["escalated"] for c in board)
    timeline = api.client.get(f"/v1/cases/{case['case_id']}", headers=api.auth("supervisor1")
                              ).json()["timeline"]
    assert [t["type"] for t in timeline].count("referral_escalated") == 1
