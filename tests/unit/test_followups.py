"""Follow-up through the API in memory (contract §6): the lead unit's list, visits with sealed
findings, helpers, closure (409 while a referral is open), reopening, the scheduler's rounds,
categories and the monthly ledger."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

from openpyxl import load_workbook

from projections.desk.followup_queries import HELPERLESS_PLANS
from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from services.dispatch.scheduler import EscalationScheduler
from services.oversight.followups import in_visit_order
from services.oversight.ledger import BEIJING, month_bounds
from services.oversight.sheets import text_width
from tests.conftest import Api
from tests.helpers import audit_entries, on_call_everywhere, report_body
from tests.unit.test_desk import post, red_case, referral_of


def visit_body(**overrides: Any) -> dict[str, Any]:
    body = {"visited_at": datetime.now(UTC).isoformat(), "visitor": "王主任", "child_seen": True,
            "findings": "孩子手臂有淤青，已联系学校心理老师", "measures": ["psychological_support"]}
    return {**body, **overrides}


def get(api: Api, user: str, path: str, **params: Any) -> Any:
    return api.client.get(path, params=params, headers=api.auth(user))


def close_referrals(api: Api, case: dict[str, Any]) -> None:
    for kind, desk in (("police", "police-desk"), ("hospital", "hospital-desk")):
        post(api, desk, f"/v1/referrals/{referral_of(case, kind)}/acknowledge")
        r = post(api, desk, f"/v1/referrals/{referral_of(case, kind)}/outcome",
                 {"outcome": "已处置", "note": ""})
        assert r.status_code == 200, r.text


def test_the_regions_civil_affairs_unit_leads_every_plan(api: Api, runner: EmbeddedRunner) -> None:
    case = red_case(api, runner)  # police and hospital referrals: civil affairs got none
    assert all(r["agency_kind"] != "civil_affairs" for r in case["referrals"])
    plan = case["followup"]
    assert plan["lead_agency_id"] == "civil-441823" and plan["visits"] == [] and not plan["overdue"]
    (listed,) = get(api, "civil-desk", "/v1/followups").json()
    assert listed["case_id"] == case["case_id"] and listed["visits_done"] == 0
    assert listed["status"] == "active" and listed["risk_level"] == "red" and listed["helper"] is None
    assert get(api, "police-desk", "/v1/followups").json() == []  # not a plan its unit leads
    assert len(get(api, "supervisor1", "/v1/followups", region="4418").json()) == 1
    assert get(api, "supervisor1", "/v1/followups", region="1101").json() == []
    assert get(api, "supervisor1", "/v1/followups", region="x").status_code == 422
    assert get(api, "operator1", "/v1/followups").status_code == 403



def test_another_visit_of_the_same_minute_and_visitor_is_kept(api: Api, runner: EmbeddedRunner) -> None:
    """The civil-affairs desk's review (stop 43): a second visit filed for the same minute and
    visitor with other findings was taken for a retry of the first and answered as recorded, and
    nothing of it was kept. A retry is the same form again; anything else filed is a visit."""
    case = red_case(api, runner)
    path = f"/v1/cases/{case['case_id']}/visits"
    at = datetime.now(UTC).replace(second=0, microsecond=0).isoformat()
    first = post(api, "civil-desk", path, visit_body(visited_at=at))
    other = post(api, "civil-desk", path, visit_body(visited_at=at, child_seen=False, findings="家中无人"))
    again = post(api, "civil-desk", path, visit_body(visited_at=at, child_seen=False, findings="家中无人"))
    assert first.status_code == other.status_code == again.status_code == 201
    assert other.json()["visit_id"] != first.json()["visit_id"]
    assert again.json()["visit_id"] == other.json()["visit_id"]  # the same form again: a retry
    visits = get(api, "civil-desk", f"/v1/cases/{case['case_id']}/visits").json()
    assert sorted((v["child_seen"], v["findings"]) for v in visits) == [
        (False, "家中无人"), (True, "孩子手臂有淤青，已联系学校心理老师")]
    # Listed as the desk view lists them (the same review: the order changed from one load to
    # the next, and a not-seen visit listed last read as the latest while no revisit was asked):
    # by time; of one minute, the visit that saw the child last, as the plan's clock counts it.
    runner.pump()
    viewed = get(api, "supervisor1", f"/v1/cases/{case['case_id']}").json()["followup"]["visits"]
    listed = [v["visit_id"] for v in visits]
    assert listed == [v["visit_id"] for v in viewed] == [other.json()["visit_id"], first.json()["visit_id"]]
    filed = [{"visit_id": "b", "visited_at": at, "child_seen": False},
             {"visit_id": "a", "visited_at": at, "child_seen": True},
             {"visit_id": "d", "visited_at": at, "child_seen": False},
             {"visit_id": "c", "visited_at": "2000-01-01T00:00:00+00:00", "child_seen": True}]
    assert [v["visit_id"] for v in in_visit_order(filed)] == ["c", "b", "d", "a"]

def test_a_visit_is_recorded_once_and_moves_the_due_date(api: Api, runner: EmbeddedRunner) -> None:
    case = red_case(api, runner)
    path = f"/v1/cases/{case['case_id']}/visits"
    body = visit_body()
    first = post(api, "civil-desk", path, body)
    assert first.status_code == 201, first.text
    due = datetime.fromisoformat(first.json()["next_visit_due"])
    assert due == datetime.fromisoformat(body["visited_at"]) + timedelta(days=3)  # red: every 3 days
    again = post(api, "civil-desk", path, body)  # a retry, a double tap
    assert again.status_code == 201 and again.json()["visit_id"] == first.json()["visit_id"]
    assert post(api, "police-desk", path, body).status_code == 404  # not the lead unit
    assert post(api, "operator1", path, body).status_code == 403
    assert post(api, "supervisor1", path, visit_body(visitor="督导员")).status_code == 201
    runner.pump()
    plan = get(api, "supervisor1", f"/v1/cases/{case['case_id']}").json()["followup"]
    assert [v["visitor"] for v in plan["visits"]] == ["王主任", "督导员"]
    assert plan["visits"][0]["measures"] == ["psychological_support"] and "findings" not in plan["visits"][0]
    (listed,) = get(api, "civil-desk", "/v1/followups").json()
    assert listed["visits_done"] == 2
    read = get(api, "civil-desk", f"/v1/cases/{case['case_id']}/visits").json()
    assert read[0]["findings"] == body["findings"]  # the lead unit reads what it wrote
    assert any(e["action"] == "followup.read" for e in audit_entries(api.client.app.state.container,  # type: ignore[attr-defined]
                                                                      case["case_id"]))


def test_a_visit_in_the_future_before_the_case_or_with_bad_fields_is_refused(
        api: Api, runner: EmbeddedRunner) -> None:
    case = red_case(api, runner)
    path = f"/v1/cases/{case['case_id']}/visits"
    now = datetime.now(UTC)
    cases = [
        ({"visited_at": (now + timedelta(hours=1)).isoformat()}, "visited_at"),
        ({"visited_at": (now - timedelta(days=30)).isoformat()}, "visited_at"),
        ({"visited_at": "2026-11-28T20:00:00"}, "visited_at"),  # no offset: which time?
        ({"measures": ["cash"]}, "measures"),
        ({"findings": ""}, "findings"),
        ({"suggested_risk_level": "purple"}, "suggested_risk_level"),
    ]
    for change, field in cases:
        r = post(api, "civil-desk", path, visit_body(**change))
        assert r.status_code == 422, (change, r.text)
        assert field in r.json()["detail"][0]["loc"], r.json()
    runner.pump()
    assert get(api, "civil-desk", "/v1/followups").json()[0]["visits_done"] == 0  # nothing kept


def test_a_suggested_level_flags_the_case_until_a_reassessment(api: Api, runner: EmbeddedRunner,
                                                               hotline: ApiContainer) -> None:
    on_call_everywhere(hotline)  # so the only reason to look is the visit's
    case = red_case(api, runner)
    r = post(api, "civil-desk", f"/v1/cases/{case['case_id']}/visits",
             visit_body(suggested_risk_level="orange"))
    assert r.status_code == 201
    runner.pump()
    flagged = get(api, "supervisor1", f"/v1/cases/{case['case_id']}").json()
    assert flagged["needs_review"] and flagged["risk_level"] == "red"  # a flag, not a change
    assert flagged["review_reasons"] == ["suggested_level"]
    assert flagged["followup"]["suggested_level"] == "orange"
    r = post(api, "supervisor1", f"/v1/cases/{case['case_id']}/reassessments",
             {"risk_level": "orange", "reason": "走访核实", "categories": ["left_behind"]})
    assert r.status_code == 202 and r.json()["categories"] == ["left_behind"]
    runner.pump()
    reviewed = get(api, "supervisor1", f"/v1/cases/{case['case_id']}").json()
    assert not reviewed["needs_review"] and reviewed["categories"] == ["left_behind"]
    assert reviewed["review_reasons"] == []
    assert reviewed["followup"]["next_visit_due"] != flagged["followup"]["next_visit_due"]  # re-planned
    bad = post(api, "supervisor1", f"/v1/cases/{case['case_id']}/reassessments",
               {"risk_level": "orange", "reason": "x", "categories": ["poor"]})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][:2] == ["body", "categories"]


def test_categories_are_suggested_from_concerns(api: Api, runner: EmbeddedRunner) -> None:
    report = api.submit(report_body(concerns=["wandering_begging", "parents_detained_or_rehab"],
                                    immediate_danger=False), key="wander").json()
    runner.pump()
    case_id = get(api, "operator1", f"/v1/reports/{report['report_id']}").json()["case_id"]
    case = get(api, "supervisor1", f"/v1/cases/{case_id}").json()
    assert case["categories"] == [] and case["suggested_categories"] == ["guardianship_missing", "wandering"]


def test_the_lead_desk_pairs_a_helper(api: Api, runner: EmbeddedRunner) -> None:
    case = red_case(api, runner)
    path = f"/v1/cases/{case['case_id']}/helper"
    assert post(api, "supervisor1", path, {"helper": "李老师"}).status_code == 403
    assert post(api, "police-desk", path, {"helper": "李老师"}).status_code == 404
    assert post(api, "civil-desk", path, {"helper": ""}).status_code == 422
    r = post(api, "civil-desk", path, {"helper": "李老师"})
    assert r.status_code == 200 and r.json()["helper"] == "李老师"
    runner.pump()
    assert get(api, "civil-desk", "/v1/followups").json()[0]["helper"] == "李老师"


def test_closure_waits_for_every_referral_and_a_new_report_reopens(
        api: Api, runner: EmbeddedRunner) -> None:
    case = red_case(api, runner)
    path = f"/v1/cases/{case['case_id']}/closure"
    assert post(api, "civil-desk", path, {"reason": "x"}).status_code == 403
    assert post(api, "supervisor1", path, {"reason": ""}).status_code == 422
    still_open = post(api, "supervisor1", path, {"reason": "处置完毕"})
    assert still_open.status_code == 409 and "连南瑶族自治县公安局" in still_open.text  # the unit by name
    close_referrals(api, case)
    closed = post(api, "supervisor1", path, {"reason": "处置完毕"})
    assert closed.status_code == 202 and closed.json()["status"] == "closed"
    runner.pump()
    assert get(api, "supervisor1", f"/v1/cases/{case['case_id']}").json()["status"] == "closed"
    assert get(api, "operator1", f"/v1/reports/{case['report']['report_id']}").json()["status"] == "closed"
    (plan,) = get(api, "supervisor1", "/v1/followups").json()
    assert plan["status"] == "closed" and not plan["overdue"]
    assert post(api, "civil-desk", f"/v1/cases/{case['case_id']}/visits", visit_body()).status_code == 409
    assert post(api, "supervisor1", path, {"reason": "again"}).status_code == 409
    # The same child reported again within 30 days: the case and its plan open again.
    api.submit(report_body(concerns=["neglect"], immediate_danger=False), key="again")
    runner.pump()
    reopened = get(api, "supervisor1", f"/v1/cases/{case['case_id']}").json()
    assert reopened["status"] != "closed" and reopened["followup"]["status"] == "active"
    assert [t["type"] for t in reopened["timeline"]].count("case_reopened") == 1


def test_the_scheduler_notes_a_late_visit_once_per_due_date_also_after_a_restart(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    case = red_case(api, runner)
    due = datetime.fromisoformat(case["followup"]["next_visit_due"])
    late = due + timedelta(seconds=1)

    def scheduler() -> EscalationScheduler:  # a new one is a restart: it keeps nothing
        return EscalationScheduler(hotline.dispatch, hotline.view, clock=lambda: late)

    assert scheduler().followup_round(due - timedelta(seconds=1)) == (0, 0)  # not yet
    assert scheduler().followup_round(late) == (1, 0)
    assert scheduler().followup_round(late) == (0, 0)  # the plan says: already noted
    runner.pump()
    assert scheduler().followup_round(late + timedelta(hours=1)) == (0, 0)  # the view agrees
    listed = get(api, "supervisor1", "/v1/followups", overdue="true").json()
    assert [p["case_id"] for p in listed] == [case["case_id"]]
    timeline = get(api, "supervisor1", f"/v1/cases/{case['case_id']}").json()["timeline"]
    assert [t["type"] for t in timeline].count("followup_overdue") == 1
    # A visit moves the due date on; its own lateness is noted once more, later.
    visited = post(api, "civil-desk", f"/v1/cases/{case['case_id']}/visits", visit_body())
    runner.pump()
    next_due = datetime.fromisoformat(visited.json()["next_visit_due"])
    # (three days on, the red case still has no helper: flagged too, once)
    assert scheduler().followup_round(next_due + timedelta(seconds=1)) == (1, 1)


def test_an_orange_or_red_case_without_a_helper_is_flagged_after_72_hours(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    case = red_case(api, runner)
    opened = datetime.fromisoformat(case["opened_at"])
    s = EscalationScheduler(hotline.dispatch, hotline.view)
    at = opened + timedelta(hours=72, seconds=1)
    assert s.followup_round(opened + timedelta(hours=71))[1] == 0
    assert s.followup_round(at)[1] == 1
    assert s.followup_round(at)[1] == 0
    runner.pump()
    assert get(api, "civil-desk", "/v1/followups").json()[0]["helper_missing"]
    post(api, "civil-desk", f"/v1/cases/{case['case_id']}/helper", {"helper": "李老师"})
    runner.pump()
    assert not get(api, "civil-desk", "/v1/followups").json()[0]["helper_missing"]


def test_the_ledger_has_one_row_per_child_in_csv_and_xlsx_and_each_case_read_is_audited(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    two = report_body(children=[
        {"name": "王小明", "gender": "male", "age": 9, "id_number": "441823201501011237"},
        {"name": "王小红", "gender": "female", "age": 6, "id_number": None}])
    case = red_case(api, runner)
    api.submit(two, key="siblings")  # the same child: joins the case, and brings a sibling
    runner.pump()
    month = datetime.fromisoformat(case["opened_at"]).astimezone(BEIJING).strftime("%Y-%m")  # China's month
    r = get(api, "supervisor1", "/v1/ledger", month=month, format="csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["案件编号", "区划代码", "地点", "儿童姓名"]  # the place by name too
    assert sorted(row[3] for row in rows[1:]) == ["王小明", "王小红"]  # one row per child
    assert {row[0] for row in rows[1:]} == {case["case_id"]}
    x = get(api, "supervisor1", "/v1/ledger", month=month, format="xlsx")
    sheet = load_workbook(io.BytesIO(x.content)).active
    assert sheet is not None
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0] == rows[0] and sorted(str(c[3]) for c in cells[1:]) == ["王小明", "王小红"]
    for row in sheet.iter_rows():  # nothing cut off: each column as wide as what it holds (stop 50)
        for cell in row:
            if cell.value not in (None, ""):
                width = sheet.column_dimensions[cell.column_letter].width
                assert width >= text_width(cell.value) + 1, (cell.value, width)
    reads = [e for e in audit_entries(hotline, case["case_id"]) if e["action"] == "ledger.read"]
    assert len(reads) == 2  # one per export, for this case
    assert get(api, "supervisor1", "/v1/ledger", month="2020-01").content.decode("utf-8-sig").count("\n") == 1
    assert get(api, "supervisor1", "/v1/ledger", month="2026-13").status_code == 422
    assert get(api, "supervisor1", "/v1/ledger", month="0000-01").status_code == 422  # no year 0
    assert get(api, "supervisor1", "/v1/ledger", month=month, format="pdf").status_code == 422
    assert get(api, "civil-desk", "/v1/ledger", month=month).status_code == 403


def test_a_ledger_month_is_a_calendar_month_in_china() -> None:
    start, end = month_bounds("2026-12")
    assert start.isoformat() == "2026-12-01T00:00:00+08:00" and end.isoformat() == "2027-01-01T00:00:00+08:00"
    assert datetime(2026, 11, 30, 17, 0, tzinfo=UTC) >= start  # already December in Beijing


def helperless_plans_read_by_their_index(view: Any) -> str:
    """The scheduler's look each second for plans wanting a helper goes through the partial
    index of those plans, not through every active plan (55 rows read a report after 3,000
    reports, found by #31's per-table counts); the plan's text, for a failure to show."""
    if view.sql.postgres:
        with view.sql.transaction(commit=False) as c:
            c.execute("SET LOCAL enable_seqscan = off")  # a small table is scanned whatever its indexes
            c.execute(f"EXPLAIN {HELPERLESS_PLANS.replace('?', '%s')}", (0.0,))
            steps = " ".join(str(next(iter(r.values()))) for r in c.fetchall())
        assert "view_followups_helperless" in steps, steps
    else:
        plan = view.sql.rows(f"EXPLAIN QUERY PLAN {HELPERLESS_PLANS}", (0.0,))
        steps = " ".join(str(r["detail"]) for r in plan)
        assert "USING INDEX view_followups_helperless" in steps, steps
    return steps


def test_the_scheduler_reads_only_the_plans_that_may_want_a_helper(hotline: ApiContainer) -> None:
    helperless_plans_read_by_their_index(hotline.view)


def test_a_visit_may_bring_the_next_one_forward_but_never_put_it_off(api: Api,
                                                                     runner: EmbeddedRunner) -> None:
    """The child director's review (stop 54): a father promised the boy back at school "tomorrow";
    the next visit could only be the level's interval away."""
    case = red_case(api, runner)
    path = f"/v1/cases/{case['case_id']}/visits"
    now = datetime.now(UTC)
    later = post(api, "civil-desk", path, visit_body(next_visit_by=(now + timedelta(days=10)).isoformat()))
    assert later.status_code == 422 and "next_visit_by" in later.text  # red: every 3 days at most
    past = post(api, "civil-desk", path, visit_body(next_visit_by=(now - timedelta(hours=1)).isoformat()))
    assert past.status_code == 422 and "next_visit_by" in past.text
    tomorrow = now + timedelta(days=1)
    r = post(api, "civil-desk", path, visit_body(next_visit_by=tomorrow.isoformat()))
    assert r.status_code == 201, r.text
    assert datetime.fromisoformat(r.json()["next_visit_due"]) == tomorrow
