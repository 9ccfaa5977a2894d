"""Outbox relay: an application's notification log, published to its Kafka topic."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import structlog
from eventsourcing.application import Application
from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresTrackingRecorder
from kafka import KafkaProducer

from services.common.faults import never
from services.common.messages import Translator
from services.common.outbox import Wakeup, pending, wakeup_for
from services.common.pgwrites import two_trips

log = structlog.get_logger("relay")


class RelayPositions(PostgresTrackingRecorder):
    """Where a relay records how far it has published, on PostgreSQL: committed without waiting
    for the disk (#31). A position lost with the database (its last fraction of a second before
    a crash) only makes the relay publish those messages again, which every consumer meets as a
    redelivery, as when a relay dies between publishing and recording."""

    def insert_tracking(self, tracking: Tracking) -> None:
        with two_trips(self.datastore) as (pipeline, curs):
            curs.execute("SET LOCAL synchronous_commit TO OFF")  # this transaction only
            self._insert_tracking(curs, tracking)
            pipeline.sync()


def make_producer(bootstrap_servers: str, client_id: str, security: dict[str, Any] | None = None
                  ) -> KafkaProducer:
    return KafkaProducer(
        **(security or {}),
        bootstrap_servers=bootstrap_servers.split(","),
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=2,
        retries=2147483647,
        max_in_flight_requests_per_connection=5,
        # Reconnect within 2 s of the brokers' return (the default backs off up to 30 s:
        # `make chaos` measured 53 s to recover from Kafka away for 30 s).
        reconnect_backoff_max_ms=2000,
        metrics_enabled=False,  # kafka-python's own sensors, per request: nothing reads them
    )


class OutboxRelay:
    """Publishes committed events in notification order; records the position only after
    the broker acknowledged them, so a crash republishes (at least once) and loses nothing."""

    def __init__(
        self,
        *,
        leader: Application,  # type: ignore[type-arg]
        translate: Translator,
        producer: Any,
        topic: str,
        position: TrackingRecorder,
        topics: tuple[str, ...] = (),
        batch: int = 200,
        ack_timeout: float = 30.0,
        after_publish: Callable[[], None] = never,
        wakeup: Wakeup | None = None,
        gather: float = 0.0,
    ):
        self.leader = leader
        self.translate = translate
        self.producer = producer
        self.topic = topic
        self.position = position
        # The stored topics the translator may publish (none: all): the rest is never read.
        self.topics = topics
        self.batch = batch
        self.ack_timeout = ack_timeout
        # Between the broker's acknowledgement and the recorded position: where `make chaos`
        # kills a relay to show that a republished batch has no second effect downstream; outside
        # it there is nothing to call.
        self.after_publish = None if after_publish is never else after_publish
        self._stop_event = threading.Event()
        # Seconds to wait after a publish before looking again (Settings.pipeline_gather_ms).
        self.gather = gather
        # Woken by the leader's commits (LISTEN/NOTIFY on PostgreSQL); else it polls.
        self.wakeup = wakeup if wakeup is not None else wakeup_for(leader)
        # Its position, read once: a relay is the only writer of its leader's (`hotline
        # republish` clears them with the services stopped), so each wake asks the store only
        # for the leader's log, not for where it stands (#31).
        self._position: int | None = None

    def publish_pending(self) -> int:
        """Publish one batch; returns how many notifications it covered."""
        if self._position is None:
            self._position = self.position.max_tracking_id(self.leader.name) or 0
        start = self._position
        notifications, covered = pending(self.leader, start, self.batch, self.topics)
        if not covered:
            return 0
        futures = []
        for n in notifications:
            message = self.translate(self.leader.mapper.to_domain_event(n))
            if message is None:
                continue
            futures.append(
                (
                    n.id,
                    message,
                    self.producer.send(
                        self.topic,
                        key=message.key.encode(),
                        value=message.value(),
                        headers=message.headers(),
                    ),
                )
            )
        self.producer.flush(timeout=self.ack_timeout)
        for notification_id, message, future in futures:
            meta = future.get(timeout=self.ack_timeout)  # raises unless the broker acknowledged
            log.info(
                "published",
                notification_id=notification_id,
                ce_type=message.type,
                ce_id=message.id,
                topic=meta.topic,
                partition=meta.partition,
                offset=meta.offset,
            )
        if self.after_publish is not None:
            self.after_publish()
        self.record_position(covered)
        return covered - start

    def record_position(self, notification_id: int) -> None:
        self.position.insert_tracking(Tracking(self.leader.name, notification_id))
        self._position = notification_id

    def run(self, interval: float = 0.05, idle: float = 1.0) -> None:
        """Publish what is pending; then wait for the next commit (at most `idle` seconds),
        or without a wakeup, `interval` seconds. After a publish, wait `gather` seconds first:
        the first commit after a quiet spell goes out at once, the ones behind it together."""
        log.info("relay started", application=self.leader.name, topic=self.topic,
                 woken_by="LISTEN/NOTIFY" if self.wakeup else f"polling every {interval}s")
        try:
            while not self._stop_event.is_set():
                if self.publish_pending():
                    if self.gather:
                        self._stop_event.wait(self.gather)
                else:
                    if self.wakeup is not None:
                        self.wakeup.wait(idle)
                    else:
                        self._stop_event.wait(interval)
        finally:
            if self.wakeup is not None:
                self.wakeup.close()

    def stop(self) -> None:
        self._stop_event.set()
        if self.wakeup is not None:
            self.wakeup.interrupt()


class Relays:
    """Several relays in one process, a thread each, as one worker: it runs until it is stopped
    or one of them ends (a failure stops the others and is raised, so the process exits and is
    restarted, as a process per relay was)."""

    def __init__(self, relays: tuple[OutboxRelay, ...]):
        self.relays = relays
        self._ended = threading.Event()
        self._errors: list[BaseException] = []

    def _run(self, relay: OutboxRelay) -> None:
        try:
            relay.run()
        except BaseException as exc:
            log.error("relay failed", application=relay.leader.name, error=type(exc).__name__)
            self._errors.append(exc)
        finally:
            self._ended.set()

    def run(self) -> None:
        if len(self.relays) == 1:
            self.relays[0].run()
            return
        threads = [threading.Thread(target=self._run, args=(r,), name=f"relay-{r.leader.name}")
                   for r in self.relays]
        for thread in threads:
            thread.start()
        self._ended.wait()
        self.stop()
        for thread in threads:
            thread.join()
        if self._errors:
            raise self._errors[0]

    def stop(self) -> None:
        for relay in self.relays:
            relay.stop()
        self._ended.set()
