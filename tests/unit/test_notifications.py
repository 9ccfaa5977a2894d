"""Notifications and on-call (contract §8) in the embedded wiring, against a local receiver: a
red referral reaches the first on-duty contact signed; a receiver that fails for a while gets it
once it recovers, and only once, also across a restart; half-time reminders go to the next
contact, escalations to everyone and the supervisors; rosters are the admin's, checked field by
field; supervisors see every attempt and each unit's health."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from eventsourcing.persistence import Tracking

from services.bootstrap import TRANSLATORS, ApiContainer, process_handler
from services.common.embedded import EmbeddedRunner
from services.notify.application import SupervisorHook
from services.notify.notifier import Notifier
from tests.conftest import Api
from tests.helpers import PII_VALUES, audit_entries, on_call_everywhere, report_body
from tests.receiver import Receiver
from tests.unit.test_pages import login

SECRET = "unit-secret-for-tests-0001"


class Clock:
    """The notifier's time, moved by the test."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def set_rosters(api: Api, receiver: Receiver, names: tuple[str, ...] = ("值班员",)) -> None:
    """Every unit: these contacts, each with a webhook of its own on the receiver."""
    for agency in api.client.get("/v1/agencies", headers=api.auth("admin1")).json():
        r = api.client.put(f"/v1/agencies/{agency['agency_id']}/oncall", headers=api.auth("admin1"), json={
            "contacts": [{"name": n, "webhook_url": receiver.hook(f"{agency['agency_id']}/{i}")}
                         for i, n in enumerate(names)], "secret": SECRET})
        assert r.status_code == 200, r.text


def red_referral(api: Api, runner: EmbeddedRunner, key: str = "red") -> dict[str, Any]:
    api.submit(report_body(), key=key)
    runner.pump()
    referral = api.client.get("/v1/desk/referrals", headers=api.auth("police-desk")).json()[0]
    assert referral["risk_level"] == "red"
    return dict(referral)


def test_a_red_referral_reaches_the_first_on_duty_contact_signed(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer, receiver: Receiver) -> None:
    set_rosters(api, receiver, ("值班员", "所长"))
    referral = red_referral(api, runner)
    assert Notifier(hotline.notify).tick() >= 1
    police = receiver.taken(f"{referral['agency_id']}/0")
    assert [p["referral_id"] for p in police] == [referral["referral_id"]]
    assert police[0] == {"event": "referral.dispatched", "referral_id": referral["referral_id"],
                         "agency_id": referral["agency_id"], "risk_level": "red",
                         "due_at": police[0]["due_at"], "url": police[0]["url"]}
    assert police[0]["url"].endswith(f"/desk?referral={referral['referral_id']}")
    assert receiver.signed(SECRET) and not receiver.taken(f"{referral['agency_id']}/1")
    for request in receiver.got:  # ids, level, due time and the link: nothing about the child
        assert not any(v.encode() in request["body"] for v in PII_VALUES)
    shown = api.client.get("/v1/notifications", params={"referral_id": referral["referral_id"]},
                           headers=api.auth("supervisor1")).json()
    assert shown == [{"event": "referral.dispatched", "contact": "值班员", "attempts": 1,
                      "delivered_at": shown[0]["delivered_at"], "last_error": None, "gave_up": False,
                      "next_attempt_at": None}]
    assert api.client.get("/v1/notifications", params={"referral_id": referral["referral_id"]},
                          headers=api.auth("police-desk")).status_code == 403
    # Each attempt is on the audit trail, by the notifier, under the case.
    attempts = [e for e in audit_entries(hotline, referral["case_id"]) if e["action"].startswith("notify.")]
    assert {(e["action"], e["actor"], e["resource_id"]) for e in attempts} >= {
        ("notify.delivered", "notifier", referral["referral_id"])}


