"""HTTP routes for cases (contract §2, Cases)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends

from services.common.auth import Principal, not_found, require_roles
from services.common.deps import HotlineDep

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
def get_case(case_id: str, hotline: HotlineDep, _: CaseReader) -> dict[str, Any]:
    assert hotline.view is not None
    case = hotline.view.get_case(case_id)
    if case is None:
        raise not_found("No such case")
    return case
