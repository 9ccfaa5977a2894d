"""Shared pieces of the server-rendered pages: templates, session cookie, CSRF, headers; and idle
page sessions (contract §10): the page session's last activity, kept in a cookie signed for its
token and renewed by what the person does, so a session nobody uses ends after
HOTLINE_SESSION_IDLE_MINUTES even while its page keeps a stream open."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import jwt
from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context

from services.common.labels import (
    ACTION_TEXT,
    ACTOR_TEXT,
    CASE_STATUS_TEXT,
    CATEGORY_TEXT,
    CHANNEL_TEXT,
    CONCERN_TEXT,
    EVENT_TEXT,
    KIND_TEXT,
    LEVEL_TEXT,
    MEASURE_TEXT,
    REPORT_STATUS_TEXT,
    RESOURCE_TEXT,
    ROLE_TEXT,
    STATUS_TEXT,
)
from services.common.principal import Principal
from services.common.vocabulary import BEIJING

SESSION_COOKIE = "hotline_session"
CSRF_HEADER = "X-CSRF-Token"
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

# The pages each role may open, in the header's order; the first is the role's home.
PAGES: dict[str, tuple[tuple[str, str], ...]] = {
    "operator": (("/intake", "来电登记"),),
    "reporter": (("/report", "填写报告"), ("/report/mine", "我提交的报告")),
    "desk": (("/desk", "转介收件箱"), ("/followups", "随访帮扶"), ("/desk/notice", "部门通报")),
    "supervisor": (("/board", "案件督办"), ("/callbacks", "回访情况"), ("/followups", "随访帮扶"),
                   ("/stats", "统计分析"), ("/oncall", "值班与通知")),
    "auditor": (("/audit", "审计日志"), ("/stats", "统计分析")),
    "admin": (("/admin", "账号与哨点"),),
    "security": (("/security", "账号变更审批"),),
}
# Pages a desk opens only when its unit is of one of these kinds: follow-ups are led by
# civil affairs (contract §6), so other units' desks would find that page empty.
# Notices (contract §12) are filed by police and by the units never referred to.
NOTIFYING_KINDS = ("police", "procuratorate", "court", "justice")
NOTICE_HOME = "本单位通报"  # a notifying unit's /desk when it receives no referrals
DESK_PAGE_KINDS: dict[str, tuple[str, ...]] = {"/followups": ("civil_affairs",),
                                                "/desk/notice": NOTIFYING_KINDS}


def home_of(role: str) -> str:
    return PAGES.get(role, (("/login", ""),))[0][0]


def beijing(iso: str | None) -> str:
    if not iso:
        return ""
    return datetime.fromisoformat(iso).astimezone(BEIJING).strftime("%m-%d %H:%M")


def beijing_full(iso: str | None) -> str:
    if not iso:
        return ""
    return datetime.fromisoformat(iso).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


@pass_context
def pages_of(context: Any, role: str) -> tuple[tuple[str, str], ...]:
    """The header's pages for this role; a desk's also depend on its unit's kind."""
    pages = PAGES.get(role, ())
    principal, request = context.get("principal"), context.get("request")
    if role != "desk" or principal is None or request is None:
        return pages
    agency = request.app.state.container.directory.get(principal.agency_id or "")
    kind = agency.kind if agency else ""
    pages = tuple(p for p in pages if kind in DESK_PAGE_KINDS.get(p[0], (kind,)))
    if agency is not None and not request.app.state.container.dispatch.matrix.receives(kind):
        # No inbox there: its /desk is the notices' home (the unit's own notices).
        pages = tuple((href, NOTICE_HOME if href == "/desk" else label) for href, label in pages)
    return pages


def _names(ctx: Any) -> dict[str, str]:
    """Names already looked up while rendering this response."""
    state = ctx["request"].state
    if not hasattr(state, "names"):
        state.names = {}
    return state.names  # type: ignore[no-any-return]


@pass_context
def unit_name(ctx: Any, agency_id: str | None) -> str:
    """An agency unit by its name in the directory the application serves."""
    if not agency_id:
        return ""
    container = getattr(ctx["request"].app.state, "container", None)
    agency = container.directory.get(agency_id) if container is not None else None
    return agency.name if agency is not None else "未登记单位"


@pass_context
def unit_kind(ctx: Any, agency_id: str | None) -> str:
    """An agency unit's kind (police, civil_affairs, …), or "" when it is not in the directory."""
    container = getattr(ctx["request"].app.state, "container", None)
    agency = container.directory.get(agency_id or "") if container is not None else None
    return agency.kind if agency is not None else ""