def down(api: Api, runner: EmbeddedRunner, hotline: ApiContainer,
         receiver: Receiver) -> tuple[dict[str, Any], Clock, Notifier]:
    """A red referral while every unit's receiver refuses everything; a notifier on a test clock."""
    set_rosters(api, receiver)
    receiver.failing = 10**6
    referral = red_referral(api, runner)
    clock = Clock()
    return referral, clock, Notifier(hotline.notify, clock=clock)


def shown_for(api: Api, referral: dict[str, Any]) -> dict[str, Any]:
    return dict(api.client.get("/v1/notifications", params={"referral_id": referral["referral_id"]},
                               headers=api.auth("supervisor1")).json()[0])


def test_a_failing_receiver_gets_it_once_it_recovers_and_only_once_across_a_restart(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer, receiver: Receiver) -> None:
    referral, clock, notifier = down(api, runner, hotline, receiver)
    notifier.tick()
    failed = len(receiver.got)
    assert failed >= 1 and not receiver.taken()
    notifier.tick()  # nothing is due before its backoff ends
    assert len(receiver.got) == failed
    for _ in range(4):
        clock.now += timedelta(minutes=2)
        notifier.tick()
    shown = shown_for(api, referral)
    assert shown["attempts"] == 5 and shown["last_error"] == "HTTP 503" and shown["delivered_at"] is None
    receiver.failing = 0
    restarted = Notifier(hotline.notify, clock=clock)  # what it owes comes back from the log
    clock.now += timedelta(minutes=2)
    restarted.tick()
    restarted.tick()
    clock.now += timedelta(minutes=10)
    restarted.tick()
    notifier.tick()  # the old one, had it lived on, finds nothing owed either
    police = [p for p in receiver.taken(f"{referral['agency_id']}/0")
              if p["referral_id"] == referral["referral_id"] and p["event"] == "referral.dispatched"]
    assert len(police) == 1
    shown = shown_for(api, referral)
    assert shown["attempts"] == 6 and shown["delivered_at"] is not None and shown["next_attempt_at"] is None


def test_a_receiver_down_for_longer_than_the_retry_window_is_given_up_and_counted(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer, receiver: Receiver) -> None:
    referral, clock, notifier = down(api, runner, hotline, receiver)
    for _ in range(40):  # twenty minutes, looked at every thirty seconds
        notifier.tick()
        clock.now += timedelta(seconds=30)
    shown = shown_for(api, referral)
    # Doubling from 2 s to 2 min: ten minutes at least of retries, then no more.
    assert shown["gave_up"] and 10 <= shown["attempts"] <= 20 and shown["next_attempt_at"] is None
    made = len(receiver.got)
    clock.now += timedelta(hours=1)
    notifier.tick()
    assert len([g for g in receiver.got[made:] if b"referral.dispatched" in g["body"]]) == 0
    health = api.client.get("/v1/notifications/health", headers=api.auth("supervisor1")).json()
    police = next(u for u in health if u["agency_id"] == referral["agency_id"])
    assert police["failures_24h"] >= 10 and police["last_delivery_at"] is None
    assert police["on_duty_now"] == ["值班员"] and not police["unreachable"]
    [receiver] = police["receivers"]  # per receiver (#25): failures in a row, nothing pending now
    # Its dispatch and its reminder (the same contact, the only one) both failed every time.
    assert receiver == {"contact": "值班员", "consecutive_failures": receiver["consecutive_failures"],
                        "last_success_at": None, "pending": 0}
    assert receiver["consecutive_failures"] == police["failures_24h"] >= 2 * 10


def test_a_redelivered_referral_message_plans_nothing_twice(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer, receiver: Receiver) -> None:
    set_rosters(api, receiver)
    referral = red_referral(api, runner)
    notes = hotline.dispatch.recorder.select_notifications(start=1, limit=1000)
    messages = [TRANSLATORS["dispatch"](hotline.dispatch.mapper.to_domain_event(n)) for n in notes]
    handle = process_handler(hotline.notify)
    position = hotline.notify.recorder.max_tracking_id("dispatch") or 0
    for i, message in enumerate(m for m in messages if m is not None):  # republished: new positions
        handle(message, Tracking("dispatch", position + i + 1))
    Notifier(hotline.notify).tick()
    assert len([p for p in receiver.taken() if p["referral_id"] == referral["referral_id"]]) == 1


