"""Shared pieces of the server-rendered pages: templates and what they name (pages, units, people,
Beijing time), the rendering with a script nonce, and the page that refuses. Who is calling (the
session cookie, its CSRF token, its idleness) is `api/auth.py`'s."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context

from services.common.auditnote import Principal
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
from services.common.level_why import level_why
from services.common.vocabulary import BEIJING

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

# The pages each role may open, in the header's order; the first is the role's home.
PAGES: dict[str, tuple[tuple[str, str], ...]] = {
    "operator": (("/intake", "来电登记"),),
    "reporter": (("/report", "填写报告"), ("/report/mine", "我提交的报告")),
    "desk": (("/desk", "转介收件箱"), ("/followups", "随访帮扶"), ("/desk/notice", "部门通报")),
    "supervisor": (("/board", "案件督办"), ("/callbacks", "回访情况"), ("/followups", "随访帮扶"),
                   ("/stats", "统计分析"), ("/oncall", "值班与通知")),
    "auditor": (("/audit", "审计日志"), ("/stats", "统计分析"), ("/security/accounts", "账号一览")),
    "admin": (("/admin", "账号与哨点"), ("/admin/health", "运行状况")),
    "security": (("/security", "账号变更审批"), ("/security/accounts", "账号一览")),
}
# Pages a desk opens only when its unit is of one of these kinds: follow-ups are led by
# civil affairs (contract §6), so other units' desks would find that page empty.
# Notices (contract §12) are filed by police and by the units never referred to.
NOTIFYING_KINDS = ("police", "procuratorate", "court", "justice")
NOTICE_HOME = "本单位通报"  # a notifying unit's /desk when it receives no referrals
DESK_PAGE_KINDS: dict[str, tuple[str, ...]] = {"/followups": ("civil_affairs",),
                                                "/desk/notice": NOTIFYING_KINDS}


def safe_next(target: str) -> str:
    """A `next` that stays on this site, else "": browsers read `/\\host` as `//host`."""
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else ""


def home_of(role: str) -> str:
    return PAGES.get(role, (("/login", ""),))[0][0]


def beijing(iso: str | None) -> str:
    """Month, day and minute; with the year when it is not this one (a visit due next January)."""
    if not iso:
        return ""
    at = datetime.fromisoformat(iso).astimezone(BEIJING)
    return at.strftime("%m-%d %H:%M" if at.year == datetime.now(BEIJING).year else "%Y-%m-%d %H:%M")


def late_by(iso: str | None) -> str:
    """How long ago a time passed, as a supervisor ranks who is latest ("2小时5分", "3天4小时");
    "" when it has not (stop 58's city supervisor: the board said only 仍未接收)."""
    if not iso:
        return ""
    minutes = int((datetime.now(BEIJING) - datetime.fromisoformat(iso)).total_seconds() // 60)
    if minutes < 0:
        return ""
    days, hours, mins = minutes // 1440, minutes % 1440 // 60, minutes % 60
    return (f"{days}天{hours}小时" if days else f"{hours}小时{mins}分" if hours else f"{mins}分钟" if mins
            else "不到1分钟")


def beijing_full(iso: str | None) -> str:
    if not iso:
        return ""
    return datetime.fromisoformat(iso).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


@pass_context
def pages_of(context: Any, role: str) -> tuple[tuple[str, str], ...]:
    """The header's pages for this role; a desk's also depend on its unit's kind."""
    pages = PAGES.get(role, ())
    principal, request = context.get("principal"), context.get("request")
    if role == "security" and request is not None:
        # How many wait for a decision, on every page (the security officer's review, stop 61:
        # nothing told her of a new request, which expires in 24 hours).
        now = datetime.now(UTC)
        requests = request.app.state.container.accounts.list_requests()
        mine = principal.subject.lower() if principal is not None else ""
        # Only those she may decide: one about her own account waits for another officer (stop 61).
        waiting = sum(r.status(now) == "pending" and r.username.lower() != mine for r in requests)
        return tuple((href, f"{label}（{waiting}份待批）" if href == "/security" and waiting else label)
                     for href, label in pages)
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


@pass_context
def colleague(ctx: Any, by: str | None, unit: str | None) -> str:
    """The account of the unit's own officer who did something, for the unit's own pages ("" for
    anyone else): stop 63's hospital desk could not tell the next shift who had taken a child on."""
    if not by or not unit or by in ACTOR_TEXT:
        return ""
    state = ctx["request"].state
    if not hasattr(state, "colleagues"):
        state.colleagues = {}
    if by not in state.colleagues:
        container = getattr(ctx["request"].app.state, "container", None)
        user = container.accounts.find(by) if container is not None else None
        state.colleagues[by] = user.agency_id if user is not None else None
    return by if state.colleagues[by] == unit else ""


templates.env.globals.update(
    concern_text=CONCERN_TEXT, level_text=LEVEL_TEXT, status_text=STATUS_TEXT,
    measure_text=MEASURE_TEXT, category_text=CATEGORY_TEXT,
    kind_text=KIND_TEXT, case_status_text=CASE_STATUS_TEXT, beijing=beijing,
    beijing_full=beijing_full, late_by=late_by, pages_of=pages_of, role_text=ROLE_TEXT,
    event_text=EVENT_TEXT, actor_text=ACTOR_TEXT, action_text=ACTION_TEXT,
    resource_text=RESOURCE_TEXT, channel_text=CHANNEL_TEXT, unit_name=unit_name, unit_kind=unit_kind,
    actor_name=actor_name, level_why=level_why, colleague=colleague,
)
templates.env.globals["report_status_text"] = REPORT_STATUS_TEXT  # the caller history (§13)


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
