"""The supervisor's case board (/board): overdue follow-ups, then escalated and needs-review
cases first; reassess (level and ledger categories), re-route, close; the ledger's download."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from services.common.errors import DomainError, FieldError, NotFound
from services.common.vocabulary import BEIJING, RISK_LEVELS, Category
from services.common.web.pages import check_csrf, csrf_for, page_session, render
from services.gateway.deps import audit_log
from services.gateway.unreached import flag_unreached

router = APIRouter(tags=["pages"], include_in_schema=False)
ACTIONS = ("reassess", "refer", "close")
LEDGER_MONTHS = 12  # how many months back the ledger's download offers


def _supervisor(request: Request) -> tuple[str, Any] | Response:
    return page_session(request, "supervisor", "/board", "此页面供督办人员使用，请用督办账号登录。")


def _months(now: datetime) -> list[str]:
    """This month and the ones before it, newest first (YYYY-MM, Beijing)."""
    year, month = now.year, now.month
    out = []
    for _ in range(LEDGER_MONTHS):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out


def _referral_notes(container: Any, cases: list[Any]) -> dict[str, dict[str, str]]:
    """Why a unit declined, or what it did: kept in the referral's (encrypted) events, not in the
    view, and read for the referrals that ended so."""
    notes: dict[str, dict[str, str]] = {}
    for case in cases:
        for r in case["referrals"]:
            if r["status"] in ("declined", "closed"):
                try:
                    referral = container.dispatch.get_referral(r["referral_id"])
                except NotFound:
                    continue
                notes[r["referral_id"]] = {"reason": referral.decline_reason or "",
                                           "outcome": referral.outcome or "", "note": referral.note or ""}
    return notes


def _context(request: Request, token: str, principal: Any, notice: str | None = None) -> dict[str, Any]:
    container = request.app.state.container
    plans = [p for p in container.view.followups(datetime.now(UTC)) if p["status"] == "active"]
    cases = flag_unreached(container.view.list_cases(None, None), container.notify)
    return {
        "username": principal.subject,
        "principal": principal,
        "cases": cases,
        "notes": _referral_notes(container, cases),
        "late_followups": [p for p in plans if p["overdue"] or p["helper_missing"]],
        "agencies": container.directory.agencies,
        "levels": RISK_LEVELS,
        "categories": tuple(Category),
        "months": _months(datetime.now(BEIJING)),
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


def _categories(form: Any) -> list[str] | None:
    """The ledger categories ticked on the reassessment form (all of them: none ticked clears
    them); None when the form did not offer them."""
    if not form.get("categories_shown"):
        return None
    chosen = [str(c) for c in form.getlist("categories")]
    if any(c not in tuple(Category) for c in chosen):
        raise FieldError("categories", "请从列表中勾选困境类别。")
    return chosen


@router.post("/board/cases/{case_id}/{action}")
async def board_action(request: Request, case_id: str, action: str) -> Response:
    session = _supervisor(request)
    if isinstance(session, Response):
        return session
    token, principal = session
    form = await request.form()
    if not check_csrf(request, token, form.get("csrf")) or action not in ACTIONS:
        return Response("页面已过期，请刷新后重试。", status_code=403, media_type="text/plain; charset=utf-8")
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
                                      reason=reason, by=principal.subject, actor=audit.actor(principal),
                                      categories=_categories(form))
        else:
            case = container.view.get_case(case_id)
            if case is None:
                raise NotFound("没有这个案件。")
            container.dispatch.refer_manually(case, str(form.get("agency_id")), by=principal.subject,
                                              actor=audit.actor(principal))

    try:
        await run_in_threadpool(act)
    except DomainError as exc:
        status = 422 if isinstance(exc, FieldError) else 404 if isinstance(exc, NotFound) else 409
        return render(request, "board.html",
                      _context(request, token, principal, f"未能完成：{exc.message}"), status)
    return RedirectResponse("/board", status_code=303)
