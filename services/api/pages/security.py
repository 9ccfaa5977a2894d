"""The security officer's page (/security, 安全管理员): the admins' pending account requests with
who asked, what, when and for whom; approve or reject on a confirming second step; the password
an approval makes, shown once; the requests decided before."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from services.api.deps import AccountsDep, AuditDep, get_container
from services.api.guard import Page, page_guard
from services.api.pages.accounts_rows import Units
from services.api.pages.security_text import (
    OWN_ACCOUNT,
    account_state,
    confirm_decision,
    decided_text,
    refusal_text,
    request_row,
)
from services.api.web import render
from services.common.errors import Conflict, NotFound

router = APIRouter(tags=["pages"], include_in_schema=False)
HISTORY = 50  # decided requests shown, newest first
NOTICES = {"rejected": "已驳回：账号 {} 的申请已驳回，账号未作变更。",
           "approved": "已批准：账号 {} 的申请已生效。"}
REASON_MISSING = "请填写驳回理由：申请人和审计人员都会看到它。"
REASON_MAX = 500  # as the API takes it (routes/account_requests.py)


def _rows(request: Request) -> list[dict[str, Any]]:
    container = get_container(request)
    units = Units(container.accounts, container.directory)  # units and regions by name, as /admin
    now = datetime.now(UTC)
    rows = []
    for r in container.accounts.list_requests():
        # An existing account's unit or region and state as they are now (the security officer's
        # review, stop 61: 启用 a city supervisor did not say which city, nor who had stopped it).
        user = None if r.kind == "create" else container.accounts.find(r.username)
        rows.append(request_row(r, now, units(user or r), account_state(user)))
    return rows


def _show(request: Request, session: Page, status_code: int = 200, **extra: Any) -> Response:
    rows = _rows(request)
    pending = [r for r in rows if r["state"] == "pending"]
    return render(request, "security.html", {
        "principal": session.principal, "csrf": session.csrf(request),
        "pending": list(reversed(pending)),  # the oldest first: it expires first
        "decided": [r for r in rows if r["state"] != "pending"][:HISTORY],
        "notice": None, "refusal": None, "secret": None, "own_account": OWN_ACCOUNT, **extra}, status_code)


Officer = Annotated[Page, Depends(page_guard(
    "security", "/security", "此页面供安全管理员使用，请用安全管理员账号登录。",
    stale=lambda request, page: _show(request, page, 403, refusal="页面已过期，请刷新后再操作。")))]


@router.get("/security")
def security_page(request: Request, session: Officer, audit: AuditDep, done: str = "",
                  who: str = "") -> Response:
    audit(session.principal, "security.read", "accounts")
    return _show(request, session, notice=NOTICES[done].format(who) if done in NOTICES else None)


def _confirm(request: Request, session: Page, row: dict[str, Any], decision: str,
             status_code: int = 200, error: str | None = None, typed: str = "") -> Response:
    return render(request, "security_confirm.html", {
        "principal": session.principal, "csrf": session.csrf(request), "reason_max": REASON_MAX,
        "confirm": confirm_decision(row, decision), "error": error, "typed": typed}, status_code)


@router.get("/security/requests/{request_id}/{decision}")
def confirm_page(request: Request, request_id: str, decision: str, session: Officer) -> Response:
    """The confirming step by GET: the back button from a result lands here and it renders
    (saying who decided the request, once it is decided)."""
    row = next((r for r in _rows(request) if r["id"] == request_id), None)
    if decision not in ("approve", "reject") or row is None:
        return _show(request, session, 404, refusal="没有这个申请或操作。")
    if row["state"] != "pending":
        return _show(request, session, refusal=decided_text(row))
    if row["username"].lower() == session.principal.subject.lower():  # said before, not after, the step
        return _show(request, session, 409, refusal=OWN_ACCOUNT)
    return _confirm(request, session, row, decision)


@router.post("/security/requests/{request_id}/{decision}")
def decide(request: Request, request_id: str, decision: str, session: Officer, accounts: AccountsDep,
           audit: AuditDep) -> Response:
    form = {k: str(v).strip() for k, v in session.form.items()}
    row = next((r for r in _rows(request) if r["id"] == request_id), None)
    if decision not in ("approve", "reject") or row is None:
        return _show(request, session, 404, refusal="没有这个申请或操作。")
    if row["state"] != "pending":
        return _show(request, session, 409, refusal=decided_text(row))
    if form.get("confirmed") != "yes":
        return _confirm(request, session, row, decision)
    if decision == "reject" and not form.get("reason"):
        return _confirm(request, session, row, decision, 422, REASON_MISSING)
    if decision == "reject" and len(reason := form["reason"]) > REASON_MAX:  # said, never cut
        return _confirm(request, session, row, decision, 422,
                        f"驳回理由最多{REASON_MAX}字（现有{len(reason)}字），请删减。", reason)
    actor = audit.actor(session.principal)
    try:
        if decision == "reject":
            accounts.reject_request(request_id, actor=actor, reason=form["reason"])
            return RedirectResponse(f"/security?done=rejected&who={quote(row['username'])}", status_code=303)
        outcome = accounts.approve_request(request_id, actor=actor)
    except (Conflict, NotFound) as exc:
        fresh = next((r for r in _rows(request) if r["id"] == request_id), row)
        return _show(request, session, 409, refusal=decided_text(fresh) if fresh["state"] != "pending"
                     else refusal_text(exc.message))
    if outcome.password:
        return _show(request, session, notice=NOTICES["approved"].format(row["username"]),
                     secret=(row["username"], outcome.password, row["what"]))
    return RedirectResponse(f"/security?done=approved&who={quote(row['username'])}", status_code=303)
