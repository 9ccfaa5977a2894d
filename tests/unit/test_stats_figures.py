"""The statistics of contract §7 against a known seeded set: counts by channel, day (Beijing),
region and level, acknowledgement-time percentiles next to the SLA, follow-ups and sentinel
silence; the auditor's 24-hour floor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from eventsourcing.persistence import Tracking

from projections.desk.processor import DeskProjection
from services.bootstrap import ApiContainer
from services.common.messages import (
    CASE_OPENED,
    FOLLOWUP_OPENED,
    FOLLOWUP_VISITED,
    REFERRAL_ACKNOWLEDGED,
    REFERRAL_DISPATCHED,
    Message,
)
from tests.conftest import Api

NOW = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)  # 12:00 in Beijing
SLA = {"red": 900, "orange": 7200, "yellow": 86400, "blue": 259200}
SENTINELS = [
    {"sentinel_id": "s-school", "name": "三江小学", "kind": "school", "region_code": "441823100",
     "registered_at": NOW - timedelta(days=200)},
    {"sentinel_id": "s-clinic", "name": "寨岗卫生院", "kind": "community", "region_code": "441823200",
     "registered_at": NOW - timedelta(days=40)},
    {"sentinel_id": "s-city", "name": "清城社区", "kind": "community", "region_code": "441802001",
     "registered_at": NOW - timedelta(days=10)},
]
# (hours before NOW, channel, region, level, concerns, seconds to acknowledge or None, sentinel)
SEED: list[tuple[float, str, str, str, list[str], float | None, str | None]] = [
    (1, "hotline_12345", "441823100201", "red", ["sexual_abuse"], 60, None),
    (2, "hotline_12345", "441823100", "red", ["trafficking_abduction"], 120, None),
    (13, "sentinel", "441823100", "red", ["serious_injury"], 300, "s-school"),  # the day before, Beijing
    (14, "web_form", "441823200", "red", ["sexual_abuse"], 1000, None),  # acknowledged late
    (15, "hotline_12349", "441823", "orange", ["domestic_violence"], 3600, None),
    (30, "sentinel", "441823100", "yellow", ["neglect"], None, "s-school"),
    (40, "web_form", "441802001", "blue", [], None, None),
]


def _message(kind: str, source: str, aggregate: str, data: dict[str, Any], at: datetime,
             version: int = 1) -> Message:
    return Message(id=f"{source}/{aggregate}/{version}", source=f"/hotline/{source}", type=kind,
                   time=at, key=data["case_id"], data=data)


def seed(projection: DeskProjection) -> None:
    position = 0

    def apply(m: Message) -> None:
        nonlocal position
        position += 1
        projection.process_event(m, Tracking("seed", position))

    for i, (hours, channel, region, level, concerns, ack, sentinel) in enumerate(SEED):
        at, case_id = NOW - timedelta(hours=hours), f"case-{i}"
        apply(_message(CASE_OPENED, "triage", case_id, {
            "case_id": case_id, "report_id": f"report-{i}", "risk_level": level,
            "initial_risk_level": level, "concerns": concerns, "region_code": region,
            "needs_review": False, "rule_version": "v1", "rationale": "", "opened_at": at.isoformat(),
            "channel": channel, "sentinel_id": sentinel, "suggested_categories": []}, at))
        referral = f"ref-{i}"
        apply(_message(REFERRAL_DISPATCHED, "dispatch", referral, {
            "referral_id": referral, "case_id": case_id, "agency_id": "police-441823",
            "agency_kind": "police", "risk_level": level, "concerns": concerns,
            "dispatched_at": at.isoformat(), "due_at": (at + timedelta(seconds=SLA[level])).isoformat(),
            "matrix_version": "v1"}, at))
        if ack is not None:
            acked = at + timedelta(seconds=ack)
            apply(_message(REFERRAL_ACKNOWLEDGED, "dispatch", referral, {
                "referral_id": referral, "case_id": case_id, "agency_id": "police-441823",
                "status": "acknowledged", "at": acked.isoformat(), "by": "desk"}, acked, 2))
        plan, due = f"plan-{i}", at + timedelta(days=3 if i != 0 else 100)
        apply(_message(FOLLOWUP_OPENED, "dispatch", plan, {
            "case_id": case_id, "plan_id": plan, "lead_agency_id": "civil-441823", "risk_level": level,
            "region_code": region, "opened_at": at.isoformat(), "at": at.isoformat(),
            "next_visit_due": (at + timedelta(hours=1)).isoformat()}, at))
        if i in (0, 1):  # visited: due again later; the others are overdue by now
            apply(_message(FOLLOWUP_VISITED, "dispatch", plan, {
                "case_id": case_id, "plan_id": plan, "visit_id": f"visit-{i}", "at": at.isoformat(),
                "visited_at": at.isoformat(), "visitor": "王主任", "child_seen": True, "measures": [],
                "suggested_risk_level": None, "next_visit_due": due.isoformat(), "by": "civil-desk"},
                at, 2))


def test_the_figures_of_a_known_set(hotline: ApiContainer) -> None:
    check_known_set(hotline.view)


def check_known_set(view: Any) -> None:
    """Seed the view, then every figure (also run on PostgreSQL by the integration tests)."""
    seed(DeskProjection(view))
    s = view.stats(None, None, NOW, sla=SLA, sentinels=SENTINELS)
    assert s["reports"] == 7 and s["cases"] == 7
    assert s["by_channel"] == {"hotline_12345": 2, "hotline_12349": 1, "sentinel": 2, "web_form": 2}
    assert s["by_region"] == {"441802": 1, "441823": 6}
    assert s["by_risk_level"] == {"blue": 1, "orange": 1, "red": 4, "yellow": 1}
    # Beijing days: NOW is 11-30 12:00; 13 h earlier is 11-29 23:00.
    assert [(d["day"], d["reports"]) for d in s["by_day"]] == [
        ("2026-11-28", 1), ("2026-11-29", 4), ("2026-11-30", 2)]
    assert s["by_day"][1]["by_channel"] == {"hotline_12349": 1, "sentinel": 2, "web_form": 1}
    red = s["ack_seconds"]["red"]
    assert red == {"n": 4, "p50": 120.0, "p90": 1000.0, "p95": 1000.0, "sla_seconds": 900,
                   "within_sla": 3}
    assert s["ack_seconds"]["orange"]["p50"] == 3600.0 and s["ack_seconds"]["blue"] == {
        "n": 0, "sla_seconds": 259200, "within_sla": 0}
    assert s["overdue"] == 1  # the yellow referral: unacknowledged 30 h, due after 24 (blue: 72)
    assert s["followups"] == {"active": 7, "overdue": 5, "due_within_7_days": 1, "closed": 0,
                              "visits_done": 2}
    silent = [(x["name"], x["reports"], x["silent_days"]) for x in s["sentinels"]]
    assert silent == [("寨岗卫生院", 0, 40), ("清城社区", 0, 10), ("三江小学", 2, 0)]

    county = view.stats(None, None, NOW, region="441823", sla=SLA, sentinels=SENTINELS)
    assert county["reports"] == 6 and county["by_region"] == {
        "441823": 1, "441823100": 4, "441823200": 1}
    assert [x["name"] for x in county["sentinels"]] == ["寨岗卫生院", "三江小学"]
    day = view.stats(NOW - timedelta(hours=12), NOW, NOW, sla=SLA, sentinels=SENTINELS)
    assert day["reports"] == 2 and day["followups"]["visits_done"] == 2
    assert day["sentinels"][-1]["reports"] == 0  # in this window the school reported nothing

    # Whole Beijing days over a county or more are summed from the daily counts; the same
    # figures as grouping the rows.
    nov_29 = datetime(2026, 11, 28, 16, 0, tzinfo=UTC)  # 11-29 00:00 in Beijing
    for since, until, region in [(None, None, None), (None, None, "441823"), (None, None, "44"),
                                 (nov_29, nov_29 + timedelta(days=1), None),
                                 (nov_29, None, "441823"), (None, nov_29, None)]:
        summed = view.stats(since, until, NOW, region=region, sla=SLA, sentinels=SENTINELS)
        assert summed == view.stats(since, until, NOW, region=region, sla=SLA, sentinels=SENTINELS,
                                    daily=False), (since, until, region)
    # Placed above the towns (a roll-up's last group, #28): the county-only case, from the rows
    # and from the daily counts alike.
    nov_1 = datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    for since, until in [(None, NOW), (nov_1, nov_1 + timedelta(days=30))]:
        rest = view.stats(since, until, NOW, region="441823", sla=SLA, sentinels=SENTINELS, shallower=9)
        assert (rest["reports"], rest["cases"], rest["by_region"]) == (1, 1, {"441823": 1}), since
        assert rest == view.stats(since, until, NOW, region="441823", sla=SLA, sentinels=SENTINELS,
                                  shallower=9, daily=False)
    one_day = view.stats(nov_29, nov_29 + timedelta(days=1), NOW, sla=SLA, sentinels=SENTINELS)
    assert one_day["reports"] == 4 and one_day["by_risk_level"] == {"orange": 1, "red": 2, "yellow": 1}
    assert one_day["by_referral_status"] == {"acknowledged": 3, "dispatched": 1}
    assert one_day["ack_seconds"]["red"]["within_sla"] == 1  # 300 s in time, 1000 s late


def test_an_auditor_cannot_ask_for_less_than_a_day(api: Api) -> None:
    def ask(user: str, **params: str) -> Any:
        return api.client.get("/v1/stats", params=params, headers=api.auth(user))

    narrow = {"since": "2026-11-29T08:00:00+08:00", "until": "2026-11-29T20:00:00+08:00"}
    r = ask("auditor1", **narrow)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "since"]
    assert ask("supervisor1", **narrow).status_code == 200
    # 24 hours that are not a whole Beijing day are refused too (contract §10): whole days only.
    shifted = {"since": "2026-11-28T08:00:00+08:00", "until": "2026-11-29T08:00:00+08:00"}
    assert ask("auditor1", **shifted).status_code == 422
    day = {"since": "2026-11-28T00:00:00+08:00", "until": "2026-11-29T00:00:00+08:00"}
    assert ask("auditor1", **day).status_code == 200
    recent = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    assert ask("auditor1", since=recent).status_code == 422  # until defaults to now
    assert ask("supervisor1", since="2026-11-29T08:00:00+08:00", until="2026-11-28T08:00:00+08:00"
               ).status_code == 422
    assert ask("supervisor1", region="44x").status_code == 422


def test_the_stats_page_draws_from_the_same_figures(api: Api) -> None:
    from tests.unit.test_pages import login

    login(api.client, "auditor1")
    page = api.client.get("/stats")
    # No report yet: each chart's place says 暂无数据 rather than drawing bare axes.
    assert page.status_code == 200 and 'id="c-day-empty"' in page.text and "统计分析" in page.text
    assert 'src="/static/echarts/echarts.common.min.js"' in page.text and "nonce=" in page.text
    script = api.client.get("/static/echarts/echarts.common.min.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert api.client.get("/static/echarts/LICENSE").status_code == 404
    narrow = api.client.get("/stats", params={"from": "2026-11-29", "to": "2026-11-28"})
    assert narrow.status_code == 422 and "无法统计" in narrow.text
    login(api.client, "operator1")
    assert api.client.get("/stats").status_code == 403
