"""The notifier under a pile of failing deliveries (#25, contract §11), with a fake clock and a fake
transport: a fresh dispatch goes before a thousand due retries; a receiver whose every attempt
raises, times out or cannot be recorded costs only its own deliveries; a restart reads what is
pending, not the whole history; the receivers' health is derived from the deliveries."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from services.bootstrap import ApiContainer
from services.common.settings import Settings
from services.notify import webhook
from services.notify.application import NotifyApplication
from services.notify.domain import Delivery, UnitLog, Watch
from services.notify.ledger import SETTLED, Ledger, Owed
from services.notify.notifier import Notifier
from services.notify.oncall import Contact, roster_id
from services.notify.rounds import fair

SECRET = "unit-secret-for-tests-0001"
DEAD, LIVE = "police-441823", "hospital-441823"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class Transport:
    """Answers each request by its URL's unit: `fail` maps a unit to what happens to its requests."""

    def __init__(self, fail: dict[str, Callable[[], str | None]] | None = None):
        self.fail = fail or {}
        self.calls: list[str] = []  # the unit of each request, in the order they were made
        self.lock = threading.Lock()

    def __call__(self, request: webhook.Request) -> str | None:
        unit = request.url.rsplit("/", 1)[-1]
        with self.lock:
            self.calls.append(unit)
        answer = self.fail.get(unit)
        return answer() if answer else None


def rosters(notify: NotifyApplication, *units: str) -> None:
    for unit in units:
        notify.set_roster(unit, [{"name": "值班员", "webhook_url": f"https://hooks.example.invalid/{unit}"}],
                          SECRET, by="test")


def plan(notify: NotifyApplication, unit: str, count: int, at: datetime, *, start: int = 0,
         risk: str = "yellow", delivered: bool = False) -> list[UUID]:
    """`count` referrals dispatched to the unit, each with its delivery planned (as the policy
    does), and taken at once if `delivered` (a long history, made quickly)."""
    contact = Contact("值班员", webhook_url=f"https://hooks.example.invalid/{unit}")
    made: list[Any] = []
    for i in range(start, start + count):
        watch = Watch(referral_id=f"{unit}-r{i}", case_id=f"c{i}", agency_id=unit, agency_kind="police",
                      risk_level=risk, dispatched_at=at, due_at=at + timedelta(minutes=15), on_duty=1)
        delivery = notify._deliver(watch, "referral.dispatched", contact, at)  # noqa: SLF001
        if delivered:
            delivery.attempt(None, at, 2.0, timedelta(minutes=15))
        made += [watch, delivery]
        if len(made) >= 400:
            notify.save(*made)
            made = []
    if made:
        notify.save(*made)
    return [Delivery.create_id(referral_id=f"{unit}-r{i}", event_name="referral.dispatched",
                               contact="值班员") for i in range(start, start + count)]


