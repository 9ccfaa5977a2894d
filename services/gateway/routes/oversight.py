"""What supervisors and auditors read across services: statistics and the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from services.gateway.deps import AuditDep, Auditor, ContainerDep, StatsReader
from services.gateway.statistics import figures

stats_router = APIRouter(prefix="/v1/stats", tags=["statistics"])
audit_router = APIRouter(prefix="/v1/audit", tags=["audit"])


RegionPrefix = Annotated[str | None, Query(pattern=r"^\d{2,12}$",
                                           description="a region code or its leading digits")]


@stats_router.get("")
def stats(c: ContainerDep, who: StatsReader, since: datetime | None = None,
          until: datetime | None = None, region: RegionPrefix = None) -> dict[str, Any]:
    """Reports received in [since, until), about cases in the region: counts by channel, day,
    region, concern, risk level, agency kind and referral status; acknowledgement-time
    percentiles per level next to its SLA; overdue referrals; follow-ups; sentinel activity.
    An auditor's window spans at least 24 hours."""
    return figures(c.view, c.accounts, c.dispatch, since=since, until=until, region=region,
                   principal=who)


@audit_router.get("")
def audit_trail(container: ContainerDep, audit: AuditDep, who: Auditor,
                case_id: str | None = None) -> list[dict[str, Any]]:
    """Who read or did what about a case (or everything), oldest first."""
    entries = container.audit.entries(case_id)
    audit(who, "audit.read", "case" if case_id else "audit", case_id, case_id)
    return entries
