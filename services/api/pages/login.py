"""/login and /logout: a session cookie holding the same bearer token the API uses."""

from __future__ import annotations

import hmac
import secrets

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import QueryParams

from services.accounts.domain import AccountDisabled
from services.api import second_factor, sessions
from services.api.auth import IDLE_MESSAGE, SESSION_COOKIE, session_of
from services.api.guard import FormDep
from services.api.guards import is_https
from services.api.pages import password as password_page
from services.api.web import PAGES, home_of, render, safe_next

router = APIRouter(tags=["pages"], include_in_schema=False)
LOGIN_CSRF_COOKIE = "hotline_login_csrf"



@router.get("/")
def home(request: Request) -> Response:
    """Each role's own page; the login page when signed out."""
    session = session_of(request)
    idle = "?idle=1" if getattr(request.state, "idle", False) else ""
    return RedirectResponse(home_of(session[1].role) if session else f"/login{idle}", status_code=303)


@router.get("/login")
def login_page(request: Request, next: str = "") -> Response:  # noqa: A002
    """The form; one already signed in (the back button mid-call) goes on to their page."""
    session = session_of(request)
    if session is not None:
        return RedirectResponse(_landing(session[1].role, safe_next(next)), status_code=303)
    csrf = secrets.token_urlsafe(24)
    response = render(request, "login.html",
                       {"csrf": csrf, "next": safe_next(next), "username": "",
                        "error": IDLE_MESSAGE if request.query_params.get("idle") == "1" else None,
                        "notice": _why(request.query_params, safe_next(next)),
                        "signed_out": request.query_params.get("out") in ("1", "all"),
                        **second_factor.form_context(request)})
    response.set_cookie(LOGIN_CSRF_COOKIE, csrf, httponly=True, samesite="strict",
                        secure=is_https(request), max_age=3600)
    return response


# Why the login form is shown, when the person did not come to it themselves.
SIGNED_OUT = ("已退出登录（本设备）。本账号在其他设备上的登录不受影响"
              "（例如办公室电脑上仍开着的页面）；如需全部退出，请点页面右上角的“退出所有设备”。")
SIGNED_OUT_ALL = "已退出登录。本账号在所有设备上的登录都已结束（其他设备上打开的收件箱也需重新登录）。"
DISABLED = "该账号已停用，不能登录。如仍需使用，请联系本单位的系统管理员（信息科）重新启用。"
ENDED = ("您的登录已结束：可能在另一台设备上点了“退出所有设备”、密码已更改、账号已停用或登录已过期。"
         "请重新登录。")
UNSENT = "登录已过期，刚才提交的内容没有保存。请重新登录后再提交。"
KEPT = "尚未提交的走访记录仍保存在这个浏览器页面中，重新登录后会自动填回，核对后再提交即可。"


def _why(query: QueryParams, target: str) -> str | None:
    if query.get("out") in ("1", "all"):
        return SIGNED_OUT_ALL if query.get("out") == "all" else SIGNED_OUT
    kept = KEPT if target.startswith("/followups") else ""  # a visit being typed (followups.html)
    if query.get("ended") == "1":
        return ENDED + kept
    if query.get("unsent") == "1":
        return UNSENT + kept
    if query.get("idle") == "1" and kept:
        return kept
    if target.startswith(("/desk/referrals/", "/desk?referral=")):  # a referral's link, or the on-call one
        return "请登录后查看这条转介。"
    return None


def _landing(role: str, target: str) -> str:
    """Where the asked-for page is one this role may open, there; otherwise the role's home."""
    path = target.split("?", 1)[0]
    allowed = {href for href, _ in PAGES.get(role, ())}
    return target if path in allowed or any(path.startswith(h + "/") for h in allowed) else home_of(role)


@router.post("/login")
def login_submit(request: Request, form: FormDep) -> Response:
    # A phone keyboard adds a space after a word (stop 55's police desk: "police-desk " refused);
    # no username holds one. The password is taken as typed.
    username, password = str(form.get("username", "")).strip(), str(form.get("password", ""))
    cookie_csrf = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie_csrf or not hmac.compare_digest(cookie_csrf, str(form.get("csrf", ""))):
        return render(request, "login.html", {"csrf": "", "next": "", "username": username,
                       "error": "页面已过期，请刷新后重新登录。",
                       **second_factor.form_context(request)}, 400)
    missing = "用户名和密码" if not username.strip() and not password else "用户名" if not username.strip() \
        else "密码" if not password else ""
    if missing:  # nothing typed is not a wrong password
        return render(request, "login.html", {"csrf": cookie_csrf,
                       "next": safe_next(str(form.get("next", ""))),
                       "username": username, "error": f"请填写{missing}。",
                       **second_factor.form_context(request)}, 422)
    try:
        token = sessions.login(request, username, password, str(form.get("totp", "")))
    except second_factor.SecondFactorRefused as refused:
        return render(request, "login.html", {"csrf": cookie_csrf,
                       "next": safe_next(str(form.get("next", ""))), "username": username,
                       "error": None, "totp_error": refused.page_text,
                       **second_factor.form_context(request)}, 401)
    except HTTPException as exc:  # too many failures: in Chinese, not the API's JSON (stop 60)
        if exc.status_code != 429:
            raise
        answer = render(request, "login.html", {"csrf": cookie_csrf,
                        "next": safe_next(str(form.get("next", ""))), "username": username,
                        "error": password_page.throttled(exc), **second_factor.form_context(request)}, 429)
        answer.headers["Retry-After"] = (exc.headers or {}).get("Retry-After", "60")
        return answer
    except AccountDisabled:  # the right password: who knows it is told why (the IT office's review)
        return render(request, "login.html", {"csrf": cookie_csrf,
                       "next": safe_next(str(form.get("next", ""))), "username": username,
                       "error": DISABLED, **second_factor.form_context(request)}, 401)
    if token is None:
        return render(request, "login.html", {"csrf": cookie_csrf,
                       "next": safe_next(str(form.get("next", ""))),
                       "username": username, "error": "用户名或密码不正确。",
                       **second_factor.form_context(request)}, 401)
    principal = request.app.state.tokens.verify(token)
    target = _landing(principal.role, safe_next(str(form.get("next") or "")))
    if request.app.state.container.accounts.must_change_password(principal.subject):
        response = password_page.ticket(request, token, target)
        response.delete_cookie(LOGIN_CSRF_COOKIE)
        return response  # no session until the password is her own
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict",
                        secure=is_https(request),
                        max_age=request.app.state.tokens.ttl_seconds)
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.get("/logout")
def logout(request: Request) -> Response:
    """退出: this device's session (stop 58's child director: 退出 on her phone ended the office
    PC's inbox); `?all=1` (退出所有设备): every session of the account."""
    session = session_of(request)
    every = request.query_params.get("all") == "1"
    if session is not None and every and request.query_params.get("confirmed") != "1":
        # Asked first (stop 62's police desk: one tap on the phone, beside 退出, signed out the
        # duty room's PC and the colleague on the next shift).
        return render(request, "logout_all.html", {"username": session[1].subject,
                                                   "back": home_of(session[1].role)})
    if session is not None and every:  # 退出所有设备
        sessions.logout(request, session[1])  # every token of the account is refused from now on
    elif session is not None:
        sessions.logout_here(request, session[1], session[0])  # the cookie's token is refused
    response = RedirectResponse(f"/login?out={'all' if every else '1'}", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
