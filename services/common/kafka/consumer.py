"""Kafka consumer loop: messages handled with their tracking position, offsets after. A polled
batch is applied in one transaction per partition when the handler can (`batch_handler`),
cut where the follower's run key repeats (by default the message key: a report and its
supplement stay in separate transactions, so one never reads state the other has not
committed); on any failure the batch falls back to one message at a time, where conflicts,
redeliveries and bad messages are dealt with."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import structlog
from eventsourcing.persistence import IntegrityError, OperationalError, Tracking, TrackingRecorder
from kafka import ConsumerRebalanceListener, KafkaConsumer, TopicPartition

from services.common.kafka.deadletters import DeadLetters
from services.common.messages import (
    BatchHandler,
    Handler,
    Message,
    MessageFormatError,
    RunKey,
    runs,
    same_key,
)
from services.common.rollbacks import rolled_back

log = structlog.get_logger("consumer")


def tracking_name(topic: str, partition: int) -> str:
    return f"{topic}:{partition}"


def _header(record: Any, wanted: str) -> str:
    return next((raw.decode() for name, raw in record.headers or [] if name == wanted), "")


class _ResumeFromTracking(ConsumerRebalanceListener):
    """On assignment, seek each partition to the position recorded with the effects."""

    def __init__(self, loop: ConsumerLoop):
        self.loop = loop

    def on_partitions_revoked(self, revoked: Any) -> None:
        log.info("partitions revoked", partitions=sorted(str(tp) for tp in revoked))

    def on_partitions_assigned(self, assigned: Any) -> None:
        for tp in assigned:
            self.loop.seek_to_tracked(tp)


class ConsumerLoop:
    """At-least-once delivery in, exactly-once effect out: the handler records the tracking
    position (topic:partition, offset+1) in the same transaction as its effects."""

    def __init__(
        self,
        *,
        name: str,
        topics: tuple[str, ...],
        group_id: str,
        bootstrap_servers: str,
        handler: Handler,
        tracker: TrackingRecorder,
        max_retries: int = 20,
        dead_letters: DeadLetters | None = None,
        security: dict[str, Any] | None = None,
        instance: str | None = None,
        resync: Callable[[], bool] | None = None,
        batch_handler: BatchHandler | None = None,
        run_key: RunKey = same_key,
        gather: float = 0.0,
    ):
        self.name = name
        self.topics = topics
        self.handler = handler
        self.batch_handler = batch_handler
        self.run_key = run_key
        # Seconds to wait after applying messages before polling again (Settings.pipeline_gather_ms):
        # the next poll brings what arrived meanwhile, applied in one transaction.
        self.gather = gather
        self.batches = 0  # transactions that applied more than one message
        self.fallbacks = 0  # batches that went one at a time instead
        self.tracker = tracker
        self.max_retries = max_retries
        self.commit_every = 1.0  # seconds between Kafka offset commits while busy
        self._uncommitted, self._committed_at = False, time.monotonic()
        self._stop_event = threading.Event()
        self.handled = 0
        self.skipped = 0
        self.dead_lettered = 0
        self.group_id = group_id
        # True when the positions were set back under this consumer (a view rebuilt): it then
        # resumes every partition from its tracked position.
        self.resync = resync
        self.dead_letters = dead_letters or DeadLetters(bootstrap_servers, security=security)
        self.consumer = KafkaConsumer(
            **(security or {}),
            bootstrap_servers=bootstrap_servers.split(","),
            group_id=group_id,
            client_id=f"{group_id}-{name}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=200,
            # An idle member's fetch waits at the broker up to 2 s (default 0.5): records still
            # come back the moment they arrive; an idle stack's CPU fell from 163 to 102 ms/s.
            fetch_max_wait_ms=2000,
            session_timeout_ms=10000,
            heartbeat_interval_ms=2000,
            # Often: a group formed before a new topic's partitions were known rebalances in seconds.
            metadata_max_age_ms=5000,
            reconnect_backoff_max_ms=2000,  # back within 2 s of the brokers (default: up to 30 s)
            # Static membership (`instance`, one per process of a group): a consumer restarted
            # after a crash takes its partitions back at once instead of after the session
            # timeout. Without it, dynamic membership (safe for ad-hoc extra consumers).
            group_instance_id=instance,
            metrics_enabled=False,  # kafka-python's own sensors, per fetch and record: nothing reads them
        )
        self.consumer.subscribe(topics=list(topics), listener=_ResumeFromTracking(self))

    def seek_to_tracked(self, tp: TopicPartition) -> None:
        position = self.tracker.max_tracking_id(tracking_name(tp.topic, tp.partition))
        if position is None:
            self.consumer.seek_to_beginning(tp)
        else:
            self.consumer.seek(tp, position)
        log.info("partition assigned", topic=tp.topic, partition=tp.partition, resume_at=position)

    def poll_once(self, timeout_ms: int = 500) -> int:
        if self.resync is not None and self.resync():
            for tp in self.consumer.assignment():
                self.seek_to_tracked(tp)
        batch = self.consumer.poll(timeout_ms=timeout_ms)
        count = 0
        for records in batch.values():
            for run in self.runs(records):
                self.handle_run(run)
                count += len(run)
        # Kafka's committed offsets only inform (`hotline consumers status`): the positions are
        # the tracking rows, committed with the effects. So they are committed once a second
        # while busy and when idle, not after every poll (a coordinator round trip each).
        self._uncommitted |= count > 0
        if self._uncommitted and (not count or time.monotonic() - self._committed_at >= self.commit_every):
            self.consumer.commit()
            self._uncommitted, self._committed_at = False, time.monotonic()
        return count

    def runs(self, records: list[Any]) -> list[list[Any]]:
        """Consecutive records of one partition, cut before a run key seen earlier in the run."""
        if self.batch_handler is None:
            return [[r] for r in records]
        return runs(records, key=lambda r: self.run_key(_header(r, "ce_id"), _header(r, "ce_type"),
                                                        (r.key or b"").decode()))

    def handle_run(self, run: list[Any]) -> None:
        if len(run) > 1 and self.batch_handler is not None:
            try:
                items = [(Message.decode(r.key, r.value, list(r.headers or [])),
                          Tracking(tracking_name(r.topic, r.partition), r.offset + 1)) for r in run]
                self.batch_handler(items)
            except Exception as exc:  # nothing was written: one at a time finds out what and why
                self.fallbacks += 1
                log.info("batch fell back to one message at a time", size=len(run),
                         reason=type(exc).__name__, topic=run[0].topic, partition=run[0].partition)
            else:
                self.handled += len(run)
                self.batches += 1
                log.info("handled batch", topic=run[0].topic, partition=run[0].partition,
                         offsets=f"{run[0].offset}-{run[-1].offset}")
                return
        for record in run:
            self.handle_record(record)

    def handle_record(self, record: Any) -> None:
        tracking = Tracking(tracking_name(record.topic, record.partition), record.offset + 1)
        bound = log.bind(topic=record.topic, partition=record.partition, offset=record.offset)
        try:
            message = Message.decode(record.key, record.value, list(record.headers or []))
        except MessageFormatError as exc:
            self.dead_letter(record, tracking, f"not a contract message: {exc}")
            return
        bound = bound.bind(ce_type=message.type, ce_id=message.id, key=message.key)
        for attempt in range(1, self.max_retries + 1):
            try:
                self.handler(message, tracking)
            except (KeyError, TypeError, ValueError) as exc:
                # The data does not fit the contract (a missing field, a wrong type): retrying
                # cannot help, stopping would block the partition.
                self.dead_letter(record, tracking, f"{type(exc).__name__} while handling {message.type}")
                return
            except IntegrityError:
                if self.tracker.has_tracking_id(tracking.application_name, tracking.notification_id):
                    self.skipped += 1
                    bound.info("already handled; skipped")
                    return
                # A concurrent writer touched the same aggregate: read again and retry.
                bound.warning("conflict; retrying", attempt=attempt)
                time.sleep(min(0.05 * attempt, 1.0))
                continue
            except OperationalError as exc:
                state = rolled_back(exc)
                if state is None:
                    raise  # the database away: the process exits, is restarted and resumes
                # The database undid the transaction (a deadlock with another member's writes to
                # a shared row, the daily counts say): nothing of it was written; apply it again.
                bound.warning("transaction rolled back by the database; retrying", attempt=attempt,
                              sqlstate=state)
                time.sleep(min(0.05 * attempt, 1.0))
                continue
            self.handled += 1
            bound.info("handled")
            return
        raise RuntimeError(f"gave up on {record.topic}:{record.partition}@{record.offset}")

    def dead_letter(self, record: Any, tracking: Tracking, reason: str) -> None:
        """To the dead-letter topic (acknowledged), then the position is recorded with no effect,
        so the partition moves on. A crash in between dead-letters it twice, never zero times."""
        log.error("message dead-lettered", topic=record.topic, partition=record.partition,
                  offset=record.offset, reason=reason)
        self.dead_letters.send(record, group=self.group_id, reason=reason)
        self.handler(None, tracking)
        self.dead_lettered += 1

    def run(self) -> None:
        log.info("consumer started", consumer=self.name, topics=list(self.topics))
        try:
            while not self._stop_event.is_set():
                if self.poll_once() and self.gather:
                    self._stop_event.wait(self.gather)
        finally:
            self.consumer.close(autocommit=False)
            self.dead_letters.close()

    def stop(self) -> None:
        self._stop_event.set()
