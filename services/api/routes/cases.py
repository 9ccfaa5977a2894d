"""Cases (contract §2, Cases) and the supervisor's manual referral (an extension)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field

from services.api.deps import (
    AuditDep,
    CaseReader,
    ContainerDep,
    DispatchDep,
    Supervisor,
    TriageDep,
    ViewDep,
)
from services.common.errors import NotFound
from services.common.schemas import Strict
from services.common.vocabulary import CaseStatus, Category, Concern, RiskLevel
from services.intake.lookups import KnownCase, RepeatCheckIn
from services.oversight import case_scope
from services.oversight import repeat_check as repeat_checks
from services.oversight.allowance import AllowanceSpent
from services.oversight.jurisdiction import check_case
from services.oversight.unnamed import check_supervisor_text

router = APIRouter(prefix="/v1/cases", tags=["cases"])
children_router = APIRouter(prefix="/v1/children", tags=["cases"])


class ReassessmentIn(BaseModel):
    model_config = Strict
    risk_level: RiskLevel
    concerns: list[Concern] = []
    reason: Annotated[str, Field(min_length=1, max_length=2000)]
    # The ledger's hardship categories (contract §6); left out, the case keeps its own.
    categories: list[Category] | None = None


class ManualReferralIn(BaseModel):
    model_config = Strict
    agency_id: Annotated[str, Field(min_length=1, max_length=100)]
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class ReviewIn(BaseModel):
    model_config = Strict
    note: Annotated[str, Field(min_length=1, max_length=2000)]


@router.get("")
def list_cases(container: ContainerDep, audit: AuditDep, who: CaseReader, risk_level: RiskLevel | None = None,
               status: CaseStatus | None = None) -> list[Any]:
    """Supervisors: every case; an operator: the cases holding a report the operator filed.
    Each list read is audited with its filters."""
    return case_scope.list_cases(container, who, audit, risk_level, status)  # type: ignore[return-value]


@router.get("/{case_id}")
def get_case(case_id: str, container: ContainerDep, audit: AuditDep, who: CaseReader) -> Any:
    """One case (audited); an operator's only when it holds a report the operator filed (else 404)."""
    return case_scope.get_case(container, who, audit, case_id)


@router.post("/{case_id}/reassessments", status_code=status.HTTP_202_ACCEPTED)
def reassess(case_id: str, body: ReassessmentIn, c: ContainerDep, triage: TriageDep, audit: AuditDep,
             principal: Supervisor) -> dict[str, Any]:
    check_case(c, principal, case_id)
    check_supervisor_text(c, case_id, "reassess", body.reason)
    case = triage.reassess(case_id, risk_level=body.risk_level,
                           concerns=[c.value for c in body.concerns], reason=body.reason,
                           by=principal.subject, actor=audit.actor(principal),
                           categories=None if body.categories is None else [c.value for c in body.categories])
    return {"case_id": case_id, "risk_level": case.risk_level,
            "initial_risk_level": case.initial_risk_level, "concerns": case.concerns,
            "categories": case.categories}


@router.post("/{case_id}/review", status_code=status.HTTP_202_ACCEPTED)
def review(case_id: str, body: ReviewIn, c: ContainerDep, triage: TriageDep, audit: AuditDep,
           principal: Supervisor) -> dict[str, Any]:
    """End a case's review, its level kept (an extension of contract §2)."""
    check_case(c, principal, case_id)
    check_supervisor_text(c, case_id, "review", body.note)
    case = triage.review(case_id, note=body.note, by=principal.subject, actor=audit.actor(principal))
    return {"case_id": case_id, "risk_level": case.risk_level, "needs_review": case.needs_review}


@router.post("/{case_id}/referrals", status_code=status.HTTP_201_CREATED)
def refer(case_id: str, body: ManualReferralIn, c: ContainerDep, view: ViewDep, dispatch: DispatchDep,
          audit: AuditDep, principal: Supervisor) -> dict[str, Any]:
    """Route a case to a chosen unit, e.g. after a decline (an extension of contract §2); a closed
    case is sent back (重办: reopened, the unit's next referral; the same request again returns
    it); a case outside the supervisor's region is 404, a unit with the case open 409."""
    check_case(c, principal, case_id)
    case = view.get_case(case_id)
    if case is None:
        raise NotFound("No such case")
    check_supervisor_text(c, case_id, "refer", body.reason)
    referral, rework = dispatch.refer(case, body.agency_id, by=principal.subject, reason=body.reason,
                                      actor=audit.actor(principal))
    return {"referral_id": str(referral.id), "agency_id": referral.agency_id,
            "status": referral.status, "rework": rework}


@children_router.post("/repeat-check", response_model=list[KnownCase], responses={
    429: {"description": "this hour's distinct children used up (Retry-After: seconds)"}})
def repeat_check(check: RepeatCheckIn, container: ContainerDep, audit: AuditDep,
                 who: CaseReader) -> list[KnownCase]:
    """Is this child in an open case? Level, status, last report, count and whether a report now
    joins it; never the case id or concerns. Each child checked is audited by a fingerprint."""
    try:
        return repeat_checks.check(container, check, who, audit)
    except AllowanceSpent as spent:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS,
                            detail=f"Repeat checks of this hour used up; try again in {spent.retry_after}"
                                   " seconds", headers={"Retry-After": str(spent.retry_after)}) from None
