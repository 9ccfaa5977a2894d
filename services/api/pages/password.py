"""修改密码: every account changes its own password on the page; a password someone else issued
(a new account, an admin's reset) is replaced at the first page login, before any other page
(等保三级: the IT office must not go on knowing everyone's password; the IT office's review, stop 60)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from services.api.auth import SESSION_COOKIE, csrf_for, session_of
from services.api.deps import AuditDep, get_container
from services.api.guard import FormDep
from services.api.guards import client_address, is_https
from services.api.web import home_of, render, safe_next
from services.common.auditnote import Principal
from services.common.errors import FieldError
from services.common.throttle import login_limits

router = APIRouter(tags=["pages"], include_in_schema=False)
PATH = "/account/password"
TICKET_COOKIE = "hotline_password_ticket"  # the login's token, sent to this page only, until changed
TICKET_SECONDS = 600
TEXT = {
    "current": "当前密码不正确（首次登录或密码被重置后，是管理员或安全管理员告知您的那个密码）。",
    "current_empty": "请输入当前密码。",
    "password_empty": "请输入新密码。",
    "username": "新密码不能包含用户名，请另设一个别人猜不到的密码。",
    "before": "新密码不能与最近用过的5个密码相同，请另设一个。",
    "common": "这个密码太常见（常用单词、键盘顺序或数字序列加符号），容易被猜中，请另设一个。",
    "password": "新密码至少10位，并包含小写字母、大写字母、数字、其他符号中的至少3类。",
    "same": "新密码不能与当前密码相同，请另设一个只有您自己知道的密码。",
    "again": "两次输入的新密码不一致，请重新输入。",
}


def throttled(exc: HTTPException, role: str | None = "desk") -> str:
    """Too many failed logins, as a person reads it: when to try again, and what to do meanwhile
    (a desk's referrals go on through a colleague; others ask the IT office)."""
    seconds = int((exc.headers or {}).get("Retry-After", "60"))
    wait = f"登录失败次数过多，此账号在本机暂时不能登录，请{max(1, -(-seconds // 60))}分钟后再试。"
    if role in ("desk", None):
        return wait + "如有转介急需处理，请用本单位其他同事的账号，或联系系统管理员（信息科）。"
    return wait + "如需帮助，请联系信息科。"


def ticket(request: Request, token: str, target: str) -> Response:
    """Login's answer for an account whose password was issued: this page, no session yet."""
    response = RedirectResponse(f"{PATH}?{urlencode({'next': target})}", status_code=303)
    response.set_cookie(TICKET_COOKIE, token, httponly=True, samesite="strict", secure=is_https(request),
                        max_age=TICKET_SECONDS, path=PATH)
    return response


def _holder(request: Request) -> tuple[str, Principal, bool] | None:
    """The token, its account, and whether it is login's ticket (the change is owed)."""
    session = session_of(request)
    if session is not None:
        return session[0], session[1], False
    token = request.cookies.get(TICKET_COOKIE, "")
    principal = request.app.state.tokens.verify(token) if token else None
    return (token, principal, True) if principal is not None else None


def _page(request: Request, token: str, principal: Principal, owed: bool, target: str,
          errors: dict[str, str] | None = None, status_code: int = 200, done: bool = False) -> Response:
    return render(request, "password.html", {
        # Owed: no header of pages, none opens until it is changed.
        "principal": None if owed else principal, "who": principal.subject,
        "csrf": csrf_for(request, token), "owed": owed, "next": target,
        "errors": errors or {}, "done": done}, status_code)


def _target(raw: str, principal: Principal) -> str:
    return raw if safe_next(raw) and raw != PATH else home_of(principal.role)


@router.get(PATH)
def password_page(request: Request, next: str = "", done: str = "") -> Response:  # noqa: A002
    holder = _holder(request)
    if holder is None:
        return RedirectResponse(f"/login?next={PATH}", status_code=303)
    token, principal, owed = holder
    return _page(request, token, principal, owed, _target(next, principal), done=bool(done) and not owed)


@router.post(PATH)
def change_password(request: Request, form: FormDep, audit: AuditDep) -> Response:
    holder = _holder(request)
    if holder is None:
        return RedirectResponse(f"/login?next={PATH}", status_code=303)
    token, principal, owed = holder
    target = _target(str(form.get("next", "")), principal)
    if str(form.get("csrf", "")) != csrf_for(request, token):
        return _page(request, token, principal, owed, target,
                     {"form": "页面已过期，请重新输入后再提交。"}, 403)
    current, new, again = (str(form.get(k, "")) for k in ("current", "password", "password2"))
    if not current or not new:  # said, and no failure counted (the security officer's review, stop 61)
        empty = {"current": TEXT["current_empty"]} if not current else {}
        return _page(request, token, principal, owed, target,
                     {**empty, **({} if new else {"password": TEXT["password_empty"]})}, 422)
    if new != again:
        return _page(request, token, principal, owed, target, {"password2": TEXT["again"]}, 422)
    container = get_container(request)
    limits = login_limits(principal.subject, client_address(request))
    try:
        for limit, key in limits:  # no guessing through this page
            container.throttle.check(limit, key)
    except HTTPException as exc:
        return _page(request, token, principal, owed, target,
                     {"current": throttled(exc, principal.role)}, 429)
    try:
        user = container.accounts.change_own_password(principal.subject, current, new,
                                                      actor=audit.actor(principal))
    except FieldError as exc:
        if exc.field == "current":
            container.throttle.fail(*limits)
        key = {"issued": "same", "username": "username", "before": "before", "common": "common"}.get(
            exc.message.rsplit(" ", 1)[-1], exc.field)
        return _page(request, token, principal, owed, target,
                     {"password" if key in ("same", "username", "before", "common") else key: TEXT[key]}, 422)
    fresh = request.app.state.tokens.issue(user.principal(), user.token_version)
    # A change owed goes on to the page she came for; one she chose is said done (stop 61's review).
    response = RedirectResponse(target if owed else f"{PATH}?{urlencode({'done': '1', 'next': target})}",
                                status_code=303)
    response.set_cookie(SESSION_COOKIE, fresh, httponly=True, samesite="strict", secure=is_https(request),
                        max_age=request.app.state.tokens.ttl_seconds)
    response.delete_cookie(TICKET_COOKIE, path=PATH)
    return response
