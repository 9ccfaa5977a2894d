"""The administrator's page (/admin): accounts, sentinel points and the agency directory, each
unit linked to its on-call roster (rosters.py). Every action goes through the accounts
application with the admin as its actor (audited)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote
from uuid import uuid4

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from services.accounts.regions import REGION_ROLES
from services.accounts.requests import PRIVILEGED, needs_approval
from services.api.deps import AccountsDep, AuditDep, DirectoryDep, get_container
from services.api.guard import Page, page_guard
from services.api.pages import accounts_rows as rows
from services.api.pages.accounts_text import (
    DUPLICATE,
    EVERYWHERE,
    FIELD_TEXT,
    NOT_APPLICABLE,
    NOTICES,
    already_text,
    confirm_close,
    confirm_user,
    mixups,
    sentinel_refusals,
    settled,
    version_text,
)
from services.api.pages.intake import LINES
from services.api.pages.report import place_code
from services.api.web import ROLE_TEXT, render
from services.common.errors import Conflict, DomainError, FieldError, NotFound
from services.common.labels import SENTINEL_KIND_TEXT
from services.common.vocabulary import ROLES, Role

router = APIRouter(tags=["pages"], include_in_schema=False)


def _context(request: Request, container: Any, page: Page, **extra: Any) -> dict[str, Any]:
    principal = page.principal
    accounts, directory = container.accounts, container.directory
    units = rows.Units(accounts, directory)
    return {
        "principal": principal,
        "csrf": page.csrf(request),
        "users": rows.account_rows(accounts, units),
        "reporters": [u.username for u in accounts.list_users()
                      if u.role == Role.reporter and not u.disabled],
        "sentinels": [{**s.public(), "place": directory.place_name(s.region_code)}
                      for s in accounts.list_sentinels()],
        "roles": [(r, ROLE_TEXT[r]) for r in ROLES],
        "agencies": directory.agencies,
        "rosters": {a.agency_id: container.notify.roster(a.agency_id) for a in directory.agencies},
        "receives": container.dispatch.matrix.receives,  # units referred to: unreached without a roster
        "lines": LINES, "regions": rows.region_options(directory), "region_label": rows.region_label,
        "places": directory.places, "not_applicable": NOT_APPLICABLE, "everywhere": EVERYWHERE,
        "sentinel_kinds": list(SENTINEL_KIND_TEXT.items()),
        "directory": directory, "version": version_text(directory.version),
        "asked": rows.asked_rows(accounts, principal.subject, units),
        "notice": None, "secret": None, "errors": {}, "values": {},
        "form_id": str(uuid4()), "asking_roles": sorted(PRIVILEGED),
        **extra,
    }


def _show(request: Request, page: Page, status_code: int = 200, **extra: Any) -> Response:
    return render(request, "admin.html", _context(request, get_container(request), page, **extra),
                  status_code)


AdminPage = Annotated[Page, Depends(page_guard(
    "admin", "/admin", "此页面供系统管理员使用，请用管理员账号登录。",
    stale=lambda request, page: _show(request, page, 403, notice="页面已过期，请刷新后再操作。")))]


def _typed(page: Page) -> dict[str, str]:
    """The submitted form, each value trimmed."""
    return {k: str(v).strip() for k, v in page.form.items()}


@router.get("/admin")
def admin_page(request: Request, page: AdminPage, audit: AuditDep, done: str = "", who: str = "") -> Response:
    audit(page.principal, "admin.read", "accounts")
    notice = NOTICES[done].format(who) if done in NOTICES else None
    return _show(request, page, notice=notice)


def _refused(request: Request, session: Page, form: dict[str, str], exc: DomainError,
             conflict: tuple[str, str]) -> Response:
    """The form again, with what to correct next to its field (422), or why it exists (409)."""
    if isinstance(exc, FieldError):
        return _show(request, session, 422, values=form,
                     errors={exc.field: FIELD_TEXT.get(exc.field, exc.message)})
    return _show(request, session, 409, values=form, errors={conflict[0]: conflict[1]})


def _confirm(request: Request, page: Page, confirm: dict[str, Any]) -> Response:
    """The second step of a risky action: what will happen, confirm (focused) or go back."""
    return render(request, "admin_confirm.html", {
        "principal": page.principal, "csrf": page.csrf(request), "confirm": confirm})


def _done(code: str, who: str) -> Response:
    return RedirectResponse(f"/admin?done={code}&who={quote(who)}#{code.split('-')[0]}", status_code=303)


@router.post("/admin/users")
def add_user(request: Request, session: AdminPage, accounts: AccountsDep, directory: DirectoryDep,
             audit: AuditDep) -> Response:
    form = _typed(session)
    role = form.get("role", "")
    refused = mixups(form)
    if refused:
        return _show(request, session, 422, values=form, errors=refused)
    region = form.get("region") or None if role in REGION_ROLES else None
    try:
        outcome = accounts.admin_add_user(
            form.get("username", ""), role, form.get("agency_id") if role == Role.desk else None,
            form.get("sentinel_id") or None if role == Role.reporter else None,
            form.get("channel") or None if role == Role.operator else None,
            actor=audit.actor(session.principal), note=form.get("note") or None,
            form_id=form.get("form_id") or None,
            region=region if region != EVERYWHERE else None)
    except (FieldError, Conflict) as exc:
        taken = rows.taken(accounts, form.get("username", ""), "exists" in exc.message,
                           session.principal.subject)
        return _refused(request, session, form, exc, ("username", taken))
    if outcome.already is not None:
        return _show(request, session, notice=already_text(outcome.already))
    if outcome.duplicate:
        return _show(request, session, 200, notice=DUPLICATE.format(form["username"]))
    if outcome.request is not None:
        notice = rows.asked_notice(outcome.request, rows.Units(accounts, directory))
        return _show(request, session, 202, notice=notice)
    return _show(request, session, 201, secret=(form["username"], outcome.password, "新账号"),
                 notice=f"已创建账号 {form['username']}。")


@router.get("/admin/users/{username}/{action}")
def confirm_change(request: Request, username: str, action: str, session: AdminPage,
                   accounts: AccountsDep, directory: DirectoryDep) -> Response:
    """The confirming step of 停用 and 重置密码, by GET: the back button lands here and it renders."""
    user = accounts.find(username)
    if action not in ("disable", "reset-password") or user is None or (
            action == "disable" and username == session.principal.subject):
        return RedirectResponse(f"/admin#user-{quote(username)}", status_code=303)
    confirm = settled(username) if action == "disable" and user.disabled else confirm_user(
        username, action, needs_approval(action, user.role), str(uuid4()),
        rows.whose(accounts, directory, user), warnings=rows.left_without(accounts, directory, user, action))
    return _confirm(request, session, confirm)


@router.post("/admin/users/{username}/{action}")
def change_user(request: Request, username: str, action: str, session: AdminPage, accounts: AccountsDep,
                directory: DirectoryDep, audit: AuditDep) -> Response:
    form, principal = _typed(session), session.principal
    if action not in ("disable", "enable", "reset-password"):
        return _show(request, session, 404, notice="没有这个操作。")
    if username == principal.subject and action == "disable":
        return _show(request, session, 409, notice="不能停用自己正在使用的账号。")
    user = accounts.find(username)
    if user is None:
        return _show(request, session, 404, notice=f"没有名为 {username} 的账号。")
    asks, whose = needs_approval(action, user.role), rows.whose(accounts, directory, user)
    if action != "enable" and form.get("confirmed") != "yes":
        left = rows.left_without(accounts, directory, user, action)
        return _confirm(request, session, confirm_user(username, action, asks, str(uuid4()), whose,
                                                       warnings=left))
    try:
        outcome = accounts.admin_change(username, action, actor=audit.actor(principal),
                                        form_id=form.get("form_id") or None, note=form.get("note") or None)
    except FieldError as exc:  # the 申请说明 too long: the same step again, what was typed kept
        return _confirm(request, session, confirm_user(
            username, action, asks, form.get("form_id", ""), whose, form.get("note", ""),
            FIELD_TEXT.get(exc.field, exc.message)))
    if outcome.already is not None:
        return _show(request, session, notice=already_text(outcome.already))
    if outcome.duplicate:
        return _show(request, session, notice=DUPLICATE.format(username))
    if outcome.request is not None:
        return _done("asked", username)
    if action == "reset-password":
        return _show(request, session, secret=(username, outcome.password, "新密码"),
                     notice=f"已重置 {username} 的密码：原密码不能再用，该账号已登录的会话将立即退出。")
    return _done("disabled" if action == "disable" else "enabled", username)


@router.post("/admin/requests/{request_id}/withdraw")
def withdraw_request(request: Request, request_id: str, session: AdminPage, accounts: AccountsDep,
                     audit: AuditDep) -> Response:
    """撤回: the asking admin takes back a pending request (the domain refuses anyone else)."""
    try:
        asked = accounts.withdraw_request(request_id, actor=audit.actor(session.principal))
    except (Conflict, NotFound):
        return _show(request, session, 409, notice=NOTICES["unwithdrawn"])
    return RedirectResponse(f"/admin?done=withdrawn&who={quote(asked.username)}#asked", status_code=303)


@router.post("/admin/sentinels")
def register_sentinel(request: Request, session: AdminPage, accounts: AccountsDep, directory: DirectoryDep,
                      audit: AuditDep) -> Response:
    form = _typed(session)
    typed = form.get("region_code") or form.get("place", "")  # a place's name, or a code
    region, unplaced = place_code(typed, directory)
    errors = sentinel_refusals(form, typed, region, unplaced)
    if errors:
        return _show(request, session, 422, values=form, errors=errors)
    try:
        accounts.register_sentinel(name=form["name"], kind=form["kind"], region_code=region,
                                   first_reporter=form.get("first_reporter", ""),
                                   actor=audit.actor(session.principal))
    except (FieldError, Conflict) as exc:
        return _refused(request, session, form, exc, ("name", f"该地区已有名为 {form['name']} 的哨点。"))
    return _done("sentinel-registered", form["name"])


@router.post("/admin/sentinels/{sentinel_id}/{action}")
def change_sentinel(request: Request, sentinel_id: str, action: str, session: AdminPage,
                    accounts: AccountsDep, audit: AuditDep) -> Response:
    form, principal = _typed(session), session.principal
    actor = audit.actor(principal)
    try:
        if action == "first-reporter":
            sentinel = accounts.change_first_reporter(sentinel_id, form.get("first_reporter", ""),
                                                      by=principal.subject, actor=actor)
            code = "sentinel-rebound"
        elif action == "deactivate" and form.get("confirmed") != "yes":
            if not form.get("reason"):
                return _show(request, session, 422, notice=FIELD_TEXT["reason"])
            names = {str(s.id): s.name for s in accounts.list_sentinels() if s.public()["active"]}
            if sentinel_id not in names:
                return _show(request, session, 409, notice="未能完成：该哨点不存在或已撤销。")
            return _confirm(request, session, confirm_close(sentinel_id, names[sentinel_id], form["reason"]))
        elif action == "deactivate":
            sentinel = accounts.deactivate_sentinel(sentinel_id, reason=form.get("reason", ""),
                                                    by=principal.subject, actor=actor)
            code = "sentinel-closed"
        else:
            return _show(request, session, 404, notice="没有这个操作。")
    except FieldError as exc:
        return _show(request, session, 422, notice=FIELD_TEXT.get(exc.field, exc.message))
    except (NotFound, Conflict, DomainError) as exc:
        return _show(request, session, 409, notice=f"未能完成：{exc}")
    return _done(code, sentinel.name)
