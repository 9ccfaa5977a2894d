"""A report whose session ran out before it was sent: log in again on the spot. What was typed
stays in the page (hidden fields of the same tab), never on the server."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from services.accounts.domain import AccountDisabled
from services.api import second_factor, sessions
from services.api.auth import SESSION_COOKIE
from services.api.guards import is_https
from services.api.pages.login import LOGIN_CSRF_COOKIE
from services.api.web import render
from services.common.auditnote import Principal

EXPIRED = "登录已过期，请重新登录。您填写的内容仍在本页，登录后会回到报告表单，请核对后再提交。"
WRONG = "用户名或密码不正确。您填写的内容仍在本页。"
AGAIN = "已重新登录。您填写的内容已保留，请核对后点击“提交报告”。"
LOGIN_FIELDS = ("login_csrf", "username", "password", "totp")


def is_relogin(form: FormData) -> bool:
    return "login_csrf" in form


def report_fields(form: FormData) -> FormData:
    """The form without the login's fields (and without the stale form token)."""
    return FormData([(k, v) for k, v in form.multi_items() if k not in (*LOGIN_FIELDS, "csrf")])


def ask_to_log_in(request: Request, form: FormData, error: str = EXPIRED) -> Response:
    """The login form, posting back to /report with the typed report in hidden fields."""
    csrf = secrets.token_urlsafe(24)
    kept = [(k, str(v)) for k, v in report_fields(form).multi_items()]
    response = render(request, "report_relogin.html", {
        "csrf": csrf, "kept": kept, "username": str(form.get("username", ""))[:100], "error": error,
        **second_factor.form_context(request),
    }, 401)
    response.set_cookie(LOGIN_CSRF_COOKIE, csrf, httponly=True, samesite="strict",
                        secure=is_https(request), max_age=3600)
    return response


def log_in_again(request: Request, form: FormData) -> tuple[str, Principal] | None:
    """A new session for the right password (the login page's checks and limits), else None."""
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, str(form.get("login_csrf", ""))):
        return None
    try:
        token = sessions.login(request, str(form.get("username", "")).strip(), str(form.get("password", "")),
                               str(form.get("totp", "")))
    except (second_factor.SecondFactorRefused, AccountDisabled):  # counted and audited; asked again
        return None
    principal = request.app.state.tokens.verify(token) if token else None
    return (token, principal) if token and principal else None


def start_session(request: Request, response: Response, token: str) -> Any:
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict",
                        secure=is_https(request), max_age=request.app.state.tokens.ttl_seconds)
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response
