"""The supervisor's case board (/board): overdue follow-ups, then escalated and needs-review
cases first; reassess, re-route, close."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from services.common.errors import DomainError, NotFound
from services.common.web.pages import check_csrf, csrf_for, page_session, render
from services.gateway.deps import audit_log
from services.gateway.unreached import flag_unreached

router = APIRouter(tags=["pages"], include_in_schema=False)


def _supervisor(request: Request) -> tuple[str, Any] | Response:
    return page_session(request, "supervisor", "/board", "此页面供督办人员使用，请用督办账号登录。")


def _context(request: Request, token: str, principal: Any, notice: str | None = None) -> dict[str, Any]:
    container = request.app.state.container
    plans = [p for p in container.view.followups(datetime.now(UTC)) if p["status"] == "active"]
    return {
        "username": principal.subject,
        "principal": principal,
        "cases": flag_unreached(container.view.list_cases(None, None), container.notify),
        "late_followups": [p for p in plans if p["overdue"] or p["helper_missing"]],
        "agencies": container.directory.agencies,
        "agencies_by_id": {a.agency_id: a.name for a in container.directory.agencies},
        "csrf": csrf_for(request, token),
        "notice": notice,
    }


@router.get("/board")
def board_page(request: Request) -> Response:
    session = _supervisor(request)
    if isinstance(session, Response):
        return session
    audit_log(request)(session[1], "board.read", "cases")
    return render(request, "board.html", _context(request, *session))


@router.get("/board/cases")
def board_cases(request: Request) -> Response:
    session = _supervisor(request)
    if isinstance(session, Response):
        return Response(status_code=401)
    return render(request, "board_cases.html", _context(request, *session))


@router.post("/board/cases/{case_id}/{action}")
async def board_action(request: Request, case_id: str, action: str) -> Response:
    session = _supervisor(request)
    if isinstance(session, Response):
        return session
    token, principal = session
    form = await request.form()
    if not check_csrf(request, token, form.get("csrf")) or action not in ("reassess", "refer", "close"):
        return Response("页面已过期，请刷新后重试。", status_code=403, media_type="text/plain")
    container = request.app.state.container
    reason = str(form.get("reason", "")).strip()
    if not reason:
        return render(request, "board.html", _context(request, token, principal, "请填写原因。"), 422)

    audit = audit_log(request)

    def act() -> None:
        if action == "close":
            container.dispatch.close_case(case_id, reason=reason, by=principal.subject,
                                          actor=audit.actor(principal))
        elif action == "reassess":
            container.triage.reassess(case_id, risk_level=str(form.get("risk_level")), concerns=[],
                                      reason=reason, by=principal.subject, actor=audit.actor(principal))
        else:
            case = container.view.get_case(case_id)
            if case is None:
                raise NotFound("No such case")
            container.dispatch.refer_manually(case, str(form.get("agency_id")), by=principal.subject,
                                              actor=audit.actor(principal))

    try:
        await run_in_threadpool(act)
    except DomainError as exc:
        return render(request, "board.html", _context(request, token, principal, f"未能完成：{exc}"), 409)
    return RedirectResponse("/board", status_code=303)
