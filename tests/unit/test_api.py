"""The HTTP API over in-memory applications: reports, idempotency, validation, roles."""

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest

from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from services.common.vocabulary import BEIJING
from tests.conftest import Api
from tests.helpers import audit_entries, report_body


def test_report_is_received_then_routed_to_police_and_hospital(
    api: Api, runner: EmbeddedRunner
) -> None:
    r = api.submit(report_body())
    assert r.status_code == 201, r.text
    accepted = r.json()
    assert accepted["status"] == "received"
    received = datetime.fromisoformat(accepted["received_at"]).astimezone(BEIJING)
    assert accepted["receipt_no"].startswith(f"{received:%Y%m%d}-")  # the Beijing date
    assert len(accepted["lookup_code"]) == 10

    status = api.client.get(f"/v1/reports/{accepted['report_id']}", headers=api.auth("operator1"))
    assert status.json()["status"] == "received" and status.json()["case_id"] is None

    runner.pump()
    status = api.client.get(f"/v1/reports/{accepted['report_id']}", headers=api.auth("operator1"))
    assert status.json()["status"] == "dispatched"
    case_id = status.json()["case_id"]

    police = api.client.get("/v1/desk/referrals", headers=api.auth("police-desk")).json()
    hospital = api.client.get("/v1/desk/referrals", headers=api.auth("hospital-desk")).json()
    civil = api.client.get("/v1/desk/referrals", headers=api.auth("civil-desk")).json()
    assert [x["case_id"] for x in police] == [case_id]
    assert [x["case_id"] for x in hospital] == [case_id]
    assert civil == []

    case = api.client.get(f"/v1/cases/{case_id}", headers=api.auth("supervisor1")).json()
    assert case["risk_level"] == "red" and case["initial_risk_level"] == "red"
    assert case["report_ids"] == [accepted["report_id"]]
    assert sorted(x["agency_kind"] for x in case["referrals"]) == ["hospital", "police"]
    assert [t["type"] for t in case["timeline"]][0] == "case_opened"
    listed = api.client.get("/v1/cases?risk_level=red", headers=api.auth("operator1")).json()
    assert [c["case_id"] for c in listed] == [case_id]
    assert api.client.get("/v1/cases?risk_level=blue", headers=api.auth("operator1")).json() == []


def test_same_key_same_body_gives_same_response(api: Api) -> None:
    first = api.submit(report_body(), key="same")
    again = api.submit(report_body(), key="same")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()


def test_same_key_different_body_is_409(api: Api) -> None:
    assert api.submit(report_body(), key="dup").status_code == 201
    r = api.submit(report_body(narrative="另一件事"), key="dup")
    assert r.status_code == 409


def test_parallel_identical_requests_store_one_report(api: Api, hotline: ApiContainer) -> None:
    headers = api.auth("operator1", **{"Idempotency-Key": "parallel"})
    body = report_body()
    with ThreadPoolExecutor(max_workers=32) as pool:
        responses = list(pool.map(
            lambda _: api.client.post("/v1/reports", json=body, headers=headers), range(32)
        ))
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["report_id"] for r in responses}) == 1
    assert hotline.intake is not None
    # One report, its receipt index and its audit note, stored together once.
    assert hotline.intake.recorder.max_notification_id() == 3
    assert [e["action"] for e in audit_entries(hotline)].count("report.submit") == 1


def test_missing_idempotency_key_is_422_naming_the_header(api: Api) -> None:
    r = api.client.post("/v1/reports", json=report_body(), headers=api.auth("operator1"))
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["header", "idempotency-key"]


@pytest.mark.parametrize(
    ("override", "loc"),
    [
        ({"channel": "fax"}, ["body", "channel"]),
        ({"children": []}, ["body", "children"]),
        ({"children": [{"age": 18}]}, ["body", "children", 0, "age"]),
        ({"children": [{"age": 5}] * 21}, ["body", "children"]),
        ({"children": [{"id_number": "12345"}]}, ["body", "children", 0, "id_number"]),
        ({"location": {"region_code": "4418"}}, ["body", "location", "region_code"]),
        ({"location": {"region_code": "44182310"}}, ["body", "location", "region_code"]),
        ({"narrative": ""}, ["body", "narrative"]),
        ({"narrative": "x" * 5001}, ["body", "narrative"]),
        ({"concerns": ["bad_luck"]}, ["body", "concerns", 0]),
        ({"reporter": {"relation": "stranger"}}, ["body", "reporter", "relation"]),
        ({"occurred_at": "2026-11-28T20:00:00"}, ["body", "occurred_at"]),
        ({"channel": "web_form"}, ["body", "channel"]),
    ],
)
def test_invalid_field_is_422_naming_it_and_nothing_is_stored(
    api: Api, hotline: ApiContainer, override: dict, loc: list
) -> None:
    r = api.submit(report_body(**override))
    assert r.status_code == 422, r.text
    assert any(d["loc"] == loc for d in r.json()["detail"]), r.json()
    assert all(d["msg"] for d in r.json()["detail"])
    assert hotline.intake is not None and hotline.intake.recorder.max_notification_id() is None


