"""The supervisors' notification health page (/oncall, 值班与通知): per unit, who is on duty now,
the last delivery taken and failures in the last 24 hours; units nobody would be told first."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.api.deps import audit_log
from services.api.web import page_session, render
from services.common.labels import KIND_TEXT
from services.oversight.notifications import unit_health

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/oncall")
def oncall_page(request: Request) -> Response:
    session = page_session(request, "supervisor", "/oncall", "此页面供督办人员使用，请用督办账号登录。")
    if isinstance(session, Response):
        return session
    principal = session[1]
    audit_log(request)(principal, "notifications.health", "agency")
    rows = unit_health(request.app.state.container)
    return render(request, "oncall.html", {
        "username": principal.subject, "principal": principal, "units": rows, "kind_text": KIND_TEXT,
        "unreachable": sum(1 for r in rows if r["unreachable"]),
        "failing": sum(1 for r in rows if r["failures_24h"]), "phones": _phones(request)})


def _phones(request: Request) -> dict[str, dict[str, str]]:
    """Each unit's contacts' phones by name, for the 此刻值班 column's tel: links."""
    container = request.app.state.container
    rosters = {a.agency_id: container.notify.roster(a.agency_id) for a in container.directory.agencies}
    return {unit: {c.name: c.phone for c in roster.contacts if c.phone}
            for unit, roster in rosters.items() if roster}
