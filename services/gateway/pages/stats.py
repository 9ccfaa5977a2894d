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
        raise FieldError("date", f"not a date: {text!r} (use YYYY-MM-DD)") from None


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
        if region is not None and not (region.isdigit() and 2 <= len(region) <= 12):
            raise FieldError("region", "区划代码应为2至12位数字")
        since = datetime.combine(first, time(), BEIJING)
        until = datetime.combine(last + timedelta(days=1), time(), BEIJING)  # the last day included
        data = await run_in_threadpool(figures, container.view, container.accounts,
                                       container.dispatch.ack_sla, since=since, until=until,
                                       region=region, principal=principal)
    except FieldError as exc:
        notice, status_code = f"无法统计：{exc.message}", 422
        first, last = today - timedelta(days=29), today
    audit_log(request)(principal, "stats.read", "stats", region)
    silent = [s for s in (data or {}).get("sentinels", []) if s["silent_days"] >= SILENT_DAYS]
    context: dict[str, Any] = {
        "principal": principal, "username": principal.subject, "notice": notice, "data": data,
        "first": first.isoformat(), "last": last.isoformat(), "region": region or "",
        "silent": silent, "silent_days": SILENT_DAYS, "sentinel_kind_text": SENTINEL_KIND_TEXT,
        "labels": LABELS,
    }
    return render(request, "stats.html", context, status_code)
