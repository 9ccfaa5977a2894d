"""The statistics page (/stats, 统计分析) for supervisors and auditors: the figures of a date range
and region drawn as charts in the page, with the sentinel points that have gone silent."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from services.common.errors import FieldError
from services.common.vocabulary import (
    CHANNEL_TEXT,
    CONCERN_TEXT,
    KIND_TEXT,
    LEVEL_TEXT,
    SENTINEL_KIND_TEXT,
    STATUS_TEXT,
)
from services.common.web.pages import BEIJING, page_session, render
from services.gateway.deps import audit_log
from services.gateway.statistics import figures

router = APIRouter(tags=["pages"], include_in_schema=False)
SILENT_DAYS = 30
LABELS = {"channel": CHANNEL_TEXT, "concern": CONCERN_TEXT, "level": LEVEL_TEXT, "kind": KIND_TEXT,
          "status": STATUS_TEXT}


def _day(text: str | None, default: date) -> date:
    try:
        return date.fromisoformat(text) if text else default
    except ValueError:
        raise FieldError("date", "日期格式不正确，请用日期选择器选择。") from None


def regions(places: tuple[tuple[str, str], ...]) -> list[dict[str, Any]]:
    """The places to filter by: each county (in the directory's order) first, then its townships
    and villages by code, named without the county's name."""
    counties = [c for c in places if len(c[0]) == 6]
    out = []
    for code, name in counties:
        within = sorted((p for p in places if p[0].startswith(code) and p[0] != code), key=lambda p: p[0])
        out.append({"code": code, "name": name.replace(" ", ""), "places": [
            (c, n.removeprefix(name).strip(), len(c) > 9) for c, n in within]})
    return out


@router.get("/stats")
async def stats_page(request: Request) -> Response:
    session = page_session(request, ("supervisor", "auditor"), "/stats",
                           "此页面供督办人员和审计人员使用。")
    if isinstance(session, Response):
        return session
    principal = session[1]
    container, q = request.app.state.container, request.query_params
    today = datetime.now(BEIJING).date()
    region = (q.get("region") or "").strip() or None
    notice, status_code, data = None, 200, None
    try:
        first, last = _day(q.get("from"), today - timedelta(days=29)), _day(q.get("to"), today)
        if region is not None and region not in dict(container.directory.places):
            raise FieldError("region", "请从列表中选择地区。")
        if first > last:
            raise FieldError("to", "结束日期不能早于开始日期。")
        since = datetime.combine(first, time(), BEIJING)
        until = datetime.combine(last + timedelta(days=1), time(), BEIJING)  # the last day included
        data = await run_in_threadpool(figures, container.view, container.accounts,
                                       container.dispatch.ack_sla, since=since, until=until,
                                       region=region, principal=principal)
    except FieldError as exc:
        notice, status_code = f"无法统计：{exc.message}", 422
        first, last, region = today - timedelta(days=29), today, None
    audit_log(request)(principal, "stats.read", "stats", region)
    silent = [s for s in (data or {}).get("sentinels", []) if s["silent_days"] >= SILENT_DAYS]
    context: dict[str, Any] = {
        "principal": principal, "username": principal.subject, "notice": notice, "data": data,
        "first": first.isoformat(), "last": last.isoformat(), "region": region or "",
        "silent": silent, "silent_days": SILENT_DAYS, "sentinel_kind_text": SENTINEL_KIND_TEXT,
        "labels": LABELS, "regions": regions(container.directory.places),
        "place_name": container.directory.place_name,
    }
    return render(request, "stats.html", context, status_code)
