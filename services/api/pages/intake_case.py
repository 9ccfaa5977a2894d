"""/intake/cases/{id}: a case holding a report the operator filed, read-only, as an operator may
read it (contract §10, "Operators see their own"): level, status, the referrals' units and states
and the timeline in Chinese; no people's names, no other operator's report. The same use case as
GET /v1/cases/{id} (audited as case.read; another operator's case answers 404)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.api.deps import AuditDep, ContainerDep
from services.api.guard import Page, page_guard
from services.api.pages.outside import outside
from services.api.web import render
from services.bootstrap import ApiContainer
from services.common.errors import NotFound
from services.oversight import case_scope
from services.oversight.untold import untold_units

router = APIRouter(tags=["pages"], include_in_schema=False)


Operator = Annotated[Page, Depends(page_guard("operator", "/intake/cases/{case_id}",
                                              "此页供热线接线员查看自己受理的报告所在的案件。"))]


@router.get("/intake/cases/{case_id}")
def operator_case(request: Request, case_id: str, page: Operator, container: ContainerDep,
                  audit: AuditDep) -> Response:
    principal = page.principal
    try:
        case = case_scope.get_case(container, principal, audit, case_id)
    except NotFound:
        return outside(request, principal, "未找到该案件：只能查看含有您本人受理报告的案件。",
                       case_id=case_id)
    # Each unit's duty line (an office number, directory data), for a caller ringing back about a
    # referral still waiting (the operator's review, stop 54: "when will the police come?").
    phones = {a.agency_id: a.phone for a in container.directory.agencies if a.phone}
    return render(request, "intake_case.html", {"principal": principal, "case": case, "unit_phones": phones,
                                                "untold": untold_units(container, [case]).get(case_id, set()),
                                                "now": datetime.now(UTC).isoformat(),
                                                "own": _own_reports(container, case, principal.subject)})



def _own_reports(container: ApiContainer, case: Any, subject: str) -> list[Any]:
    """The operator's own reports in the case, oldest first: receipt number, time and the
    transfers recorded on each (110, 120), which the case's timeline does not hold."""
    reports = (container.intake.get_report(report_id) for report_id in case.get("report_ids") or ())
    return sorted((r for r in reports if r.submitted_by == subject), key=lambda r: r.received_at)
