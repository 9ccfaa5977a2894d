"""What the distributed system is, declared once: each service process, what it consumes and
publishes, its database grants, its Kafka principal (its ACLs follow from its topics) and its
keys. The process list, the roles and ACLs (`roles.py`), the keys each process gets, the systemd
units and the embedded wiring's edges are derived from it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

from services.common.messages import (
    AUDIT_CHECKPOINTS_TOPIC,
    CASES_TOPIC,
    DEAD_LETTER_TOPIC,
    REFERRALS_TOPIC,
    REPORTS_TOPIC,
)
from services.common.secrets import PURPOSES


class Grant(NamedTuple):
    privileges: tuple[str, ...]
    tables: tuple[str, ...]


VIEW = ("view_cases", "view_case_concerns", "view_case_reports", "view_referrals", "view_timeline",
        "view_submissions", "view_case_flags", "view_versions", "view_generation",
        "view_followups", "view_visits", "view_case_categories", "view_sentinel_reports", "view_stats_daily",
        "view_incidents")
EVENT_STORES = ("intake_events", "accounts_events", "triage_events", "dispatch_events", "notify_events",
                "callbacks_events")
# eventsourcing's insert takes LOCK TABLE ... IN EXCLUSIVE MODE, which needs UPDATE (roles.py).
WRITE_EVENTS = ("SELECT", "INSERT", "UPDATE")
APPEND = ("SELECT", "INSERT")
# eventsourcing keeps one row per tracked source and moves it on (INSERT ... ON CONFLICT UPDATE).
TRACK = ("SELECT", "INSERT", "UPDATE")


@dataclass(frozen=True)
class Service:
    """One service process of `make up` (a consumer group: as many members as HOTLINE_CONSUMERS
    says, sharing its role and principal; the relays: one process, or one per application with
    HOTLINE_RELAYS=each, sharing theirs)."""

    name: str  # its process name, database role (hotline_<name>) and Kafka principal
    kind: str  # which keys it gets (NEEDS) and its unit's limits
    command: str  # its `hotline` arguments
    keys: tuple[str, ...]
    grants: tuple[Grant, ...]
    consumes: tuple[str, ...] = ()  # topics it reads as the consumer group `group`
    publishes: tuple[str, ...] = ()  # the topics it writes (a relay: each leader's, in order)
    reads: tuple[str, ...] = ()  # topics it reads without a group
    watches: tuple[str, ...] = ()  # topics whose end offsets it reads (lag gauges), never a message
    scaling: str = ""  # its name in HOTLINE_CONSUMERS and `hotline consume`
    leaders: tuple[str, ...] = ()  # the relays: the applications whose outboxes they publish
    tracking: tuple[str, ...] = ()  # the tables of its positions
    single: bool = False  # one member only (two would do its side effect twice)
    limits: tuple[str, str] = ("1G", "100%")  # its systemd unit's MemoryMax and CPUQuota

    @property
    def group(self) -> str:
        return f"hotline-{self.name}" if self.consumes else ""


def relay_tracking(app: str) -> str:
    return f"relay_{app}_tracking"


def relays(*outboxes: tuple[str, str]) -> Service:
    """The outbox relays, a thread per application (its log, its topic): each is a thread's
    worth of work (1–3 ms of CPU per report), so one process carries them, 57 MiB instead of
    three times that (#31). They need the event key to read their leaders' logs, and nothing
    else. HOTLINE_RELAYS=each runs a process per application, with the same role."""
    apps = tuple(app for app, _ in outboxes)
    tracking = tuple(relay_tracking(app) for app in apps)
    return Service("relay", "relay", "relay", ("event",),
                   (Grant(("SELECT",), tuple(f"{app}_events" for app in apps)), Grant(TRACK, tracking)),
                   publishes=tuple(topic for _, topic in outboxes), leaders=apps, tracking=tracking)


def consumer(name: str, scaling: str, topics: tuple[str, ...], keys: tuple[str, ...],
             *grants: Grant) -> Service:
    tracking = f"{scaling}_tracking"
    return Service(name, scaling, f"consume {scaling}", keys, (*grants, Grant(TRACK, (tracking,))),
                   consumes=topics, scaling=scaling, tracking=(tracking,))


RELAY = relays(("intake", REPORTS_TOPIC), ("triage", CASES_TOPIC), ("dispatch", REFERRALS_TOPIC))
CONSUMER_SERVICES = (
    consumer("triage", "triage", (REPORTS_TOPIC,), ("event", "data", "hash"),
             Grant(WRITE_EVENTS, ("triage_events",)), Grant(APPEND, ("triage_snapshots",))),
    consumer("dispatch", "dispatch", (CASES_TOPIC,), ("event",), Grant(WRITE_EVENTS, ("dispatch_events",))),
    consumer("projection-desk", "desk", (CASES_TOPIC, REFERRALS_TOPIC), (),
             Grant(("SELECT", "INSERT", "UPDATE"), VIEW)),
    # Plans deliveries as it consumes referrals (and major incidents from the cases: the upward
    # report, §12, whose supervisor's summary opens with the event key's subkey for it, never the
    # data key: this process talks to outside receivers); its notifier records each attempt and
    # sends the webhooks (its store; the units' webhook secrets are in its events).
    replace(consumer("notify", "notify", (REFERRALS_TOPIC, CASES_TOPIC), ("event",),
                     Grant(WRITE_EVENTS, ("notify_events",)),
                     Grant(("SELECT", "INSERT", "UPDATE"), ("notify_state",))),
            single=True, limits=("512M", "100%")),
    # Callbacks (回访, §13), intake's room: which reports a case holds (cases), its closure
    # (referrals); reads intake's reports and opens the reporter's phone (a callback only for a
    # reporter who can be called).
    consumer("callbacks", "callbacks", (CASES_TOPIC, REFERRALS_TOPIC), ("event", "data"),
             Grant(WRITE_EVENTS, ("callbacks_events",)), Grant(("SELECT",), ("intake_events",))),
)
POSITIONS = tuple(t for s in (RELAY, *CONSUMER_SERVICES) for t in s.tracking)

TOPOLOGY: tuple[Service, ...] = (
    RELAY,
    *CONSUMER_SERVICES,
    Service("scheduler", "scheduler", "scheduler", ("event",),
            (Grant(WRITE_EVENTS, ("dispatch_events",)), Grant(("SELECT",), VIEW))),
    # The audit trail's single writer: opens the services' notes and the queue, chains them,
    # signs and publishes the checkpoints.
    Service("audit", "audit", "audit-sequence", ("event", "audit"),
            (Grant(("SELECT",), EVENT_STORES), Grant(APPEND, ("audit_log",)),
             Grant(TRACK, ("audit_sources",)), Grant(("SELECT", "DELETE"), ("audit_queue",))),
            publishes=(AUDIT_CHECKPOINTS_TOPIC,)),
    # The API holds the data key, which opens far more than the hash key; it needs the hash key
    # for the operators' repeat check (is this child already known?).
    Service("api", "api", "serve", ("event", "data", "hash", "receipt", "token", "audit"),
            (Grant(WRITE_EVENTS, EVENT_STORES), Grant(APPEND, ("triage_snapshots",)),
             # Queues audit entries; reads the chain (auditors), never writes it.
             Grant(("INSERT",), ("audit_queue",)), Grant(("SELECT",), ("audit_log",)),
             Grant(("SELECT",), VIEW), Grant(("SELECT",), ("notify_state",)),  # receivers' health
             # Positions only (for /metrics and /readyz lag): no rows of anyone's data.
             Grant(("SELECT",), POSITIONS),
             Grant(("SELECT", "INSERT", "DELETE"), ("throttle_failures",)),
             # The repeat check's allowance: what an operator checked this hour (fingerprints only).
             Grant(("SELECT", "INSERT", "DELETE"), ("repeat_checks",)),
             # The caller history's index (§13): keyed hashes of numbers; erasure deletes a row.
             Grant(("SELECT", "INSERT", "DELETE"), ("caller_reports",))),
            reads=(AUDIT_CHECKPOINTS_TOPIC,),  # to verify the chain against its checkpoints
            watches=(*RELAY.publishes, DEAD_LETTER_TOPIC), limits=("2G", "400%")),
)

# Derived: each relay's leader and topic, each consumer group's topics, the keys and limits per kind.
RELAYS = {app: topic for s in TOPOLOGY for app, topic in zip(s.leaders, s.publishes, strict=False)}
CONSUMERS = {s.scaling: (s.consumes, s.group) for s in TOPOLOGY if s.consumes}
TRACKING_TABLES = {s.scaling: s.tracking[0] for s in TOPOLOGY if s.consumes}
SINGLE = tuple(s.scaling for s in TOPOLOGY if s.single)
NEEDS = {**{s.kind: s.keys for s in TOPOLOGY}, "cli": tuple(PURPOSES)}  # the CLI opens every store
LIMITS = {s.kind: s.limits for s in TOPOLOGY}


def publisher(topic: str) -> Service:
    """The one service that writes a topic."""
    (writer,) = (s for s in TOPOLOGY if topic in s.publishes)
    return writer
