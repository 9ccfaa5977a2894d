"""A referral's notifications on the supervisor's board (通知记录, contract §8 and §15): each webhook
owed to its unit's contacts and the supervisors, whether it arrived, why not and when it is tried
again; what `GET /v1/notifications?referral_id=` answers, in Chinese, for the caller's region; and
the supervisors' phone calls to the unit about it (电话督办), with the form to record one."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote
from uuid import uuid4

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from services.api.deps import AuditDep, ContainerDep
from services.api.guard import Page, page_guard
from services.api.pages.delivery_text import CONTACT_TEXT, EVENT_TEXT, failure_text
from services.api.pages.outside import outside, referral_case
from services.api.web import render
from services.common.errors import DomainError, FieldError, NotFound
from services.common.vocabulary import OPEN_REFERRAL_STATUSES, UNACKNOWLEDGED_STATUSES
from services.dispatch.domain import CALL_NOTE_MAX
from services.oversight.calls import CallIn, call_out, record_call
from services.oversight.notifications import duty_phones, referral_notifications
from services.oversight.referrals import progress_out
from services.oversight.withdrawals import REASON_MAX as WITHDRAW_MAX
from services.oversight.withdrawals import WithdrawIn, withdraw

router = APIRouter(tags=["pages"], include_in_schema=False)
CaseSupervisor = Annotated[Page, Depends(page_guard(
    "supervisor", "/board/notifications/{referral_id}", "此页面供督办人员使用，请用督办账号登录。"))]


NOT_FOUND = "未找到该转介，或该转介不在您的辖区内。"
WRITTEN_EMPTY = "请写明督办意见：要求该单位做什么、何时答复。"
CALL_DONE = {"call": "已记录电话督办。",
             "urge": "已发出书面督办：该单位在转介收件箱和转介详情中标红看到，直到记录办理进展。",
             "withdraw": ("已撤回这条转介：该单位不再办理这条转介。"
                          "需要时请在看板上将案件改派给其他单位。")}


@router.get("/board/notifications/{referral_id}")
def referral_notifications_page(request: Request, referral_id: str, page: CaseSupervisor,
                                container: ContainerDep) -> Response:
    return _page(request, referral_id, page, container)


@router.post("/board/referrals/{referral_id}/calls")
def record_call_page(request: Request, referral_id: str, page: CaseSupervisor, container: ContainerDep,
                     audit: AuditDep) -> Response:
    form = page.form
    reached, note = str(form.get("reached", "")), str(form.get("note", ""))
    call_id = str(form.get("call_id", ""))
    way: Literal["phone", "written"] = "written" if form.get("way") == "written" else "phone"
    values = {"reached": reached, "note": note, "call_id": call_id, "way": way}
    if way == "phone" and reached not in ("yes", "no"):
        return _page(request, referral_id, page, container,
                     {"field": "reached", "message": "请选择电话是否接通。", **values}, 422)
    if way == "written" and not note.strip():
        return _page(request, referral_id, page, container,
                     {"field": "note", "message": WRITTEN_EMPTY, **values}, 422)
    try:
        body = CallIn(way=way, reached=reached == "yes" if way == "phone" else None, note=note,
                      call_id=call_id or None)
        record_call(container, page.principal, referral_id, body, audit.actor(page.principal))
    except ValidationError:
        said = "督办意见" if way == "written" else "通话情况"
        message = f"{said}最多{CALL_NOTE_MAX}字，现有{len(note.strip())}字，请删减。"
        return _page(request, referral_id, page, container,
                     {"field": "note", "message": message, **values}, 422)
    except NotFound:
        return outside(request, page.principal, NOT_FOUND, case_id=referral_case(container, referral_id))
    except DomainError as exc:
        field = exc.field if isinstance(exc, FieldError) else None
        return _page(request, referral_id, page, container,
                     {"field": field, "message": exc.message, **values}, 422 if field else 409)
    done = "urge" if way == "written" else "call"
    return RedirectResponse(f"/board/notifications/{quote(referral_id)}?done={done}#calls", status_code=303)


@router.post("/board/referrals/{referral_id}/withdraw")
def withdraw_page(request: Request, referral_id: str, page: CaseSupervisor, container: ContainerDep,
                  audit: AuditDep) -> Response:
    """撤回 in one step with its box ticked (the page says what it does beside the box)."""
    reason, sure = str(page.form.get("reason", "")), page.form.get("sure") == "1"
    values = {"form": "withdraw", "reason": reason}
    if not reason.strip():
        return _page(request, referral_id, page, container,
                     {"field": "withdraw-reason", "message": "请填写撤回原因。", **values}, 422)
    if len(reason.strip()) > WITHDRAW_MAX:
        message = f"撤回原因最多{WITHDRAW_MAX}字，现有{len(reason.strip())}字，请删减。"
        return _page(request, referral_id, page, container, {"field": "withdraw-reason", "message": message,
                                                             **values}, 422)
    if not sure:
        return _page(request, referral_id, page, container,
                     {"field": "withdraw-sure", "message": "请勾选“确认撤回”。", **values}, 422)
    try:
        withdraw(container, page.principal, referral_id, WithdrawIn(reason=reason.strip()),
                 audit.actor(page.principal))
    except ValidationError:
        return _page(request, referral_id, page, container,
                     {"field": "withdraw-reason", "message": "请用文字写明撤回原因。", **values}, 422)
    except NotFound:
        return outside(request, page.principal, NOT_FOUND, case_id=referral_case(container, referral_id))
    except DomainError as exc:
        field = "withdraw-reason" if isinstance(exc, FieldError) else None
        return _page(request, referral_id, page, container,
                     {"field": field, "message": exc.message, **values}, 422 if field else 409)
    return RedirectResponse(f"/board/notifications/{quote(referral_id)}?done=withdraw#withdraw",
                            status_code=303)


def _page(request: Request, referral_id: str, page: Page, container: Any,
          error: dict[str, Any] | None = None, status: int = 200) -> Response:
    try:
        found = referral_notifications(container, page.principal, referral_id)
    except NotFound:
        return outside(request, page.principal, NOT_FOUND, case_id=referral_case(container, referral_id))
    referral = found["referral"]
    waiting = referral.status in UNACKNOWLEDGED_STATUSES
    shown = {"case_id": referral.case_id, "agency_id": referral.agency_id, "risk_level": referral.risk_level,
             "status": referral.status, "dispatched_at": referral.dispatched_at.isoformat(),
             "due_at": referral.due_at.isoformat(), "escalated": referral.escalated_at is not None,
             "acknowledged_at": referral.acknowledged_at.isoformat() if referral.acknowledged_at else None}
    return render(request, "board_notifications.html", {
        "principal": page.principal, **found, "referral": shown, "waiting": waiting,
        "phone": duty_phones(container, {referral.agency_id}).get(referral.agency_id) if waiting else None,
        "unit_phone": unit.phone if (unit := container.directory.get(referral.agency_id)) else "",
        "event_text": EVENT_TEXT, "contact_text": CONTACT_TEXT, "failure_text": failure_text,
        "no_supervisor_hook": container.notify.supervisors is None,
        "referral_id": str(referral.id), "calls": [call_out(x) for x in referral.calls],
        "progress": [progress_out(x) for x in referral.progress],
        "can_call": referral.status in OPEN_REFERRAL_STATUSES, "call_note_max": CALL_NOTE_MAX,
        "withdrawn": referral.withdrawn, "reason": referral.decline_reason, "ended_by": referral.ended_by,
        "withdraw_max": WITHDRAW_MAX,
        # The unit may lead the case's visits too: withdrawing ends its referral, not that duty
        # (stop 58's second round: the withdrawn unit still led a red case's visits).
        "leads": (plan := container.dispatch.followup_plan(referral.case_id)) is not None
        and plan.status == "active" and plan.lead_agency_id == referral.agency_id,
        "call_id": _form_id(error, "phone"), "urge_id": _form_id(error, "written"),
        "csrf": page.csrf(request), "error": error,
        "notice": CALL_DONE.get(request.query_params.get("done", "")) if error is None else None,
        "done": request.query_params.get("done", "")}, status)


def _form_id(error: dict[str, Any] | None, way: str) -> str:
    """The id a refused form of this way was sent with (sent again, recorded once); else a new one."""
    kept = (error or {}).get("call_id") if (error or {}).get("way", "phone") == way else None
    return str(kept or uuid4())
