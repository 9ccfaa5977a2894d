"""Consumers that apply a polled batch in one transaction, and consumer groups with two
members: the same effects as one message at a time, each exactly once (real broker, real
database)."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter

from services.bootstrap import TRANSLATORS, ApiContainer, Wiring, process_batch_handler, process_handler
from services.common.kafka.consumer import ConsumerLoop
from services.common.kafka.relay import OutboxRelay, make_producer
from services.common.settings import Settings
from services.intake.schemas import ReportIn
from tests.helpers import kafka_admin_security, report_body
from tests.integration.test_exactly_once import case_count

SECURITY = kafka_admin_security()


class Reports:
    """Reports submitted to intake and published by its relay to a test topic (one position,
    so each publish adds only what is new)."""

    def __init__(self, h: ApiContainer, settings: Settings, topic: str):
        self.h = h
        position = Wiring.of(settings, create_tables=True).position_recorder(
            f"relay_it_{uuid.uuid4().hex[:6]}")
        self.relay = OutboxRelay(
            leader=h.intake, translate=TRANSLATORS["intake"], topic=topic, position=position,
            producer=make_producer(settings.kafka_bootstrap_servers, "test-relay", SECURITY))

    def publish(self, *, distinct: int = 0, same_child: int = 0) -> tuple[list[str], list[str]]:
        """`distinct` reports about different children and `same_child` about one, shuffled."""
        distinct_ids: list[str] = []
        joined_ids: list[str] = []
        flags = [True] * same_child + [False] * distinct
        random.Random(7).shuffle(flags)
        for joined in flags:
            name = "同一个孩子" if joined else f"儿童{uuid.uuid4().hex[:6]}"
            child = {"name": name, "age": 7 if joined else 9}
            receipt = self.h.intake.submit_report(ReportIn.model_validate(report_body(children=[child])),
                                                  submitted_by="op", role="operator",
                                                  idempotency_key=uuid.uuid4().hex)
            (joined_ids if joined else distinct_ids).append(str(receipt.report_id))
        while self.relay.publish_pending():
            pass
        return distinct_ids, joined_ids

    def close(self) -> None:
        self.relay.producer.close()


def member(h: ApiContainer, settings: Settings, topic: str, group: str, name: str) -> ConsumerLoop:
    return ConsumerLoop(name=name, topics=(topic,), group_id=group,
                        bootstrap_servers=settings.kafka_bootstrap_servers,
                        handler=process_handler(h.triage), batch_handler=process_batch_handler(h.triage),
                        tracker=h.triage.recorder, security=settings.kafka_security())


def drain(loops: list[ConsumerLoop], done, timeout: float = 90.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "the consumers did not get there in time"
        for loop in loops:
            loop.poll_once(timeout_ms=100)


def wait(done, timeout: float = 90.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "the consumers did not get there in time"
        time.sleep(0.1)


def assert_each_report_triaged_once(h: ApiContainer, distinct_ids: list[str], joined_ids: list[str]) -> None:
    cases = {r: h.triage.case_for_report(r) for r in distinct_ids + joined_ids}
    assert all(cases.values())
    assert len({cases[r] for r in joined_ids}) == 1  # one child, one case
    assert len({cases[r] for r in distinct_ids}) == len(distinct_ids)
    case = h.triage.get_case(str(cases[joined_ids[0]]))
    assert Counter(case.report_ids)[joined_ids[0]] == 1 and sorted(case.report_ids) == sorted(joined_ids)
    assert case_count(h) == len(distinct_ids) + 1


def test_a_batch_is_one_transaction_and_a_conflict_falls_back_to_one_at_a_time(
    dist: ApiContainer, dist_settings: Settings, topic: str
) -> None:
    reports = Reports(dist, dist_settings, topic)
    loop = member(dist, dist_settings, topic, f"g-{uuid.uuid4().hex}", "solo")
    # 24 reports about different children over 3 partitions: some partition holds several, and
    # they go in one transaction.
    distinct_ids, _ = reports.publish(distinct=24)
    drain([loop], lambda: case_count(dist) == 24)
    assert loop.batches >= 1 and loop.fallbacks == 0
    # 8 about one child: at least three share a partition, and conflict (each would open the
    # child's case), so that batch goes one at a time, and they all join one case.
    _, joined_ids = reports.publish(same_child=8)
    drain([loop], lambda: all(dist.triage.case_for_report(r) for r in joined_ids))
    loop.consumer.close(autocommit=False)
    reports.close()
    assert loop.fallbacks >= 1
    assert_each_report_triaged_once(dist, distinct_ids, joined_ids)
    # The tracked positions are the ends of the partitions: nothing left behind, nothing twice.
    ends = sum(dist.triage.recorder.max_tracking_id(f"{topic}:{p}") or 0 for p in range(3))
    assert ends == 24 + 8  # one message per report


def test_two_members_of_a_group_take_every_message_once(
    dist: ApiContainer, dist_settings: Settings, topic: str
) -> None:
    """Each member on its own thread, as each runs in its own process under `make up`."""
    group = f"g-{uuid.uuid4().hex}"
    a, b = member(dist, dist_settings, topic, group, "a"), member(dist, dist_settings, topic, group, "b")
    threads = [threading.Thread(target=loop.run, daemon=True) for loop in (a, b)]
    for thread in threads:
        thread.start()
    reports = Reports(dist, dist_settings, topic)
    try:
        wait(lambda: a.consumer.assignment() and b.consumer.assignment())  # the group formed
        distinct_ids, joined_ids = reports.publish(distinct=30, same_child=10)
        wait(lambda: case_count(dist) == 31 and all(dist.triage.case_for_report(r) for r in joined_ids))
        # Every partition's tracked position at its end (40 messages): nothing left, none twice.
        wait(lambda: sum(dist.triage.recorder.max_tracking_id(f"{topic}:{p}") or 0 for p in range(3)) == 40)
        wait(lambda: a.handled > 0 and b.handled > 0)  # both members took partitions and worked
    finally:
        a.stop()
        b.stop()
        for thread in threads:
            thread.join(timeout=30)
        reports.close()
    assert a.handled + b.handled == 40  # each message had its effect once, whoever took it
    assert_each_report_triaged_once(dist, distinct_ids, joined_ids)


def test_a_member_gathers_what_arrives_while_it_waits_after_applying(
    dist: ApiContainer, dist_settings: Settings, topic: str
) -> None:
    """HOTLINE_PIPELINE_GATHER_MS (#31): reports published one by one, 50 ms apart, while the
    member waits after applying the first, are applied together; one at a time without it."""
    loop = member(dist, dist_settings, topic, f"g-{uuid.uuid4().hex}", "gathering")
    loop.gather = 3.0
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    reports = Reports(dist, dist_settings, topic)
    try:
        reports.publish(distinct=1)
        wait(lambda: loop.handled == 1)
        for _ in range(12):  # each its own publish: its own produce request
            reports.publish(distinct=1)
            time.sleep(0.05)
        wait(lambda: case_count(dist) == 13)
    finally:
        loop.stop()
        thread.join(timeout=30)
        reports.close()
    # Twelve over three partitions: some partition holds several, applied in one transaction.
    assert loop.batches >= 1 and loop.handled == 13
