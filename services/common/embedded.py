"""The embedded wiring: followers pull their leaders' notification logs in one process."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import structlog
from eventsourcing.application import Application
from eventsourcing.persistence import Tracking, TrackingRecorder

from services.common.messages import BatchHandler, Handler, Message, RunKey, Translator, runs, same_key
from services.common.outbox import CommitSignal, after_commit, pending

log = structlog.get_logger("embedded")


@dataclass
class Edge:
    """Leader events, translated to messages exactly as the relay would publish them."""

    leader: Application  # type: ignore[type-arg]
    translate: Translator
    handle: Handler
    tracker: TrackingRecorder
    follower: str
    topics: tuple[str, ...] = ()  # the leader's stored topics it translates (none: all)
    batch_handler: BatchHandler | None = None  # several messages in one transaction, as a consumer does
    run_key: RunKey = same_key  # what the messages of one transaction must not share


class EmbeddedRunner(threading.Thread):
    """Pumps every edge until nothing is pending, then waits for a leader's next commit (or
    `interval` seconds, whichever comes first)."""

    def __init__(self, edges: list[Edge], *, interval: float = 1.0, batch: int = 100):
        super().__init__(name="embedded-runner", daemon=True)
        self.edges = edges
        self.interval = interval
        self.batch = batch
        self._committed = CommitSignal()
        for leader in {id(e.leader): e.leader for e in edges}.values():
            after_commit(leader, self._committed)
        self._stop_event = threading.Event()
        self.error: BaseException | None = None

    def pump(self) -> int:
        """Process all pending notifications on all edges; returns how many were handled."""
        total = 0
        while True:
            handled = sum(self._pump_edge(edge) for edge in self.edges)
            total += handled
            if not handled:
                return total

    def _pump_edge(self, edge: Edge) -> int:
        start = edge.tracker.max_tracking_id(edge.leader.name) or 0
        notifications, covered = pending(edge.leader, start, self.batch, edge.topics)
        items = []
        for n in notifications:
            message = edge.translate(edge.leader.mapper.to_domain_event(n))
            # Same bytes a Kafka consumer would decode: the embedded path tests the codec too.
            if message is not None:
                items.append((message.roundtrip(), Tracking(edge.leader.name, n.id)))
        for run in runs(items, key=lambda item: edge.run_key(item[0].id, item[0].type, item[0].key)):
            self._apply(edge, run)
        if covered > (items[-1][1].notification_id if items else start):
            edge.handle(None, Tracking(edge.leader.name, covered))  # past the events it does not carry
        return len(items) + (covered > start and not items)

    @staticmethod
    def _apply(edge: Edge, run: list[tuple[Message, Tracking]]) -> None:
        """A run in one transaction; on any failure (two messages touching one aggregate), one
        at a time, as the Kafka consumer does."""
        if len(run) > 1 and edge.batch_handler is not None:
            try:
                edge.batch_handler(run)
                return
            except Exception as exc:  # nothing was written: one at a time finds out what and why
                log.info("batch fell back to one message at a time", follower=edge.follower,
                         size=len(run), reason=type(exc).__name__)
        for message, tracking in run:
            edge.handle(message, tracking)

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                if not self.pump():
                    self._committed.wait(self.interval)
            except Exception as exc:  # keep the API up; report and retry after a pause
                self.error = exc
                log.exception("embedded pump failed; retrying")
                self._stop_event.wait(1.0)

    def stop(self) -> None:
        self._stop_event.set()
        self._committed.close()
        if self.is_alive():
            self.join(timeout=10)
