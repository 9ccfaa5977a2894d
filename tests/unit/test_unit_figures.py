"""/stats names each unit's timeliness (stop 58's city supervisor: "超时未接收 1 件" by county and
kind only, never which unit): referrals, in time, late, still waiting past their time, declined or
withdrawn, the mean time to take one on; latest units first; a region-bound supervisor's only."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from eventsourcing.persistence import Tracking

from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.helpers import report_body
from tests.unit.test_board_page import visible
from tests.unit.test_desk import post, red_case, referral_of
from tests.unit.test_pages import login


def test_each_unit_is_counted_and_the_latest_comes_first(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    case = red_case(api, runner)
    police, hospital = referral_of(case, "police"), referral_of(case, "hospital")
    assert post(api, "hospital-desk", f"/v1/referrals/{hospital}/acknowledge").status_code == 200
    runner.pump()
    later = datetime.now(UTC) + timedelta(hours=2)  # the police's 15 minutes long past
    listed = hotline.view.unit_figures(None, None, later)
    figures = {u["agency_id"]: u for u in listed}
    assert listed[0]["agency_id"] == "police-441823"
    assert figures["police-441823"] == {"agency_id": "police-441823", "referrals": 1, "on_time": 0,
                                        "late": 0, "missed": 1, "waiting_late": 1, "declined": 0,
                                        "mean_ack_seconds": None}
    h = figures["hospital-441823"]
    assert (h["referrals"], h["on_time"], h["late"], h["waiting_late"]) == (1, 1, 0, 0)
    assert h["mean_ack_seconds"] is not None and h["mean_ack_seconds"] >= 0
    withdrawn = post(api, "supervisor1", f"/v1/referrals/{police}/withdrawal", {"reason": "改由派出所办理"})
    assert withdrawn.status_code == 200
    runner.pump()
    police_now = {u["agency_id"]: u for u in hotline.view.unit_figures(None, None, later)}["police-441823"]
    assert police_now["declined"] == 1
    assert hotline.view.unit_figures(None, None, later, region="441802") == []  # another county: none


def units_table(api: Api) -> str:
    return re.search(r'<table id="units">.*?</table>', api.client.get("/stats").text, re.S).group(0)  # type: ignore[union-attr]


def test_the_stats_page_lists_the_units_of_the_callers_region(api: Api, runner: EmbeddedRunner) -> None:
    red_case(api, runner)
    api.submit(report_body(children=[{"name": "林小东", "age": 6}],
                           location={"region_code": "441802", "address": "某街"}), key="qingcheng")
    runner.pump()
    login(api.client, "supervisor1")
    table = units_table(api)
    said = visible(table)
    assert "连南瑶族自治县公安局连南瑶族自治县1" in said  # with the county each unit serves (stop 61)
    assert "清远市公安局清城分局清城区1" in said
    login(api.client, "supervisor-qingcheng", home="/board")
    table = units_table(api)
    assert "清城分局" in table and "连南" not in table


SEEDED = ("INSERT INTO view_referrals (referral_id, case_id, agency_id, agency_kind, status, risk_level,"
          " concerns, dispatched_at, due_at, dispatched_ts, due_ts, acknowledged_ts, ack_seconds,"
          " region_code, case_opened_ts, escalated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")


def check_seeded_units(view: Any, prefix: str) -> None:
    """Three referrals of one unit (in time after 60 s, late after 1,200 s, still waiting past its
    time) and two declined of another (one after it had been escalated: its lateness stays), each
    by its columns: SQLite and PostgreSQL alike."""
    at = "2026-12-06T01:00:00+00:00"
    rows = [("a", "unit-a", "acknowledged", 1060.0, 60.0, 2000.0),
            ("b", "unit-a", "closed", 2200.0, 1200.0, 2000.0),
            ("c", "unit-a", "escalated", None, None, 1500.0), ("d", "unit-b", "declined", None, None, 1900.0),
            ("e", "unit-b", "declined", None, None, 1200.0)]
    view.apply([(SEEDED, (f"{prefix}{r}", f"{prefix}case", unit, "police", status, "red", "[]", at, at,
                          1000.0, due, acked, ack, "441823", 1000.0, at if r in "ce" else None))
                for r, unit, status, acked, ack, due in rows],
               Tracking(f"seed.units.{prefix}", 1))
    found = {u["agency_id"]: u for u in view.unit_figures(None, None, datetime.fromtimestamp(3000, UTC))}
    assert found["unit-a"] == {"agency_id": "unit-a", "referrals": 3, "on_time": 1, "late": 1, "missed": 1,
                               "waiting_late": 1, "declined": 0, "mean_ack_seconds": 630.0}
    b = found["unit-b"]
    assert (b["declined"], b["missed"], b["waiting_late"], b["mean_ack_seconds"]) == (2, 1, 0, None)


def test_the_figures_of_seeded_referrals(hotline: ApiContainer) -> None:
    check_seeded_units(hotline.view, "s")


def test_the_summary_counts_referrals_taken_on_late_as_well_as_those_still_waiting(
        api: Api, hotline: ApiContainer) -> None:
    """Stop 62's county supervisor: "超时未接收转介 0 件" read as nothing late, while police had
    taken one on 17 minutes after its deadline; that was only in the units' table."""
    now = datetime.now(UTC).timestamp()
    at = datetime.fromtimestamp(now - 2000, UTC).isoformat()
    hotline.view.apply([(SEEDED, ("late-taken", "late-case", "police-441823", "police", "acknowledged", "red",
                                  "[]", at, at, now - 2000, now - 1100, now - 100, 1900.0, "441823",
                                  now - 2000, None))], Tracking("seed.late-taken", 1))
    login(api.client, "supervisor1")
    said = visible(api.client.get("/stats").text)
    assert "此刻超时未接收转介0件·期间超时接收1件" in said
