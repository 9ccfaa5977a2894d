"""The desk's notice /desk/notice (部门通报, contract §12): police, procuratorate, courts and
justice bureaus file what they learned in their own work; civil affairs gets the referral."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError

from services.api.deps import AuditDep, ContainerDep, IntakeDep
from services.api.guard import Page, page_guard
from services.api.pages.report import FIELD_MESSAGES, field_errors, form_to_body
from services.api.web import BEIJING, NOTIFYING_KINDS, refuse, render
from services.bootstrap import ApiContainer
from services.common.errors import Conflict, FieldError
from services.common.labels import CONCERN_LABELS
from services.intake.schemas import ReportIn

log = structlog.get_logger("pages")
router = APIRouter(tags=["pages"], include_in_schema=False)

REFUSAL = "此页面供公安、检察、审判、司法行政机关报送通报使用，请用本单位账号登录。"
NOT_NOTIFYING = "本单位不报送部门通报。如发现儿童需要帮助，请通过12345热线或强制报告渠道报告。"
UNBOUND = "本账号未绑定机构单位，不能报送通报，请联系管理员。"
NoticePage = Annotated[Page, Depends(page_guard("desk", "/desk/notice", REFUSAL))]


def notifies(container: ApiContainer, agency_id: str | None) -> bool:
    agency = container.directory.get(agency_id or "")
    return agency is not None and agency.kind in NOTIFYING_KINDS


def _context(request: Request, container: ApiContainer, page: Page, **extra: Any) -> dict[str, Any]:
    principal: Any = page.principal
    agency = container.directory.get(principal.agency_id)
    return {
        "username": principal.subject, "principal": principal, "csrf": page.csrf(request),
        "agency_name": agency.name if agency else principal.agency_id,
        "concern_labels": CONCERN_LABELS, "places": container.directory.places,
        "errors": {}, "values": {"concerns": ["parents_detained_or_rehab"]},
        "idempotency_key": secrets.token_urlsafe(18), "notice": None, **extra,
    }


@router.get("/desk/notice")
def notice_page(request: Request, page: NoticePage, container: ContainerDep) -> Response:
    if not notifies(container, page.principal.agency_id):
        return refuse(request, page.principal, NOT_NOTIFYING)
    return render(request, "notice.html", _context(request, container, page))


@router.post("/desk/notice")
def notice_submit(request: Request, page: NoticePage, container: ContainerDep, intake: IntakeDep,
                  audit: AuditDep) -> Response:
    principal = page.principal
    if not notifies(container, principal.agency_id):
        return refuse(request, principal, NOT_NOTIFYING)
    body, values, rows, errors = form_to_body(page.form, container.directory)
    body["channel"] = "agency_notice"
    body["reporter"]["relation"], body["reporter"]["anonymous"] = "other", False
    key = str(page.form.get("idempotency_key", "")) or secrets.token_urlsafe(18)
    context = _context(request, container, page, values=values, idempotency_key=key)
    report = None
    try:
        report = ReportIn.model_validate(body)
    except ValidationError as exc:
        errors = {**field_errors(exc, rows), **errors}
    if errors or report is None:
        return render(request, "notice.html", {**context, "errors": errors}, 422)
    try:
        receipt = intake.submit_report(report, submitted_by=principal.subject, idempotency_key=f"web:{key}",
                                       role=principal.role, agency_id=principal.agency_id,
                                       actor=audit.actor(principal))
    except FieldError as exc:
        message = {**FIELD_MESSAGES, "channel": UNBOUND}.get(exc.field, "此项填写有误，请核对。")
        return render(request, "notice.html", {**context, "errors": {exc.field: message}}, 422)
    except Conflict:
        return render(request, "notice.html", {**context, "idempotency_key": secrets.token_urlsafe(18),
                       "notice": "此通报已提交过且内容不同。如需补充情况，请核对后再次提交。"}, 409)
    log.info("agency notice received", report_id=str(receipt.report_id))
    return render(request, "receipt.html", {
        "username": principal.subject, "principal": principal, "receipt_no": receipt.receipt_no,
        "lookup_code": receipt.lookup_code, "immediate_danger": report.immediate_danger,
        "received_at": receipt.received_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S 北京时间"),
        "title": "通报已受理", "again_url": "/desk/notice", "again_text": "再报送一份通报",
    }, 201)
