"""The supervisors' notification health page (/oncall, 值班与通知): per unit, who is on duty now,
the last delivery taken and failures in the last 24 hours; units nobody would be told first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.api.deps import AuditDep, ContainerDep
from services.api.guard import Page, page_guard
from services.api.web import render
from services.bootstrap import ApiContainer
from services.common.labels import KIND_TEXT
from services.oversight.notifications import by_county, unit_health

router = APIRouter(tags=["pages"], include_in_schema=False)


Supervisor = Annotated[Page, Depends(page_guard("supervisor", "/oncall",
                                                "此页面供督办人员使用，请用督办账号登录。"))]


@router.get("/oncall")
def oncall_page(request: Request, page: Supervisor, container: ContainerDep, audit: AuditDep) -> Response:
    principal = page.principal
    audit(principal, "notifications.health", "agency")
    rows = unit_health(container, principal.region)
    return render(request, "oncall.html", {
        "username": principal.subject, "principal": principal, "groups": by_county(container, rows),
        "kind_text": KIND_TEXT, "unreachable": sum(1 for r in rows if r["unreachable"]),
        "failing": sum(1 for r in rows if r["failures_24h"]), "phones": _phones(container),
        "hook_set": container.notify.supervisors is not None})


def _phones(container: ApiContainer) -> dict[str, dict[str, str]]:
    """Each unit's contacts' phones by name, for the 此刻值班 column's tel: links."""
    rosters = {a.agency_id: container.notify.roster(a.agency_id) for a in container.directory.agencies}
    return {unit: {c.name: c.phone for c in roster.contacts if c.phone}
            for unit, roster in rosters.items() if roster}
