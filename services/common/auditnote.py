"""Who acts and how the audit trail learns what they did: the caller (`Principal`) and the actor
an entry names (`Actor`); an action's entry (`AuditNote`), saved with the action in one transaction
of the acting service's own store, which the audit trail takes from there
(services/audit/follower.py), exactly once, so an action cannot commit without its entry, nor an
entry without its action; and a read's entry (`AuditLog`), queued on the trail before the answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user with one role, scoped to an agency unit or sentinel point, and for
    supervisors and auditors to a region (contract §12)."""

    subject: str
    role: str
    agency_id: str | None = None
    sentinel_id: str | None = None
    # An administrative-code prefix: 2 digits a province, 4 a city, 6 a county; None everywhere.
    region: str | None = None

    @property
    def unit(self) -> str | None:
        return self.agency_id or self.sentinel_id

    def sees_region(self, region_code: str | None) -> bool:
        """Whether a case of this region code is inside the caller's jurisdiction."""
        return within(region_code, self.region)


def within(region_code: str | None, region: str | None) -> bool:
    """A region code lies in a jurisdiction when it starts with the jurisdiction's prefix."""
    if not region:
        return True
    return bool(region_code) and str(region_code).startswith(region)


@dataclass(frozen=True)
class Actor:
    """Who acts, in what role, for which unit, from where."""

    subject: str
    role: str
    unit: str | None = None
    client: str | None = None


class AuditNote(Aggregate):
    @event("Written")
    def __init__(self, id: UUID, *, entry: dict[str, Any]):  # noqa: A002
        self.entry = entry


def note(actor: Actor | None, action: str, resource_type: str, resource_id: str | None = None,
         case_id: str | None = None, detail: dict[str, str | None] | None = None) -> list[AuditNote]:
    """The note to save with an action ([] when nobody is acting: tests, internal steps); `detail`
    says what the action was beyond its object (an account's role and unit, a request's reason)."""
    if actor is None:
        return []
    kept = {k: v for k, v in (detail or {}).items() if v}
    return [AuditNote(id=uuid4(), entry={
        "at": datetime.now(UTC).isoformat(), "actor": actor.subject, "role": actor.role,
        "unit": actor.unit, "action": action, "resource_type": resource_type,
        "resource_id": resource_id, "case_id": case_id, "client": actor.client,
        **({"detail": kept} if kept else {})})]


NOTE_TOPIC = f"{AuditNote.Written.__module__}:{AuditNote.Written.__qualname__}"  # type: ignore[attr-defined]


class Queues(Protocol):
    """Where a read's entry is queued (services/audit/trail.py `AuditTrail`)."""

    def record(self, *, actor: str, role: str, action: str, resource_type: str,
               resource_id: str | None = None, case_id: str | None = None,
               unit: str | None = None, client: str | None = None) -> dict[str, Any]: ...


@dataclass
class AuditLog:
    """Queues a read on the audit trail, with who and from where, before answering. Actions are
    recorded by their service with the action itself (`actor`); the sequencer chains both."""

    audit: Queues
    client: str | None

    def actor(self, principal: Principal) -> Actor:
        return Actor(principal.subject, principal.role, principal.unit, self.client)

    def __call__(self, principal: Principal | None, action: str, resource_type: str,
                 resource_id: str | None = None, case_id: str | None = None, *,
                 keep_client: bool = True) -> None:
        self.audit.record(
            actor=principal.subject if principal else "anonymous",
            role=principal.role if principal else "public",
            unit=principal.unit if principal else None,
            action=action, resource_type=resource_type, resource_id=resource_id,
            case_id=case_id, client=self.client if keep_client else None,
        )