def rows_read(notify: NotifyApplication, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many of the log's events each read from now on returns."""
    read: list[int] = []
    select = notify.recorder.select_notifications

    def counted(*args: Any, **kwargs: Any) -> Any:
        notes = select(*args, **kwargs)
        read.append(len(notes))
        return notes
    monkeypatch.setattr(notify.recorder, "select_notifications", counted)
    return read


def refusing() -> str:
    return "HTTP 503"


@pytest.mark.parametrize("concurrency", [1, 16])
def test_a_fresh_dispatch_goes_before_a_thousand_due_retries(hotline: ApiContainer, concurrency: int) -> None:
    notify, clock = hotline.notify, Clock()
    rosters(notify, DEAD, LIVE)
    plan(notify, DEAD, 1000, clock.now)
    transport = Transport({DEAD: refusing})
    notifier = Notifier(notify, clock=clock, post=transport, concurrency=concurrency)
    assert notifier.tick() == 1000  # every one tried once, and failed
    clock.now += timedelta(minutes=10)  # every retry is due
    plan(notify, LIVE, 1, clock.now)
    transport.calls.clear()
    notifier.tick()
    assert len(transport.calls) == 1001
    # The fresh dispatch first (with 16 workers, among the first few to start: 4 at most to one receiver).
    assert transport.calls.index(LIVE) == 0 if concurrency == 1 else transport.calls.index(LIVE) < 5


def test_the_order_is_fresh_first_then_receivers_in_turn() -> None:
    due = [(f"a{i}", Owed("a", 10.0 + i, 0.0, attempts=3)) for i in range(6)]
    due += [(f"b{i}", Owed("b", 20.0 + i, 0.0, attempts=1)) for i in range(2)]
    due += [("c0", Owed("c", 50.0, 50.0)), ("d0", Owed("d", 40.0, 40.0))]
    from collections import Counter
    assert fair(due, Counter(), 16, 4) == ["d0", "c0", "a0", "b0", "a1", "b1", "a2", "a3"]
    assert fair(due, Counter({"a": 3}), 4, 4) == ["d0", "c0", "a0", "b0"]  # a has one slot left
    assert fair(due, Counter(), 1, 4) == ["d0"]
    # Retries never take the slots kept for fresh dispatches; a failing receiver gets one at a time.
    assert fair(due, Counter(), 16, 4, retries=3) == ["d0", "c0", "a0", "b0", "a1"]
    assert fair(due, Counter(), 16, 4, failing={"a"}) == ["d0", "c0", "a0", "b0", "b1"]


@pytest.mark.parametrize("dead", ["raises", "times out", "cannot be recorded"])
def test_a_receiver_that_fails_every_attempt_does_not_stop_a_live_one(
        hotline: ApiContainer, monkeypatch: pytest.MonkeyPatch, dead: str) -> None:
    notify, clock = hotline.notify, Clock()
    rosters(notify, DEAD, LIVE)

    def raising() -> str:
        raise ConnectionResetError("peer reset")

    def timing_out() -> str:
        time.sleep(0.05)
        raise TimeoutError("timed out")

    transport = Transport({DEAD: raising if dead == "raises" else timing_out if dead == "times out"
                           else refusing})
    if dead == "cannot be recorded":  # the store refuses every record of the dead unit's attempts
        attempt = notify.attempt

        def refuse(delivery_id: UUID, error: str | None, at: datetime, retry_in: float) -> Delivery:
            if notify.repository.get(delivery_id).agency_id == DEAD:
                raise RuntimeError("the database said no")
            return attempt(delivery_id, error, at, retry_in)
        monkeypatch.setattr(notify, "attempt", refuse)
    dead_ones = plan(notify, DEAD, 40, clock.now)
    notifier = Notifier(notify, clock=clock, post=transport)
    for minute in range(3):
        live = plan(notify, LIVE, 5, clock.now, start=minute * 5)
        notifier.tick()
        assert all(notify.repository.get(d).delivered_at == clock.now for d in live)  # each, in its round
        clock.now += timedelta(minutes=1)
    assert transport.calls.count(LIVE) == 15
    assert transport.calls.count(DEAD) >= 80  # the dead one was tried again and again meanwhile
    first: Delivery = notify.repository.get(dead_ones[0])
    if dead == "cannot be recorded":
        assert first.attempts == 0 and first.pending
    else:  # the exception is that attempt's error, recorded on it
        assert first.attempts >= 2 and str(first.last_error).startswith(
            "ConnectionResetError" if dead == "raises" else "TimeoutError")
    health = notify.receiver_health(clock.now)
    assert health[f"{LIVE}/值班员"]["consecutive_failures"] == 0 and health[f"{LIVE}/值班员"]["pending"] == 0
    assert health[f"{DEAD}/值班员"]["pending"] == 40
    assert health[f"{DEAD}/值班员"]["consecutive_failures"] == (0 if dead == "cannot be recorded" else
                                                               transport.calls.count(DEAD))


def test_a_slow_receiver_does_not_hold_up_a_live_one_while_running(hotline: ApiContainer) -> None:
    """The running notifier does not wait for attempts: a dispatch to a live receiver goes out
    while every worker it may give the slow one is stuck."""
    notify = hotline.notify
    rosters(notify, DEAD, LIVE)
    release = threading.Event()
    transport = Transport({DEAD: lambda: "TimeoutError" if release.wait(10) else "TimeoutError"})
    notifier = Notifier(notify, post=transport, interval=0.05, concurrency=4, per_receiver=2)
    plan(notify, DEAD, 30, datetime.now(UTC))
    notifier.start()
    try:
        time.sleep(0.3)
        assert transport.calls.count(DEAD) == 2  # two in flight at most, the rest wait their turn
        [live] = plan(notify, LIVE, 1, datetime.now(UTC))
        began = time.monotonic()
        while notify.repository.get(live).delivered_at is None and time.monotonic() - began < 5:
            time.sleep(0.02)
        took = time.monotonic() - began
        assert notify.repository.get(live).delivered_at is not None and took < 1.0, took
    finally:
        release.set()
        notifier.stop()


def test_a_restart_reads_what_is_pending_not_the_whole_history(
        hotline: ApiContainer, monkeypatch: pytest.MonkeyPatch) -> None:
    notify, clock = hotline.notify, Clock()
    rosters(notify, DEAD, LIVE)
    plan(notify, LIVE, 5000, clock.now, delivered=True)
    first = Notifier(notify, clock=clock, post=Transport({DEAD: refusing}))
    first.follow()  # the first start after the upgrade: the whole log, once
    assert first.ledger.receivers[f"{LIVE}/值班员"].last_success_at == clock.now.timestamp()
    owed = plan(notify, DEAD, 3, clock.now)
    first.tick()  # refused: still owed
    first.stop()

    read = rows_read(notify, monkeypatch)
    loaded: list[UUID] = []
    get = notify.repository.get

    def counted_get(aggregate_id: UUID, *args: Any, **kwargs: Any) -> Any:
        loaded.append(aggregate_id)
        return get(aggregate_id, *args, **kwargs)
    monkeypatch.setattr(notify.repository, "get", counted_get)

    restarted = Notifier(notify, clock=clock, post=Transport({DEAD: refusing}))
    restarted.follow()
    assert sum(read) == 0 and loaded == []  # the saved ledger, and nothing of the log before it
    assert set(restarted.pending) == set(owed)
    clock.now += timedelta(minutes=5)
    assert restarted.tick() == 3
    assert sum(read) <= 3 + 3 * 2  # what the three attempts recorded (with their audit notes)
    assert {i for i in loaded if i != roster_id(DEAD)} == set(owed)  # each owed one, to be tried
    assert notify.ledgers.reads == 2  # the health view reads the same ledger (the first notifier's too)


def test_a_crash_costs_only_the_events_since_the_last_save(
        hotline: ApiContainer, monkeypatch: pytest.MonkeyPatch) -> None:
    """No clean stop (the process killed): the next notifier reads the ledger saved last (about
    every second while running) and only the log after its position, and still makes each
    attempt owed since, once."""
    notify, clock = hotline.notify, Clock()
    rosters(notify, DEAD, LIVE)
    plan(notify, DEAD, 5000, clock.now, delivered=True)  # planned and taken: a long history
    first = Notifier(notify, clock=clock, post=Transport())
    first.tick()  # tracked all 5,000, and saved (as `run` does about once a second)
    saved = notify.ledgers.load()
    assert saved is not None and saved.position == first.position and saved.owed == {}
    fresh = plan(notify, LIVE, 20, clock.now)  # 20 more, after the save
    since = (notify.recorder.max_notification_id() or 0) - saved.position
    assert 20 <= since < 5000
    del first  # dropped: no stop, no last save

    read = rows_read(notify, monkeypatch)
    transport = Transport()
    restarted = Notifier(notify, clock=clock, post=transport)
    restarted.follow()
    assert sum(read) == since  # only the events after the saved position
    assert set(restarted.pending) == set(fresh)
    assert restarted.tick() == 20
    assert transport.calls == [LIVE] * 20
    assert all(notify.repository.get(d).delivered_at for d in fresh)
    restarted.tick()
    assert transport.calls == [LIVE] * 20  # once each


def test_a_store_written_by_the_old_release_still_loads_and_its_history_counts(hotline: ApiContainer) -> None:
    """Before #25 each attempt also wrote its unit's `UnitLog`: those events still load, and the
    first start after the upgrade (no saved ledger) derives each receiver's health from the
    deliveries' own attempts."""
    notify, clock = hotline.notify, Clock()
    rosters(notify, LIVE)
    [done, failing] = plan(notify, LIVE, 2, clock.now)
    log = UnitLog(agency_id=LIVE)
    for delivery_id, error in ((done, None), (failing, "HTTP 503"), (failing, "HTTP 503")):
        delivery: Delivery = notify.repository.get(delivery_id)
        delivery.attempt(error, clock.now, 2.0, timedelta(minutes=15))
        log.note(error=error, at=clock.now)
        notify.save(delivery, log)  # as the old release recorded an attempt
    assert notify.repository.get(log.id).last_delivered_at == clock.now
    assert notify.ledgers.load() is None
    notifier = Notifier(notify, clock=clock, post=Transport({LIVE: refusing}))
    notifier.follow()
    assert set(notifier.pending) == {failing}
    notifier.save()
    health = notify.receiver_health(clock.now)[f"{LIVE}/值班员"]
    assert health == {"agency_id": LIVE, "consecutive_failures": 2, "last_success_at": clock.now.isoformat(),
                      "pending": 1, "failures_24h": 2}


@pytest.mark.parametrize(("name", "value"), [("HOTLINE_WEBHOOK_TIMEOUT_SECONDS", "soon"),
                                             ("HOTLINE_WEBHOOK_TIMEOUT_SECONDS", "0"),
                                             ("HOTLINE_WEBHOOK_CONCURRENCY", "0"),
                                             ("HOTLINE_WEBHOOK_CONCURRENCY", "many")])
def test_webhook_limits_are_checked_at_start_by_name(monkeypatch: pytest.MonkeyPatch, name: str,
                                                     value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name):
        Settings()


def test_webhook_limits_reach_the_notifier(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    from services.bootstrap import Wiring
    monkeypatch.setenv("HOTLINE_WEBHOOK_TIMEOUT_SECONDS", "2.5")
    monkeypatch.setenv("HOTLINE_WEBHOOK_CONCURRENCY", "3")
    settings = Settings(var_dir=tmp_path, database_url="", environment="development")
    assert (settings.webhook_timeout_seconds, settings.webhook_concurrency) == (2.5, 3)
    wiring = Wiring.of(settings, store="memory")
    notify = wiring.notify()
    notifier = wiring.notifier(notify)
    assert notifier.concurrency == 3 and notifier.post.keywords == {  # type: ignore[union-attr]
        "timeout": 2.5, "guard": settings.webhook_guard}  # and the address rule (contract §10)
    notifier.stop()
    notify.close()


def test_metrics_show_what_is_pending_per_unit_and_how_long_a_red_dispatch_has_waited(
        hotline: ApiContainer) -> None:
    from prometheus_client import REGISTRY

    notify, clock = hotline.notify, Clock()
    rosters(notify, DEAD, LIVE)
    plan(notify, DEAD, 2, clock.now, risk="red")
    plan(notify, LIVE, 1, clock.now, risk="red")
    notifier = Notifier(notify, clock=clock, post=Transport({DEAD: refusing}))
    notifier.tick()
    clock.now += timedelta(seconds=90)
    notifier.gauges()

    def sample(name: str, **labels: str) -> float | None:
        return REGISTRY.get_sample_value(name, labels)
    assert sample("hotline_notify_pending", unit=DEAD, contact="1") == 2
    assert sample("hotline_notify_pending", unit=LIVE, contact="1") == 0
    assert sample("hotline_notify_red_first_delivery_age_seconds") == 90  # the alert's: over 60
    assert sample("hotline_notify_oldest_pending_seconds") == 90
    assert 85 <= (sample("hotline_notify_oldest_due_seconds") or 0) <= 89  # due 1-2 s after the first try
    notifier.tick()  # the refused ones tried again: still owed, still red, still waiting
    assert sample("hotline_notify_red_first_delivery_age_seconds") == 90
    assert sample("hotline_notify_oldest_due_seconds") == 0


def test_pending_is_per_receiver_so_a_dead_second_contact_shows_beside_a_live_first(
        hotline: ApiContainer) -> None:
    """Labelled by unit and contact number, no names: a unit's contacts are not added together."""
    from prometheus_client import REGISTRY

    notify, clock, unit = hotline.notify, Clock(), "police-441802"
    first, second = (Contact(name, webhook_url=f"https://hooks.example.invalid/{path}")
                     for name, path in (("值班员", unit), ("备班员", f"{unit}-b")))
    notify.set_roster(unit, [{"name": c.name, "webhook_url": c.webhook_url} for c in (first, second)], SECRET,
                      by="test")
    for i in range(3):
        watch = Watch(referral_id=f"{unit}-r{i}", case_id=f"c{i}", agency_id=unit, agency_kind="police",
                      risk_level="red", dispatched_at=clock.now, due_at=clock.now + timedelta(minutes=15),
                      on_duty=2)
        notify.save(watch, *(notify._deliver(watch, "referral.dispatched", c, clock.now)  # noqa: SLF001
                             for c in (first, second)))
    notifier = Notifier(notify, clock=clock, post=Transport({f"{unit}-b": refusing}))
    notifier.tick()
    pending = {s.labels["contact"]: s.value for m in REGISTRY.collect() if m.name == "hotline_notify_pending"
               for s in m.samples if s.labels["unit"] == unit}
    assert pending == {"1": 0, "2": 3}
    text = "".join(f"{s.labels}" for m in REGISTRY.collect() if m.name == "hotline_notify_pending"
                   for s in m.samples)
    assert "值班员" not in text and "备班员" not in text and "hooks.example" not in text


def test_a_failing_receiver_is_probed_now_and_then_not_hammered(hotline: ApiContainer) -> None:
    """Once it failed 3 times in a row, one attempt per `probe_every` (the deployed notifier's
    0.5 s): a dead receiver owed hundreds of deliveries costs a write now and then; the live one
    gets all of its own meanwhile."""
    notify, clock = hotline.notify, Clock()
    rosters(notify, DEAD, LIVE)
    plan(notify, DEAD, 20, clock.now)
    transport = Transport({DEAD: refusing})
    notifier = Notifier(notify, clock=clock, post=transport, probe_every=10.0)
    seconds = [0.0]
    notifier.monotonic = lambda: seconds[0]
    notifier.tick()  # not known to fail yet: every one tried
    assert transport.calls.count(DEAD) == 20
    clock.now += timedelta(minutes=1)
    live = plan(notify, LIVE, 3, clock.now, start=0)
    transport.calls.clear()
    notifier.tick()
    assert transport.calls.count(DEAD) == 1 and transport.calls.count(LIVE) == 3  # one probe
    assert all(notify.repository.get(d).delivered_at for d in live)
    notifier.tick()
    assert transport.calls.count(DEAD) == 1  # resting
    seconds[0] += 10.0
    notifier.tick()
    assert transport.calls.count(DEAD) == 2
    assert len(notifier.pending) == 20  # the dead one's, still owed: given up when tried past the window


def test_a_round_looks_through_the_watches_only_when_one_may_be_due() -> None:
    """Reminders fall due minutes apart while rounds come at every commit: between them a round
    reads no watch (#31). The floor is the earliest; a restart's ledger computes it again."""
    ledger = Ledger()
    for i in range(1000):
        ledger.watch(f"w{i}", f"r{i}", 1_000.0 + i)
    assert ledger.remind_floor == 1_000.0
    ledger.watching = Watches(ledger.watching)  # counts what a round reads from here on
    assert ledger.due_watches(999.0) == []
    assert ledger.watching.scans == 0
    assert ledger.due_watches(1_001.5) == [("w0", "r0"), ("w1", "r1")]
    assert ledger.watching.scans == 2  # the due ones, then the next floor
    assert ledger.remind_floor == 1_002.0
    assert Ledger.from_json(ledger.to_json()).remind_floor == 1_000.0  # none was settled here


class Watches(dict[str, tuple[str, float]]):
    scans = 0

    def items(self) -> Any:
        self.scans += 1
        return super().items()

    def values(self) -> Any:
        self.scans += 1
        return super().values()


def test_a_roster_read_again_opens_only_the_events_written_since(tmp_path: Any) -> None:
    """Each referral and each attempt reads its unit's roster: the kept one is brought up to date
    with what another process wrote, and no event is opened twice (#31)."""
    from tests.helpers import build

    writer = build(Settings(var_dir=tmp_path), store="sqlite").notify  # the API's, say
    reader = build(Settings(var_dir=tmp_path), store="sqlite").notify  # the notify process's
    rosters(writer, "unit-a")
    opened: list[Any] = []
    to_domain_event = reader.mapper.to_domain_event
    reader.mapper.to_domain_event = lambda stored: opened.append(stored) or to_domain_event(stored)  # type: ignore[method-assign]
    first = reader.roster("unit-a")
    assert first is not None and len(opened) == first.version
    assert reader.roster("unit-a") == first and len(opened) == first.version  # kept: nothing opened
    writer.set_roster("unit-a", [{"name": "副所长", "webhook_url": "https://hooks.example.invalid/b"}],
                      SECRET, by="test")
    again = reader.roster("unit-a")
    assert again is not None and again.version == first.version + 1
    assert [c.name for c in again.contacts] == ["副所长"]
    assert len(opened) == again.version  # only the new event


def test_the_saved_ledger_keeps_its_shape_and_reads_back() -> None:
    """The document a restart reads (and an earlier release saved): each delivery owed as its
    fields by name, settled ones left out; read back, the same schedule."""
    ledger, unit, at = Ledger(), "unit-a/值班员", lambda seconds: datetime.fromtimestamp(seconds, UTC)
    ledger.plan("d1", agency_id="unit-a", receiver=unit, planned_at=at(10),
                red_first=True)
    ledger.plan("d2", agency_id="unit-a", receiver=unit, planned_at=at(20),
                red_first=False)
    ledger.attempted("d2", unit, "unit-a", error="HTTP 503", at=at(21), next_at=at(51), last=False)
    ledger.plan("d3", agency_id="unit-a", receiver=unit, planned_at=at(30),
                red_first=False)
    ledger.owed["d3"].next_at = SETTLED  # taken; the log's event removes it
    doc = ledger.to_json()
    assert doc["owed"] == {
        "d1": {"receiver": unit, "next_at": 10.0, "planned_at": 10.0, "attempts": 0, "red_first": True},
        "d2": {"receiver": unit, "next_at": 51.0, "planned_at": 20.0, "attempts": 1, "red_first": False}}
    again = Ledger.from_json(json.loads(json.dumps(doc)))
    assert again.owed == {i: o for i, o in ledger.owed.items() if i != "d3"}
    ledger.owed["d1"].attempts = 5
    assert doc["owed"]["d1"]["attempts"] == 0  # a copy: the document does not move with the ledger


class SlowLedgers:
    """notify's ledger store, whose save takes `took` seconds of the notifier's clock."""

    def __init__(self, ledgers: Any, clock: list[float], took: float):
        self.ledgers, self.clock, self.took, self.saves = ledgers, clock, took, 0

    def save(self, ledger: Ledger) -> None:
        self.ledgers.save(ledger)
        self.clock[0] += self.took
        self.saves += 1

    def load(self) -> Ledger | None:
        return self.ledgers.load()


def test_a_ledger_slow_to_save_is_saved_less_often(hotline: ApiContainer) -> None:
    """A save takes at most 2 % of the notifier's time (#31): one of 0.1 s comes 5 s after the
    last, one of a few milliseconds after a second, as before; only once the log moved."""
    notify, now = hotline.notify, [1_000.0]
    notifier = Notifier(notify, clock=Clock(), post=Transport())
    notifier.monotonic = lambda: now[0]
    slow = SlowLedgers(notify.ledgers, now, took=0.1)
    notify.ledgers = slow  # type: ignore[assignment]
    rosters(notify, LIVE)
    notifier.follow()
    notifier.save()
    assert notifier.save_every == pytest.approx(5.0)
    plan(notify, LIVE, 1, datetime.now(UTC))
    notifier.follow()  # the log moved
    now[0] += 1.5
    assert not notifier.save_due()  # before: saved at every second while the log moved
    now[0] += 3.6  # 5.1 s after the last save ended
    assert notifier.save_due()
    slow.took = 0.004
    notifier.save()
    assert notifier.save_every == pytest.approx(1.0)  # a quick save: once a second again
    now[0] += 1.0
    assert not notifier.save_due()  # saved since, and the log has not moved
    assert slow.saves == 2
    slow.took = 2.0  # the disk busy: the health view still no older than 10 s
    notifier.save()
    assert notifier.save_every == pytest.approx(10.0)
