"""Follow-up (contract §6, 处置帮扶): the lead unit's plans, visits with sealed findings, the
one-to-one helper, and the supervisor's closure of a case."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Response, status
from pydantic import BaseModel, Field

from services.api.deps import (
    AuditDep,
    ContainerDep,
    Desk,
    DeskOrSupervisor,
    DispatchDep,
    Supervisor,
    SupervisorDownload,
)
from services.common.numbers import REGION_PREFIX, Folded
from services.common.schemas import Strict
from services.oversight.filters import filters_text
from services.oversight.followups import (
    FindingsClosed,
    LeadIn,
    VisitIn,
    file_visit,
    hand_over,
    list_plans,
    read_visits,
)
from services.oversight.jurisdiction import check_case, narrowed
from services.oversight.ledger import (
    BEIJING,
    MONTH_PATTERN,
    XLSX,
    as_csv,
    as_xlsx,
    ledger_rows,
    month_bounds,
)
from services.oversight.unnamed import check_supervisor_text

router = APIRouter(prefix="/v1/followups", tags=["follow-up"])
case_router = APIRouter(prefix="/v1/cases", tags=["follow-up"])
ledger_router = APIRouter(prefix="/v1/ledger", tags=["follow-up"])

RegionPrefix = Annotated[str | None, Folded, Query(pattern=REGION_PREFIX,
                                           description="a region code or its leading digits")]


class HelperIn(BaseModel):
    model_config = Strict
    helper: Annotated[str, Field(min_length=1, max_length=100)]


class ClosureIn(BaseModel):
    model_config = Strict
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


@router.get("")
def list_followups(c: ContainerDep, principal: DeskOrSupervisor, overdue: bool | None = None,
                   region: RegionPrefix = None) -> list[Any]:
    """Most overdue first, then by due date; closed plans last; a supervisor's within their region."""
    return list_plans(c, principal, overdue=overdue, region=region)


@case_router.post("/{case_id}/visits", status_code=status.HTTP_201_CREATED)
def record_visit(case_id: str, body: VisitIn, c: ContainerDep, audit: AuditDep,
                 principal: DeskOrSupervisor) -> dict[str, Any]:
    visit_id, plan = file_visit(c, case_id, body, principal, audit.actor(principal))
    return {"visit_id": visit_id, "next_visit_due": plan.next_due.isoformat()}


@case_router.get("/{case_id}/visits")
def visits(case_id: str, c: ContainerDep, audit: AuditDep, principal: DeskOrSupervisor) -> list[Any]:
    """The visits with their findings, for the lead unit (while the plan is active and 30 days
    after it closed, else 403) and supervisors; each read audited; after an erasure the
    findings read as null."""
    try:
        return read_visits(c, case_id, principal, audit)
    except FindingsClosed as closed:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=closed.message) from None


@case_router.post("/{case_id}/helper")
def pair_helper(case_id: str, body: HelperIn, dispatch: DispatchDep, audit: AuditDep,
                principal: Desk) -> dict[str, Any]:
    plan = dispatch.pair_helper(case_id, helper=body.helper, by=principal.subject,
                                unit=principal.agency_id or "", actor=audit.actor(principal))
    return {"case_id": case_id, "helper": plan.helper}


@case_router.post("/{case_id}/followup-lead")
def change_lead(case_id: str, body: LeadIn, c: ContainerDep, audit: AuditDep,
                principal: Supervisor) -> dict[str, Any]:
    """Another civil-affairs unit leads the case's visits (an extension: the child moved); an
    agency that is not civil affairs → 422 naming `agency_id`; the plan ended → 409."""
    return hand_over(c, principal, case_id, body, audit.actor(principal))


@case_router.post("/{case_id}/closure", status_code=status.HTTP_202_ACCEPTED)
def close_case(case_id: str, body: ClosureIn, c: ContainerDep, dispatch: DispatchDep, audit: AuditDep,
               principal: Supervisor) -> dict[str, Any]:
    """202 once every referral is closed or declined, else 409; closing ends the plan."""
    check_case(c, principal, case_id)
    check_supervisor_text(c, case_id, "close", body.reason)
    plan = dispatch.close_followup_plan(case_id, reason=body.reason, by=principal.subject,
                                        actor=audit.actor(principal))
    return {"case_id": case_id, "status": plan.status}


@ledger_router.get("", response_class=Response, responses={
    200: {"content": {"text/csv": {}, XLSX: {}}, "description": "one row per child"}})
def ledger(c: ContainerDep, audit: AuditDep, principal: SupervisorDownload,
           month: Annotated[str | None, Query(pattern=MONTH_PATTERN,
                                              description="YYYY-MM; this month when left out")] = None,
           region: RegionPrefix = None, format: Literal["csv", "xlsx"] = "csv") -> Response:  # noqa: A002
    """The monthly ledger (台账) of the cases open that month, with the children's names and id
    numbers: each case in it is audited as read before the file is answered."""
    month = month or datetime.now(BEIJING).strftime("%Y-%m")
    rows = c.view.ledger(*month_bounds(month), narrowed(principal, region))
    audit(principal, "ledger.read", "ledger", filters_text(month=month, region=region, format=format))
    for row in rows:
        audit(principal, "ledger.read", "case", row["case_id"], row["case_id"])
    table = ledger_rows(rows, c.intake, {a.agency_id: a.name for a in c.directory.agencies},
                        c.directory.place_name)
    name = f"ledger-{month}{'-' + region if region else ''}.{format}"
    if format == "xlsx":
        body, media = as_xlsx(table, month), XLSX
    else:
        body, media = as_csv(table), "text/csv; charset=utf-8"
    return Response(body, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
