"""The embedded wiring's edges (the same ones the Kafka topics carry); how a follower applies a
message or several is `common/messages.py`'s (re-exported here for the wiring)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from eventsourcing.persistence import TrackingRecorder

from services.bootstrap.topology import CONSUMERS, RELAYS
from services.common.messages import BatchHandler, Handler, RunKey, process_batch_handler, process_handler

if TYPE_CHECKING:
    from services.bootstrap.processes import ApiContainer
    from services.common.embedded import Edge
    from services.dispatch.application import DispatchApplication
    from services.intake.callbacks import CallbacksApplication
    from services.notify.application import NotifyApplication
    from services.triage.application import TriageApplication

    Follower = TriageApplication | DispatchApplication | NotifyApplication | CallbacksApplication

__all__ = ["edges_of", "process_batch_handler", "process_handler"]


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
