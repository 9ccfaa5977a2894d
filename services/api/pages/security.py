"""The security officer's page (/security, 安全管理员): the admins' pending account requests with
who asked, what, when and for whom; approve or reject on a confirming second step; the password
an approval makes, shown once; the requests decided before."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from services.api.deps import audit_log
from services.api.pages.security_text import confirm_decision, decided_text, refusal_text, request_row
from services.api.web import check_csrf, csrf_for, page_session, render
from services.common.errors import Conflict, NotFound
from services.common.principal import Principal

router = APIRouter(tags=["pages"], include_in_schema=False)
Session = tuple[str, Principal]
HISTORY = 50  # decided requests shown, newest first
NOTICES = {"rejected": "已驳回：账号 {} 的申请已驳回，账号未作变更。",
           "approved": "已批准：账号 {} 的申请已生效。"}
REASON_MISSING = "请填写驳回理由：申请人和审计人员都会看到它。"


def _officer(request: Request) -> Session | Response:
    return page_session(request, "security", "/security", "此页面供安全管理员使用，请用安全管理员账号登录。")


def _rows(request: Request) -> list[dict[str, Any]]:
    container = request.app.state.container
    names = {a.agency_id: a.name for a in container.directory.agencies}
    now = datetime.now(UTC)
    return [request_row(r, now, names.get(r.agency_id or "", "")) for r in container.accounts.list_requests()]


def _show(request: Request, session: Session, status_code: int = 200, **extra: Any) -> Response:
    rows = _rows(request)
    pending = [r for r in rows if r["state"] == "pending"]
    return render(request, "security.html", {
        "principal": session[1], "csrf": csrf_for(request, session[0]),
        "pending": list(reversed(pending)),  # the oldest first: it expires first
        "decided": [r for r in rows if r["state"] != "pending"][:HISTORY],
        "notice": None, "refusal": None, "secret": None, **extra}, status_code)


@router.get("/security")
def security_page(request: Request, done: str = "", who: str = "") -> Response:
    session = _officer(request)
    if isinstance(session, Response):
        return session
    audit_log(request)(session[1], "security.read", "accounts")
    return _show(request, session, notice=NOTICES[done].format(who) if done in NOTICES else None)


def _confirm(request: Request, session: Session, row: dict[str, Any], decision: str,
             status_code: int = 200, error: str | None = None) -> Response:
    return render(request, "security_confirm.html", {
        "principal": session[1], "csrf": csrf_for(request, session[0]),
        "confirm": confirm_decision(row, decision), "error": error}, status_code)


@router.get("/security/requests/{request_id}/{decision}")
def confirm_page(request: Request, request_id: str, decision: str) -> Response:
    """The confirming step by GET: the back button from a result lands here and it renders
    (saying who decided the request, once it is decided)."""
    session = _officer(request)
    if isinstance(session, Response):
        return session
    row = next((r for r in _rows(request) if r["id"] == request_id), None)
    if decision not in ("approve", "reject") or row is None:
        return _show(request, session, 404, refusal="没有这个申请或操作。")
    if row["state"] != "pending":
        return _show(request, session, refusal=decided_text(row))
    return _confirm(request, session, row, decision)


@router.post("/security/requests/{request_id}/{decision}")
async def decide(request: Request, request_id: str, decision: str) -> Response:
    session = _officer(request)
    if isinstance(session, Response):
        return session
    form = {k: str(v).strip() for k, v in (await request.form()).items()}
    if not check_csrf(request, session[0], form.get("csrf")):
        return _show(request, session, 403, refusal="页面已过期，请刷新后再操作。")
    row = next((r for r in _rows(request) if r["id"] == request_id), None)
    if decision not in ("approve", "reject") or row is None:
        return _show(request, session, 404, refusal="没有这个申请或操作。")
    if row["state"] != "pending":
        return _show(request, session, 409, refusal=decided_text(row))
    if form.get("confirmed") != "yes":
        return _confirm(request, session, row, decision)
    if decision == "reject" and not form.get("reason"):
        return _confirm(request, session, row, decision, 422, REASON_MISSING)
    accounts = request.app.state.container.accounts
    actor = audit_log(request).actor(session[1])
    try:
        if decision == "reject":
            await run_in_threadpool(lambda: accounts.reject_request(
                request_id, actor=actor, reason=form.get("reason", "")[:500]))
            return RedirectResponse(f"/security?done=rejected&who={quote(row['username'])}", status_code=303)
        outcome = await run_in_threadpool(lambda: accounts.approve_request(request_id, actor=actor))
    except (Conflict, NotFound) as exc:
        fresh = next((r for r in _rows(request) if r["id"] == request_id), row)
        return _show(request, session, 409, refusal=decided_text(fresh) if fresh["state"] != "pending"
                     else refusal_text(exc.message))
    if outcome.password:
        return _show(request, session, notice=NOTICES["approved"].format(row["username"]),
                     secret=(row["username"], outcome.password, row["what"]))
    return RedirectResponse(f"/security?done=approved&who={quote(row['username'])}", status_code=303)
