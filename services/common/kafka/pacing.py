"""How long a consumer's fetch waits at the broker: while records keep coming, up to a linger for
more (fewer fetches, larger batches, one transaction for several messages); once a poll comes
back empty, records come back the moment they arrive, and an idle member's fetch waits long."""

from __future__ import annotations

from typing import Any

# A fetch while busy returns after the linger, whatever has come by then (a MiB does not come).
BUSY_MIN_BYTES = 1 << 20
# An idle member's fetch waits at the broker up to 2 s (kafka-python's default 0.5): records still
# come back the moment they arrive; an idle stack's CPU fell from 163 to 102 ms/s (#31).
IDLE_WAIT_MS = 2000


class FetchPacing:
    """Sets the fetch's wait as the consumer goes from idle to busy and back (`linger_ms` 0:
    never waits for more)."""

    def __init__(self, config: dict[str, Any], linger_ms: int):
        self.config = config
        self.linger_ms = linger_ms
        self.busy = False
        config["fetch_min_bytes"], config["fetch_max_wait_ms"] = 1, IDLE_WAIT_MS

    def after_poll(self, records: int) -> None:
        busy = records > 0 and self.linger_ms > 0
        if busy != self.busy:
            self.busy = busy
            self.config["fetch_min_bytes"], self.config["fetch_max_wait_ms"] = (
                (BUSY_MIN_BYTES, self.linger_ms) if busy else (1, IDLE_WAIT_MS))
