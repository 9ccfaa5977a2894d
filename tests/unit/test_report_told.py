"""A report joining a red or orange case that a unit has taken on reaches the unit's on-call, not
only an inbox left open (the police desk's review, stop 55: "when a new report comes in on a case
I've already accepted, the inbox gives no signal at all, even when the child is in danger"): the
first on-duty contact gets `referral.new_report` with the case's level, once per report; a unit
still waiting, a case below orange, or the same message again tells no one; the board's 通知记录
names it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from services.notify.domain import Watch
from services.notify.notifier import Notifier
from tests.conftest import Api
from tests.helpers import report_body
from tests.receiver import Receiver
from tests.unit.test_board_page import visible
from tests.unit.test_desk import post, red_case, referral_of
from tests.unit.test_notifications import set_rosters
from tests.unit.test_pages import login
from tests.unit.test_raised_referrals import referral, yellow_case

NOW = datetime(2026, 12, 6, 2, tzinfo=UTC)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def test_a_referral_taken_on_is_told_of_each_report_once() -> None:
    waiting = referral("red")
    assert not waiting.tell_of_report(report_id="r2", risk_level="red", at=NOW)  # reminders stand
    taken = referral("red")
    taken.acknowledge(by="police-desk", at=NOW)
    assert taken.tell_of_report(report_id="r2", risk_level="red", at=NOW)
    assert not taken.tell_of_report(report_id="r2", risk_level="red", at=NOW)  # the same again
    assert taken.tell_of_report(report_id="r3", risk_level="red", at=NOW)
    assert taken.reports_told == ("r2", "r3")
    taken.record_outcome(outcome="已处置", note="", by="police-desk", at=NOW)
    assert not taken.tell_of_report(report_id="r4", risk_level="red", at=NOW)  # ended


def test_the_watch_plans_once_per_report_and_only_once_taken_on() -> None:
    watch = Watch(referral_id="x", case_id="c", agency_id="police-441823", agency_kind="police",
                  risk_level="red", dispatched_at=NOW, due_at=NOW, on_duty=1)
    assert not watch.tell_of_report(report_id="r2", at=NOW)
    watch.settle("acknowledged", NOW)
    assert watch.tell_of_report(report_id="r2", at=NOW)
    assert not watch.tell_of_report(report_id="r2", at=NOW)  # a message delivered again


def another_report(api: Api, runner: EmbeddedRunner, key: str, **changes: Any) -> None:
    """The same child reported again (it joins the case)."""
    assert api.submit(report_body(**changes), key=key).status_code == 201
    runner.pump()


def test_a_new_report_on_a_red_case_reaches_the_on_call_of_the_unit_that_took_it_on(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer, receiver: Receiver) -> None:
    set_rosters(api, receiver, ("值班员", "所长"))
    case = red_case(api, runner, "told-1")
    police, hospital = referral_of(case, "police"), referral_of(case, "hospital")
    notifier = Notifier(hotline.notify)
    # Deliveries of one round go out side by side, so their order is not kept: the dispatch
    # notice is delivered first here, as it is in life (CI at 652a6ae saw the two swapped).
    notifier.tick()
    assert post(api, "police-desk", f"/v1/referrals/{police}/acknowledge").status_code == 200
    runner.pump()
    another_report(api, runner, "told-2", narrative="孩子又被打了，正在哭喊")
    notifier.tick()
    told = receiver.taken("police-441823/0")
    assert [p["event"] for p in told] == ["referral.dispatched", "referral.new_report"], told
    assert told[1]["referral_id"] == police and told[1]["risk_level"] == "red"
    assert "孩子" not in str(told[1]) and "王小明" not in str(told[1])  # ids and level, no words
    assert receiver.taken("police-441823/1") == []  # the first on duty, not everyone
    waiting = receiver.taken("hospital-441823/0")  # not taken on: its reminders stand
    assert [p["event"] for p in waiting] == ["referral.dispatched"]
    assert hospital not in [p["referral_id"] for p in told]
    # A third report: told again, once; pumping and ticking again add nothing.
    another_report(api, runner, "told-3", narrative="邻居说孩子被锁在家里")
    notifier.tick()
    runner.pump()
    notifier.tick()
    events = [p["event"] for p in receiver.taken("police-441823/0")]
    assert events.count("referral.new_report") == 2, events
    # The first caller rings back (补充 by the receipt): told too, naming the supplement (the police
    # desk's review, stop 56: a danger call-back reached neither the desk nor its on-call).
    sup = api.client.post(f"/v1/reports/{case['report']['report_id']}/supplements", headers=api.auth(
        "operator1", **{"Idempotency-Key": "told-sup"}), json={"narrative": "父亲带着孩子往镇上走了",
                                                               "immediate_danger": True})
    assert sup.status_code == 202, sup.text
    runner.pump()
    notifier.tick()
    told = [p for p in receiver.taken("police-441823/0") if p["event"] == "referral.new_report"]
    assert len(told) == 3 and told[-1]["report_id"] == case["report"]["report_id"], told
    assert told[-1].get("supplement_id"), told[-1]
    # The board's 通知记录 names it.
    login(api.client, "supervisor1")
    record = visible(api.client.get(f"/board/notifications/{police}").text)
    assert "新报告通知" in record, record


def test_a_new_report_on_a_yellow_case_waits_in_the_inbox(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer, receiver: Receiver) -> None:
    set_rosters(api, receiver)
    case = yellow_case(api, runner, "told-yellow")
    civil = next(r for r in case["referrals"] if r["agency_kind"] == "civil_affairs")
    assert post(api, "civil-desk", f"/v1/referrals/{civil['referral_id']}/acknowledge").status_code == 200
    runner.pump()
    another_report(api, runner, "told-yellow-2", concerns=["school_dropout"], immediate_danger=False,
                   narrative="孩子还是没去上学")
    Notifier(hotline.notify).tick()
    assert [p["event"] for p in receiver.taken("civil-441823/0")] == ["referral.dispatched"]
