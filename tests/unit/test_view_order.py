"""The desk view does not depend on arrival order across topics, nor on duplicates: a stream
recorded from the real applications, interleaved and repeated every which way, ends in the
same rows as when it is applied in the order it happened."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from eventsourcing.persistence import Tracking
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projections.desk import rollup
from projections.desk.processor import DeskProjection
from projections.desk.view import DeskView
from services.bootstrap import TRANSLATORS, ApiContainer, Wiring
from services.common.embedded import EmbeddedRunner
from services.common.messages import CASES_TOPIC, REFERRALS_TOPIC, Message
from services.common.settings import Settings
from tests.conftest import Api
from tests.helpers import report_body

TABLES = ("view_cases", "view_case_concerns", "view_case_reports", "view_submissions",
          "view_referrals", "view_timeline", "view_case_flags", "view_stats_daily")
COUNTS = "SELECT figure, day, township, key, n FROM view_stats_daily WHERE n <> 0"


def recorded(app: Any, translate: Any) -> list[Message]:
    """Everything an application published, as its relay would publish it."""
    notes = app.recorder.select_notifications(start=1, limit=10000)
    messages = [translate(app.mapper.to_domain_event(n)) for n in notes]
    return [m for m in messages if m is not None]


@pytest.fixture
def stream(api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> dict[str, list[Message]]:
    """A day's work: a red report declined and re-routed, a report with no concern reviewed
    twice (the first raising its waiting referral), a report from a place no unit covers, a
    supplement, an acknowledgement then an outcome, an escalation."""
    red = api.submit(report_body(), key="red").json()
    vague = api.submit(report_body(concerns=[], immediate_danger=False, narrative="情况不明",
                                   children=[{"name": "张三", "age": 7}]), key="vague").json()
    api.submit(report_body(location={"region_code": "441899"}, children=[{"name": "李四", "age": 4}]),
               key="nowhere")
    runner.pump()
    police = api.client.get("/v1/desk/referrals", headers=api.auth("police-desk")).json()[0]
    api.client.post(f"/v1/referrals/{police['referral_id']}/decline", json={"reason": "不属本所辖区"},
                    headers=api.auth("police-desk"))
    hospital = api.client.get("/v1/desk/referrals", headers=api.auth("hospital-desk")).json()[0]
    api.client.post(f"/v1/referrals/{hospital['referral_id']}/acknowledge", headers=api.auth("hospital-desk"))
    api.client.post(f"/v1/reports/{red['report_id']}/supplements", json={
        "narrative": "孩子不愿上学", "concerns": ["school_bullying"]}, headers=api.auth("operator1"))
    runner.pump()
    vague_case = api.client.get(f"/v1/reports/{vague['report_id']}", headers=api.auth("supervisor1")).json()
    for level in ("yellow", "blue"):  # two updates of one case: a replay must not undo the second
        api.client.post(f"/v1/cases/{vague_case['case_id']}/reassessments", json={
            "risk_level": level, "reason": "回访核实"}, headers=api.auth("supervisor1"))
    api.client.post(f"/v1/referrals/{hospital['referral_id']}/outcome", json={
        "outcome": "treated", "note": "已救治"}, headers=api.auth("hospital-desk"))
    api.client.post(f"/v1/cases/{police['case_id']}/referrals", json={
        "agency_id": "police-441823100", "reason": "改派派出所"}, headers=api.auth("supervisor1"))
    runner.pump()
    for due in hotline.view.due_referrals(datetime.now(UTC) + timedelta(days=30)):
        hotline.dispatch.escalate_if_due(due["referral_id"], now=datetime.now(UTC) + timedelta(days=30))
    runner.pump()
    return {CASES_TOPIC: recorded(hotline.triage, TRANSLATORS["triage"]),
            REFERRALS_TOPIC: recorded(hotline.dispatch, TRANSLATORS["dispatch"])}


def fresh_view(tmp: Any) -> DeskView:
    view = Wiring.of(Settings(var_dir=tmp, database_url="", environment="development"), "memory").view()
    view.create_table()  # type: ignore[attr-defined]
    return view


def apply(view: DeskView, deliveries: list[tuple[str, Message]]) -> dict[str, list[tuple[Any, ...]]]:
    """Each delivery at a new offset of its topic (a republished duplicate is a new record)."""
    projection, offsets = DeskProjection(view), {CASES_TOPIC: 0, REFERRALS_TOPIC: 0}
    for topic, message in deliveries:
        offsets[topic] += 1
        projection.process_event(message, Tracking(f"{topic}:0", offsets[topic]))
    return {t: sorted(tuple(r.values()) for r in view.sql.rows(COUNTS if t == "view_stats_daily"
                                                               else f"SELECT * FROM {t}")) for t in TABLES}


def counted_again(view: DeskView) -> list[tuple[Any, ...]]:
    """The daily counts computed afresh from the rows (what `refill` gives a view made before them)."""
    with view.sql.transaction(commit=True) as c:
        view.sql.execute(c, "DELETE FROM view_stats_daily")
        view.sql.execute(c, rollup.refill(view.sql.floor))
    return sorted(tuple(r.values()) for r in view.sql.rows(COUNTS))


def in_time_order(stream: dict[str, list[Message]]) -> list[tuple[str, Message]]:
    return sorted(((t, m) for t, ms in stream.items() for m in ms), key=lambda d: d[1].time)


def test_the_recorded_stream_exercises_the_cross_topic_flags(stream: dict[str, list[Message]],
                                                            tmp_path: Any) -> None:
    types = {m.type for ms in stream.values() for m in ms}
    assert {"hotline.referral.declined", "hotline.referral.routing_gap", "hotline.case.updated",
            "hotline.referral.escalated", "hotline.referral.acknowledged",
            "hotline.referral.closed", "hotline.referral.raised"} <= types  # raised: the vague case's yellow
    view = fresh_view(tmp_path)
    apply(view, in_time_order(stream))
    flagged = {c["case_id"] for c in view.list_cases() if c["needs_review"]}
    gaps = {m.data["case_id"] for m in stream[REFERRALS_TOPIC] if m.type == "hotline.referral.routing_gap"}
    assert gaps and gaps <= flagged  # a place no unit covers stays on the board


def test_a_decline_that_arrives_before_its_case_still_reaches_the_board(
        stream: dict[str, list[Message]], tmp_path: Any) -> None:
    """The bug of issue #11: referral messages first, then the cases topic."""
    gaps = [m for m in stream[REFERRALS_TOPIC] if m.type == "hotline.referral.routing_gap"]
    view = fresh_view(tmp_path)
    apply(view, [(REFERRALS_TOPIC, m) for m in stream[REFERRALS_TOPIC]]
          + [(CASES_TOPIC, m) for m in stream[CASES_TOPIC]])
    for gap in gaps:
        case = view.get_case(gap.data["case_id"])
        assert case is not None and case["needs_review"]


