"""What people with accounts can read (contract §10): operators their own cases, oversight reads
on the trail with their filters, an auditor's statistics in whole Beijing days (issue #26
finding 6), visit findings closed 30 days after the plan, and the bounded trail by API whose
bad filters are 422, never 500 (finding 7)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from services.bootstrap import ApiContainer
from services.common import clocks
from services.common.embedded import EmbeddedRunner
from services.common.vocabulary import BEIJING
from tests.conftest import Api
from tests.helpers import TEST_PASSWORD, audit_entries, report_body, sequence
from tests.unit.test_desk import post, red_case
from tests.unit.test_followups import close_referrals, visit_body
from tests.unit.test_pages import login

DAY = datetime.now(BEIJING).replace(hour=0, minute=0, second=0, microsecond=0)


def iso(moment: datetime) -> str:
    return moment.isoformat()


def test_an_operator_reads_only_the_cases_of_their_own_reports(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    hotline.accounts.add_user("operator2", TEST_PASSWORD, "operator")
    mine = api.submit(report_body(), key="mine").json()
    theirs = api.submit(report_body(children=[{"name": "李四", "age": 5}], concerns=["neglect"],
                                    immediate_danger=False), as_user="operator2", key="theirs").json()
    runner.pump()

    def case_of(report: dict[str, Any], user: str) -> str:
        found = api.client.get(f"/v1/reports/{report['report_id']}", headers=api.auth(user))
        return str(found.json()["case_id"])
    my_case, their_case = case_of(mine, "operator1"), case_of(theirs, "operator2")
    assert api.client.get(f"/v1/cases/{my_case}", headers=api.auth("operator1")).status_code == 200
    refused = api.client.get(f"/v1/cases/{their_case}", headers=api.auth("operator1"))
    assert refused.status_code == 404 and their_case not in refused.text
    def listed(user: str) -> list[str]:
        return [c["case_id"] for c in api.client.get("/v1/cases", headers=api.auth(user)).json()]
    assert listed("operator1") == [my_case] and listed("operator2") == [their_case]
    everyone = api.client.get("/v1/cases", headers=api.auth("supervisor1")).json()
    assert {c["case_id"] for c in everyone} == {my_case, their_case}
    assert api.client.get(f"/v1/cases/{their_case}", headers=api.auth("supervisor1")).status_code == 200
    # A report of the operator's joining someone else's case makes it theirs too (they filed in it).
    api.submit(report_body(children=[{"name": "李四", "age": 5}], concerns=["neglect"],
                           immediate_danger=False), key="joins")
    runner.pump()
    assert api.client.get(f"/v1/cases/{their_case}", headers=api.auth("operator1")).status_code == 200


def test_oversight_reads_are_audited_with_their_filters(api: Api, runner: EmbeddedRunner,
                                                        hotline: ApiContainer) -> None:
    red_case(api, runner)
    sup = api.auth("supervisor1")
    assert api.client.get("/v1/stats", params={"region": "441823", "since": iso(DAY)},
                          headers=sup).status_code == 200
    days = {"since": iso(DAY - timedelta(days=1)), "until": iso(DAY + timedelta(days=1))}
    assert api.client.get("/v1/stats", params=days, headers=api.auth("auditor1")).status_code == 200
    month = DAY.strftime("%Y-%m")
    assert api.client.get("/v1/stats/monthly", params={"month": month, "format": "csv"},
                          headers=sup).status_code == 200
    assert api.client.get("/v1/ledger", params={"month": month, "region": "4418"},
                          headers=sup).status_code == 200
    assert api.client.get("/v1/cases", params={"risk_level": "red"}, headers=sup).status_code == 200
    assert api.client.get("/v1/cases", headers=api.auth("operator1")).status_code == 200
    reads = [(e["action"], e["actor"], e["resource_type"], e["resource_id"]) for e in audit_entries(hotline)
             if e["resource_type"] in ("stats", "ledger", "cases")]
    assert reads == [
        ("stats.read", "supervisor1", "stats", f"region=441823&since={iso(DAY)}"),
        ("stats.read", "auditor1", "stats", f"since={days['since']}&until={days['until']}"),
        ("stats.monthly", "supervisor1", "stats", f"format=csv&month={month}"),
        ("ledger.read", "supervisor1", "ledger", f"format=csv&month={month}&region=4418"),
        ("case.list", "supervisor1", "cases", "risk_level=red"),
        ("case.list", "operator1", "cases", "-"),
    ]
    # The auditor's page says the filters in Chinese, codes for places and months only.
    login(api.client, "auditor1")
    page = api.client.get("/audit", params={"action": "case.list"}).text
    assert "查看案件列表" in page and "案件列表 等级 红色" in page and "案件列表 全部" in page
    page = api.client.get("/audit", params={"action": "ledger.read"}).text
    assert f"台账 格式 文本表格 月份 {month} 地区 4418" in page and "risk_level" not in page


@pytest.mark.parametrize(("params", "field"), [
    # Finding 6: one report told apart by a moment (until=T-1s, until=T+1s), without since.
    ({"until": iso(DAY - timedelta(seconds=1))}, "since"),
    ({"until": iso(DAY + timedelta(seconds=1))}, "since"),
    ({"since": iso(DAY - timedelta(days=2)), "until": iso(DAY - timedelta(seconds=1))}, "until"),
    ({"since": iso(DAY - timedelta(days=2)), "until": iso(DAY + timedelta(seconds=1))}, "until"),
    # Two overlapping 24-hour windows, each a day long but not a day of the calendar.
    ({"since": iso(DAY - timedelta(hours=12)), "until": iso(DAY + timedelta(hours=12))}, "since"),
    ({"since": iso(DAY), "until": None}, "until"),
    ({"since": iso(DAY), "until": iso(DAY + timedelta(hours=23, minutes=59, seconds=59))}, "until"),
    ({"since": "0001-01-01T00:00:00+23:59", "until": iso(DAY)}, "since"),
])
def test_an_auditor_reads_statistics_in_whole_beijing_days_only(api: Api, params: dict[str, Any],
                                                                field: str) -> None:
    r = api.client.get("/v1/stats", params={k: v for k, v in params.items() if v},
                       headers=api.auth("auditor1"))
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["query", field] and "整日" in r.json()["detail"][0]["msg"]


def test_whole_days_are_whole_days_however_they_are_written(api: Api) -> None:
    utc = (DAY - timedelta(days=1)).astimezone(BEIJING).replace(tzinfo=None) - timedelta(hours=8)
    for since, until in ((iso(DAY - timedelta(days=1)), iso(DAY)),
                         (utc.isoformat() + "Z", iso(DAY + timedelta(days=30)))):
        r = api.client.get("/v1/stats", params={"since": since, "until": until},
                           headers=api.auth("auditor1"))
        assert r.status_code == 200, r.text
    # Supervisors keep any window (their work is the present hour, not oversight).
    narrow = {"since": iso(DAY + timedelta(hours=9)), "until": iso(DAY + timedelta(hours=9, seconds=1))}
    assert api.client.get("/v1/stats", params=narrow, headers=api.auth("supervisor1")).status_code == 200


def test_the_stats_page_tells_an_auditor_why_a_partial_day_is_refused(api: Api) -> None:
    login(api.client, "auditor1")
    page = api.client.get("/stats", params={"since": iso(DAY + timedelta(hours=12)),
                                            "until": iso(DAY + timedelta(days=1, hours=12))})
    assert page.status_code == 422
    assert "审计人员的统计时段须为整日" in page.text and 'id="error-from"' in page.text
    assert f'value="{DAY.date().isoformat()}"' in page.text  # the pickers hold the days asked about
    assert 'id="auditor-days"' in page.text and 'type="date"' in page.text
    bad = api.client.get("/stats", params={"since": "0001-01-01T00:00:00+23:59", "until": "x"})
    assert bad.status_code == 422 and "时间格式不正确" in bad.text
    whole = api.client.get("/stats", params={"from": DAY.date().isoformat(), "to": DAY.date().isoformat()})
    assert whole.status_code == 200


def test_a_lead_unit_reads_findings_only_30_days_past_closure(
        api: Api, runner: EmbeddedRunner, monkeypatch: pytest.MonkeyPatch, hotline: ApiContainer) -> None:
    case = red_case(api, runner)
    visits = f"/v1/cases/{case['case_id']}/visits"
    assert post(api, "civil-desk", visits, visit_body()).status_code == 201
    close_referrals(api, case)
    closure = post(api, "supervisor1", f"/v1/cases/{case['case_id']}/closure", {"reason": "处置完毕"})
    assert closure.status_code == 202
    closed_at = clocks.now()
    for days, allowed in ((29, 200), (31, 403)):
        monkeypatch.setattr(clocks, "now", lambda days=days: closed_at + timedelta(days=days))
        r = api.client.get(visits, headers=api.auth("civil-desk"))
        assert r.status_code == allowed, (days, r.text)
        supervisor = api.client.get(visits, headers=api.auth("supervisor1"))
        assert supervisor.status_code == 200 and supervisor.json()[0]["findings"]  # oversight keeps reading
    assert "30" in r.json()["detail"] and "孩子手臂" not in r.text
    login(api.client, "civil-desk", "/desk")
    page = api.client.get(f"/followups/cases/{case['case_id']}")
    assert page.status_code == 403 and "结案超过30天" in page.text and "孩子手臂" not in page.text
    refusals = [e for e in audit_entries(hotline) if e["action"] == "followup.read-refused"]
    assert len(refusals) == 2 and all(e["case_id"] == case["case_id"] for e in refusals)


def test_the_trail_by_api_is_filtered_newest_first_and_bounded(api: Api, hotline: ApiContainer) -> None:
    for n in range(30):
        hotline.audit.record(actor=f"desk{n % 3}", role="desk", resource_type="case",
                             action="referral.read" if n % 2 else "case.read",
                             case_id="c-1" if n < 10 else None)
    sequence(hotline)
    auditor = api.auth("auditor1")

    def read(**params: Any) -> Any:
        return api.client.get("/v1/audit", params=params, headers=auditor)
    everything = read().json()
    assert [e["seq"] for e in everything] == sorted((e["seq"] for e in everything), reverse=True)
    assert set(everything[0]) == {"seq", "at", "actor", "role", "unit", "action", "resource_type",
                                  "resource_id", "case_id"}
    five = read(limit=5)
    assert [e["seq"] for e in five.json()] == [e["seq"] for e in everything[:5]]
    older = read(limit=5, before=five.headers["X-Older-Before"]).json()
    assert [e["seq"] for e in older] == [e["seq"] for e in everything[5:10]]
    cases = read(action="case.", actor="desk1").json()
    assert cases and all(e["action"] == "case.read" and e["actor"] == "desk1" for e in cases)
    assert len(read(case_id="c-1").json()) == 10
    assert read(role="desk", limit=1000).json() and all(e["role"] == "desk" for e in read(role="desk").json())
    today = DAY.date().isoformat()
    assert len(read(since=today, action="referral.read").json()) == 15  # a time without offset: Beijing
    assert read(until=today).json() == [] or all(e["at"] < iso(DAY) for e in read(until=today).json())


@pytest.mark.parametrize("query", [
    "before=%C2%B2", "since=0001-01-01", "until=9999-12-31T23:59:59-23:59", "limit=0", "limit=abc",
    "limit=1001", "before=0", "before=99999999999999999999", "role=nobody", "since=2026-13-01",
    "since=2026-12-02&until=2026-12-01",
])
def test_bad_trail_filters_are_422_never_500(api: Api, query: str) -> None:
    r = api.client.get(f"/v1/audit?{query}", headers=api.auth("auditor1"))
    assert r.status_code == 422, (query, r.status_code, r.text)
    login(api.client, "auditor1")
    page = api.client.get(f"/audit?{query.replace('limit', 'actor')}")
    assert page.status_code in (200, 422) and page.status_code != 500
    if query.split("=")[0] in ("before", "since", "until"):
        assert page.status_code == 422 and 'id="filter-errors"' in page.text, query
        assert "筛选条件有误" in page.text
