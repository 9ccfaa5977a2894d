"""Every route of contract §2 against every role: the exact status each role gets."""

from __future__ import annotations

import pytest

from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.helpers import report_body
from tests.unit.test_followups import visit_body

USERS = {"operator": "operator1", "reporter": "teacher1", "supervisor": "supervisor1",
         "desk": "police-desk", "auditor": "auditor1", "admin": "admin1", "security": "security1"}
ALL = set(USERS)

# (method, path, body, the exact status for each role that may call it); every other role
# gets 403. {report}, {case}, {police} are filled in per test.
ROUTES = [
    # A desk files its unit's notices (channel agency_notice, contract §12).
    ("post", "/v1/reports", "report", {"operator": 201, "reporter": 201, "desk": 201}),
    # A reporter may read only their own reports: another's is not found (not revealed).
    ("get", "/v1/reports/{report}", None, {"operator": 200, "supervisor": 200, "reporter": 404}),
    ("post", "/v1/reports/{report}/supplements", {"narrative": "补充"},
     {"operator": 202, "supervisor": 202, "reporter": 404}),
    ("get", "/v1/cases", None, {"operator": 200, "supervisor": 200}),
    ("get", "/v1/cases/{case}", None, {"operator": 200, "supervisor": 200}),
    ("post", "/v1/cases/{case}/reassessments", {"risk_level": "red", "reason": "核实"},
     {"supervisor": 202}),
    ("post", "/v1/cases/{case}/referrals", {"agency_id": "civil-441823", "reason": "需民政跟进"},
     {"supervisor": 201}),
    ("get", "/v1/desk/referrals", None, {"desk": 200}),
    ("get", "/v1/referrals/{police}", None, {"desk": 200, "supervisor": 200}),
    ("post", "/v1/referrals/{police}/acknowledge", None, {"desk": 200}),
    ("post", "/v1/referrals/{police}/decline", {"reason": "测试"}, {"desk": 200}),
    ("post", "/v1/referrals/{police}/calls", {"reached": True}, {"supervisor": 201}),  # 电话督办
    # 办结 only after 接收: the desk may call it, and is told the referral is not acknowledged yet.
    ("post", "/v1/referrals/{police}/outcome", {"outcome": "已处置", "note": ""}, {"desk": 409}),
    ("get", "/v1/agencies", None, dict.fromkeys(ALL, 200)),
    ("get", "/v1/sentinels", None, {"admin": 200}),
    ("post", "/v1/sentinels", {"name": "哨点", "kind": "school", "region_code": "441823",
                               "first_reporter": "teacher1"}, {"admin": 201}),
    # An auditor's window is whole Beijing days, both bounds given (contract §10).
    ("get", "/v1/stats?since=2026-01-01T00:00:00%2B08:00&until=2026-02-01T00:00:00%2B08:00", None,
     {"supervisor": 200, "auditor": 200}),
    ("get", "/v1/stats/monthly", None, {"supervisor": 200, "auditor": 200}),
    ("get", "/v1/audit", None, {"auditor": 200}),
    # Follow-up (contract §6): the desk here is the police unit, which leads no plan.
    ("get", "/v1/followups", None, {"desk": 200, "supervisor": 200}),
    ("post", "/v1/cases/{case}/visits", "visit", {"desk": 404, "supervisor": 201}),
    ("get", "/v1/cases/{case}/visits", None, {"desk": 404, "supervisor": 200}),
    ("post", "/v1/cases/{case}/helper", {"helper": "李老师"}, {"desk": 404}),
    ("post", "/v1/cases/{case}/closure", {"reason": "处置完毕"}, {"supervisor": 409}),  # referrals open
    ("get", "/v1/ledger", None, {"supervisor": 200}),
    # Major incidents (contract §12): a supervisor marks; supervisors and auditors read.
    ("post", "/v1/cases/{case}/major-incident", {"summary": "一名儿童受重伤，已送医。"}, {"supervisor": 202}),
    ("get", "/v1/major-incidents", None, {"supervisor": 200, "auditor": 200}),
    # Accounts (contract §10): the admin manages, the security officer approves.
    ("get", "/v1/users", None, {"admin": 200}),
    ("post", "/v1/users", {"username": "matrix9", "role": "operator"}, {"admin": 201}),
    ("post", "/v1/users/edu-desk/enable", None, {"admin": 200}),
    ("get", "/v1/account-requests", None, {"admin": 200, "security": 200}),
    ("post", "/v1/account-requests/00000000-0000-0000-0000-000000000000/approve", None, {"security": 404}),
    ("post", "/v1/account-requests/00000000-0000-0000-0000-000000000000/reject", None, {"security": 404}),
]


@pytest.mark.parametrize(("method", "template", "body", "allowed"), ROUTES,
                         ids=[f"{m.upper()} {p}" for m, p, _, _ in ROUTES])
def test_route_by_role(api: Api, runner: EmbeddedRunner, method: str, template: str,
                       body: object, allowed: dict[str, int]) -> None:
    report = api.submit(report_body(), key="matrix").json()
    runner.pump()
    case_id = api.client.get(f"/v1/reports/{report['report_id']}",
                             headers=api.auth("operator1")).json()["case_id"]
    (police,) = api.client.get("/v1/desk/referrals", headers=api.auth("police-desk")).json()
    path = template.format(report=report["report_id"], case=case_id, police=police["referral_id"])
    for role, user in USERS.items():
        channel = {"reporter": "web_form", "desk": "agency_notice"}.get(role, "hotline_12345")
        payload = report_body(channel=channel,
                              reporter={"relation": "teacher"}) if body == "report" else body
        if body == "visit":
            payload = visit_body()
        headers = api.auth(user, **{"Idempotency-Key": f"matrix-{role}"})
        r = getattr(api.client, method)(path, headers=headers,
                                        **({"json": payload} if method == "post" else {}))
        assert r.status_code == allowed.get(role, 403), (role, r.status_code, r.text)
        assert getattr(api.client, method)(path).status_code == 401  # no token


@pytest.mark.parametrize("action", ["", "/acknowledge", "/decline", "/outcome"])
def test_other_units_referrals_are_404(api: Api, runner: EmbeddedRunner, action: str) -> None:
    api.submit(report_body(), key="scope")
    runner.pump()
    (hospital,) = api.client.get("/v1/desk/referrals", headers=api.auth("hospital-desk")).json()
    body = {"/decline": {"reason": "x"}, "/outcome": {"outcome": "x", "note": ""}}.get(action)
    path = f"/v1/referrals/{hospital['referral_id']}{action}"
    call = api.client.get if not action else api.client.post
    kwargs = {"json": body} if body else {}
    assert call(path, headers=api.auth("police-desk"), **kwargs).status_code == 404
    unknown = "/v1/referrals/00000000-0000-0000-0000-000000000000" + action
    assert call(unknown, headers=api.auth("police-desk"), **kwargs).status_code == 404
