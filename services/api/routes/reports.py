"""Reports and receipts (contract §2, Reports): decode, call intake, record on the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, status

from services.api.auth import require_roles
from services.api.deps import AuditDep, ContainerDep, Filer, IntakeDep, Operator, ThrottleDep, ViewDep
from services.api.guards import client_address
from services.common.auditnote import Principal
from services.common.errors import NotFound
from services.common.throttle import LOOKUP_PER_ADDRESS, Limit
from services.intake.lookups import Submission
from services.intake.schemas import (
    ReceiptLookupIn,
    ReceiptSupplementIn,
    ReportAccepted,
    ReportIn,
    ReportStatus,
    SupplementIn,
    TransferIn,
)
from services.oversight.reports import REPORTER_DAYS, OwnReport, look_up_receipt, own_reports, report_status
from services.oversight.untold import mark_untold

log = structlog.get_logger("intake")
router = APIRouter(prefix="/v1/reports", tags=["reports"])
receipts_router = APIRouter(prefix="/v1/receipts", tags=["receipts"])

ReportReader = Annotated[Principal, Depends(require_roles("operator", "supervisor", "reporter"))]
# An agency unit's desk files its notices here too (channel agency_notice, §12).
Submitter = Annotated[Principal, Depends(require_roles("operator", "reporter", "desk"))]
Supplementer = Annotated[Principal, Depends(require_roles("operator", "reporter", "supervisor"))]
# An operator who supplements by receipt guesses no more than anyone looking up: the same
# per-address failures as the lookup, and as many again per account (whatever the address).
LOOKUP_PER_ACCOUNT = Limit("lookup-account", LOOKUP_PER_ADDRESS.failures, LOOKUP_PER_ADDRESS.window)
RECEIPT_NOT_FOUND = "未找到与该受理编号和查询码相符的报告，请核对后重试。"


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ReportAccepted)
def submit_report(
    report: ReportIn, intake: IntakeDep, audit: AuditDep, principal: Submitter,
    idempotency_key: Annotated[str, Header(min_length=1, max_length=200)],
) -> ReportAccepted:
    receipt = intake.submit_report(report, submitted_by=principal.subject, role=principal.role,
                                   idempotency_key=idempotency_key, sentinel_id=principal.sentinel_id,
                                   agency_id=principal.agency_id,
                                   actor=audit.actor(intake.audit_identity(principal, report)))
    structlog.contextvars.bind_contextvars(report_id=str(receipt.report_id))
    log.info("report received", channel=report.channel.value, concerns=len(report.concerns))
    return ReportAccepted(report_id=str(receipt.report_id), receipt_no=receipt.receipt_no,
                          lookup_code=receipt.lookup_code, received_at=receipt.received_at)


@router.post("/{report_id}/supplements", status_code=status.HTTP_202_ACCEPTED)
def add_supplement(
    report_id: str, supplement: SupplementIn, intake: IntakeDep, view: ViewDep, audit: AuditDep,
    principal: Supplementer,
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None,
) -> dict[str, str]:
    supplement_id = intake.supplement_as(
        report_id, principal, narrative=supplement.narrative,
        concerns=[c.value for c in supplement.concerns],
        immediate_danger=supplement.immediate_danger, idempotency_key=idempotency_key,
        actor=audit.actor(principal), case_id=report_status(view, report_id)[1],
        child_died=supplement.child_died, complaint=supplement.complaint)
    structlog.contextvars.bind_contextvars(report_id=report_id)
    log.info("supplement received", concerns=len(supplement.concerns))
    return {"report_id": report_id, "supplement_id": supplement_id, "status": "accepted"}


@router.get("/mine", response_model=list[Submission] | list[OwnReport])
def my_reports(intake: IntakeDep, view: ViewDep, audit: AuditDep, principal: Filer,
               container: ContainerDep,
               hours: Annotated[int, Query(ge=1, le=72)] = 12) -> list[Submission | OwnReport]:
    """The caller's own reports, newest first, once triaged: an operator's of the last hours (a
    shift), a reporter's of the last 30 days (receipt, time and coarse status)."""
    window = timedelta(days=REPORTER_DAYS) if principal.role == "reporter" else timedelta(hours=hours)
    return mark_untold(container, own_reports(intake, view, audit, principal, datetime.now(UTC) - window))


