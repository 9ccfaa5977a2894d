"""The audit trail as the use cases write on it: a read, with who and from where."""

from __future__ import annotations

from dataclasses import dataclass

from services.audit.trail import AuditTrail
from services.common.auditnote import Actor
from services.common.principal import Principal


@dataclass
class AuditLog:
    """Queues a read on the audit trail, with who and from where, before answering. Actions are
    recorded by their service with the action itself (`actor`); the sequencer chains both."""

    audit: AuditTrail
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
