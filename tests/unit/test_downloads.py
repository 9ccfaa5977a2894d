"""Downloads open with the page's session (contract §15): one rule for the ledger and the monthly
report (a bearer token or the session cookie), while a write still needs the CSRF token; the
ledger carries every child's gender and age."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from openpyxl import load_workbook

from services.api.auth import CSRF_HEADER
from services.common.embedded import EmbeddedRunner
from services.oversight.ledger import BEIJING, COLUMNS
from tests.conftest import Api
from tests.helpers import CHILD_ID, report_body
from tests.unit.test_desk import red_case
from tests.unit.test_pages import login


def _month(case: dict) -> str:  # type: ignore[type-arg]
    return datetime.fromisoformat(case["opened_at"]).astimezone(BEIJING).strftime("%Y-%m")


def test_the_session_cookie_opens_the_downloads_without_a_token(api: Api, runner: EmbeddedRunner) -> None:
    case = red_case(api, runner)
    month = _month(case)
    api.client.cookies.clear()
    assert api.client.get("/v1/ledger", params={"month": month}).status_code == 401
    login(api.client, "supervisor1")
    ledger = api.client.get("/v1/ledger", params={"month": month, "format": "xlsx"})
    assert ledger.status_code == 200 and "spreadsheetml" in ledger.headers["content-type"]
    assert "attachment" in ledger.headers["content-disposition"]
    report = api.client.get("/v1/stats/monthly", params={"month": month, "format": "csv"})
    assert report.status_code == 200 and "【概要】" in report.content.decode("utf-8-sig")
    # Only the downloads: another GET of the API still wants a token or the CSRF header.
    assert api.client.get(f"/v1/cases/{case['case_id']}").status_code == 401


def test_a_cookie_alone_never_authorises_a_write(api: Api, runner: EmbeddedRunner) -> None:
    case = red_case(api, runner)
    login(api.client, "supervisor1")
    path = f"/v1/cases/{case['case_id']}/reassessments"
    body = {"risk_level": "orange", "reason": "复核"}
    assert api.client.post(path, json=body).status_code == 401
    assert api.client.post(path, json=body, headers={CSRF_HEADER: "forged"}).status_code == 401
    assert api.client.get(f"/v1/cases/{case['case_id']}",
                          headers=api.auth("supervisor1")).json()["risk_level"] == "red"


def test_the_token_still_works_and_roles_are_the_same(api: Api, runner: EmbeddedRunner) -> None:
    case = red_case(api, runner)
    month = _month(case)
    api.client.cookies.clear()
    assert api.client.get("/v1/ledger", params={"month": month},
                          headers=api.auth("supervisor1")).status_code == 200
    assert api.client.get("/v1/stats/monthly", params={"month": month},
                          headers=api.auth("auditor1")).status_code == 200
    assert api.client.get("/v1/ledger", params={"month": month},
                          headers={"Authorization": "Bearer nonsense"}).status_code == 401
    login(api.client, "auditor1")  # an auditor's session: the report yes, the ledger no
    assert api.client.get("/v1/stats/monthly", params={"month": month}).status_code == 200
    assert api.client.get("/v1/ledger", params={"month": month}).status_code == 403
    api.client.cookies.clear()
    login(api.client, "police-desk")
    assert api.client.get("/v1/stats/monthly", params={"month": month}).status_code == 403


def test_the_ledger_carries_gender_and_age(api: Api, runner: EmbeddedRunner) -> None:
    case = red_case(api, runner)
    api.submit(report_body(children=[
        {"name": "王小明", "gender": "male", "age": 9, "id_number": CHILD_ID},
        {"name": "王小红", "gender": "female", "age": 6, "id_number": None}]), key="siblings")
    runner.pump()
    r = api.client.get("/v1/ledger", params={"month": _month(case)}, headers=api.auth("supervisor1"))
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert {(row["儿童姓名"], row["性别"], row["年龄"]) for row in rows} == {
        ("王小明", "男", "9"), ("王小红", "女", "6")}
    x = api.client.get("/v1/ledger", params={"month": _month(case), "format": "xlsx"},
                       headers=api.auth("supervisor1"))
    sheet = load_workbook(io.BytesIO(x.content)).active
    assert sheet is not None
    cells = [dict(zip(COLUMNS, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert sorted((c["性别"], c["年龄"]) for c in cells) == [("女", 6), ("男", 9)]


def test_the_ledger_names_the_place_next_to_its_code(api: Api, runner: EmbeddedRunner) -> None:
    api.submit(report_body(location={"region_code": "441823100999", "address": "某村"}), key="place")
    runner.pump()
    month = datetime.now(BEIJING).strftime("%Y-%m")
    r = api.client.get("/v1/ledger", params={"month": month}, headers=api.auth("supervisor1"))
    (row,) = csv.DictReader(io.StringIO(r.content.decode("utf-8-sig")))
    # A code the directory lacks: the nearest named place above it.
    assert (row["区划代码"], row["地点"]) == ("441823100999", "连南瑶族自治县三江镇")


def test_a_download_link_after_the_session_ended_leads_to_the_login_page(api: Api) -> None:
    """A browser following a download link with no session is sent to log in again; an API
    client without a token still gets 401 JSON."""
    browser = {"Accept": "text/html,application/xhtml+xml,*/*"}
    for path in ("/v1/ledger?month=2026-11&format=xlsx", "/v1/stats/monthly?month=2026-11&format=csv"):
        r = api.client.get(path, headers=browser, follow_redirects=False)
        assert (r.status_code, r.headers.get("location")) == (303, "/login"), path
        r = api.client.get(path, follow_redirects=False)
        assert r.status_code == 401 and "detail" in r.json()
