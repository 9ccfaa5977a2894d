"""Relays and the embedded edges read only the stored topics their translator may publish (#31):
every message a translator makes comes from a listed topic, what is skipped is passed for good (the
position reaches the log's head, so no lag is left), and earlier releases' topics are still read."""

from __future__ import annotations

from typing import Any, NamedTuple

from eventsourcing.popo import POPOTrackingRecorder

from services.bootstrap import ApiContainer
from services.bootstrap.outboxes import TRANSLATED, TRANSLATORS
from services.common.embedded import EmbeddedRunner
from services.common.kafka.relay import OutboxRelay
from services.triage.case import Case
from tests.conftest import Api
from tests.helpers import report_body
from tests.unit.test_desk import post, red_case, referral_of
from tests.unit.test_followups import close_referrals


class Acked(NamedTuple):
    """kafka-python's future of a send, acknowledged: its record's place."""

    topic: str
    offset: int
    partition: int = 0

    def get(self, timeout: float) -> Acked:
        return self


class Producer:
    """Keeps what it was given; every send acknowledged at once."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes]] = []

    def send(self, topic: str, *, key: bytes, value: bytes, headers: Any) -> Acked:
        self.sent.append((topic, key))
        return Acked(topic, len(self.sent))

    def flush(self, timeout: float) -> None:
        pass


def a_worked_case(api: Api, runner: EmbeddedRunner) -> None:
    """A red case referred, acknowledged, closed, its plan visited: events of every kind."""
    case = red_case(api, runner)
    post(api, "police-desk", f"/v1/referrals/{referral_of(case, 'police')}/acknowledge")
    close_referrals(api, case)
    runner.pump()


def test_every_message_comes_from_a_listed_topic_and_the_rest_is_skipped(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    a_worked_case(api, runner)
    for name, translate in TRANSLATORS.items():
        leader = getattr(hotline, name)
        notifications = leader.recorder.select_notifications(start=1, limit=10_000)
        translated = {n.topic for n in notifications if translate(leader.mapper.to_domain_event(n))}
        assert translated and translated <= set(TRANSLATED[name]), name
    # Each of these logs holds events no message is made of (receipts, child index, plans' notes).
    for name in ("intake", "triage"):
        leader = getattr(hotline, name)
        topics = {n.topic for n in leader.recorder.select_notifications(start=1, limit=10_000)}
        assert topics - set(TRANSLATED[name]), name


def test_a_relay_passes_a_log_that_ends_in_other_topics(api: Api, runner: EmbeddedRunner,
                                                        hotline: ApiContainer) -> None:
    api.submit(report_body(), key="one")
    leader = hotline.intake
    head = leader.recorder.max_notification_id()
    last = leader.recorder.select_notifications(start=head, limit=1)[0]
    assert last.topic not in TRANSLATED["intake"]  # the report's receipt index comes after it
    producer, position = Producer(), POPOTrackingRecorder()
    relay = OutboxRelay(leader=leader, translate=TRANSLATORS["intake"], producer=producer,
                        topic="hotline.reports.v1", position=position, topics=TRANSLATED["intake"],
                        wakeup=None)
    assert relay.publish_pending() == head
    assert position.max_tracking_id("intake") == head  # no lag left behind the report
    assert [topic for topic, _ in producer.sent] == ["hotline.reports.v1"]
    assert relay.publish_pending() == 0  # nothing new: nothing read, nothing sent
    small = OutboxRelay(leader=leader, translate=TRANSLATORS["intake"], producer=Producer(),
                        topic="hotline.reports.v1", position=POPOTrackingRecorder(),
                        topics=TRANSLATED["intake"], batch=1, wakeup=None)
    first = small.publish_pending()  # a full batch stops at its last notification, not the head
    assert 0 < first < head and small.position.max_tracking_id("intake") == first


def test_the_embedded_followers_stand_at_their_leaders_heads(api: Api, runner: EmbeddedRunner,
                                                            hotline: ApiContainer) -> None:
    a_worked_case(api, runner)
    for edge in runner.edges:
        assert edge.tracker.max_tracking_id(edge.leader.name) == edge.leader.recorder.max_notification_id()


def test_the_topics_earlier_releases_stored_are_read() -> None:
    current = [t for t in TRANSLATED["triage"] if t.startswith("services.triage.case:")]
    assert f"services.triage.case:{Case.Opened.__qualname__}" in current  # the case's own topics
    for topic in current:  # each also under the module earlier releases stored it in
        assert topic.replace("services.triage.case:", "services.triage.domain:") in TRANSLATED["triage"]


class CountedPositions(POPOTrackingRecorder):
    """A relay's positions, counting how often it asks where it stands."""

    asked = 0

    def max_tracking_id(self, application_name: str) -> int | None:
        self.asked += 1
        return super().max_tracking_id(application_name)


def test_a_relay_reads_its_position_once_and_a_new_one_resumes_from_the_store(
        api: Api, hotline: ApiContainer) -> None:
    """Each wake asks the store for the leader's log only: the relay is its position's one
    writer (#31); a relay started again reads where the last one recorded."""
    leader, position, producer = hotline.intake, CountedPositions(), Producer()

    def relay() -> OutboxRelay:
        return OutboxRelay(leader=leader, translate=TRANSLATORS["intake"], producer=producer,
                           topic="hotline.reports.v1", position=position,
                           topics=TRANSLATED["intake"], wakeup=None)

    first = relay()
    for key in ("one", "two"):
        api.submit(report_body(), key=key)
        assert first.publish_pending() > 0
        assert first.publish_pending() == 0
    assert position.asked == 1 and len(producer.sent) == 2
    api.submit(report_body(), key="three")
    again = relay()  # the process restarted
    assert again.publish_pending() > 0 and position.asked == 2
    assert len(producer.sent) == 3  # the third report only: nothing published twice
    assert position.max_tracking_id("intake") == leader.recorder.max_notification_id()
