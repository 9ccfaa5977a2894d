"""Every route of contract §2 against every role: allowed, 403, or 404 outside the caller's scope."""

from __future__ import annotations

import pytest

from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.helpers import report_body

USERS = {"operator": "operator1", "reporter": "teacher1", "supervisor": "supervisor1",
         "desk": "police-desk", "auditor": "auditor1", "admin": "admin1"}
ALL = set(USERS)

# (method, path, body, roles allowed); {report}, {case}, {police} are filled in per test.
ROUTES = [
    ("post", "/v1/reports", "report", {"operator", "reporter"}),
    ("get", "/v1/reports/{report}", None, {"operator", "supervisor"}),
    ("post", "/v1/reports/{report}/supplements", {"narrative": "补充"}, {"operator", "supervisor"}),
    ("get", "/v1/cases", None, {"operator", "supervisor"}),
    ("get", "/v1/cases/{case}", None, {"operator", "supervisor"}),
    ("post", "/v1/cases/{case}/reassessments", {"risk_level": "red", "reason": "核实"},
     {"supervisor"}),
    ("get", "/v1/desk/referrals", None, {"desk"}),
    ("get", "/v1/referrals/{police}", None, {"desk", "supervisor"}),
    ("post", "/v1/referrals/{police}/acknowledge", None, {"desk"}),
    ("post", "/v1/referrals/{police}/decline", {"reason": "测试"}, {"desk"}),
    ("post", "/v1/referrals/{police}/outcome", {"outcome": "已处置", "note": ""}, {"desk"}),
    ("get", "/v1/agencies", None, ALL),
    ("get", "/v1/sentinels", None, {"admin"}),
    ("post", "/v1/sentinels", {"name": "哨点", "kind": "school", "region_code": "441823",
                               "first_reporter": "teacher1"}, {"admin"}),
    ("get", "/v1/stats", None, {"supervisor", "auditor"}),
    ("get", "/v1/audit", None, {"auditor"}),
]


@pytest.mark.parametrize(("method", "template", "body", "allowed"), ROUTES,
                         ids=[f"{m.upper()} {p}" for m, p, _, _ in ROUTES])
def test_route_by_role(api: Api, runner: EmbeddedRunner, method: str, template: str,
                       body: object, allowed: set[str]) -> None:
    report = api.submit(report_body(), key="matrix").json()
    runner.pump()
    case_id = api.client.get(f"/v1/reports/{report['report_id']}",
                             headers=api.auth("operator1")).json()["case_id"]
    (police,) = api.client.get("/v1/desk/referrals", headers=api.auth("police-desk")).json()
    path = template.format(report=report["report_id"], case=case_id, police=police["referral_id"])
    for role, user in USERS.items():
        payload = report_body(channel="web_form" if role == "reporter" else "hotline_12345",
                              reporter={"relation": "teacher"}) if body == "report" else body
        headers = api.auth(user, **{"Idempotency-Key": f"matrix-{role}"})
        r = getattr(api.client, method)(path, headers=headers,
                                        **({"json": payload} if method == "post" else {}))
        if role in allowed:
            assert r.status_code not in (401, 403, 404), (role, r.status_code, r.text)
        elif role == "reporter" and "{report}" in template and method == "get":
            assert r.status_code == 404, (role, r.status_code)  # not their report: not revealed
        elif role == "reporter" and "supplements" in template:
            assert r.status_code == 404, (role, r.status_code)
        else:
            assert r.status_code == 403, (role, r.status_code, r.text)
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
