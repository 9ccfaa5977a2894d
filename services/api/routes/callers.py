"""The caller history (来电弹屏, contract §13): an operator looks up the caller's number."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from services.api.deps import AuditDep, ContainerDep, Operator
from services.oversight import callers
from services.oversight.allowance import AllowanceSpent
from services.oversight.callers import CallerHistoryIn, CallerReport

router = APIRouter(prefix="/v1/callers", tags=["reports"])


@router.post("/history", response_model=list[CallerReport], responses={
    429: {"description": "this hour's lookups used up, shared with the repeat check (Retry-After: seconds)"}})
def history(body: CallerHistoryIn, container: ContainerDep, audit: AuditDep,
            who: Operator) -> list[CallerReport]:
    """The number's earlier reports of the last HOTLINE_CALLER_HISTORY_DAYS, newest first; never
    an anonymous one or an erased one. Audited with a keyed fingerprint of the number."""
    try:
        return callers.history(container, body, who, audit)
    except AllowanceSpent as spent:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS,
                            detail=f"Lookups of this hour used up; try again in {spent.retry_after} seconds",
                            headers={"Retry-After": str(spent.retry_after)}) from None
