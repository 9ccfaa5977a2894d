"""Nested jurisdictions (contract §12) as the oversight use cases apply them: a county supervisor
of 清城区 (441802) reads nothing of 连南 (441823), the city's (4418) reads both, one without a
region reads everything; an auditor likewise. Lists leave out, single reads are 404, counts count
only inside. One case in each county, filed and carried through triage and dispatch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from services.bootstrap import ApiContainer
from services.common.auditnote import AuditLog, Principal
from services.common.embedded import EmbeddedRunner
from services.common.errors import NotFound
from services.common.vocabulary import BEIJING
from services.oversight import case_scope
from services.oversight.board import active_plans, flagged_cases
from services.oversight.followups import VisitIn, file_visit, list_plans, read_visits
from services.oversight.jurisdiction import check_case_filter, narrowed
from services.oversight.ledger import month_bounds
from services.oversight.notifications import referral_deliveries
from services.oversight.referrals import read_referral
from tests.conftest import Api
from tests.helpers import report_body
from tests.unit.test_pages import login

COUNTY = Principal("sup-qc", "supervisor", region="441802")
CITY = Principal("sup-qy", "supervisor", region="4418")
PROVINCE = Principal("sup", "supervisor")
OTHER_CITY = Principal("sup-gz", "supervisor", region="4401")
COUNTY_AUDITOR = Principal("aud-qc", "auditor", region="441802")


@pytest.fixture
def cases(api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> dict[str, str]:
    """One case in 连南 (a village of 三江镇) and one in 清城区 (北门社区), by county."""
    made = {}
    for county, code, name in (("441823", "441823100201", "王小明"), ("441802", "441802001001", "陈小红")):
        r = api.submit(report_body(location={"region_code": code, "address": "某村三巷"},
                                   children=[{"name": name, "gender": "female", "age": 8}]),
                       key=f"k-{county}")
        assert r.status_code == 201, r.text
        runner.pump()
        link = hotline.view.case_for_report(r.json()["report_id"])
        assert link is not None
        made[county] = link["case_id"]
    return made


def ids(rows: Sequence[Mapping[str, Any]]) -> set[str]:
    return {r["case_id"] for r in rows}


def audit_of(hotline: ApiContainer) -> AuditLog:
    return AuditLog(hotline.audit, "test")


def test_a_county_supervisor_reads_only_the_countys_cases(hotline: ApiContainer,
                                                          cases: dict[str, str]) -> None:
    log = audit_of(hotline)
    assert ids(case_scope.list_cases(hotline, COUNTY, log, None, None)) == {cases["441802"]}
    assert case_scope.get_case(hotline, COUNTY, log, cases["441802"])["region_code"].startswith("441802")
    with pytest.raises(NotFound):
        case_scope.get_case(hotline, COUNTY, log, cases["441823"])
    assert ids(flagged_cases(hotline, COUNTY)) == {cases["441802"]}
    assert ids(active_plans(hotline, COUNTY)) == {cases["441802"]}
    assert ids(list_plans(hotline, COUNTY)) == {cases["441802"]}
    assert list_plans(hotline, COUNTY, region="441823") == []  # a filter outside: nothing
    assert case_scope.list_cases(hotline, OTHER_CITY, log, None, None) == []


def test_the_city_and_the_province_read_both_counties(hotline: ApiContainer, cases: dict[str, str]) -> None:
    log = audit_of(hotline)
    for who in (CITY, PROVINCE):
        assert ids(case_scope.list_cases(hotline, who, log, None, None)) == set(cases.values())
        assert ids(flagged_cases(hotline, who)) == set(cases.values())
        assert ids(active_plans(hotline, who)) == set(cases.values())
        for case_id in cases.values():
            assert case_scope.get_case(hotline, who, log, case_id)["case_id"] == case_id
    assert ids(list_plans(hotline, CITY, region="441823")) == {cases["441823"]}


def test_referrals_visits_and_the_ledger_outside_are_not_found(hotline: ApiContainer,
                                                                cases: dict[str, str]) -> None:
    log = audit_of(hotline)
    outside = hotline.view.get_case(cases["441823"])
    inside = hotline.view.get_case(cases["441802"])
    assert outside is not None and inside is not None and outside["referrals"] and inside["referrals"]
    with pytest.raises(NotFound):
        read_referral(hotline, outside["referrals"][0]["referral_id"], COUNTY, log)
    assert read_referral(hotline, inside["referrals"][0]["referral_id"], COUNTY, log)["case_id"] == inside[
        "case_id"]
    assert read_referral(hotline, outside["referrals"][0]["referral_id"], CITY, log)["case_id"] == outside[
        "case_id"]
    visit = VisitIn.model_validate({"visited_at": datetime.now(UTC).isoformat(), "visitor": "督办",
                                    "child_seen": True, "findings": "见到儿童", "measures": []})
    with pytest.raises(NotFound):
        file_visit(hotline, cases["441823"], visit, COUNTY, log.actor(COUNTY))
    with pytest.raises(NotFound):
        read_visits(hotline, cases["441823"], COUNTY, log)
    assert read_visits(hotline, cases["441802"], COUNTY, log) == []
    month = datetime.now(BEIJING).strftime("%Y-%m")
    ledger = hotline.view.ledger(*month_bounds(month), narrowed(COUNTY, None))
    assert {r["case_id"] for r in ledger} == {cases["441802"]}
    assert {r["case_id"] for r in hotline.view.ledger(*month_bounds(month), narrowed(PROVINCE, None))} == set(
        cases.values())
    for wider_or_apart in ("441823", "4418", "44"):
        with pytest.raises(NotFound):
            narrowed(COUNTY, wider_or_apart)
    assert narrowed(CITY, "441802") == "441802" and narrowed(PROVINCE, "441823") == "441823"


def test_a_county_auditor_filters_the_trail_by_the_countys_cases_only(hotline: ApiContainer,
                                                                      cases: dict[str, str]) -> None:
    check_case_filter(hotline, COUNTY_AUDITOR, cases["441802"])
    with pytest.raises(NotFound):
        check_case_filter(hotline, COUNTY_AUDITOR, cases["441823"])
    check_case_filter(hotline, Principal("aud", "auditor"), cases["441823"])  # no region: everywhere


def test_a_supervisors_commands_on_a_case_outside_are_not_found(api: Api, hotline: ApiContainer,
                                                                 cases: dict[str, str]) -> None:
    county = {"Authorization": f"Bearer {api.token('supervisor-qingcheng')}"}
    outside, inside = cases["441823"], cases["441802"]
    assert api.client.get(f"/v1/cases/{outside}", headers=county).status_code == 404
    assert api.client.get(f"/v1/cases/{inside}", headers=county).status_code == 200
    assert [c["case_id"] for c in api.client.get("/v1/cases", headers=county).json()] == [inside]
    for path, body in ((f"/v1/cases/{outside}/reassessments", {"risk_level": "blue", "reason": "x"}),
                       (f"/v1/cases/{outside}/review", {"note": "x"}),
                       (f"/v1/cases/{outside}/referrals", {"agency_id": "civil-441823", "reason": "x"}),
                       (f"/v1/cases/{outside}/closure", {"reason": "x"})):
        assert api.client.post(path, json=body, headers=county).status_code == 404, path
    reports = {c: hotline.view.get_case(i)["report_ids"][0] for c, i in cases.items()}  # type: ignore[index]
    assert api.client.get(f"/v1/reports/{reports['441823']}", headers=county).status_code == 404
    assert api.client.get(f"/v1/reports/{reports['441802']}", headers=county).json()["case_id"] == inside
    city = {"Authorization": f"Bearer {api.token('supervisor-qingyuan')}"}
    assert {c["case_id"] for c in api.client.get("/v1/cases", headers=city).json()} == {inside, outside}
    assert api.client.get("/v1/followups?region=441823", headers=county).json() == []
    assert api.client.get("/v1/ledger?region=441823", headers=county).status_code == 404
    month = datetime.now(BEIJING).strftime("%Y-%m")  # the monthly report counts the county's only
    report = api.client.get(f"/v1/stats/monthly?month={month}&format=csv", headers=county)
    assert report.status_code == 200 and "案件数,1" in report.text.replace("\r", ""), report.text[:300]
    wide = api.client.get(f"/v1/stats/monthly?month={month}&format=csv", headers=city)
    assert "案件数,2" in wide.text.replace("\r", "")
    assert api.client.get(f"/v1/stats/monthly?month={month}&region=441823", headers=county).status_code == 404
    auditor = {"Authorization": f"Bearer {api.token('auditor-qingcheng')}"}
    assert api.client.get(f"/v1/audit?case_id={outside}", headers=auditor).status_code == 404
    assert api.client.get(f"/v1/audit?case_id={inside}", headers=auditor).status_code == 200


def test_the_county_supervisors_pages_hold_only_the_countys_cases(api: Api, cases: dict[str, str]) -> None:
    login(api.client, "supervisor-qingcheng", home="/board")
    outside, inside = cases["441823"][:8], cases["441802"][:8]
    for path in ("/board", "/followups"):
        page = api.client.get(path)
        assert page.status_code == 200 and inside in page.text and outside not in page.text, path
    refused = api.client.get(f"/followups/cases/{cases['441823']}")
    assert refused.status_code == 404 and "未找到" in refused.text and outside not in refused.text
    notice = api.client.get(f"/board?done=review&case={cases['441823']}")
    assert outside not in notice.text  # no notice names a case outside
    login(api.client, "supervisor-qingyuan", home="/board")
    page = api.client.get("/followups").text
    assert inside in page and outside in page


def test_a_referrals_deliveries_are_read_only_inside_the_region(hotline: ApiContainer,
                                                                cases: dict[str, str]) -> None:
    outside = hotline.view.get_case(cases["441823"])
    inside = hotline.view.get_case(cases["441802"])
    assert outside is not None and inside is not None
    far, near = outside["referrals"][0]["referral_id"], inside["referrals"][0]["referral_id"]
    with pytest.raises(NotFound):
        referral_deliveries(hotline, COUNTY, far)
    with pytest.raises(NotFound):
        referral_deliveries(hotline, COUNTY, "no-such-referral")
    assert referral_deliveries(hotline, COUNTY, near) == referral_deliveries(hotline, PROVINCE, near)
    assert referral_deliveries(hotline, CITY, far) == referral_deliveries(hotline, PROVINCE, far)
