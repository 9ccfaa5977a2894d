"""What supervisors and auditors read across services: statistics and the audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from services.api.deps import AuditDep, Auditor, ContainerDep, StatsDownload, StatsReader
from services.audit.query import DEFAULT_LIMIT, MAX_LIMIT, MAX_SEQ, TrailQuery
from services.audit.query import read as read_trail
from services.common.auditnote import AuditLog, Principal
from services.common.errors import DomainError
from services.common.numbers import REGION_PREFIX, Folded
from services.oversight.filters import filters_text
from services.oversight.incidents import incidents_of
from services.oversight.jurisdiction import check_case_filter
from services.oversight.ledger import BEIJING, MONTH_PATTERN, XLSX, month_bounds
from services.oversight.monthly import as_csv, as_xlsx, tables
from services.oversight.statistics import figures

stats_router = APIRouter(prefix="/v1/stats", tags=["statistics"])
audit_router = APIRouter(prefix="/v1/audit", tags=["audit"])
Role = Literal["operator", "reporter", "supervisor", "desk", "auditor", "admin", "security", "system",
               "public"]


RegionPrefix = Annotated[str | None, Folded, Query(pattern=REGION_PREFIX,
                                           description="a region code or its leading digits")]


@stats_router.get("")
def stats(c: ContainerDep, audit: AuditDep, who: StatsReader, since: datetime | None = None,
          until: datetime | None = None, region: RegionPrefix = None,
          group: Annotated[Literal["region"] | None, Query(
              description="region: the same figures for each region one level below")] = None,
          ) -> dict[str, Any]:
    """Reports received in [since, until), about cases in the region: counts by channel, day,
    region, concern, risk level, agency kind and referral status; acknowledgement-time
    percentiles per level next to its SLA; overdue referrals; follow-ups; sentinel activity.
    A caller with a region counts inside it only: a region outside (or wider) is 404. With
    `group=region`, `groups` holds the same figures for each region one level below (code and
    name), then those placed above that level (code null), so that the groups add up. Every
    read is audited with its filters, a refused one as `stats.refused`. An auditor
    gives both bounds as whole Beijing days (T00:00:00+08:00), at least one day apart (else 422
    naming the bound)."""
    asked = filters_text(since=since, until=until, region=region, group=group)
    with refusals_audited(audit, who, asked):
        found = figures(c.view, c.accounts, c.dispatch.ack_sla, since=since, until=until, region=region,
                        principal=who, group=group, directory=c.directory, callbacks=c.callbacks)
    audit(who, "stats.read", "stats", asked)
    return found


@contextmanager
def refusals_audited(audit: AuditLog, who: Principal, asked: str) -> Iterator[None]:
    """A read the statistics' rules refuse (a window too narrow, a region outside) is audited."""
    try:
        yield
    except DomainError:
        audit(who, "stats.refused", "stats", asked)
        raise


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
    asked = filters_text(month=month, region=region, format=format)
    with refusals_audited(audit, who, asked):
        figures_ = figures(c.view, c.accounts, c.dispatch.ack_sla, since=since, until=until,
                           region=region, principal=who, group="region", directory=c.directory,
                           callbacks=c.callbacks)
    audit(who, "stats.monthly", "stats", asked)
    region = figures_["region"]  # the caller's own region when none was asked for
    units = c.view.unit_figures(since, until, datetime.now(BEIJING), region)
    listed = incidents_of(c, replace(who, region=region), c.view.major_incidents(since, until))
    report = tables(figures_, month, region, c.directory, units, listed)
    body, media = (as_xlsx(report), XLSX) if format == "xlsx" else (as_csv(report), "text/csv; charset=utf-8")
    name = f"stats-{month}{'-' + region if region else ''}.{format}"
    return Response(body, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@audit_router.get("")
def audit_trail(container: ContainerDep, audit: AuditDep, who: Auditor, response: Response,
                actor: Annotated[str | None, Query(max_length=100, description="a name's start")] = None,
                role: Role | None = None,
                action: Annotated[str | None, Query(max_length=100, description="an action's prefix")] = None,
                case_id: Annotated[str | None, Query(max_length=64, pattern=r"^[0-9A-Za-z-]+$")] = None,
                since: datetime | None = None, until: datetime | None = None,
                limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
                before: Annotated[int | None, Query(ge=1, lt=MAX_SEQ,
                                                    description="older than this seq (paging)")] = None,
                ) -> list[dict[str, Any]]:
    """The trail, newest first, at most `limit` entries; a time without an offset is Beijing
    time. `X-Older-Before` names the `before` that reads on, when there is more."""
    if case_id:
        check_case_filter(container, who, case_id)  # a region-bound auditor's cases only (404)
    found, older = read_trail(container.audit, TrailQuery(actor, role, action, case_id, since, until,
                                                          limit, before))
    audit(who, "audit.read", "case" if case_id else "audit", case_id, case_id)
    if older is not None:
        response.headers["X-Older-Before"] = str(older)
    return found
