"""A consumer's fetch lingers at the broker for more records only while records keep coming
(#31): an idle member's fetch returns the moment one arrives; `HOTLINE_KAFKA_FETCH_LINGER_MS`
sets the linger, is checked at start by name, and reaches every process's unit."""

from __future__ import annotations

from typing import Any

import pytest

from services.common.kafka.pacing import BUSY_MIN_BYTES, IDLE_WAIT_MS, FetchPacing
from services.common.settings import Settings

IDLE = {"fetch_min_bytes": 1, "fetch_max_wait_ms": IDLE_WAIT_MS}


def test_busy_fetches_wait_for_more_and_an_empty_poll_ends_it() -> None:
    config: dict[str, Any] = {"fetch_min_bytes": 7, "fetch_max_wait_ms": 7, "other": "kept"}
    pacing = FetchPacing(config, linger_ms=25)
    assert config == {**IDLE, "other": "kept"}  # a new member is idle: nothing waits for more
    pacing.after_poll(3)
    assert config == {"fetch_min_bytes": BUSY_MIN_BYTES, "fetch_max_wait_ms": 25, "other": "kept"}
    pacing.after_poll(200)
    assert pacing.busy and config["fetch_max_wait_ms"] == 25
    pacing.after_poll(0)
    assert not pacing.busy and config == {**IDLE, "other": "kept"}


def test_no_linger_never_waits_for_more() -> None:
    config: dict[str, Any] = {}
    pacing = FetchPacing(config, linger_ms=0)
    for records in (5, 0, 9):
        pacing.after_poll(records)
        assert config == IDLE and not pacing.busy


@pytest.mark.parametrize("value", ["-1", "1001", "soon"])
def test_the_linger_is_checked_at_start_by_name(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("HOTLINE_KAFKA_FETCH_LINGER_MS", value)
    with pytest.raises(ValueError, match="HOTLINE_KAFKA_FETCH_LINGER_MS"):
        Settings()


def test_the_linger_defaults_to_25_ms_and_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().kafka_fetch_linger_ms == 25
    monkeypatch.setenv("HOTLINE_KAFKA_FETCH_LINGER_MS", "0")
    assert Settings().kafka_fetch_linger_ms == 0
