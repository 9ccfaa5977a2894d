"""The mandated-reporter web form: login, CSRF, errors in Chinese by the field, receipt."""

import re

from fastapi.testclient import TestClient

from services.api.auth import SESSION_COOKIE
from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.helpers import TEST_PASSWORD, id_number


def login(client: TestClient, username: str = "teacher1", home: str | None = None) -> None:
    client.cookies.delete(SESSION_COOKIE)  # another user: /login sends one signed in to their page
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
    assert first.status_code == again.status_code == 200  # 303 to the receipt, then its page
    assert first.url == again.url and first.url.path.startswith("/report/receipt/")
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


def test_the_error_summary_names_the_child_and_keeps_their_blocks_open(
    api: Api, runner: EmbeddedRunner
) -> None:
    login(api.client)
    page = api.client.get("/report").text
    # Children 2 and 3 wait behind a button (shown by the script; without it all three show).
    assert '<button type="button" class="more" id="add-child" hidden>' in page
    assert re.findall(r'id="child-(\d)" data-child( data-filled)?>', page) == [
        ("0", " data-filled"), ("1", ""), ("2", "")]
    right = id_number("44182320160301002")
    wrong_check = right[:17] + ("1" if right[17] == "0" else "0")
    r = api.client.post("/report", data={**GOOD, **form_fields(page), "children.0.age": "19",
                                         "children.2.name": "王小红", "children.2.id_number": wrong_check})
    assert r.status_code == 422
    summary = re.search(r'id="error-summary">(.*?)</div>', r.text, re.S).group(1)  # type: ignore[union-attr]
    items = re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', summary)
    assert ("f-children-0-age",
            "儿童1：年龄须为0至17之间的整数（周岁）；不确定的，填估计的整数，并在情况描述中写明。") in items
    assert ("f-children-2-id_number",
            "儿童3：身份证号码校验位不正确，请核对；不确定的可清空（知道才填）。") in items
    assert re.findall(r'id="child-(\d)" data-child( data-filled)?>', r.text) == [
        ("0", " data-filled"), ("1", ""), ("2", " data-filled")]  # the wrong one stays in sight
    assert runner.pump() == 0


def test_the_form_asks_to_keep_the_reporter_from_the_family_unless_unticked(api: Api) -> None:
    """Stop 64's teacher forgot the box on one report: a mandated reporter's identity is kept from
    the child's family by default (the form's box ticked), and a box she unticked stays so."""
    login(api.client)
    box = re.compile(r'<input type="checkbox" name="reporter.confidential" value="1" ?(checked)?>')
    first = box.search(api.client.get("/report").text)
    assert first is not None and first.group(1) == "checked"
    fields = form_fields(api.client.get("/report").text)
    refused = api.client.post("/report", data={**GOOD, **fields, "narrative": ""})  # unticked, and a miss
    again = box.search(refused.text)
    assert refused.status_code == 422 and again is not None and again.group(1) is None
