"""HTTP routes of intake: tokens, reports (contract §2)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import structlog
from fastapi import APIRouter, Depends, Header, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.security import OAuth2PasswordRequestForm

from services.common.auth import CurrentPrincipal, Principal, not_found, require_roles
from services.common.deps import HotlineDep
from services.intake.application import IdempotencyConflict, ReportNotFound
from services.intake.schemas import ReportAccepted, ReportIn, ReportStatus

log = structlog.get_logger("intake")

auth_router = APIRouter(prefix="/v1/auth", tags=["auth"])
reports_router = APIRouter(prefix="/v1/reports", tags=["reports"])

HOTLINE_CHANNELS = {"hotline_12345", "hotline_12349", "hotline_12355"}


@auth_router.post("/token")
def issue_token(
    request: Request, hotline: HotlineDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> dict[str, object]:
    assert hotline.accounts is not None
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
    report: ReportIn,
    hotline: HotlineDep,
    principal: Annotated[Principal, Depends(require_roles("operator", "reporter"))],
    idempotency_key: Annotated[str, Header(min_length=1, max_length=200)],
) -> ReportAccepted:
    assert hotline.intake is not None
    _check_channel(report, principal)
    try:
        receipt = hotline.intake.submit_report(
            report, submitted_by=principal.subject, idempotency_key=idempotency_key
        )
    except IdempotencyConflict:
        raise HTTPException(
            status_code=status.HTTP_409_CONFLICT,
            detail="This Idempotency-Key was already used with a different report body",
        ) from None
    structlog.contextvars.bind_contextvars(report_id=str(receipt.report_id))
    log.info("report received", channel=report.channel.value, concerns=len(report.concerns))
    return ReportAccepted(
        report_id=str(receipt.report_id),
        receipt_no=receipt.receipt_no,
        lookup_code=receipt.lookup_code,
        received_at=receipt.received_at,
    )


@reports_router.get("/{report_id}", response_model=ReportStatus)
def get_report(report_id: str, hotline: HotlineDep, principal: CurrentPrincipal) -> ReportStatus:
    assert hotline.intake is not None and hotline.view is not None
    if principal.role not in ("operator", "supervisor", "reporter"):
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Role may not read reports")
    try:
        report = hotline.intake.get_report(UUID(report_id))
    except (ValueError, ReportNotFound):
        raise not_found("No such report") from None
    if principal.role == "reporter" and report.submitted_by != principal.subject:
        raise not_found("No such report")
    link = hotline.view.case_for_report(report_id)
    if link is None:
        state, case_id = "received", None
    else:
        case_id = link["case_id"]
        state = "closed" if link["closed"] else ("dispatched" if link["referrals"] else "triaged")
    return ReportStatus(
        report_id=report_id,
        receipt_no=report.receipt_no,
        status=state,
        case_id=case_id,
        received_at=report.received_at,
    )
