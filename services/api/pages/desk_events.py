"""The desk inbox's live updates (/desk/events): server-sent events whenever the unit's referrals
change, for as long as the session stands."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from services.api.auth import is_idle
from services.api.deps import ViewDep
from services.api.guard import Page, page_guard

router = APIRouter(tags=["pages"], include_in_schema=False)
LOOK_EVERY = 0.5  # seconds between looks at the unit's inbox (a new referral shows within a second)
STREAM_FOR = 300.0  # then the stream ends and the browser reconnects, its session checked again
REFUSAL = "此页面供接收转介的机构工作人员使用，请用机构账号登录。"
DeskPart = Annotated[Page, Depends(page_guard("desk", "/desk", REFUSAL, fragment=True))]


@router.get("/desk/events")
def desk_events(request: Request, page: DeskPart, view: ViewDep) -> Response:
    """Server-sent events for the unit's inbox: `inbox` whenever a referral arrives or changes,
    with each referral's id, level, status and case, so the page refreshes and rings for a new red
    one or a raised one.
    The page polls instead while the stream is down."""
    unit: Any = page.principal.agency_id
    token, tokens = page.token, request.app.state.tokens

    def inbox() -> list[list[Any]]:
        # The case's short id too: the banner names it (stop 51: "the alert names no … case"); and
        # its reports, so one more on a case taken on rings too (stop 55's police desk).
        return view.inbox_marks(unit)  # a new or changed one: those open

    def session_stands() -> bool:
        """Not logged out, disabled, re-passworded, expired or idle (read at most every 0.5 s)."""
        return tokens.verify(token) is not None and not is_idle(request, token)

    async def events() -> AsyncIterator[ServerSentEvent]:
        seen: list[list[str]] | None = None
        ends = time.monotonic() + STREAM_FOR
        while (time.monotonic() < ends and not await request.is_disconnected()
               and await run_in_threadpool(session_stands)):
            now = await run_in_threadpool(inbox)
            if now != seen:
                seen = now
                yield ServerSentEvent(json.dumps(now), event="inbox", retry=1000)
            await asyncio.sleep(LOOK_EVERY)

    return EventSourceResponse(events(), ping=15, headers={"Cache-Control": "no-store"})
