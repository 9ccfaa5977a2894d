"""A unit's on-call roster for the admin (/admin/oncall/{agency_id}, contract §8 and §15): the
form edits the contacts (rows added, moved and removed without JavaScript), saves through the
same use case and checks as PUT /v1/agencies/{id}/oncall, shows a generated secret once, and
sends a test notification to a saved contact's webhook."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from services.api.deps import AuditDep, DirectoryDep, NotifyDep, get_container
from services.api.guard import Page, page_guard
from services.api.pages.delivery_text import NEXT_TEXT, PROBLEM_TEXT
from services.api.pages.roster_form import (
    FORMAT_TEXT,
    WEEKDAYS,
    Row,
    check,
    masked,
    rearranged,
    refusal,
    rows_from,
    unmasked,
)
from services.api.web import refuse, render
from services.common.errors import FieldError, NotFound
from services.common.labels import KIND_TEXT
from services.dispatch.routing import Directory
from services.notify.domain import receiver_of
from services.notify.sendtest import Outcome, send_test
from services.oversight.notifications import receiver_row, set_roster

router = APIRouter(tags=["pages"], include_in_schema=False)

NOTICES = {"saved": "已保存值班表。"}
CONFIRM_SECRET = {
    "title": "确认重新生成签名密钥？", "button": "确认重新生成", "fields": {},
    "lines": ["重新生成后，旧密钥立即失效：接收通知的系统换上新密钥之前，无法核对通知的签名，"
              "钉钉群机器人会拒收通知。", "新密钥只显示一次，请准备好立即复制到接收系统。"]}
def _secret() -> str:
    return secrets.token_urlsafe(24)


def _mark(secret: str) -> str:
    """Which secret a confirming step replaces, without it: a form sent again (F5) after the
    secret was made finds another and makes none (the IT office's review, stop 50: each F5 made
    a new one, and the one just copied to the receiver stopped working)."""
    return hashlib.sha256(b"roster-secret:" + secret.encode()).hexdigest()[:16]


AGAIN = ("密钥已经重新生成过，这次没有再生成：页面上一次显示的新密钥仍然有效。如果没有记下，"
         "请再点“重新生成密钥”。")


def tel(phone: str | None) -> str | None:
    """A `tel:` address that dials the extension after a pause: 0763-6612345转8001 → …,8001."""
    return "tel:" + phone.replace("转", ",") if phone else None


def _unsaved(rows: list[Row] | None, roster: Any) -> bool:
    """Whether the form's rows differ from the saved roster."""
    saved = [Row.of(c).raw() for c in roster.contacts] if roster else []
    shown = unmasked(rows, list(roster.contacts) if roster else []) if rows is not None else None
    return shown is not None and [r.raw() for r in shown if not r.blank] != saved


def _unit(directory: Directory, agency_id: str) -> Any:
    return next((a for a in directory.agencies if a.agency_id == agency_id), None)


def _known(request: Request, principal: Any) -> Response | None:
    """The unit of the address, or 404 in Chinese."""
    if _unit(get_container(request).directory, request.path_params["agency_id"]) is not None:
        return None
    return refuse(request, principal, "没有这个机构单位，请从系统管理页的机构名录进入。", 404, "页面不存在")


def _stale(request: Request, page: Page) -> Response:
    agency = _unit(get_container(request).directory, request.path_params["agency_id"])
    return _show(request, page, agency, status_code=403, notice="页面已过期，请刷新后再操作。")


def _show(request: Request, session: Page, agency: Any, rows: list[Row] | None = None,
          status_code: int = 200, **extra: Any) -> Response:
    notify = get_container(request).notify
    roster = notify.roster(agency.agency_id)
    saved = list(roster.contacts) if roster else []
    seen = notify.receiver_health(datetime.now(UTC)) if saved else {}
    if rows is None:
        rows = [Row.shown(c) for c in saved]
        rows += [Row() for _ in range(2 if not rows else 1)]
    return render(request, "admin_oncall.html", {
        "principal": session.principal, "csrf": session.csrf(request), "agency": agency,
        "kind": KIND_TEXT.get(agency.kind, agency.kind), "rows": rows, "saved": bool(roster),
        "testable": {c.name for c in saved if c.webhook_url},
        "on_duty": [{"name": c.name, "phone": c.phone, "tel": tel(c.phone), "hooked": bool(c.webhook_url)}
                    for c in roster.on_duty(datetime.now(UTC))] if roster else [],
        # Each saved contact's failures in a row and what it is still owed (the IT office's second
        # review, stop 60: the health page said failing, this page, where it is mended, nothing).
        "failing": {c.name: row for c in saved if c.webhook_url and (row := receiver_row(
            c.name, seen.get(receiver_of(agency.agency_id, c.name))))["consecutive_failures"]},
        "weekdays": WEEKDAYS, "formats": FORMAT_TEXT, "errors": {}, "notice": None,
        "secret": None, "tested": None, "unsaved": False, **extra}, status_code)


