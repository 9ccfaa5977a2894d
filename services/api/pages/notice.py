"""The desk's notice /desk/notice (部门通报, contract §12): police, procuratorate, courts and
justice bureaus file what they learned in their own work; civil affairs gets the referral."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError

from services.api.deps import AuditDep, ContainerDep, IntakeDep
from services.api.guard import Page, page_guard
from services.api.pages import notice_receipt
from services.api.pages.lookup import STATUS  # the same words as the lookup's
from services.api.pages.report import field_errors, form_to_body
from services.api.pages.report_text import FIELD_MESSAGES, PLACE_MISSING
from services.api.web import BEIJING, NOTIFYING_KINDS, refuse, render
from services.bootstrap import ApiContainer
from services.common.auditnote import AuditLog
from services.common.errors import Conflict, FieldError
from services.common.labels import CONCERN_LABELS, STATUS_TEXT
from services.intake.schemas import ReportIn
from services.oversight.notices import NOTICE_DAYS, unit_notices

log = structlog.get_logger("pages")
router = APIRouter(tags=["pages"], include_in_schema=False)
router.include_router(notice_receipt.router)  # the receipt after Post/Redirect/Get

REFUSAL = "此页面供公安、检察、审判、司法行政机关报送通报使用，请用本单位账号登录。"
NOT_NOTIFYING = "本单位不报送部门通报。如发现儿童需要帮助，请拨打12345热线报告（接线员会登记并转介）。"
UNBOUND = "本账号未绑定机构单位，不能报送通报，请联系管理员。"
NOTICE_MESSAGES = {**FIELD_MESSAGES, "channel": UNBOUND,
                   "narrative": "请填写通报事由（1至5000字）：案件情况、儿童现状、目前由谁照看。"}
PLACE_NEEDED = "请填写儿童现住地或所在地：输入村、镇名称中的字后从列表中选择，或填写行政区划代码。"
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
        # Nothing ticked until the officer chooses (the police desk's second review, stop 54: a
        # protection-order notice reached civil affairs as 父母服刑 too, ticked beforehand).
        "errors": {}, "values": {"concerns": []},
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
    if errors.get("location.region_code") == PLACE_MISSING:
        errors["location.region_code"] = PLACE_NEEDED
    if "narrative" in errors:
        errors["narrative"] = NOTICE_MESSAGES["narrative"]
    if errors or report is None:
        return render(request, "notice.html", {**context, "errors": _in_form_order(errors)}, 422)
    try:
        receipt = intake.submit_report(report, submitted_by=principal.subject, idempotency_key=f"web:{key}",
                                       role=principal.role, agency_id=principal.agency_id,
                                       actor=audit.actor(principal))
    except FieldError as exc:
        message = NOTICE_MESSAGES.get(exc.field, "此项填写有误，请核对。")
        return render(request, "notice.html", {**context, "errors": {exc.field: message}}, 422)
    except Conflict:
        return render(request, "notice.html", {**context, "idempotency_key": secrets.token_urlsafe(18),
                       "notice": "此通报已提交过且内容不同。如需补充情况，请核对后再次提交。"}, 409)
    log.info("agency notice received", report_id=str(receipt.report_id))
    return notice_receipt.filed(request, page, receipt)


FORM_ORDER = ("children", "children.0.", "children.1.", "children.2.", "location.", "concerns", "narrative",
              "occurred_at", "immediate_danger", "reporter.")


def _in_form_order(errors: dict[str, str]) -> dict[str, str]:
    """The summary lists the errors as the form shows the fields, top to bottom."""
    def rank(name: str) -> int:
        return next((i for i, head in enumerate(FORM_ORDER)
                     if name == head or (head.endswith(".") and name.startswith(head))),
                    len(FORM_ORDER))
    return dict(sorted(errors.items(), key=lambda item: rank(item[0])))


def own_notices(container: ApiContainer, audit: AuditLog, principal: Any) -> list[dict[str, Any]]:
    """The unit's notices of the last 90 days for its /desk (本单位报送的通报), in Chinese."""
    since = datetime.now(UTC) - timedelta(days=NOTICE_DAYS)
    notices = unit_notices(container.intake, container.view, container.accounts, container.directory,
                           audit, principal, since)
    return [{"receipt_no": n.receipt_no, "place": n.place_name or n.region_code,
             "received_at": n.received_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M"),
             "status": STATUS[n.status][0],
             "referrals": [(r.agency_name, STATUS_TEXT.get(r.status, r.status)) for r in n.referrals]}
            for n in notices]
