"""Integration messages: what crosses service boundaries (Kafka, or in-process in embedded mode),
the CloudEvents envelope every service's translator puts a stored event in, and how a follower
applies them: one in a transaction, or several in one."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar, cast
from uuid import UUID

from eventsourcing.application import ProcessingEvent
from eventsourcing.persistence import Tracking

T = TypeVar("T")

REPORTS_TOPIC = "hotline.reports.v1"
CASES_TOPIC = "hotline.cases.v1"
REFERRALS_TOPIC = "hotline.referrals.v1"
TOPICS = (REPORTS_TOPIC, CASES_TOPIC, REFERRALS_TOPIC)
# Signed audit checkpoints, kept outside the database (one partition: an ordered log).
AUDIT_CHECKPOINTS_TOPIC = "hotline.audit.checkpoints.v1"
# Messages a consumer could not take, with where they came from and why.
DEAD_LETTER_TOPIC = "hotline.dlq.v1"

# ce_type values
REPORT_RECEIVED = "hotline.report.received"
REPORT_SUPPLEMENTED = "hotline.report.supplemented"
REPORT_ERASED = "hotline.report.erased"
CASE_UPDATED = "hotline.case.updated"
CASE_OPENED = "hotline.case.opened"
# A case went upward as a major incident (重大事项, contract §12), on the cases topic.
CASE_MAJOR_INCIDENT = "hotline.case.major_incident"
REFERRAL_DISPATCHED = "hotline.referral.dispatched"
ROUTING_GAP = "hotline.referral.routing_gap"
REFERRAL_ACKNOWLEDGED = "hotline.referral.acknowledged"
REFERRAL_DECLINED = "hotline.referral.declined"
REFERRAL_CLOSED = "hotline.referral.closed"
REFERRAL_ESCALATED = "hotline.referral.escalated"
# The case's level went up before the unit took it on: the referral's new level and due time.
REFERRAL_RAISED = "hotline.referral.raised"
# A supervisor phoned the unit about a referral (督办电话): whether anyone answered, not what was said.
REFERRAL_PHONED = "hotline.referral.phoned"
# The unit recorded its progress on a referral still open (办理进展): who and when, not what.
REFERRAL_PROGRESSED = "hotline.referral.progressed"
# A report joined the case after the unit took it on: its on-call is told (no text, the report's id).
REFERRAL_REPORTED = "hotline.referral.reported"
# A case's follow-up plan (contract §6), on the referrals topic keyed by the case id.
FOLLOWUP_OPENED = "hotline.followup.opened"
FOLLOWUP_REPLANNED = "hotline.followup.replanned"
FOLLOWUP_VISITED = "hotline.followup.visited"
FOLLOWUP_HELPER_PAIRED = "hotline.followup.helper_paired"
FOLLOWUP_HELPER_MISSING = "hotline.followup.helper_missing"
FOLLOWUP_OVERDUE = "hotline.followup.overdue"
FOLLOWUP_CLOSED = "hotline.followup.closed"
FOLLOWUP_REOPENED = "hotline.followup.reopened"
FOLLOWUP_LEAD_CHANGED = "hotline.followup.lead_changed"

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"


class Translator(Protocol):
    """Turns one of a service's stored events into a contract message, or None (internal)."""

    def __call__(self, domain_event: Any, /) -> Message | None: ...


class Handler(Protocol):
    """Applies a message with its tracking position in one transaction (a follower's input)."""

    def __call__(self, message: Message | None, tracking: Tracking, /) -> None: ...


class BatchHandler(Protocol):
    """Applies several messages of one partition, in order, with the last one's tracking
    position, in one transaction; raises (nothing written) when any of them cannot be."""

    def __call__(self, items: list[tuple[Message, Tracking]], /) -> None: ...


class RunKey(Protocol):
    """What two messages must not share to be applied in one transaction, from their CloudEvents
    id and type and their key (a consumer reads these before it decodes the data)."""

    def __call__(self, ce_id: str, ce_type: str, key: str, /) -> object: ...


def same_key(ce_id: str, ce_type: str, key: str) -> object:
    """Messages of one key (a report's, a case's) stay apart: they may touch one aggregate."""
    return key


