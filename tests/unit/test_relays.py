"""The relays of one process run a thread each; one failing stops the others and the process."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

import pytest

from services.common.kafka.relay import Relays


class FakeRelay:
    """Runs until stopped, or raises once `fail` is set."""

    def __init__(self, name: str, fail: threading.Event | None = None):
        self.leader = SimpleNamespace(name=name)
        self.fail = fail
        self.stopped = threading.Event()
        self.started = threading.Event()

    def run(self) -> None:
        self.started.set()
        while not self.stopped.wait(0.01):
            if self.fail is not None and self.fail.is_set():
                raise ConnectionError("database away")

    def stop(self) -> None:
        self.stopped.set()


def run_in_thread(relays: Relays) -> tuple[threading.Thread, list[BaseException]]:
    raised: list[BaseException] = []

    def target() -> None:
        try:
            relays.run()
        except BaseException as exc:
            raised.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    return thread, raised


def test_one_relay_failing_stops_the_others_and_is_raised() -> None:
    fail = threading.Event()
    intake, triage, dispatch = FakeRelay("intake"), FakeRelay("triage", fail), FakeRelay("dispatch")
    thread, raised = run_in_thread(Relays((intake, triage, dispatch)))  # type: ignore[arg-type]
    assert all(r.started.wait(5) for r in (intake, triage, dispatch))
    fail.set()
    thread.join(5)
    assert not thread.is_alive()
    assert [type(e) for e in raised] == [ConnectionError]
    assert intake.stopped.is_set() and dispatch.stopped.is_set()


def test_a_stop_ends_every_relay_without_an_error() -> None:
    relays: Any = (FakeRelay("intake"), FakeRelay("triage"))
    runner = Relays(relays)
    thread, raised = run_in_thread(runner)
    assert all(r.started.wait(5) for r in relays)
    runner.stop()
    thread.join(5)
    assert not thread.is_alive() and raised == []


def test_one_relay_runs_on_the_calling_thread() -> None:
    relay = FakeRelay("intake", threading.Event())
    relay.fail.set()  # type: ignore[union-attr]
    with pytest.raises(ConnectionError):
        Relays((relay,)).run()  # type: ignore[arg-type]
