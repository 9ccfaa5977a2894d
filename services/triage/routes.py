"""HTTP routes for cases (contract §2, Cases)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field

from services.common.auth import Principal, not_found, require_roles
from services.common.deps import HotlineDep, audit
from services.dispatch.domain import ReferralError
from services.intake.schemas import Concern
from services.triage.application import CaseNotFound
from services.triage.domain import TriageError

router = APIRouter(prefix="/v1/cases", tags=["cases"])

CaseReader = Annotated[Principal, Depends(require_roles("supervisor", "operator"))]
RiskLevel = Literal["red", "orange", "yellow", "blue"]
CaseStatus = Literal["triaged", "dispatched", "closed"]


@router.get("")
def list_cases(
    hotline: HotlineDep,
    _: CaseReader,
    risk_level: RiskLevel | None = None,
    status: CaseStatus | None = None,
) -> list[dict[str, Any]]:
    assert hotline.view is not None
    return hotline.view.list_cases(risk_level, status)


@router.get("/{case_id}")
def get_case(request: Request, case_id: str, hotline: HotlineDep, who: CaseReader) -> dict[str, Any]:
    assert hotline.view is not None
    case = hotline.view.get_case(case_id)
    if case is None:
        raise not_found("No such case")
    audit(request, who, "case.read", "case", case_id, case_id)
    return case


Supervisor = Annotated[Principal, Depends(require_roles("supervisor"))]
Strict = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ReassessmentIn(BaseModel):
    model_config = Strict
    risk_level: RiskLevel
    concerns: list[Concern] = []
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class ManualReferralIn(BaseModel):
    model_config = Strict
    agency_id: Annotated[str, Field(min_length=1, max_length=100)]
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


def _field_error(exc: Exception) -> RequestValidationError:
    field, _sep, msg = str(exc).partition(": ")
    return RequestValidationError([{"loc": ("body", field), "msg": msg, "type": "value_error",
                                    "input": None}])


@router.post("/{case_id}/reassessments", status_code=status.HTTP_202_ACCEPTED)
def reassess(request: Request, case_id: str, body: ReassessmentIn, hotline: HotlineDep,
             principal: Supervisor) -> dict[str, Any]:
    assert hotline.triage is not None
    try:
        case = hotline.triage.reassess(
            UUID(case_id), risk_level=body.risk_level, concerns=[c.value for c in body.concerns],
            reason=body.reason, by=principal.subject,
        )
    except (ValueError, CaseNotFound) as exc:
        if isinstance(exc, TriageError):
            raise _field_error(exc) from None
        raise not_found("No such case") from None
    audit(request, principal, "case.reassess", "case", case_id, case_id)
    return {"case_id": case_id, "risk_level": case.risk_level,
            "initial_risk_level": case.initial_risk_level, "concerns": case.concerns}


@router.post("/{case_id}/referrals", status_code=status.HTTP_201_CREATED)
def refer(request: Request, case_id: str, body: ManualReferralIn, hotline: HotlineDep,
          principal: Supervisor) -> dict[str, Any]:
    """Route a case to a chosen unit, e.g. after a decline (an extension of contract §2)."""
    assert hotline.view is not None and hotline.dispatch is not None
    case = hotline.view.get_case(case_id)
    if case is None:
        raise not_found("No such case")
    try:
        referral = hotline.dispatch.refer_manually(case, body.agency_id, by=principal.subject)
    except ReferralError as exc:
        if "already referred" in str(exc):
            raise HTTPException(status_code=status.HTTP_409_CONFLICT, detail=str(exc)) from None
        raise _field_error(exc) from None
    audit(request, principal, "case.refer", "referral", str(referral.id), case_id)
    return {"referral_id": str(referral.id), "agency_id": referral.agency_id,
            "status": referral.status}


stats_router = APIRouter(prefix="/v1/stats", tags=["statistics"])
StatsReader = Annotated[Principal, Depends(require_roles("supervisor", "auditor"))]


@stats_router.get("")
def stats(hotline: HotlineDep, _: StatsReader, since: datetime | None = None,
          until: datetime | None = None) -> dict[str, Any]:
    """Counts by channel, concern, risk level, agency kind and referral status; acknowledgement
    time percentiles by risk level; overdue referrals (reports received in [since, until))."""
    assert hotline.view is not None
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise RequestValidationError([{"loc": ("query", name), "type": "value_error",
                                           "msg": "needs a time zone offset, e.g. +08:00",
                                           "input": value.isoformat()}])
    return hotline.view.stats(since, until, datetime.now(UTC))
