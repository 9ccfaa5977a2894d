"""An action's audit entry, saved with the action in one transaction of the acting service's
own store; the audit trail takes it from there (services/audit/follower.py), exactly once. So
an action cannot commit without its entry, nor an entry without its action."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event


@dataclass(frozen=True)
class Actor:
    """Who acts, in what role, for which unit, from where."""

    subject: str
    role: str
    unit: str | None = None
    client: str | None = None


class AuditNote(Aggregate):
    @event("Written")
    def __init__(self, id: UUID, *, entry: dict[str, str | None]):  # noqa: A002
        self.entry = entry


def note(actor: Actor | None, action: str, resource_type: str, resource_id: str | None = None,
         case_id: str | None = None) -> list[AuditNote]:
    """The note to save with an action ([] when nobody is acting: tests, internal steps)."""
    if actor is None:
        return []
    return [AuditNote(id=uuid4(), entry={
        "at": datetime.now(UTC).isoformat(), "actor": actor.subject, "role": actor.role,
        "unit": actor.unit, "action": action, "resource_type": resource_type,
        "resource_id": resource_id, "case_id": case_id, "client": actor.client})]


NOTE_TOPIC = f"{AuditNote.Written.__module__}:{AuditNote.Written.__qualname__}"  # type: ignore[attr-defined]
