"""How a message reaches an application: one in a transaction, several in one, and the
embedded wiring's edges (the same ones the Kafka topics carry)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast
from uuid import UUID

from eventsourcing.application import ProcessingEvent
from eventsourcing.persistence import Tracking, TrackingRecorder

from services.bootstrap.topology import CONSUMERS, RELAYS
from services.common.messages import BatchHandler, Handler, Message, RunKey

if TYPE_CHECKING:
    from services.bootstrap.processes import ApiContainer
    from services.common.embedded import Edge
    from services.dispatch.application import DispatchApplication
    from services.intake.callbacks import CallbacksApplication
    from services.notify.application import NotifyApplication
    from services.triage.application import TriageApplication

    Follower = TriageApplication | DispatchApplication | NotifyApplication | CallbacksApplication


def process_handler(app: Follower) -> Handler:
    """A process application applies a message and its tracking position in one transaction."""
    return cast(Handler, app.process_event)


def process_batch_handler(app: Follower) -> BatchHandler:
    """Several messages through the policy into one processing event: their new events and the
    last one's tracking position in one transaction (eventsourcing's own process_event, for a
    list). Each policy reads committed state only: two messages that touch one aggregate make
    conflicting events, the insert fails whole, and the consumer goes one at a time."""

    def handle(items: list[tuple[Message, Tracking]]) -> None:
        with app.processing_lock:
            processing = ProcessingEvent[UUID](tracking=items[-1][1])
            for message, _ in items:
                app.policy(message, processing)
            recordings = app._record(processing)  # noqa: SLF001 - the steps of process_event
            app._take_snapshots(processing)  # noqa: SLF001
            app.notify(processing.events)
            app._notify(recordings)  # noqa: SLF001
    return handle


def edges_of(api: ApiContainer) -> list[Edge]:
    """The embedded wiring's message flow: the same edges the Kafka topics carry (a consumer's
    topic, from the application whose relay publishes it)."""
    from projections.desk.processor import DeskProjection
    from services.bootstrap.outboxes import TRANSLATED, TRANSLATORS
    from services.common.embedded import Edge

    desk = DeskProjection(api.view)
    followers: dict[str, tuple[Handler, TrackingRecorder, BatchHandler, RunKey]] = {
        "desk": (desk.process_event, cast(TrackingRecorder, api.view), desk.process_batch, desk.run_key),
        **{name: (process_handler(app), app.recorder, process_batch_handler(app), app.run_key)
           for name, app in (("triage", api.triage), ("dispatch", api.dispatch), ("notify", api.notify),
                             ("callbacks", api.callbacks))},
    }
    leaders = {topic: app for app, topic in RELAYS.items()}
    return [Edge(getattr(api, leaders[topic]), TRANSLATORS[leaders[topic]], *followers[service][:2], service,
                 TRANSLATED[leaders[topic]], *followers[service][2:])
            for service, (topics, _) in CONSUMERS.items() for topic in topics]
