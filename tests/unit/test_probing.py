"""A mandated reporter cannot learn through their own report whether a child is already known."""

from __future__ import annotations

from typing import Any

from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.helpers import TEST_PASSWORD, report_body

CHILD = [{"name": "周小雨", "gender": "female", "age": 8, "id_number": "441823201801011239"}]


def web_report(api: Api, user: str, key: str) -> dict[str, Any]:
    body = report_body(channel="web_form", reporter={"relation": "teacher"}, children=CHILD,
                       concerns=["neglect"], immediate_danger=False, narrative="常独自在家")
    r = api.submit(body, as_user=user, key=key)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def case_of(api: Api, report_id: str) -> dict[str, Any]:
    case_id = api.client.get(f"/v1/reports/{report_id}", headers=api.auth("supervisor1")).json()["case_id"]
    return api.client.get(f"/v1/cases/{case_id}", headers=api.auth("supervisor1")).json()  # type: ignore[no-any-return]


def test_a_reporter_sees_only_their_reports_own_progress(api: Api, runner: EmbeddedRunner) -> None:
    first = api.submit(report_body(children=CHILD), key="op").json()  # the child is known
    runner.pump()
    mine = web_report(api, "teacher1", "t1")
    runner.pump()
    seen = api.client.get(f"/v1/reports/{mine['report_id']}", headers=api.auth("teacher1")).json()
    assert seen["case_id"] is None and seen["status"] == "triaged"
    assert case_of(api, mine["report_id"])["case_id"] == case_of(api, first["report_id"])["case_id"]


def test_a_join_by_another_reporter_is_flagged_for_review(
    api: Api, runner: EmbeddedRunner, hotline: ApiContainer
) -> None:
    hotline.accounts.add_user("teacher2", TEST_PASSWORD, "reporter")
    first = web_report(api, "teacher1", "a")
    runner.pump()
    web_report(api, "teacher1", "b")  # the same reporter again: routine
    runner.pump()
    assert case_of(api, first["report_id"])["needs_review"] is False
    web_report(api, "teacher2", "c")
    runner.pump()
    case = case_of(api, first["report_id"])
    assert case["needs_review"] is True and len(case["report_ids"]) == 3


def test_hotline_calls_joining_a_case_are_routine(api: Api, runner: EmbeddedRunner) -> None:
    first = web_report(api, "teacher1", "a")
    runner.pump()
    api.submit(report_body(children=CHILD, concerns=["neglect"], immediate_danger=False,
                           narrative="邻居来电"), key="call")
    runner.pump()
    case = case_of(api, first["report_id"])
    assert len(case["report_ids"]) == 2 and case["needs_review"] is False
