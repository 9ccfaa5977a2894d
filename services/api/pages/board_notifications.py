"""A referral's notifications on the supervisor's board (通知记录, contract §8 and §15): each webhook
owed to its unit's contacts and the supervisors, whether it arrived, why not and when it is tried
again; what `GET /v1/notifications?referral_id=` answers, in Chinese, for the caller's region."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.api.deps import ContainerDep
from services.api.guard import Page, page_guard
from services.api.pages.delivery_text import CONTACT_TEXT, EVENT_TEXT, failure_text
from services.api.web import refuse, render
from services.common.errors import NotFound
from services.common.vocabulary import UNACKNOWLEDGED_STATUSES
from services.oversight.notifications import duty_phones, referral_notifications

router = APIRouter(tags=["pages"], include_in_schema=False)
CaseSupervisor = Annotated[Page, Depends(page_guard(
    "supervisor", "/board/notifications/{referral_id}", "此页面供督办人员使用，请用督办账号登录。"))]


@router.get("/board/notifications/{referral_id}")
def referral_notifications_page(request: Request, referral_id: str, page: CaseSupervisor,
                                container: ContainerDep) -> Response:
    try:
        found = referral_notifications(container, page.principal, referral_id)
    except NotFound:
        return refuse(request, page.principal, "未找到该转介，或该转介不在您的辖区内。", 404, "未找到")
    referral = found["referral"]
    waiting = referral.status in UNACKNOWLEDGED_STATUSES
    shown = {"case_id": referral.case_id, "agency_id": referral.agency_id, "risk_level": referral.risk_level,
             "status": referral.status, "dispatched_at": referral.dispatched_at.isoformat(),
             "due_at": referral.due_at.isoformat(), "escalated": referral.escalated_at is not None}
    return render(request, "board_notifications.html", {
        "principal": page.principal, **found, "referral": shown, "waiting": waiting,
        "phone": duty_phones(container, {referral.agency_id}).get(referral.agency_id) if waiting else None,
        "event_text": EVENT_TEXT, "contact_text": CONTACT_TEXT, "failure_text": failure_text,
        "no_supervisor_hook": container.notify.supervisors is None})