@pass_context
def actor_name(ctx: Any, by: str | None) -> str:
    """Who did something, for people: the system's parts by what they are, a desk's account by
    its unit, any other account by its role."""
    if not by:
        return ""
    if by in ACTOR_TEXT:
        return ACTOR_TEXT[by]
    names = _names(ctx)
    if by not in names:
        container = getattr(ctx["request"].app.state, "container", None)
        user = container.accounts.find(by) if container is not None else None
        names[by] = (ACTOR_TEXT["unknown"] if user is None else unit_name(ctx, user.agency_id)
                     if user.agency_id else ROLE_TEXT.get(user.role, ACTOR_TEXT["unknown"]))
    return names[by]


templates.env.globals.update(
    concern_text=CONCERN_TEXT, level_text=LEVEL_TEXT, status_text=STATUS_TEXT,
    measure_text=MEASURE_TEXT, category_text=CATEGORY_TEXT,
    kind_text=KIND_TEXT, case_status_text=CASE_STATUS_TEXT, beijing=beijing,
    beijing_full=beijing_full, pages_of=pages_of, role_text=ROLE_TEXT,
    event_text=EVENT_TEXT, actor_text=ACTOR_TEXT, action_text=ACTION_TEXT,
    resource_text=RESOURCE_TEXT, channel_text=CHANNEL_TEXT, unit_name=unit_name, unit_kind=unit_kind,
    actor_name=actor_name,
)
templates.env.globals["report_status_text"] = REPORT_STATUS_TEXT  # the caller history (§13)


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
    if principal is None:
        return None
    if is_idle(request, token):
        request.state.idle = True
        return None
    request.state.active_session = token  # renewed on the way out (api/http.py)
    return token, principal


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    """Render with a per-response script nonce and a strict Content-Security-Policy."""
    nonce = secrets.token_urlsafe(16)
    html = templates.get_template(name).render({"request": request, **context})
    html = html.replace("<script>", f'<script nonce="{nonce}">').replace(
        "<script src=", f'<script nonce="{nonce}" src=')
    response = HTMLResponse(html, status_code=status_code)
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def refuse(request: Request, principal: Principal | None, message: str, status_code: int = 403,
           title: str = "无权访问") -> Response:
    """A page saying, in Chinese, why not and where to go instead."""
    return render(request, "error.html", {"principal": principal, "title": title,
                                          "message": message,
                                          "home": home_of(principal.role) if principal else "/login"},
                  status_code)


ACTIVITY_COOKIE = "hotline_active"
# Requests a page makes by itself (the desk's stream and polling, the board's refresh): they are
# not the person's activity and keep no session alive.
BACKGROUND_PATHS = frozenset({"/desk/events", "/desk/inbox", "/board/cases"})
# Sent by a page's script on the requests it makes by itself (the offline form's retries).
BACKGROUND_HEADER = "x-hotline-background"
IDLE_MESSAGE = "长时间未操作，请重新登录。"


def wall_clock(request: Request) -> float:
    """Seconds since the epoch; the app's `wall_clock` seam lets tests move time."""
    return float(getattr(request.app.state, "wall_clock", time.time)())


def _activity_mac(request: Request, token: str, at: int) -> str:
    key = request.app.state.csrf_key
    return hmac.new(key, f"active\x1f{token}\x1f{at}".encode(), hashlib.sha256).hexdigest()


def activity_cookie(request: Request, token: str) -> str:
    """The activity cookie's value for this session, stamped now."""
    at = int(wall_clock(request))
    return f"{at}.{_activity_mac(request, token, at)}"


def last_activity(request: Request, token: str) -> float:
    """When the person last did something in this session: the activity cookie when it is this
    session's, else the login itself (the token's issue time)."""
    at, _, mac = request.cookies.get(ACTIVITY_COOKIE, "").partition(".")
    if at.isdigit() and hmac.compare_digest(_activity_mac(request, token, int(at)), mac):
        return float(at)
    try:
        return float(jwt.decode(token, options={"verify_signature": False}).get("iat", 0))
    except jwt.PyJWTError:
        return 0.0


def is_idle(request: Request, token: str) -> bool:
    limit = getattr(request.app.state, "idle_seconds", None)
    return limit is not None and wall_clock(request) - last_activity(request, token) > limit


def renews_activity(request: Request) -> bool:
    """A page the person opened or a change they made; not a background read of the API."""
    path = request.url.path
    return (path not in BACKGROUND_PATHS and BACKGROUND_HEADER not in request.headers
            and (not path.startswith("/v1/") or request.method != "GET"))