def same_originator(ce_id: str, ce_type: str, key: str) -> object:
    """Messages of one stored aggregate (`<app>/<id>` of the ce_id) stay apart: for a follower
    whose reads and effects are those of the message's own aggregate (a referral's watch)."""
    return ce_id.rpartition("/")[0]


def same_message(ce_id: str, ce_type: str, key: str) -> object:
    """Only a message and its republication stay apart: for a projection whose writes are made
    from the messages alone and applied in order."""
    return ce_id


def runs(items: list[T], key: Callable[[T], object]) -> list[list[T]]:
    """Consecutive items cut before a key seen earlier in the run: each run can be applied in
    one transaction (a report and its supplement stay apart, so one never reads state the other
    has not committed)."""
    out: list[list[T]] = []
    keys: set[object] = set()
    for item in items:
        if not out or key(item) in keys:
            out.append([])
            keys = set()
        out[-1].append(item)
        keys.add(key(item))
    return out


class MessageFormatError(ValueError):
    """A record that is not a message of this contract."""


@dataclass(frozen=True)
class Message:
    """A CloudEvent: id, source, type and time in headers, JSON data as the value."""

    id: str
    source: str
    type: str
    time: datetime
    key: str
    data: dict[str, Any] = field(default_factory=dict)

    def value(self) -> bytes:
        return json.dumps(self.data, ensure_ascii=False, sort_keys=True).encode()

    def headers(self) -> list[tuple[str, bytes]]:
        return [
            ("ce_specversion", SPEC_VERSION.encode()),
            ("ce_id", self.id.encode()),
            ("ce_source", self.source.encode()),
            ("ce_type", self.type.encode()),
            ("ce_time", self.time.isoformat().encode()),
            ("content-type", CONTENT_TYPE.encode()),
        ]

    @classmethod
    def decode(
        cls, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]]
    ) -> Message:
        h = {name: raw.decode() for name, raw in headers}
        missing = [n for n in ("ce_id", "ce_source", "ce_type", "ce_time") if n not in h]
        if missing:
            raise MessageFormatError(f"missing CloudEvents headers: {', '.join(missing)}")
        if h.get("ce_specversion") != SPEC_VERSION:
            raise MessageFormatError(f"unsupported ce_specversion {h.get('ce_specversion')!r}")
        try:
            data = json.loads(value or b"{}")
        except json.JSONDecodeError as exc:
            raise MessageFormatError(f"value is not JSON: {exc}") from exc
        return cls(
            id=h["ce_id"],
            source=h["ce_source"],
            type=h["ce_type"],
            time=datetime.fromisoformat(h["ce_time"]),
            key=(key or b"").decode(),
            data=data,
        )

    def roundtrip(self) -> Message:
        """The message as a consumer sees it after the wire (used by the embedded wiring)."""
        return Message.decode(self.key.encode(), self.value(), self.headers())


def envelope(app: str, domain_event: Any, ce_type: str, data: dict[str, Any], *,
             key: str | None = None) -> Message:
    """`ce_id` is `<app>/<aggregate id>/<version>` (stable when a relay republishes), `ce_source`
    `/hotline/<app>`, `ce_time` the event's; the key is the aggregate's id unless given."""
    originator = str(domain_event.originator_id)
    return Message(id=f"{app}/{originator}/{domain_event.originator_version}", source=f"/hotline/{app}",
                   type=ce_type, time=domain_event.timestamp, key=originator if key is None else key,
                   data=data)


class Follower(Protocol):
    """A process application that takes messages (triage, dispatch, notify, callbacks): its
    policy collects the new events of a message into a processing event."""

    processing_lock: Any

    def policy(self, message: Any, processing: Any, /) -> Any: ...
    def process_event(self, message: Any, tracking: Any, /) -> Any: ...
    def notify(self, new_events: Any, /) -> Any: ...
    def _record(self, processing: Any, /) -> Any: ...
    def _take_snapshots(self, processing: Any, /) -> Any: ...
    def _notify(self, recordings: Any, /) -> Any: ...


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