@router.post("/{report_id}/transfers", status_code=status.HTTP_202_ACCEPTED)
def confirm_transfer(report_id: str, transfer: TransferIn, intake: IntakeDep, view: ViewDep,
                     audit: AuditDep, principal: Annotated[Principal, Depends(
                         require_roles("operator", "supervisor"))]) -> dict[str, object]:
    """Immediate danger: the caller was put through to 110 or 120 (recorded once each)."""
    report = intake.confirm_transfer(report_id, principal, to=transfer.to, actor=audit.actor(principal),
                                     case_id=report_status(view, report_id)[1])
    structlog.contextvars.bind_contextvars(report_id=report_id)
    log.info("transfer confirmed", to=transfer.to)
    return {"report_id": report_id, "transfers": report.transfers}


@router.get("/{report_id}", response_model=ReportStatus)
def get_report(report_id: str, intake: IntakeDep, view: ViewDep, audit: AuditDep,
               principal: ReportReader) -> ReportStatus:
    report = intake.report_for(report_id, principal)
    if not principal.sees_region(report.region_code):  # a supervisor's region (§12): as if absent
        raise NotFound("No such report")
    state, case_id = report_status(view, report_id)
    audit(principal, "report.read", "report", report_id, case_id)
    if principal.role == "reporter":
        # Only the report's own progress: the case (and whether the child was known) stays hidden.
        state, case_id = ("received" if state == "received" else "triaged"), None
    return ReportStatus(report_id=report_id, receipt_no=report.receipt_no, status=state,
                        case_id=case_id, received_at=report.received_at,
                        transfers=report.transfers, filing_unit=report.filing_unit)


@receipts_router.post("/lookup")
def lookup_receipt(lookup: ReceiptLookupIn, request: Request, intake: IntakeDep, view: ViewDep,
                   audit: AuditDep, throttle: ThrottleDep) -> dict[str, str]:
    """For reporters, anonymous ones too: the coarse status and nothing else."""
    state = look_up_receipt(intake, view, throttle, audit, client_address(request),
                            lookup.receipt_no, lookup.lookup_code)
    if state is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail=RECEIPT_NOT_FOUND)
    return {"status": state}


@receipts_router.post("/supplements", status_code=status.HTTP_202_ACCEPTED)
def supplement_by_receipt(
    supplement: ReceiptSupplementIn, request: Request, intake: IntakeDep, view: ViewDep,
    audit: AuditDep, throttle: ThrottleDep, principal: Operator,
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None,
) -> dict[str, str]:
    """A caller who rings back reads out receipt number and lookup code: the operator adds to
    that report as its submitter would (contract §15)."""
    keyed = ((LOOKUP_PER_ADDRESS, client_address(request)), (LOOKUP_PER_ACCOUNT, principal.subject))
    for limit, key in keyed:
        throttle.check(limit, key)
    added = intake.supplement_by_receipt(
        supplement.receipt_no, supplement.lookup_code, principal, narrative=supplement.narrative,
        concerns=[c.value for c in supplement.concerns], immediate_danger=supplement.immediate_danger,
        idempotency_key=idempotency_key, actor=audit.actor(principal),
        case_of=lambda report_id: report_status(view, report_id)[1], child_died=supplement.child_died,
        complaint=supplement.complaint)
    if added is None:
        throttle.fail(*keyed)
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail=RECEIPT_NOT_FOUND)
    report_id, supplement_id = added
    structlog.contextvars.bind_contextvars(report_id=report_id)
    log.info("supplement received by receipt", concerns=len(supplement.concerns))
    return {"report_id": report_id, "supplement_id": supplement_id, "status": "accepted"}