def test_half_time_reminds_the_next_contact_and_the_due_time_escalates_to_everyone(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer, receiver: Receiver) -> None:
    set_rosters(api, receiver, ("值班员", "副所长", "所长"))
    hotline.notify.supervisors = SupervisorHook(receiver.hook("supervisors"), "supervisors-secret-0001")
    referral = red_referral(api, runner)
    clock = Clock()
    unit, rid = referral["agency_id"], referral["referral_id"]
    notifier = Notifier(hotline.notify, clock=clock)
    notifier.tick()
    clock.now += timedelta(seconds=300)  # a third of the 15 minutes
    notifier.tick()
    assert [p["event"] for p in receiver.taken(f"{unit}/1")] == []
    clock.now += timedelta(seconds=200)  # past half of them
    notifier.tick()
    reminders = receiver.taken(f"{unit}/1")
    assert [(p["event"], p["referral_id"]) for p in reminders] == [("referral.reminder", rid)]
    notifier.tick()
    assert len(receiver.taken(f"{unit}/1")) == 1  # once
    due = datetime.fromisoformat(referral["due_at"]) + timedelta(seconds=1)
    hotline.dispatch.escalate_if_due(rid, now=due)
    runner.pump()
    notifier.tick()
    escalated = {path: [p["event"] for p in receiver.taken(path) if p["event"] == "referral.escalated"]
                 for path in (f"{unit}/0", f"{unit}/1", f"{unit}/2", "supervisors")}
    assert escalated == {path: ["referral.escalated"] for path in escalated}
    events = [n["event"] for n in api.client.get("/v1/notifications", params={"referral_id": rid},
                                                 headers=api.auth("supervisor1")).json()]
    assert events.count("referral.escalated") == 4
    assert events[:2] == ["referral.dispatched", "referral.reminder"]
    health = api.client.get("/v1/notifications/health", headers=api.auth("supervisor1")).json()
    assert health[-1]["agency_id"] == "supervisors"  # the supervisors' webhook, a row of its own, last
    [supervisors] = health[-1]["receivers"]
    assert supervisors["consecutive_failures"] == 0 and supervisors["pending"] == 0
    assert supervisors["last_success_at"] is not None
    police = next(u for u in health if u["agency_id"] == unit)
    assert [r["contact"] for r in police["receivers"]] == ["值班员", "副所长", "所长"]
    assert all(r["last_success_at"] for r in police["receivers"])


def test_an_acknowledged_referral_is_not_reminded(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer, receiver: Receiver) -> None:
    set_rosters(api, receiver, ("值班员", "副所长"))
    referral = red_referral(api, runner)
    clock = Clock()
    assert api.client.post(f"/v1/referrals/{referral['referral_id']}/acknowledge",
                           headers=api.auth("police-desk")).status_code == 200
    runner.pump()
    notifier = Notifier(hotline.notify, clock=clock)
    clock.now += timedelta(minutes=10)
    notifier.tick()
    assert receiver.taken(f"{referral['agency_id']}/1") == []


def test_a_unit_with_nobody_on_duty_is_flagged_and_its_referral_reaches_no_one(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer, receiver: Receiver) -> None:
    health = api.client.get("/v1/notifications/health", headers=api.auth("supervisor1")).json()
    assert health and all(u["unreachable"] for u in health)  # no rosters yet
    referral = red_referral(api, runner)
    Notifier(hotline.notify).tick()
    assert receiver.got == []
    watch = hotline.notify.watch(referral["referral_id"])
    assert watch is not None and watch.on_duty == 0
    board = api.client.get(f"/v1/cases/{referral['case_id']}", headers=api.auth("supervisor1")).json()
    assert "unreached" in board["review_reasons"]


