"""A relay's gather (#31): the first commit after a quiet spell is published at once, and what
is committed while the relay waits after a publish goes out with the next one, together."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.popo import POPOTrackingRecorder
from pydantic import ValidationError

from services.bootstrap import ApiContainer
from services.bootstrap.outboxes import TRANSLATED, TRANSLATORS
from services.common.kafka.relay import OutboxRelay
from services.common.outbox import CommitSignal
from services.common.settings import Settings
from services.deploy.systemd import shared_environment
from tests.conftest import Api
from tests.helpers import report_body
from tests.unit.test_outbox_topics import Acked, Producer


class Flushes(Producer):
    """Keeps what it was given and how many sends each flush covered."""

    def __init__(self) -> None:
        super().__init__()
        self.flushes: list[int] = []
        self._since = 0

    def send(self, topic: str, *, key: bytes, value: bytes, headers: Any) -> Acked:
        self._since += 1
        return super().send(topic, key=key, value=value, headers=headers)

    def flush(self, timeout: float) -> None:
        self.flushes.append(self._since)
        self._since = 0


def until(condition: Any, seconds: float = 10.0) -> bool:
    end = time.monotonic() + seconds
    while not condition() and time.monotonic() < end:
        time.sleep(0.01)
    return bool(condition())


def relay_of(hotline: ApiContainer, producer: Producer, signal: CommitSignal, gather: float) -> OutboxRelay:
    return OutboxRelay(leader=hotline.intake, translate=TRANSLATORS["intake"], producer=producer,
                       topic="hotline.reports.v1", position=POPOTrackingRecorder(),
                       topics=TRANSLATED["intake"], wakeup=signal, gather=gather)


def test_the_first_report_goes_at_once_and_those_behind_it_wait_for_the_gather(
        api: Api, hotline: ApiContainer) -> None:
    producer, signal = Flushes(), CommitSignal()
    relay = relay_of(hotline, producer, signal, gather=60.0)  # longer than the test
    thread = threading.Thread(target=relay.run, kwargs={"idle": 60.0})
    thread.start()
    try:
        assert api.submit(report_body(), key="first").status_code == 201
        signal()
        assert until(lambda: len(producer.sent) == 1), "the first report waited for the gather"
        for key in ("second", "third"):
            assert api.submit(report_body(), key=key).status_code == 201
            signal()
        time.sleep(0.3)
        assert len(producer.sent) == 1  # the relay is waiting out its gather
    finally:
        relay.stop()
        thread.join(10)
    assert not thread.is_alive()  # a stop ends the gather's wait
    relay.publish_pending()  # as the next relay does: both, in one flush
    assert producer.flushes[-1] == 2 and len(producer.sent) == 3


def test_without_a_gather_each_commit_is_published_as_it_comes(api: Api, hotline: ApiContainer) -> None:
    producer, signal = Flushes(), CommitSignal()
    relay = relay_of(hotline, producer, signal, gather=0.0)
    thread = threading.Thread(target=relay.run, kwargs={"idle": 60.0})
    thread.start()
    try:
        for n, key in enumerate(("first", "second", "third"), start=1):
            assert api.submit(report_body(), key=key).status_code == 201
            signal()
            assert until(lambda n=n: len(producer.sent) == n)  # type: ignore[misc]
    finally:
        relay.stop()
        thread.join(10)
    assert producer.flushes.count(1) >= 3


def test_the_gather_is_a_setting_every_process_reads_and_a_bad_one_stops_the_start(
        tmp_path: Any, monkeypatch: Any) -> None:
    assert Settings(var_dir=tmp_path).pipeline_gather_ms == 50
    monkeypatch.setenv("HOTLINE_PIPELINE_GATHER_MS", "0")
    assert Settings(var_dir=tmp_path).pipeline_gather_ms == 0
    assert "HOTLINE_PIPELINE_GATHER_MS=0" in shared_environment(Settings(var_dir=tmp_path))
    for wrong in ("1001", "-1", "fast"):
        monkeypatch.setenv("HOTLINE_PIPELINE_GATHER_MS", wrong)
        with pytest.raises(ValueError, match="HOTLINE_PIPELINE_GATHER_MS"):
            Settings(var_dir=tmp_path)


def test_the_pipeline_runs_nicer_than_the_api_by_a_setting_checked_at_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(var_dir=tmp_path).pipeline_nice == 0  # off: the A/B of stop 54
    monkeypatch.setenv("HOTLINE_PIPELINE_NICE", "10")
    assert Settings(var_dir=tmp_path).pipeline_nice == 10
    monkeypatch.setenv("HOTLINE_PIPELINE_NICE", "20")  # beyond what nice(2) takes: refused at start
    with pytest.raises(ValidationError, match="pipeline_nice"):
        Settings(var_dir=tmp_path)