def test_anonymous_reporter_name_and_phone_are_not_kept(api: Api, hotline: ApiContainer) -> None:
    body = report_body(reporter={"name": "李女士", "phone": "13800000000",
                                 "relation": "public", "anonymous": True})
    r = api.submit(body)
    assert r.status_code == 201
    assert hotline.intake is not None
    report = hotline.intake.get_report(__import__("uuid").UUID(r.json()["report_id"]))
    assert report.reporter == {"relation": "public", "anonymous": True}
    personal = hotline.intake.personal_data(report)
    assert personal is not None
    assert personal["reporter"] == {"name": None, "phone": None}
    assert personal["children"][0]["name"] == "王小明"  # the child's data is kept, sealed


def test_reporter_files_on_web_form_and_sees_only_own_reports(api: Api) -> None:
    r = api.submit(report_body(channel="web_form", reporter={"relation": "teacher"}),
                   as_user="teacher1")
    assert r.status_code == 201, r.text
    report_id = r.json()["report_id"]
    assert api.client.get(f"/v1/reports/{report_id}",
                          headers=api.auth("teacher1")).status_code == 200
    other = api.submit(report_body(), key="operator-own")
    assert api.client.get(f"/v1/reports/{other.json()['report_id']}",
                          headers=api.auth("teacher1")).status_code == 404


def test_wrong_credentials_are_401(api: Api) -> None:
    r = api.client.post("/v1/auth/token", data={"username": "operator1", "password": "nope-nope"})
    assert r.status_code == 401
    r = api.client.post("/v1/auth/token", data={"username": "ghost", "password": "nope-nope"})
    assert r.status_code == 401


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/v1/cases"), ("get", "/v1/desk/referrals"), ("get", "/v1/agencies"),
     ("post", "/v1/reports"), ("get", "/v1/reports/x")],
)
def test_no_or_bad_token_is_401(api: Api, method: str, path: str) -> None:
    assert getattr(api.client, method)(path).status_code == 401
    bad = {"Authorization": "Bearer not.a.token"}
    assert getattr(api.client, method)(path, headers=bad).status_code == 401


@pytest.mark.parametrize(
    ("user", "method", "path"),
    [
        ("supervisor1", "post", "/v1/reports"),
        ("police-desk", "get", "/v1/cases"),
        ("teacher1", "get", "/v1/cases"),
        ("operator1", "get", "/v1/desk/referrals"),
        ("auditor1", "get", "/v1/reports/x"),
    ],
)
def test_role_not_allowed_is_403(api: Api, user: str, method: str, path: str) -> None:
    kwargs = {"json": report_body()} if method == "post" else {}
    headers = api.auth(user, **{"Idempotency-Key": "k"})
    assert getattr(api.client, method)(path, headers=headers, **kwargs).status_code == 403


def test_referral_of_another_unit_is_404(api: Api, runner: EmbeddedRunner) -> None:
    api.submit(report_body())
    runner.pump()
    (referral,) = api.client.get("/v1/desk/referrals", headers=api.auth("police-desk")).json()
    path = f"/v1/referrals/{referral['referral_id']}"
    assert api.client.get(path, headers=api.auth("police-desk")).status_code == 200
    assert api.client.get(path, headers=api.auth("supervisor1")).status_code == 200
    assert api.client.get(path, headers=api.auth("hospital-desk")).status_code == 404


def test_unknown_ids_are_404(api: Api) -> None:
    for path in ("/v1/reports/not-a-uuid", "/v1/reports/00000000-0000-0000-0000-000000000000",
                 "/v1/cases/nope"):
        assert api.client.get(path, headers=api.auth("supervisor1")).status_code == 404


def test_agencies_lists_every_kind_for_441823(api: Api) -> None:
    agencies = api.client.get("/v1/agencies", headers=api.auth("teacher1")).json()
    kinds = {a["kind"] for a in agencies if any("441823".startswith(r) for r in a["regions"])}
    assert kinds == {"police", "civil_affairs", "education", "hospital", "procuratorate", "court", "justice"}


def test_health_ready_metrics(api: Api) -> None:
    release = api.client.app.state.container.settings.release  # type: ignore[attr-defined]
    assert release and api.client.get("/healthz").json() == {"status": "alive", "release": release}
    ready = api.client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["store"]["ok"]
    # TestClient's peer is no address: /metrics answers it only for an admin's token (#26).
    assert api.client.get("/metrics").status_code == 403
    metrics = api.client.get("/metrics", headers=api.auth("admin1")).text
    assert "hotline_http_requests_total" in metrics
    assert f'hotline_build_info{{release="{release}"}} 1.0' in metrics