def test_a_unit_nobody_can_be_told_of_is_warned_about_once_a_minute_with_a_count(
        api: Api, runner: EmbeddedRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not a line per referral (each costs the redactor): the first, then one a minute saying how
    many referrals it stands for."""
    from services.notify import later

    class Lines:
        """A logger that keeps what it is told (structlog's own capture misses cached loggers)."""

        def __init__(self) -> None:
            self.warned: list[dict[str, Any]] = []

        def warning(self, event: str, **fields: Any) -> None:
            self.warned.append({"event": event, **fields})

        def info(self, event: str, **fields: Any) -> None:
            pass

    logs = Lines()
    monkeypatch.setattr(later, "log", logs)
    for i in range(3):
        api.submit(report_body(children=[{"name": f"儿童{i}", "age": 8}]), key=f"nobody-{i}")
        runner.pump()
    warned = [e for e in logs.warned if e["event"] == "no on-duty contact with a webhook"]
    assert sorted(e["agency_id"] for e in warned) == ["hospital-441823", "police-441823"]
    monkeypatch.setattr(later, "UNREACHABLE_EVERY", 0.0)  # a minute has gone by
    logs.warned.clear()
    api.submit(report_body(children=[{"name": "儿童9", "age": 8}]), key="nobody-9")
    runner.pump()
    counts = {e["agency_id"]: e["also_since_last_warning"] for e in logs.warned
              if e["event"] == "no on-duty contact with a webhook"}
    assert counts == {"hospital-441823": 2, "police-441823": 2}


def test_rosters_are_the_admins_and_each_wrong_field_is_named(api: Api, hotline: ApiContainer) -> None:
    url = "/v1/agencies/police-441823/oncall"
    good = {"contacts": [{"name": "值班员", "phone": "0763-1234567", "webhook_url": "https://x.example/h",
                          "format": "wecom", "weekdays": [1, 2, 3, 4, 5], "from": "08:00", "to": "18:00"}],
            "secret": SECRET}
    assert api.client.put(url, json=good, headers=api.auth("supervisor1")).status_code == 403
    for body, loc in [({**good, "secret": "short"}, ["body", "secret"]),
                      ({**good, "contacts": [{**good["contacts"][0], "to": "24:00"}]},
                       ["body", "contacts", 0, "to"]),
                      ({**good, "contacts": [*good["contacts"], {"name": "值班员"}]},
                       ["body", "contacts", 1, "name"])]:
        r = api.client.put(url, json=body, headers=api.auth("admin1"))
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == loc, r.text
    assert hotline.notify.roster("police-441823") is None  # nothing invalid was kept
    nowhere = api.client.put("/v1/agencies/nowhere/oncall", json=good, headers=api.auth("admin1"))
    assert nowhere.status_code == 404
    r = api.client.put(url, json=good, headers=api.auth("admin1"))
    assert r.status_code == 200
    shown = api.client.get(url, headers=api.auth("admin1")).json()
    assert "secret" not in str(shown) and shown["contacts"] == [
        {"name": "值班员", "phone": "0763-1234567", "webhook_url": "https://x.example/h", "format": "wecom",
         "weekdays": [1, 2, 3, 4, 5], "from": "08:00", "to": "18:00"}]
    actions = [e["action"] for e in audit_entries(hotline)]
    assert "oncall.set" in actions and "oncall.read" in actions


def test_the_health_page_lists_units_nobody_is_watching_first(api: Api, hotline: ApiContainer,
                                                              receiver: Receiver) -> None:
    on_call_everywhere(hotline, receiver.hook("all"))
    # On duty, but only by phone: no webhook reaches anyone there.
    hotline.notify.set_roster("edu-441823", [{"name": "值班员", "phone": "0763-7654321"}], SECRET, by="test")
    login(api.client, "police-desk")
    assert api.client.get("/oncall").status_code == 403
    login(api.client, "supervisor1")
    page = api.client.get("/oncall")
    assert page.status_code == 200 and "值班与通知" in page.text
    rows = page.text.split('<tbody class="county" data-county="连南瑶族自治县">')[1]
    assert rows.index('data-agency="edu-441823"') < rows.index('data-agency="police-441823"')
    assert 'id="n-unreachable" class="flag">1<' in page.text


def test_the_admins_health_page_puts_a_failing_receiver_and_no_supervisors_address_first(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer, receiver: Receiver) -> None:
    """The IT office's review, stop 60: a receiver failing 30 times in a row was a pale row in the
    table and the supervisors' unset address a grey footnote, while the red box spoke only of
    units without a roster."""
    _, clock, notifier = down(api, runner, hotline, receiver)
    for _ in range(3):
        notifier.tick()
        clock.now += timedelta(minutes=2)
    login(api.client, "admin1")
    todo = re.sub(r"<[^>]+>", "", api.client.get("/admin/health").text.split('id="health-todo"')[1]
                  .split("</div>")[0])
    assert "通知地址连续送达失败（" in todo and "连南瑶族自治县公安局（值班员）" in todo, todo
    assert "显示“已送达”即修好" in todo
    assert "督办人员的超时通知地址未设置" in todo
    # Where it is mended, the contact says so too (the second review: the roster page said nothing).
    roster = api.client.get("/admin/oncall/police-441823").text
    said = re.sub(r"<[^>]+>", "", roster.split('id="failing-0"')[1].split("</p>")[0])
    assert "已连续送达失败" in said and "条通知待送达" in said, said


def test_an_address_mended_after_the_failures_gets_what_is_still_owed(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer, receiver: Receiver) -> None:
    """The IT office's review, stop 60: after the hospital's address was corrected, nothing said
    whether the red referral owed would reach the new one. It does: an attempt uses the contact's
    address as the roster has it now."""
    referral, clock, notifier = down(api, runner, hotline, receiver)
    notifier.tick()
    assert not receiver.taken()
    mended = Receiver()
    try:
        r = api.client.put(f"/v1/agencies/{referral['agency_id']}/oncall", headers=api.auth("admin1"), json={
            "contacts": [{"name": "值班员", "webhook_url": mended.hook("police")}], "secret": SECRET})
        assert r.status_code == 200, r.text
        clock.now += timedelta(minutes=2)
        notifier.tick()
        got = [p for p in mended.taken("police") if p["referral_id"] == referral["referral_id"]]
        assert [p["event"] for p in got] == ["referral.dispatched"] and mended.signed(SECRET)
        assert shown_for(api, referral)["delivered_at"] is not None
    finally:
        mended.close()


def test_a_referral_sent_before_the_units_roster_is_told_when_the_roster_is_saved(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer, receiver: Receiver) -> None:
    """The IT office's second review, stop 60: a red referral went to the county police before they
    had a roster; the roster saved a minute later, nothing was sent until the half-time reminder."""
    referral = red_referral(api, runner, key="before-roster")
    assert hotline.notify.watch(referral["referral_id"]).on_duty == 0  # type: ignore[union-attr]
    set_rosters(api, receiver)
    clock = Clock()
    Notifier(hotline.notify, clock=clock).tick()
    def told() -> list[str]:
        return [p["event"] for p in receiver.taken(f"{referral['agency_id']}/0")
                if p["referral_id"] == referral["referral_id"]]

    assert told() == ["referral.dispatched"]
    assert hotline.notify.watch(referral["referral_id"]).on_duty == 1  # type: ignore[union-attr]
    set_rosters(api, receiver)  # saved again: told once, not twice
    Notifier(hotline.notify, clock=clock).tick()
    assert told() == ["referral.dispatched"]