AdminPage = Annotated[Page, Depends(page_guard(
    "admin", "/admin/oncall/{agency_id}", "此页面供系统管理员使用，请用管理员账号登录。",
    admit=_known, stale=_stale))]


def unit_of(agency_id: str, directory: DirectoryDep) -> Any:
    """The unit the address names (the guard has refused any other)."""
    return _unit(directory, agency_id)


Unit = Annotated[Any, Depends(unit_of)]


@router.get("/admin/oncall/{agency_id}")
def roster_page(request: Request, agency_id: str, session: AdminPage, agency: Unit, audit: AuditDep,
                done: str = "") -> Response:
    audit(session.principal, "oncall.read", "agency", agency_id)
    return _show(request, session, agency, notice=NOTICES.get(done))


@router.post("/admin/oncall/{agency_id}")
def save_roster(request: Request, agency_id: str, session: AdminPage, agency: Unit, notify: NotifyDep,
                audit: AuditDep) -> Response:
    """Save (the default button), or add / move / remove a row and show the form again."""
    form = session.form
    rows, op = rows_from(form), str(form.get("op") or "save")
    if op != "save":
        return _show(request, session, agency, rearranged(rows, op),
                     notice="顺序或行数已调整，尚未保存：确认无误后请按“保存值班表”。")
    roster = notify.roster(agency_id)
    contacts, errors = check(unmasked(rows, list(roster.contacts) if roster else []), notify.guard)
    if errors:
        return _show(request, session, agency, rows, 422, errors=errors)
    secret = roster.secret if roster else _secret()
    try:
        set_roster(get_container(request), agency_id, contacts, secret, by=session.principal.subject,
                   actor=audit.actor(session.principal))
    except FieldError as exc:
        return _show(request, session, agency, rows, 422, errors=refusal(rows, exc))
    if roster is None:
        return _show(request, session, agency, secret=secret, notice="已保存值班表，并生成了签名密钥。")
    return RedirectResponse(f"/admin/oncall/{agency_id}?done=saved", status_code=303)


@router.post("/admin/oncall/{agency_id}/secret")
def new_secret(request: Request, agency_id: str, session: AdminPage, agency: Unit, notify: NotifyDep,
               audit: AuditDep) -> Response:
    form = session.form
    roster = notify.roster(agency_id)
    if roster is None:
        return _show(request, session, agency, status_code=409, notice="请先保存值班表，再生成密钥。")
    if form.get("confirmed") != "yes":
        return render(request, "admin_confirm.html", {
            "principal": session.principal, "csrf": session.csrf(request),
            "confirm": CONFIRM_SECRET | {"action": f"/admin/oncall/{agency_id}/secret",
                                         "back": f"/admin/oncall/{agency_id}#regenerate",
                                         "fields": {"replaces": _mark(roster.secret)}}})
    if form.get("replaces") != _mark(roster.secret):  # F5 on the new secret's page: made already
        return _show(request, session, agency, status_code=409, notice=AGAIN)
    secret = _secret()
    contacts = [Row.of(c).raw() for c in roster.contacts]
    notify.set_roster(agency_id, contacts, secret, by=session.principal.subject,
                      actor=audit.actor(session.principal))
    return _show(request, session, agency, secret=secret, notice="已重新生成签名密钥，旧密钥已失效。")


@router.post("/admin/oncall/{agency_id}/test")
def test_contact(request: Request, agency_id: str, session: AdminPage, agency: Unit, notify: NotifyDep,
                 audit: AuditDep) -> Response:
    """A test notification to the saved contact named by the pressed button; the unsaved rows
    of the form are shown again as they were."""
    form = session.form
    roster = notify.roster(agency_id)
    name = str(form.get("contact", ""))
    rows = rows_from(form) or None
    audit(session.principal, "oncall.test", "agency", agency_id)
    try:
        if roster is None:
            raise NotFound("No roster")
        outcome: Outcome = send_test(roster, name, now=datetime.now(UTC), guard=notify.guard)
    except NotFound:
        return _show(request, session, agency, rows, 404,
                     notice="只能向已保存、且填写了通知地址的联系人发送测试。")
    why = PROBLEM_TEXT[outcome.problem].format(code=outcome.code) if outcome.problem else None
    next_step = NEXT_TEXT[outcome.problem] + "改好后先保存值班表，再发送测试。" if outcome.problem else None
    address = masked(next(c.webhook_url or "" for c in roster.contacts if c.name == outcome.contact))
    return _show(request, session, agency, rows, unsaved=_unsaved(rows, roster),
                 tested={"name": outcome.contact, "why": why, "next": next_step, "address": address})
