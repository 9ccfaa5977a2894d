"""The agency desk's inbox page (/desk): newest and most urgent first, updating by itself."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from services.common.errors import Conflict, FieldError, NotFound
from services.common.web.pages import check_csrf, csrf_for, page_session, render
from services.gateway.deps import audit_log

router = APIRouter(tags=["pages"], include_in_schema=False)
ACTIONS = ("acknowledge", "decline", "outcome")
LOOK_EVERY = 0.5  # seconds between looks at the unit's inbox (a new referral shows within a second)
STREAM_FOR = 300.0  # then the stream ends and the browser reconnects, its session checked again


def _desk(request: Request) -> tuple[str, Any] | Response:
    return page_session(request, "desk", "/desk",
                        "此页面供接收转介的机构工作人员使用，请用机构账号登录。")


def _context(request: Request, token: str, principal: Any) -> dict[str, Any]:
    container = request.app.state.container
    agency = container.directory.get(principal.agency_id)
    return {
        "username": principal.subject,
        "principal": principal,
        "agency_name": agency.name if agency else principal.agency_id,
        "referrals": container.view.desk_referrals(principal.agency_id),
        "csrf": csrf_for(request, token),
    }


@router.get("/desk")
def desk_page(request: Request) -> Response:
    session = _desk(request)
    if isinstance(session, Response):
        return session
    audit_log(request)(session[1], "desk.inbox", "agency", session[1].agency_id)
    return render(request, "desk.html", _context(request, *session))


@router.get("/desk/inbox")
def desk_inbox(request: Request) -> Response:
    session = _desk(request)
    if isinstance(session, Response):
        return Response(status_code=401)
    return render(request, "desk_inbox.html", _context(request, *session))


@router.get("/desk/events")
def desk_events(request: Request) -> Response:
    """Server-sent events for the unit's inbox: `inbox` whenever a referral arrives or changes,
    with each referral's id, level and status, so the page refreshes and rings for a new red one.
    The page polls instead while the stream is down."""
    session = _desk(request)
    if isinstance(session, Response):
        return Response(status_code=401)
    view, unit = request.app.state.container.view, session[1].agency_id

    def inbox() -> list[list[str]]:
        return [[r["referral_id"], r["risk_level"], r["status"]] for r in view.desk_referrals(unit)]

    async def events() -> AsyncIterator[ServerSentEvent]:
        seen: list[list[str]] | None = None
        ends = time.monotonic() + STREAM_FOR
        while time.monotonic() < ends and not await request.is_disconnected():
            now = await run_in_threadpool(inbox)
            if now != seen:
                seen = now
                yield ServerSentEvent(json.dumps(now), event="inbox", retry=1000)
            await asyncio.sleep(LOOK_EVERY)

    return EventSourceResponse(events(), ping=15, headers={"Cache-Control": "no-store"})


@router.post("/desk/referrals/{referral_id}/{action}")
async def desk_action(request: Request, referral_id: str, action: str) -> Response:
    session = _desk(request)
    if isinstance(session, Response):
        return session
    token, principal = session
    form = await request.form()
    if not check_csrf(request, token, form.get("csrf")) or action not in ACTIONS:
        return Response("页面已过期，请刷新后重试。", status_code=403, media_type="text/plain")
    dispatch = request.app.state.container.dispatch
    unit, by = principal.agency_id, principal.subject
    audit = audit_log(request)
    actor = audit.actor(principal)

    def act() -> None:
        if action == "acknowledge":
            dispatch.acknowledge(referral_id, by=by, unit=unit, actor=actor)
        elif action == "decline":
            dispatch.decline(referral_id, reason=str(form.get("reason", "")), by=by, unit=unit,
                             actor=actor)
        else:
            dispatch.record_outcome(referral_id, outcome=str(form.get("outcome", "")),
                                    note=str(form.get("note", "")), by=by, unit=unit, actor=actor)

    try:
        await run_in_threadpool(act)
    except NotFound:
        await run_in_threadpool(audit_log(request), principal, "access.not_found",
                                "/desk/referrals/{referral_id}/{action}", request.url.path)
        return Response("未找到该转介。", status_code=404, media_type="text/plain")
    except (Conflict, FieldError) as exc:
        return Response(f"无法操作：{exc}", status_code=409, media_type="text/plain")
    return RedirectResponse("/desk", status_code=303)
