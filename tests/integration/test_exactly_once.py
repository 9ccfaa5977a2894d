"""At-least-once delivery, exactly-once effect: on the real broker and database."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import psycopg
from eventsourcing.persistence import Tracking
from kafka import KafkaConsumer, KafkaProducer

from services.bootstrap import TRANSLATORS, ApiContainer, Wiring, process_handler
from services.common.kafka.consumer import ConsumerLoop
from services.common.kafka.relay import OutboxRelay, make_producer
from services.common.messages import Message
from services.common.settings import Settings
from services.intake.schemas import ReportIn
from services.triage.case import Case
from tests.helpers import kafka_admin_security, report_body, report_message

SECURITY = kafka_admin_security()


def triage_loop(h: ApiContainer, settings: Settings, topic: str, group: str,
                handler: Callable[[Any, Tracking], None] | None = None) -> ConsumerLoop:
    assert h.triage is not None
    loop = ConsumerLoop(
        name="test",
        topics=(topic,),
        group_id=group,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        handler=handler or process_handler(h.triage),
        tracker=h.triage.recorder,
        security=settings.kafka_security(),
    )
    return knowing_partitions(loop, topic)


def knowing_partitions(loop: ConsumerLoop, topic: str) -> ConsumerLoop:
    """The topic was made moments ago: know its partitions before the group forms, or the
    group's leader may assign none ("No partition metadata for topic") and wait for a later
    rebalance (seen in the full suite, where that took over the test's minute)."""
    deadline = time.monotonic() + 30
    while not loop.consumer.partitions_for_topic(topic):
        assert time.monotonic() < deadline, f"no partitions known for {topic}"
        time.sleep(0.2)
    return loop


def run_until(loop: ConsumerLoop, done: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "consumer did not get there in time"
        loop.poll_once(timeout_ms=200)


def opened_cases(h: ApiContainer) -> list[Any]:
    """Every Case.Opened event triage recorded (its other events are links and indexes)."""
    assert h.triage is not None
    events = [h.triage.mapper.to_domain_event(n)
              for n in h.triage.recorder.select_notifications(start=1, limit=10_000)]
    return [e for e in events if isinstance(e, Case.Opened)]  # type: ignore[attr-defined]


def case_count(h: ApiContainer) -> int:
    return len(opened_cases(h))


def produce(servers: str, topic: str, messages: list[Message]) -> None:
    producer = KafkaProducer(**SECURITY, bootstrap_servers=servers.split(","), acks="all")
    for m in messages:
        producer.send(topic, key=m.key.encode(), value=m.value(), headers=m.headers())
    producer.flush()
    producer.close()


def test_same_message_delivered_twice_opens_one_case(
    dist: ApiContainer, dist_settings: Settings, topic: str
) -> None:
    message = report_message(str(uuid.uuid4()), concerns=["domestic_violence"])
    produce(dist_settings.kafka_bootstrap_servers, topic, [message, message])

    loop = triage_loop(dist, dist_settings, topic, group=f"g-{uuid.uuid4().hex}")
    run_until(loop, lambda: loop.handled + loop.skipped == 2)
    loop.consumer.close()
    assert case_count(dist) == 1

    # A new consumer group gets both offsets delivered again: tracking makes them no-ops.
    again = triage_loop(dist, dist_settings, topic, group=f"g-{uuid.uuid4().hex}")
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        again.poll_once(timeout_ms=200)
    again.consumer.close()
    assert again.handled == 0
    assert case_count(dist) == 1


class Crash(BaseException):
    """Stands for SIGKILL: nothing after it runs (not even except Exception handlers)."""


class RelayKilledBeforeRecording(OutboxRelay):
    def record_position(self, notification_id: int) -> None:
        raise Crash()


def test_relay_killed_between_publish_and_recording_loses_and_adds_nothing(
    dist: ApiContainer, dist_settings: Settings, topic: str
) -> None:
    assert dist.intake is not None
    report_ids = []
    for i in range(5):
        receipt = dist.intake.submit_report(
            ReportIn.model_validate(report_body(children=[{"name": f"儿童{i}", "age": 5 + i}])),
            submitted_by="op", role="operator", idempotency_key=f"k{i}",
        )
        report_ids.append(str(receipt.report_id))

    position = Wiring.of(dist_settings, create_tables=True).position_recorder("relay_intake")
    servers = dist_settings.kafka_bootstrap_servers

    def relay(cls: type[OutboxRelay]) -> OutboxRelay:
        return cls(leader=dist.intake, translate=TRANSLATORS["intake"],
                   producer=make_producer(servers, "test-relay", SECURITY), topic=topic, position=position)

    killed = relay(RelayKilledBeforeRecording)
    try:
        killed.publish_pending()
    except Crash:
        pass
    else:
        raise AssertionError("the relay was meant to die before recording its position")
    assert position.max_tracking_id("intake") is None

    restarted = relay(OutboxRelay)
    # Republishes: the position was never recorded (10 notifications: 5 reports, 5 receipt indexes).
    assert restarted.publish_pending() == 10
    assert restarted.publish_pending() == 0
    assert position.max_tracking_id("intake") == 10

    on_topic = read_all(servers, topic)
    assert len(on_topic) == 10  # every report twice on the wire: at least once
    assert {m.data["report_id"] for m in on_topic} == set(report_ids)

    loop = triage_loop(dist, dist_settings, topic, group=f"g-{uuid.uuid4().hex}")
    run_until(loop, lambda: loop.handled + loop.skipped == 10)
    loop.consumer.close()
    assert case_count(dist) == 5  # exactly once downstream
    assert {e.report_id for e in opened_cases(dist)} == set(report_ids)


def read_all(servers: str, topic: str) -> list[Message]:
    consumer = KafkaConsumer(topic, **SECURITY, bootstrap_servers=servers.split(","),
                             auto_offset_reset="earliest", consumer_timeout_ms=3000,
                             enable_auto_commit=False, group_id=None)
    try:
        return [Message.decode(r.key, r.value, list(r.headers)) for r in consumer]
    finally:
        consumer.close()


class DiesAfter:
    """A handler that dies after n messages, mid-batch, before offsets are committed."""

    def __init__(self, inner: Callable[[Any, Tracking], None], n: int):
        self.inner = inner
        self.left = n

    def __call__(self, message: Any, tracking: Tracking) -> None:
        if self.left == 0:
            raise Crash()
        self.inner(message, tracking)
        self.left -= 1


def test_consumer_restarted_mid_stream_resumes_without_loss_or_repeat(
    dist: ApiContainer, dist_settings: Settings, topic: str
) -> None:
    assert dist.triage is not None
    messages = [report_message(str(uuid.uuid4()), concerns=["neglect"]) for _ in range(30)]
    produce(dist_settings.kafka_bootstrap_servers, topic, messages)
    group = f"g-{uuid.uuid4().hex}"

    first = triage_loop(dist, dist_settings, topic, group,
                        handler=DiesAfter(process_handler(dist.triage), 12))
    try:
        run_until(first, lambda: False, timeout=30)
    except Crash:
        pass
    first.consumer.close(autocommit=False)
    assert case_count(dist) == 12

    second = triage_loop(dist, dist_settings, topic, group)
    run_until(second, lambda: case_count(dist) == 30)
    # Read to the end of every partition, so a redelivered message would have been seen.
    assigned = list(second.consumer.assignment())
    end = second.consumer.end_offsets(assigned)
    run_until(second, lambda: all(second.consumer.position(tp) >= end[tp] for tp in assigned))
    second.consumer.close()
    assert second.handled == 18
    assert second.skipped == 0  # resumed at the tracked position, not before it
    assert case_count(dist) == 30


def test_a_malformed_message_goes_to_the_dead_letter_topic_and_the_consumer_moves_on(
    dist: ApiContainer, dist_settings: Settings, topic: str, kafka_servers: str
) -> None:
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic

    from services.common.kafka.deadletters import DeadLetters

    dlq_topic = f"it.dlq.{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(**SECURITY, bootstrap_servers=kafka_servers.split(","))
    admin.create_topics([NewTopic(dlq_topic, num_partitions=1, replication_factor=1)])
    admin.close()
    good = report_message(str(uuid.uuid4()), concerns=["neglect"])
    producer = KafkaProducer(**SECURITY, bootstrap_servers=kafka_servers.split(","))
    producer.send(topic, key=good.key.encode(), value=b"not json",
                  headers=[("ce_specversion", b"1.0")], partition=0)
    broken = report_message(str(uuid.uuid4()), concerns=["neglect"])
    del broken.data["children"]  # a contract message missing a field
    producer.send(topic, key=broken.key.encode(), value=broken.value(), headers=broken.headers(),
                  partition=0)
    producer.send(topic, key=good.key.encode(), value=good.value(), headers=good.headers(),
                  partition=0)
    producer.flush()
    producer.close()

    letters = DeadLetters(kafka_servers, dlq_topic, SECURITY)
    loop = knowing_partitions(ConsumerLoop(
        name="test", topics=(topic,), group_id=f"g-{uuid.uuid4().hex}", bootstrap_servers=kafka_servers,
        handler=process_handler(dist.triage), tracker=dist.triage.recorder, dead_letters=letters,
        security=SECURITY), topic)
    run_until(loop, lambda: case_count(dist) == 1, timeout=30)  # the good one behind them
    loop.consumer.close(autocommit=False)
    assert loop.dead_lettered == 2
    assert dist.triage.recorder.max_tracking_id(f"{topic}:0") == 3  # past all three

    listed = DeadLetters(kafka_servers, dlq_topic, SECURITY).list()
    assert [(d["topic"], d["partition"], d["offset"]) for d in listed] == [(topic, 0, 0), (topic, 0, 1)]
    assert "missing CloudEvents headers" in listed[0]["reason"]
    assert listed[1]["reason"] == "KeyError while handling hotline.report.received"
    assert listed[1]["ce_type"] == "hotline.report.received"
    replayer = DeadLetters(kafka_servers, dlq_topic, SECURITY)
    assert replayer.replay(topic, 0, 0) == 1 and replayer.replay(topic, 0, 99) == 0
    replayer.close()
    end = KafkaConsumer(**SECURITY, bootstrap_servers=kafka_servers.split(","))
    from kafka import TopicPartition

    assert end.end_offsets([TopicPartition(topic, 0)])[TopicPartition(topic, 0)] == 4  # replayed
    end.close()


def test_a_running_relay_is_woken_by_the_commit_it_publishes(
    dist: ApiContainer, dist_settings: Settings, topic: str
) -> None:
    """LISTEN/NOTIFY: with a poll interval of an hour, only the insert's notification can make
    the relay publish a report committed after it went to sleep."""
    import threading

    from services.common.outbox import ListenWakeup

    position = Wiring.of(dist_settings, create_tables=True).position_recorder(
        f"relay_w{uuid.uuid4().hex[:6]}")
    producer = make_producer(dist_settings.kafka_bootstrap_servers, "test-relay", SECURITY)
    relay = OutboxRelay(leader=dist.intake, translate=TRANSLATORS["intake"], topic=topic,
                        position=position, producer=producer)
    assert isinstance(relay.wakeup, ListenWakeup)
    relay.publish_pending()  # whatever earlier tests left: the relay starts idle
    thread = threading.Thread(target=relay.run, kwargs={"interval": 3600, "idle": 3600}, daemon=True)
    thread.start()
    try:
        threading.Event().wait(1.0)  # asleep on LISTEN by now
        receipt = dist.intake.submit_report(ReportIn.model_validate(report_body()), submitted_by="op",
                                            role="operator", idempotency_key=uuid.uuid4().hex)
        found: list[Message] = []
        for _ in range(20):
            found = [m for m in read_all(dist_settings.kafka_bootstrap_servers, topic)
                     if m.data.get("report_id") == str(receipt.report_id)]
            if found:
                break
        assert found, "the relay slept through the commit"
    finally:
        relay.stop()
        thread.join(timeout=30)
        relay.producer.close()
    assert not thread.is_alive()  # a stop wakes it too


def test_a_relay_records_its_position_without_waiting_for_the_disk(dist_settings: Settings,
                                                                  pg_url: str) -> None:
    """A position lost with the database is only a redelivery (the test above): its commit does
    not wait for the flush (#31). A trigger notes the setting each write ran under."""
    position = Wiring.of(dist_settings, create_tables=True).position_recorder("relay_intake")
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE seen (setting TEXT)")
        conn.execute("CREATE FUNCTION note_setting() RETURNS trigger AS $$ BEGIN INSERT INTO seen"
                     " VALUES (current_setting('synchronous_commit')); RETURN NEW; END $$ LANGUAGE plpgsql")
        conn.execute("CREATE TRIGGER noted AFTER INSERT OR UPDATE ON relay_intake_tracking"
                     " FOR EACH ROW EXECUTE FUNCTION note_setting()")
        position.insert_tracking(Tracking("intake", 3))
        position.insert_tracking(Tracking("intake", 7))
        assert position.max_tracking_id("intake") == 7
        assert [r[0] for r in conn.execute("SELECT setting FROM seen")] == ["off", "off"]
        assert conn.execute("SHOW synchronous_commit").fetchone() == ("on",)  # the session's own
