"""Callbacks (回访, contract §13) on the supervisor's pages: a case's callback record with the
reporters' words (opened for the case's region only, each reading audited; the board's case panel
loads it when opened) and /callbacks, the region's due and done callbacks, a dissatisfied one with
whether the case was reviewed since. Who called back is named by role, as on the board's timeline."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.api.deps import AuditDep, ContainerDep
from services.api.guard import Page, page_guard
from services.api.pages.outside import outside
from services.api.web import render
from services.common.errors import NotFound
from services.common.labels import REACHED_TEXT, SATISFACTION_TEXT
from services.oversight.callback_reviews import region_callbacks_reviewed
from services.oversight.callbacks import callback_review

router = APIRouter(tags=["pages"], include_in_schema=False)
REFUSAL = "此页面供督办人员使用，请用督办账号登录。"
Supervisor = Annotated[Page, Depends(page_guard("supervisor", "/callbacks", REFUSAL))]
CaseSupervisor = Annotated[Page, Depends(page_guard("supervisor", "/board", REFUSAL))]
TEXTS = {"reached_text": REACHED_TEXT, "satisfaction_text": SATISFACTION_TEXT}


@router.get("/callbacks")
def callbacks_page(request: Request, page: Supervisor, container: ContainerDep) -> Response:
    return render(request, "callbacks.html", {
        "principal": page.principal, **region_callbacks_reviewed(container, page.principal), **TEXTS,
        "county_name": container.directory.county_label})


@router.get("/board/callbacks/{case_id}")
def case_callbacks_page(request: Request, case_id: str, page: CaseSupervisor, container: ContainerDep,
                        audit: AuditDep) -> Response:
    try:
        results = callback_review(container, page.principal, audit, case_id)
    except NotFound:
        return outside(request, page.principal, "未找到该案件，或该案件不在您的辖区内。", case_id=case_id)
    return render(request, "board_callbacks.html", {
        "principal": page.principal, "case_id": case_id, "results": results, **TEXTS,
        "now": datetime.now(UTC).isoformat()})
