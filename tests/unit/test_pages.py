"""The mandated-reporter web form: login, CSRF, errors in Chinese by the field, receipt."""

import re

from fastapi.testclient import TestClient

from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.helpers import TEST_PASSWORD


def login(client: TestClient, username: str = "teacher1", home: str | None = None) -> None:
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = client.post("/login", data={"username": username, "password": TEST_PASSWORD,
                                    "csrf": csrf, "next": "/report"}, follow_redirects=False)
    homes = {"police-desk": "/desk", "hospital-desk": "/desk", "civil-desk": "/desk", "supervisor1": "/board",
             "operator1": "/intake", "auditor1": "/audit", "admin1": "/admin"}
    assert r.status_code == 303 and r.headers["location"] == (home or homes.get(username, "/report"))


def form_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'name="(csrf|idempotency_key)" value="([^"]+)"', html))


GOOD = {
    "children.0.name": "王小明", "children.0.gender": "male", "children.0.age": "9",
    "location.region_code": "441823", "location.address": "某村三巷",
    "concerns": ["domestic_violence", "serious_injury"], "narrative": "孩子身上有伤，说被打",
    "reporter.relation": "teacher", "reporter.name": "张老师", "immediate_danger": "1",
    "occurred_at": "2026-11-28T20:00",
}


def test_form_needs_login_and_a_valid_login_csrf(api: Api) -> None:
    client = api.client
    r = client.get("/report", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    r = client.post("/login", data={"username": "teacher1", "password": TEST_PASSWORD, "csrf": "x"})
    assert r.status_code == 400 and "页面已过期" in r.text
    client.cookies.clear()
    login(client)
    page = client.get("/report")
    assert page.status_code == 200 and "提交报告" in page.text
    assert "nonce-" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"


def test_errors_are_shown_in_chinese_next_to_their_fields_and_nothing_is_stored(
    api: Api, runner: EmbeddedRunner
) -> None:
    login(api.client)
    fields = form_fields(api.client.get("/report").text)
    bad = {**GOOD, **fields, "location.region_code": "4418", "narrative": "",
           "children.0.age": "19"}
    r = api.client.post("/report", data=bad)
    assert r.status_code == 422
    assert 'id="error-location-region_code"' in r.text and "6位（县）" in r.text
    assert 'id="error-narrative"' in r.text and "请填写情况描述" in r.text
    assert 'id="error-children-0-age"' in r.text and "0至17" in r.text
    assert "有 3 处需要修改" in r.text
    assert "王小明" in r.text  # what was typed is kept
    assert runner.pump() == 0


def test_valid_form_files_one_report_even_when_sent_twice(api: Api, runner: EmbeddedRunner) -> None:
    login(api.client)
    fields = form_fields(api.client.get("/report").text)
    first = api.client.post("/report", data={**GOOD, **fields})
    again = api.client.post("/report", data={**GOOD, **fields})  # double click
    assert first.status_code == again.status_code == 201
    receipt = re.search(r'id="receipt-no">([^<]+)<', first.text).group(1)  # type: ignore[union-attr]
    assert receipt in again.text
    assert "110" in first.text  # immediate danger: call the police too
    runner.pump()
    inbox = api.client.get("/v1/desk/referrals", headers=api.auth("police-desk")).json()
    assert len(inbox) == 1 and inbox[0]["risk_level"] == "red"


def test_form_post_without_csrf_is_refused(api: Api, runner: EmbeddedRunner) -> None:
    login(api.client)
    fields = form_fields(api.client.get("/report").text)
    r = api.client.post("/report", data={**GOOD, "idempotency_key": fields["idempotency_key"]})
    assert r.status_code == 403
    assert runner.pump() == 0


def test_form_is_for_reporters(api: Api) -> None:
    login(api.client, "operator1")
    assert api.client.get("/report").status_code == 403
