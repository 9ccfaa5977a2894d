"""Typed containers, one per process kind, each with exactly the parts that process needs."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from eventsourcing.persistence import TrackingRecorder

from services.bootstrap.handlers import edges_of, process_batch_handler, process_handler
from services.bootstrap.topology import CONSUMERS, RELAYS
from services.common.messages import BatchHandler, Handler, RunKey

# Each container's parts are imported by the function that builds it (wiring.py says why).
if TYPE_CHECKING:
    from projections.desk.view import DeskView
    from services.accounts.application import AccountsApplication
    from services.audit.checkpoints import CheckpointLog
    from services.audit.trail import AuditTrail
    from services.bootstrap.handlers import Follower
    from services.bootstrap.sequencer import SequencerContainer
    from services.bootstrap.wiring import Wiring
    from services.common.embedded import EmbeddedRunner
    from services.common.kafka.consumer import ConsumerLoop
    from services.common.kafka.relay import OutboxRelay, Relays
    from services.common.keystore import KeyStore
    from services.common.settings import Settings
    from services.common.throttle import Throttle
    from services.dispatch.application import DispatchApplication
    from services.dispatch.routing import Directory
    from services.dispatch.scheduler import EscalationScheduler
    from services.intake.application import IntakeApplication
    from services.intake.callbacks import CallbacksApplication
    from services.intake.disclosure import Disclosure
    from services.notify.application import NotifyApplication
    from services.notify.notifier import Notifier
    from services.triage.application import TriageApplication


def _close(*parts: Any) -> None:
    """Applications, stores and the trail close themselves; a bare recorder, its datastore."""
    for part in parts:
        closer = getattr(part, "close", None) or part.datastore.close
        closer()


@dataclass
class ApiContainer:
    """The HTTP API process: every application the routes and pages call, and the view."""

    settings: Settings
    store: str
    directory: Directory
    disclosure: Disclosure
    keys: KeyStore
    intake: IntakeApplication
    accounts: AccountsApplication
    triage: TriageApplication
    dispatch: DispatchApplication
    notify: NotifyApplication  # rosters (admin), notifications and their health (supervisors)
    view: DeskView
    callbacks: CallbacksApplication  # callbacks (回访, §13): the console's list and results
    audit: AuditTrail  # the API queues entries and reads the chain; the sequencer writes it
    checkpoints: CheckpointLog  # read, to show auditors whether the chain verifies
    throttle: Throttle

    def close(self) -> None:
        _close(self.intake, self.accounts, self.triage, self.dispatch, self.notify, self.audit, self.view,
               self.callbacks, self.keys, self.throttle)


def bootstrap_api(w: Wiring) -> ApiContainer:
    from services.intake.disclosure import Disclosure

    keys, audit = w.keystore(), w.audit()
    intake, accounts = w.intake(keys), w.accounts()
    triage, dispatch = w.triage(keys), w.dispatch()
    return ApiContainer(
        settings=w.settings, store=w.store, directory=w.directory, disclosure=Disclosure.load(),
        keys=keys, intake=intake, accounts=accounts, triage=triage, dispatch=dispatch,
        notify=w.notify(), view=w.view(), callbacks=w.callbacks(keys, intake), audit=audit,
        checkpoints=w.checkpoint_log(), throttle=w.throttle(),
    )


@dataclass
class EmbeddedContainer:
    """`make run`: the API with an in-process runner and scheduler instead of Kafka."""

    api: ApiContainer
    runner: EmbeddedRunner
    scheduler: EscalationScheduler
    sequencer: SequencerContainer
    notifier: Notifier

    def close(self) -> None:
        self.notifier.stop()
        self.scheduler.stop()
        self.runner.stop()
        self.sequencer.stop()
        self.sequencer.close()
        self.api.close()


def bootstrap_embedded(w: Wiring) -> EmbeddedContainer:
    from services.bootstrap.sequencer import AUDITED, sequencer_of
    from services.common.embedded import EmbeddedRunner
    from services.dispatch.scheduler import EscalationScheduler

    api = bootstrap_api(w)
    sources = {name: getattr(api, name) for name in AUDITED}
    return EmbeddedContainer(api, EmbeddedRunner(edges_of(api)),
                             EscalationScheduler(api.dispatch, api.view),
                             sequencer_of(w, api.audit, sources), w.notifier(api.notify))


@dataclass
class RelayContainer:
    """The relays of one process: each its leader's log, its topic and its position; one
    producer between them (kafka-python's is safe across threads)."""

    relays: tuple[OutboxRelay, ...]
    runner: Relays

    @property
    def relay(self) -> OutboxRelay:
        (only,) = self.relays
        return only

    def close(self) -> None:
        self.relays[0].producer.close(timeout=10)
        for relay in self.relays:
            _close(relay.leader, relay.position)


def bootstrap_relay(w: Wiring, *app_names: str, producer: Any = None) -> RelayContainer:
    """The relays of the applications named (every relay when none is)."""
    from services.bootstrap.outboxes import TRANSLATED, TRANSLATORS
    from services.common.kafka.relay import OutboxRelay, Relays, make_producer

    names = app_names or tuple(RELAYS)
    producer = producer or make_producer(w.settings.kafka_bootstrap_servers, "relay-" + "-".join(names),
                                         w.settings.kafka_security())
    relays = tuple(OutboxRelay(
        leader=w.log_reader(app_name), translate=TRANSLATORS[app_name], topic=RELAYS[app_name],
        topics=TRANSLATED[app_name], producer=producer, position=w.position_recorder(f"relay_{app_name}"),
        after_publish=w.fault(f"relay-{app_name}.crash-after-publish"),
        gather=w.settings.pipeline_gather_ms / 1000,
    ) for app_name in names)
    return RelayContainer(relays, Relays(relays))


@dataclass
class ConsumerContainer:
    loop: ConsumerLoop
    parts: tuple[Any, ...]
    companion: Notifier | None = None  # runs beside the loop (the notify process's notifier)

    def close(self) -> None:
        if self.companion is not None:
            self.companion.stop()
        _close(*self.parts)


def bootstrap_consumer(w: Wiring, service: str, name: str = "") -> ConsumerContainer:
    from services.common.kafka.consumer import ConsumerLoop

    topics, group = CONSUMERS[service]
    parts: tuple[Any, ...]
    resync = None
    batch: BatchHandler
    run_key: RunKey
    if service == "desk":
        from projections.desk.processor import DeskProjection
        from projections.desk.view import GenerationWatch

        view = w.view()
        projection = DeskProjection(view)
        handler: Handler = projection.process_event
        batch, run_key = projection.process_batch, projection.run_key
        tracker, parts = cast(TrackingRecorder, view), (view,)
        resync = GenerationWatch(view).changed
    else:
        # Triage and callbacks hold the data key (notify opens a major incident's summary without it, §12).
        keys = w.keystore() if service in ("triage", "callbacks") else None
        app: Follower = (
            w.triage(keys) if service == "triage" and keys is not None
            else w.callbacks(keys) if service == "callbacks" and keys is not None
            else w.notify() if service == "notify" else w.dispatch())
        handler, batch, run_key = process_handler(app), process_batch_handler(app), app.run_key
        reader = [cast("CallbacksApplication", app).reports] if service == "callbacks" else []
        tracker, parts = app.recorder, (app, *reader, *([keys] if keys else []))
    loop = ConsumerLoop(name=name or f"{service}-{os.getpid()}", topics=topics, group_id=group,
                        bootstrap_servers=w.settings.kafka_bootstrap_servers, handler=handler,
                        tracker=tracker, security=w.settings.kafka_security(),
                        instance=w.settings.consumer_instance or None, resync=resync,
                        batch_handler=batch, run_key=run_key, gather=w.settings.pipeline_gather_ms / 1000)
    notifier = w.notifier(cast("NotifyApplication", app)) if service == "notify" else None
    return ConsumerContainer(loop, parts, notifier)


@dataclass
class SchedulerContainer:
    scheduler: EscalationScheduler
    dispatch: DispatchApplication
    view: DeskView

    def close(self) -> None:
        _close(self.dispatch, self.view)


def bootstrap_scheduler(w: Wiring) -> SchedulerContainer:
    from services.dispatch.scheduler import EscalationScheduler

    dispatch, view = w.dispatch(), w.view()
    return SchedulerContainer(EscalationScheduler(dispatch, view), dispatch, view)


def setup_tables(w: Wiring) -> None:
    """Create every table once (PostgreSQL); services then run with CREATE_TABLE=n."""
    bootstrap_api(w).close()
    for app_name in RELAYS:
        _close(w.position_recorder(f"relay_{app_name}"))
