"""Shared pieces of the server-rendered pages: templates, session cookie, CSRF, headers."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from services.common.auth import Principal

SESSION_COOKIE = "hotline_session"
BEIJING = timezone(timedelta(hours=8))
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

CONCERN_LABELS = [
    ("domestic_violence", "家庭暴力"),
    ("physical_harm", "遭受殴打或其他人身伤害"),
    ("serious_injury", "严重受伤，需要紧急救治"),
    ("sexual_abuse", "性侵害或疑似性侵害"),
    ("trafficking_abduction", "被拐卖、拐骗或失踪"),
    ("coercion_exploitation", "被胁迫、诱骗、利用乞讨或从事违法活动"),
    ("wandering_begging", "流浪、乞讨"),
    ("neglect", "无人照料、被忽视"),
    ("guardianship_missing", "监护缺失（父母均不在身边或无法联系）"),
    ("guardian_unable", "监护人无力履行监护职责（重病、重残等）"),
    ("parents_detained_or_rehab", "父母服刑、被羁押或强制戒毒"),
    ("school_dropout", "失学、辍学"),
    ("school_bullying", "校园欺凌"),
    ("early_marriage", "早婚早育"),
    ("online_harm", "网络侵害（网络诈骗、网络欺凌、不良信息等）"),
    ("special_hardship", "其他特殊困难（贫困、重病等）"),
]
CONCERN_TEXT = dict(CONCERN_LABELS)
LEVEL_TEXT = {"red": "红色", "orange": "橙色", "yellow": "黄色", "blue": "蓝色"}
STATUS_TEXT = {"dispatched": "待接收", "escalated": "已超时", "acknowledged": "已接收",
               "declined": "已退回", "closed": "已办结", "triaged": "已研判"}
CASE_STATUS_TEXT = {"triaged": "已研判，待转介", "dispatched": "已转介", "closed": "已办结"}
KIND_TEXT = {"police": "公安", "civil_affairs": "民政", "education": "教育", "hospital": "医院"}


def beijing(iso: str | None) -> str:
    if not iso:
        return ""
    return datetime.fromisoformat(iso).astimezone(BEIJING).strftime("%m-%d %H:%M")


templates.env.globals.update(
    concern_text=CONCERN_TEXT, level_text=LEVEL_TEXT, status_text=STATUS_TEXT,
    kind_text=KIND_TEXT, case_status_text=CASE_STATUS_TEXT, beijing=beijing,
)


def csrf_for(request: Request, session: str) -> str:
    key = request.app.state.csrf_key
    return hmac.new(key, f"csrf\x1f{session}".encode(), hashlib.sha256).hexdigest()


def check_csrf(request: Request, session: str, submitted: Any) -> bool:
    return hmac.compare_digest(csrf_for(request, session), str(submitted or ""))


def session_of(request: Request) -> tuple[str, Principal] | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    principal = request.app.state.tokens.verify(token)
    return (token, principal) if principal else None


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    """Render with a per-response script nonce and a strict Content-Security-Policy."""
    nonce = secrets.token_urlsafe(16)
    html = templates.get_template(name).render({"request": request, **context})
    html = html.replace("<script>", f'<script nonce="{nonce}">')
    response = HTMLResponse(html, status_code=status_code)
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def page_session(request: Request, role: str, home: str, refusal: str) -> tuple[str, Principal] | Response:
    """The session of a user with this role; otherwise a redirect to log in, or 403 with why."""
    session = session_of(request)
    if session is None:
        return RedirectResponse(f"/login?next={home}", status_code=303)
    if session[1].role != role:
        return render(request, "login.html", {"csrf": "", "next": home, "username": "",
                      "error": refusal}, 403)
    return session
