"""A reporter's own recent reports: GET /v1/reports/mine and the page /report/mine list hers
only, with receipt number, time and the coarse status, and no personal data."""

import re

from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.helpers import TEST_PASSWORD, report_body
from tests.unit.test_pages import login


def test_a_reporter_sees_her_own_reports_only(
    api: Api, runner: EmbeddedRunner, hotline: ApiContainer
) -> None:
    hotline.accounts.add_user("teacher2", TEST_PASSWORD, "reporter")
    mine = [api.submit(report_body(channel="web_form"), as_user="teacher1", key=f"t1-{i}").json()
            for i in range(2)]
    theirs = api.submit(report_body(channel="web_form", children=[{"name": "李四", "age": 5}]),
                        as_user="teacher2", key="t2").json()
    by_operator = api.submit(report_body(), key="op").json()
    runner.pump()

    listed = api.client.get("/v1/reports/mine", headers=api.auth("teacher1"))
    assert listed.status_code == 200
    rows = listed.json()
    assert [r["receipt_no"] for r in rows] == [m["receipt_no"] for m in reversed(mine)]  # newest first
    assert all(set(r) == {"report_id", "receipt_no", "received_at", "status"} for r in rows)
    assert {r["status"] for r in rows} == {"in_progress"}  # the lookup's words, not the case's
    assert [r["receipt_no"] for r in api.client.get(
        "/v1/reports/mine", headers=api.auth("teacher2")).json()] == [theirs["receipt_no"]]
    operators = api.client.get("/v1/reports/mine", headers=api.auth("operator1")).json()
    assert [r["receipt_no"] for r in operators] == [by_operator["receipt_no"]]
    assert {"case_id", "risk_level", "channel"} <= set(operators[0])  # the operator's answer as it was
    assert api.client.get("/v1/reports/mine", headers=api.auth("police-desk")).status_code == 403

    login(api.client)
    assert '<a href="/report/mine"' in api.client.get("/report").text  # in the reporter's header
    page = api.client.get("/report/mine")
    assert page.status_code == 200 and "我提交的报告" in page.text
    shown = re.findall(r'<td class="receipt-no"[^>]*><a [^>]*>([^<]+)</a></td><td[^>]*>([^<]+)</td>'
                       r'<td class="status"[^>]*>([^<]+)(?:<span class="joined hint">([^<]+)</span>)?</td>',
                       page.text)
    assert [no for no, _, _, _ in shown] == [m["receipt_no"] for m in reversed(mine)]
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", at) and status == "处理中"
               for _, at, status, _ in shown)
    # The same child twice: the newer says it joined the older's case (stop 59's teacher).
    joined = f"（与 {mine[0]['receipt_no']} 为同一儿童，已并入同一案件）"
    assert [said for _, _, _, said in shown] == [joined, ""]
    assert theirs["receipt_no"] not in page.text and by_operator["receipt_no"] not in page.text
    for personal in ("王小明", "李女士", "13800000000", "孩子被打流血", "某村三巷"):
        assert personal not in page.text


def test_the_page_is_for_reporters(api: Api) -> None:
    r = api.client.get("/report/mine", follow_redirects=False)
    assert r.headers["location"] == "/login?next=/report/mine"
    login(api.client, "operator1")
    assert api.client.get("/report/mine").status_code == 403
