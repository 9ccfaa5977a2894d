"""The embedded wiring applies what a pump finds in one transaction per run, as the Kafka
consumers do (#31), and falls back to one message at a time when a run cannot be applied whole:
the effects are those of one at a time either way. Runs are cut by each follower's run key: a
case's referrals go to notify (per referral), the desk view (per message) and callbacks (which
ignores them) together."""

from __future__ import annotations

from typing import Any

from services.bootstrap import ApiContainer
from services.common.embedded import Edge, EmbeddedRunner
from services.common.messages import (
    CASE_UPDATED,
    FOLLOWUP_CLOSED,
    REFERRAL_DISPATCHED,
    same_key,
    same_message,
    same_originator,
)
from services.intake.callbacks import CallbacksApplication
from tests.conftest import Api
from tests.helpers import id_number, report_body


def counted(edge: Edge, sizes: list[int], failures: list[str]) -> None:
    """The edge's batch handler, recording each run's size and each failure (then raising it)."""
    batch = edge.batch_handler
    assert batch is not None

    def record(items: list[Any]) -> None:
        sizes.append(len(items))
        try:
            batch(items)
        except Exception as exc:
            failures.append(type(exc).__name__)
            raise
    edge.batch_handler = record


def triage_edge(runner: EmbeddedRunner) -> Edge:
    (edge,) = (e for e in runner.edges if e.follower == "triage")
    return edge


def child(n: int) -> dict[str, Any]:
    return report_body(children=[{"name": f"周小{n}", "gender": "female", "age": 8,
                                  "id_number": id_number(f"44182320150303{n:03d}")}])


def case_of(api: Api, report: dict[str, Any]) -> str:
    r = api.client.get(f"/v1/reports/{report['report_id']}", headers=api.auth("operator1"))
    return str(r.json()["case_id"])


def test_reports_about_different_children_are_triaged_in_one_transaction(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    sizes: list[int] = []
    failures: list[str] = []
    counted(triage_edge(runner), sizes, failures)
    reports = [api.submit(child(n), key=f"b-{n}").json() for n in range(5)]
    runner.pump()
    assert sizes[0] == 5 and not failures
    cases = {case_of(api, r) for r in reports}
    assert len(cases) == 5 and "None" not in cases
    referrals = api.client.get("/v1/desk/referrals", headers=api.auth("police-desk")).json()
    assert {r["case_id"] for r in referrals} == cases  # dispatch and the desk view followed


def test_a_run_that_cannot_be_applied_whole_goes_one_at_a_time_with_the_same_effects(
        api: Api, runner: EmbeddedRunner) -> None:
    sizes: list[int] = []
    failures: list[str] = []
    counted(triage_edge(runner), sizes, failures)
    same = [api.submit(child(7) | {"narrative": f"第{n}次来电"}, key=f"s-{n}").json() for n in range(3)]
    runner.pump()
    assert sizes and sizes[0] == 3 and failures  # one case for one child: the run conflicts
    assert len({case_of(api, r) for r in same}) == 1  # and one at a time joins them
    assert runner.pump() == 0


def test_a_cases_referrals_reach_notify_the_desk_and_callbacks_in_one_transaction_each(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    sizes: dict[str, list[int]] = {"notify": [], "desk": [], "callbacks": []}
    failures: list[str] = []
    for edge in runner.edges:
        if edge.follower in sizes:
            counted(edge, sizes[edge.follower], failures)
    report = api.submit(report_body(), key="red-1").json()  # red: police and hospital, one case
    runner.pump()
    assert not failures
    assert sizes["notify"] and max(sizes["notify"]) >= 2  # keyed by the case, cut by the referral
    assert sizes["desk"] and max(sizes["desk"]) >= 3  # the referrals and the follow-up plan
    assert sizes["callbacks"] and max(sizes["callbacks"]) >= 3  # which change none of its reports
    referrals = [r for r in api.client.get("/v1/desk/referrals", headers=api.auth("police-desk")).json()
                 + api.client.get("/v1/desk/referrals", headers=api.auth("hospital-desk")).json()
                 if r["case_id"] == case_of(api, report)]
    assert len(referrals) == 2
    assert all(hotline.notify.watch(r["referral_id"]) is not None for r in referrals)
    assert runner.pump() == 0


def test_run_keys_keep_apart_what_must_not_share_a_transaction() -> None:
    first, second, other = "dispatch/7f1c/1", "dispatch/7f1c/2", "dispatch/8a2d/1"
    seen = REFERRAL_DISPATCHED
    assert same_originator(first, seen, "case-1") == same_originator(second, seen, "case-1")
    assert same_originator(first, seen, "case-1") != same_originator(other, seen, "case-1")
    assert same_key(first, seen, "case-1") == same_key(other, seen, "case-1")
    assert same_message(first, seen, "case-1") != same_message(second, seen, "case-1")
    # Callbacks: what changes a case's reports stays apart by case; the rest never cuts a run.
    closed = CallbacksApplication.run_key("dispatch/p1/3", FOLLOWUP_CLOSED, "case-1")
    assert closed == CallbacksApplication.run_key("triage/c1/2", CASE_UPDATED, "case-1")
    assert CallbacksApplication.run_key(first, seen, "case-1") != CallbacksApplication.run_key(
        other, seen, "case-1")