def test_a_later_supplement_does_not_wipe_a_decline(stream: dict[str, list[Message]], tmp_path: Any,
                                                    hotline: ApiContainer) -> None:
    declined = next(m for m in stream[REFERRALS_TOPIC] if m.type == "hotline.referral.declined")
    view = fresh_view(tmp_path)
    until_decline = [d for d in in_time_order(stream) if d[1].time <= declined.time]
    later_updates = [(CASES_TOPIC, m) for m in stream[CASES_TOPIC]
                     if m.time > declined.time and m.data.get("reason") == "supplement"]
    assert later_updates
    apply(view, until_decline + later_updates)
    assert view.get_case(declined.data["case_id"])["needs_review"]  # type: ignore[index]


@st.composite
def deliveries(draw: st.DrawFn, stream: dict[str, list[Message]]) -> list[tuple[str, Message]]:
    """An interleaving that keeps each topic's own order (Kafka keeps a partition's order), with
    duplicates of earlier messages put anywhere later (a relay that republished)."""
    queues = {t: list(ms) for t, ms in stream.items()}
    out: list[tuple[str, Message]] = []
    while any(queues.values()):
        topic = draw(st.sampled_from(sorted(t for t, q in queues.items() if q)))
        out.append((topic, queues[topic].pop(0)))
        if draw(st.integers(0, 4)) == 0:
            out.append(draw(st.sampled_from(out)))
    return out


def test_any_interleaving_with_any_duplicates_ends_in_the_same_view(
        stream: dict[str, list[Message]], tmp_path_factory: pytest.TempPathFactory) -> None:
    expected = apply(fresh_view(tmp_path_factory.mktemp("in-order")), in_time_order(stream))
    assert expected["view_case_flags"] and expected["view_referrals"]
    figures = {row[0] for row in expected["view_stats_daily"]}
    assert figures == {"channel", "level", "concern", "kind", "status", "in_time"}

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(deliveries(stream))
    def same_view(order: list[tuple[str, Message]]) -> None:
        view = fresh_view(tmp_path_factory.mktemp("shuffled"))
        assert apply(view, order) == expected
        # The counts kept message by message are the counts of the rows.
        assert counted_again(view) == expected["view_stats_daily"]

    same_view()
