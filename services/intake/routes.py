"""HTTP routes of intake: tokens, reports (contract §2)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import structlog
from fastapi import APIRouter, Depends, Header, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.security import OAuth2PasswordRequestForm

from services.common.auth import CurrentPrincipal, Principal, not_found, require_roles
from services.common.deps import HotlineDep, audit
from services.common.ratelimit import client_key
from services.intake.accounts import AccountError
from services.intake.application import IdempotencyConflict, ReportErased, ReportNotFound
from services.intake.schemas import (
    ReceiptLookupIn,
    ReportAccepted,
    ReportIn,
    ReportStatus,
    SentinelIn,
    SupplementIn,
)

log = structlog.get_logger("intake")

auth_router = APIRouter(prefix="/v1/auth", tags=["auth"])
reports_router = APIRouter(prefix="/v1/reports", tags=["reports"])
receipts_router = APIRouter(prefix="/v1/receipts", tags=["receipts"])
sentinels_router = APIRouter(prefix="/v1/sentinels", tags=["sentinels"])

HOTLINE_CHANNELS = {"hotline_12345", "hotline_12349", "hotline_12355"}


@auth_router.post("/token")
def issue_token(
    request: Request, hotline: HotlineDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> dict[str, object]:
    assert hotline.accounts is not None
    request.app.state.login_limiter.hit(client_key(request))
    principal = hotline.accounts.authenticate(form.username, form.password)
    if principal is None:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Wrong username or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    tokens = request.app.state.tokens
    return {
        "access_token": tokens.issue(principal),
        "token_type": "bearer",
        "expires_in": tokens.ttl_seconds,
    }


def _check_channel(report: ReportIn, principal: Principal) -> None:
    channel = report.channel.value
    problem = None
    if principal.role == "operator" and channel not in HOTLINE_CHANNELS:
        problem = "hotline operators file on hotline_12345, hotline_12349 or hotline_12355"
    elif principal.role == "reporter" and channel in HOTLINE_CHANNELS:
        problem = "mandated reporters file on web_form (or sentinel, if bound to a sentinel point)"
    elif channel == "sentinel" and not principal.sentinel_id:
        problem = "the sentinel channel needs an account bound to a sentinel point; use web_form"
    if problem:
        raise RequestValidationError(
            [{"loc": ("body", "channel"), "msg": problem, "type": "value_error", "input": channel}]
        )


@reports_router.post("", status_code=status.HTTP_201_CREATED, response_model=ReportAccepted)
def submit_report(
    request: Request,
    report: ReportIn,
    hotline: HotlineDep,
    principal: Annotated[Principal, Depends(require_roles("operator", "reporter"))],
    idempotency_key: Annotated[str, Header(min_length=1, max_length=200)],
) -> ReportAccepted:
    assert hotline.intake is not None
    _check_channel(report, principal)
    try:
        receipt = hotline.intake.submit_report(
            report,
            submitted_by=principal.subject,
            idempotency_key=idempotency_key,
            sentinel_id=principal.sentinel_id,
        )
    except IdempotencyConflict:
        raise HTTPException(
            status_code=status.HTTP_409_CONFLICT,
            detail="This Idempotency-Key was already used with a different report body",
        ) from None
    structlog.contextvars.bind_contextvars(report_id=str(receipt.report_id))
    log.info("report received", channel=report.channel.value, concerns=len(report.concerns))
    audit(request, principal, "report.submit", "report", str(receipt.report_id))
    return ReportAccepted(
        report_id=str(receipt.report_id),
        receipt_no=receipt.receipt_no,
        lookup_code=receipt.lookup_code,
        received_at=receipt.received_at,
    )


def _visible_report(hotline: HotlineDep, report_id: str, principal: Principal):  # type: ignore[no-untyped-def]
    """The report if the caller may see it; 404 otherwise (existence is not revealed)."""
    assert hotline.intake is not None
    try:
        report = hotline.intake.get_report(UUID(report_id))
    except (ValueError, ReportNotFound):
        raise not_found("No such report") from None
    if principal.role == "reporter" and report.submitted_by != principal.subject:
        raise not_found("No such report")
    return report


def report_status(hotline: HotlineDep, report_id: str) -> tuple[str, str | None]:
    assert hotline.view is not None
    link = hotline.view.case_for_report(report_id)
    if link is None:
        return "received", None
    return link["status"], link["case_id"]


@reports_router.post("/{report_id}/supplements", status_code=status.HTTP_202_ACCEPTED)
def add_supplement(
    request: Request,
    report_id: str,
    supplement: SupplementIn,
    hotline: HotlineDep,
    principal: Annotated[Principal, Depends(require_roles("operator", "reporter", "supervisor"))],
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None,
) -> dict[str, str]:
    assert hotline.intake is not None
    report = _visible_report(hotline, report_id, principal)
    # The submitter's role may add to it (any operator for a hotline call), and supervisors.
    submitter = hotline.accounts.find(report.submitted_by) if hotline.accounts else None
    allowed = principal.role == "supervisor" or (
        principal.role == "operator" and submitter is not None and submitter.role == "operator"
    ) or principal.subject == report.submitted_by
    if not allowed:
        raise not_found("No such report")
    try:
        supplement_id = hotline.intake.supplement(
            report.id,
            narrative=supplement.narrative,
            concerns=[c.value for c in supplement.concerns],
            immediate_danger=supplement.immediate_danger,
            by=principal.subject,
            idempotency_key=idempotency_key,
        )
    except ReportErased:
        raise HTTPException(status_code=status.HTTP_409_CONFLICT,
                            detail="This report's personal data was erased; file a new report") from None
    structlog.contextvars.bind_contextvars(report_id=report_id)
    log.info("supplement received", concerns=len(supplement.concerns))
    audit(request, principal, "report.supplement", "report", report_id,
          report_status(hotline, report_id)[1])
    return {"report_id": report_id, "supplement_id": supplement_id, "status": "accepted"}


COARSE = {"received": "received", "triaged": "in_progress", "dispatched": "in_progress",
          "closed": "handled"}


@receipts_router.post("/lookup")
def lookup_receipt(lookup: ReceiptLookupIn, request: Request, hotline: HotlineDep) -> dict[str, str]:
    """For reporters, anonymous ones too: the coarse status and nothing else."""
    assert hotline.intake is not None
    request.app.state.lookup_limiter.hit(client_key(request))
    report = hotline.intake.lookup(lookup.receipt_no, lookup.lookup_code)
    if report is None:
        raise not_found("No report matches this receipt number and lookup code")
    state, case_id = report_status(hotline, str(report.id))
    audit(request, None, "receipt.lookup", "report", str(report.id), case_id)
    return {"status": COARSE[state]}


Admin = Annotated[Principal, Depends(require_roles("admin"))]


@sentinels_router.get("")
def list_sentinels(hotline: HotlineDep, _: Admin) -> list[dict[str, str]]:
    assert hotline.accounts is not None
    return [s.public() for s in hotline.accounts.list_sentinels()]


@sentinels_router.post("", status_code=status.HTTP_201_CREATED)
def register_sentinel(
    request: Request, sentinel: SentinelIn, hotline: HotlineDep, admin: Admin
) -> dict[str, str]:
    assert hotline.accounts is not None
    try:
        created = hotline.accounts.register_sentinel(
            name=sentinel.name, kind=sentinel.kind.value, region_code=sentinel.region_code,
            first_reporter=sentinel.first_reporter,
        )
    except AccountError as exc:
        field, _sep, msg = str(exc).partition(": ")
        if field == "name":
            raise HTTPException(status_code=status.HTTP_409_CONFLICT, detail=msg) from None
        raise RequestValidationError(
            [{"loc": ("body", field), "msg": msg, "type": "value_error", "input": None}]
        ) from None
    audit(request, admin, "sentinel.register", "sentinel", str(created.id))
    return created.public()


@reports_router.get("/{report_id}", response_model=ReportStatus)
def get_report(
    request: Request, report_id: str, hotline: HotlineDep, principal: CurrentPrincipal
) -> ReportStatus:
    if principal.role not in ("operator", "supervisor", "reporter"):
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Role may not read reports")
    report = _visible_report(hotline, report_id, principal)
    state, case_id = report_status(hotline, report_id)
    audit(request, principal, "report.read", "report", report_id, case_id)
    return ReportStatus(
        report_id=report_id,
        receipt_no=report.receipt_no,
        status=state,
        case_id=case_id,
        received_at=report.received_at,
    )
