"""What supervisors and auditors read across services: statistics and the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from services.common.digits import REGION_PREFIX, Folded
from services.gateway.deps import AuditDep, Auditor, ContainerDep, StatsDownload, StatsReader
from services.gateway.ledger import BEIJING, MONTH_PATTERN, XLSX, month_bounds
from services.gateway.monthly import as_csv, as_xlsx, tables
from services.gateway.statistics import figures

stats_router = APIRouter(prefix="/v1/stats", tags=["statistics"])
audit_router = APIRouter(prefix="/v1/audit", tags=["audit"])


RegionPrefix = Annotated[str | None, Folded, Query(pattern=REGION_PREFIX,
                                           description="a region code or its leading digits")]


@stats_router.get("")
def stats(c: ContainerDep, who: StatsReader, since: datetime | None = None,
          until: datetime | None = None, region: RegionPrefix = None) -> dict[str, Any]:
    """Reports received in [since, until), about cases in the region: counts by channel, day,
    region, concern, risk level, agency kind and referral status; acknowledgement-time
    percentiles per level next to its SLA; overdue referrals; follow-ups; sentinel activity.
    An auditor's window spans at least 24 hours."""
    return figures(c.view, c.accounts, c.dispatch.ack_sla, since=since, until=until, region=region,
                   principal=who)


@stats_router.get("/monthly", response_class=Response, responses={
    200: {"content": {"text/csv": {}, XLSX: {}}, "description": "the month's tables"}})
def monthly(c: ContainerDep, audit: AuditDep, who: StatsDownload,
            month: Annotated[str | None, Query(pattern=MONTH_PATTERN,
                                               description="YYYY-MM; this month when left out")] = None,
            region: RegionPrefix = None, format: Literal["xlsx", "csv"] = "xlsx") -> Response:  # noqa: A002
    """The monthly statistical report (统计分析报告): summary, concerns, levels, channels, days,
    regions, agency kinds, referral statuses, acknowledgement times, follow-ups, sentinels;
    the workbook has a sheet and a chart for each."""
    month = month or datetime.now(BEIJING).strftime("%Y-%m")
    since, until = month_bounds(month)
    figures_ = figures(c.view, c.accounts, c.dispatch.ack_sla, since=since, until=until,
                       region=region, principal=who)
    audit(who, "stats.monthly", "stats", month)
    report = tables(figures_, month, region, c.directory.place_name)
    body, media = (as_xlsx(report), XLSX) if format == "xlsx" else (as_csv(report), "text/csv; charset=utf-8")
    name = f"stats-{month}{'-' + region if region else ''}.{format}"
    return Response(body, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@audit_router.get("")
def audit_trail(container: ContainerDep, audit: AuditDep, who: Auditor,
                case_id: str | None = None) -> list[dict[str, Any]]:
    """Who read or did what about a case (or everything), oldest first."""
    entries = container.audit.entries(case_id)
    audit(who, "audit.read", "case" if case_id else "audit", case_id, case_id)
    return entries
