"""Major incidents (重大事项, contract §12): a supervisor's mark, and the list for the supervisors
and auditors of every enclosing region."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from services.api.deps import AuditDep, ContainerDep, StatsReader, Supervisor
from services.common.schemas import Strict
from services.oversight import incidents

router = APIRouter(prefix="/v1/cases", tags=["major incidents"])
list_router = APIRouter(prefix="/v1/major-incidents", tags=["major incidents"])


class MarkIn(BaseModel):
    model_config = Strict
    # The length, id and phone numbers, house numbers, names and filed addresses are the case's rule
    # (Case.check_mark, the names and addresses read by oversight's incidents.check_mark): 422 naming summary.
    summary: Annotated[str, Field(max_length=2000)]


@router.post("/{case_id}/major-incident", status_code=status.HTTP_202_ACCEPTED)
def mark(case_id: str, body: MarkIn, c: ContainerDep, audit: AuditDep, who: Supervisor) -> dict[str, Any]:
    """Mark a case of the supervisor's region as a major incident (once: 409 after); the upward
    report follows within seconds."""
    case = incidents.mark(c, case_id, body.summary, who, audit.actor(who))
    return {"case_id": str(case.id), "major_incident": True, "status": "accepted"}


@list_router.get("")
def list_incidents(c: ContainerDep, audit: AuditDep, who: StatsReader) -> list[dict[str, Any]]:
    """Newest first, those whose region lies within the caller's, each with its county's name and
    where its upward report is (`delivered`, `pending`, `failing`, `unconfigured`)."""
    return incidents.list_incidents(c, who, audit)
