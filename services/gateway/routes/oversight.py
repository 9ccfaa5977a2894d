"""What supervisors and auditors read across services: statistics and the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter

from services.common.errors import FieldError
from services.gateway.deps import AuditDep, Auditor, ContainerDep, StatsReader, ViewDep

stats_router = APIRouter(prefix="/v1/stats", tags=["statistics"])
audit_router = APIRouter(prefix="/v1/audit", tags=["audit"])


@stats_router.get("")
def stats(view: ViewDep, _: StatsReader, since: datetime | None = None,
          until: datetime | None = None) -> dict[str, Any]:
    """Counts by channel, concern, risk level, agency kind and referral status; acknowledgement
    time percentiles by risk level; overdue referrals (reports received in [since, until))."""
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise FieldError(name, "needs a time zone offset, e.g. +08:00", where="query")
    return view.stats(since, until, datetime.now(UTC))


@audit_router.get("")
def audit_trail(container: ContainerDep, audit: AuditDep, who: Auditor,
                case_id: str | None = None) -> list[dict[str, Any]]:
    """Who read or did what about a case (or everything), oldest first."""
    entries = container.audit.entries(case_id)
    audit(who, "audit.read", "case" if case_id else "audit", case_id, case_id)
    return entries
