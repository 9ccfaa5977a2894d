"""What a policy reads per message on the SQL store (#31): dispatch and notify look up what a
message may make in one query, never aggregate by aggregate through the repository."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import Tracking

from services.bootstrap import ApiContainer
from services.common.messages import CASE_OPENED, CASE_UPDATED, REFERRAL_DISPATCHED
from services.common.settings import Settings
from services.dispatch.followup import FollowUpPlan, plan_id_for
from services.dispatch.translate import dispatch_translator
from services.notify.domain import Delivery, Watch
from tests.helpers import build, report_message
from tests.unit.test_policies import case_messages, triage

SECRET = "s" * 32


class CountingEvents:
    """The repository's event store, counting the aggregates it is asked for."""

    def __init__(self, store: Any):
        self.store, self.asked = store, 0

    def get(self, *args: Any, **kwargs: Any) -> Any:
        self.asked += 1
        return self.store.get(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def counted(app: Any) -> CountingEvents:
    counting = CountingEvents(app.repository.event_store)
    app.repository.event_store = counting
    return counting


@pytest.fixture
def on_sqlite(tmp_path: Path) -> Any:
    h = build(Settings(var_dir=tmp_path), store="sqlite")
    yield h
    h.close()


def stored(app: Any) -> list[Any]:
    return [app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(start=1, limit=1000)]


def opened_case(h: ApiContainer) -> Any:
    concerns = ["domestic_violence", "serious_injury", "school_dropout"]  # four units
    triage(h, report_message("r-reads-1", concerns=concerns), 1)
    (opened,) = [m for m in case_messages(h) if m.type == CASE_OPENED]
    return opened


def test_dispatch_reads_a_case_s_referrals_gaps_and_plan_in_one_query(on_sqlite: ApiContainer) -> None:
    h, opened = on_sqlite, opened_case(on_sqlite)
    assert h.dispatch is not None
    reads = counted(h.dispatch)
    h.dispatch.process_event(opened.roundtrip(), Tracking("hotline.cases.v1:0", 1))
    made = stored(h.dispatch)
    kinds = {type(e).__qualname__.split(".")[0] for e in made}
    assert {"Referral", "FollowUpPlan"} <= kinds and len(made) >= 3  # two units or more, the plan
    h.dispatch.process_event(opened.roundtrip(), Tracking("hotline.cases.v1:0", 2))  # republished
    assert len(stored(h.dispatch)) == len(made)  # the one read found them: nothing twice
    assert opened.data["risk_level"] == "red"
    lowered = dataclasses.replace(opened, id="triage/x/2", type=CASE_UPDATED,
                                  data={**opened.data, "risk_level": "yellow", "reason": "reassessment"})
    h.dispatch.process_event(lowered.roundtrip(), Tracking("hotline.cases.v1:0", 3))
    assert reads.asked == 0  # before #31's change: one per unit and kind, one for the plan
    plan = h.dispatch.repository.get(plan_id_for(opened.data["case_id"]))
    assert isinstance(plan, FollowUpPlan) and plan.risk_level == "yellow"  # the stored plan re-planned
    assert len(stored(h.dispatch)) > len(made)


def test_notify_reads_the_watch_and_the_roster_in_one_query(on_sqlite: ApiContainer) -> None:
    h = on_sqlite
    assert h.dispatch is not None and h.notify is not None
    h.dispatch.process_event(opened_case(h).roundtrip(), Tracking("hotline.cases.v1:0", 1))
    dispatched = [m for m in map(dispatch_translator, stored(h.dispatch))
                  if m is not None and m.type == REFERRAL_DISPATCHED]
    message = dispatched[0]
    unit = message.data["agency_id"]
    h.notify.set_roster(unit, [{"name": "值班员", "webhook_url": f"https://hooks.example.invalid/{unit}"}],
                        SECRET, by="test")
    reads = counted(h.notify)
    for offset in (1, 2):  # the second: republished
        h.notify.process_event(message.roundtrip(), Tracking("hotline.referrals.v1:0", offset))
    assert reads.asked == 0  # before: the watch, then the roster, each through the repository
    made = [e for e in stored(h.notify) if isinstance(e, (Watch.Event, Delivery.Event))]
    watches = {e.originator_id for e in made if isinstance(e, Watch.Event)}
    deliveries = [e for e in made if isinstance(e, Delivery.Planned)]
    assert len(watches) == 1 and len(deliveries) == 1  # to the roster's contact, once
    assert deliveries[0].webhook_url == f"https://hooks.example.invalid/{unit}"
