"""A case's reports on the supervisor's board (报告原文): the children, place, what happened and the
reporter, as §5's supervisor rule discloses them, for judging the level (the city supervisor's
review, stop 50: the board showed concerns only); the case in the caller's region, each reading
audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.api.deps import AuditDep, ContainerDep
from services.api.guard import Page, page_guard
from services.api.pages import casefile
from services.api.pages.outside import outside
from services.api.web import render
from services.common.errors import NotFound
from services.common.labels import CONCERN_TEXT, LEVEL_TEXT
from services.oversight.referrals import case_reports

router = APIRouter(tags=["pages"], include_in_schema=False)
CaseSupervisor = Annotated[Page, Depends(page_guard(
    "supervisor", "/board/reports/{case_id}", "此页面供督办人员使用，请用督办账号登录。"))]


@router.get("/board/reports/{case_id}")
def case_reports_page(request: Request, case_id: str, page: CaseSupervisor, container: ContainerDep,
                      audit: AuditDep) -> Response:
    try:
        disclosed = case_reports(container, page.principal, audit, case_id)
    except NotFound:
        return outside(request, page.principal, "未找到该案件，或该案件不在您的辖区内。", case_id=case_id)
    case = container.view.get_case(case_id)  # its level and concerns beside what was reported (stop 50)
    return render(request, "board_reports.html", {
        "principal": page.principal, "case_id": case_id, "reports": casefile.reports(container, disclosed),
        "case": case, "level_text": LEVEL_TEXT, "concern_text": CONCERN_TEXT})
