"""Follow-up (contract §6, 处置帮扶): the lead unit's plans, visits with sealed findings, the
one-to-one helper, and the supervisor's closure of a case."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Response, status
from pydantic import AwareDatetime, BaseModel, Field

from services.api.deps import (
    AuditDep,
    ContainerDep,
    Desk,
    DeskOrSupervisor,
    DispatchDep,
    Supervisor,
    SupervisorDownload,
    ViewDep,
)
from services.bootstrap import ApiContainer
from services.common import clocks
from services.common.auditnote import Actor
from services.common.digits import REGION_PREFIX, Folded
from services.common.keystore import KeyStore, case_key_owner
from services.common.principal import Principal
from services.common.schemas import Strict
from services.common.vocabulary import Measure, RiskLevel
from services.dispatch.followup import FollowUpPlan, visit_id_for
from services.oversight.filters import filters_text
from services.oversight.ledger import (
    BEIJING,
    MONTH_PATTERN,
    XLSX,
    as_csv,
    as_xlsx,
    ledger_rows,
    month_bounds,
)

router = APIRouter(prefix="/v1/followups", tags=["follow-up"])
case_router = APIRouter(prefix="/v1/cases", tags=["follow-up"])
ledger_router = APIRouter(prefix="/v1/ledger", tags=["follow-up"])

RegionPrefix = Annotated[str | None, Folded, Query(pattern=REGION_PREFIX,
                                           description="a region code or its leading digits")]


class VisitIn(BaseModel):
    model_config = Strict
    visited_at: AwareDatetime
    visitor: Annotated[str, Field(min_length=1, max_length=100)]
    child_seen: bool
    findings: Annotated[str, Field(min_length=1, max_length=5000)]
    measures: list[Measure]
    suggested_risk_level: RiskLevel | None = None


class HelperIn(BaseModel):
    model_config = Strict
    helper: Annotated[str, Field(min_length=1, max_length=100)]


class ClosureIn(BaseModel):
    model_config = Strict
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


FINDINGS_CLOSED = "这个案件已结案超过30天，走访情况不再向牵头单位开放；如确需查阅，请联系督办人员。"


def scope(principal: Principal) -> str | None:
    """A desk sees and acts on the plans its unit leads; a supervisor on all."""
    return principal.agency_id or "" if principal.role == "desk" else None


def seal_findings(keys: KeyStore, case_id: str, visit_id: str, findings: str) -> str:
    """Findings are personal data: sealed under the case's data key, which erasure destroys."""
    owner = case_key_owner(case_id)
    key = keys.key_for(owner) or keys.key_for(owner, create=True)
    assert key is not None
    return key.seal(findings, context=f"visit:{visit_id}")


@router.get("")
def list_followups(view: ViewDep, principal: DeskOrSupervisor, overdue: bool | None = None,
                   region: RegionPrefix = None) -> list[Any]:
    """Most overdue first, then by due date; closed plans last."""
    return view.followups(datetime.now(UTC), unit=scope(principal), overdue=overdue,  # type: ignore[return-value]
                          region=region)


def file_visit(c: ApiContainer, case_id: str, body: VisitIn, principal: Principal,
               actor: Actor) -> tuple[str, FollowUpPlan]:
    """A visit from the API or the page: scope first (404 before anything is sealed or kept),
    then the findings sealed, then the plan."""
    unit = scope(principal)
    c.dispatch.plan_for(case_id, unit=unit)
    visit_id = str(visit_id_for(case_id, body.visited_at, body.visitor))
    plan = c.dispatch.record_visit(
        case_id, visit_id=visit_id, visited_at=body.visited_at, visitor=body.visitor,
        child_seen=body.child_seen, sealed_findings=seal_findings(c.keys, case_id, visit_id, body.findings),
        measures=[m.value for m in body.measures],
        suggested_level=body.suggested_risk_level.value if body.suggested_risk_level else None,
        by=principal.subject, unit=unit, actor=actor)
    return visit_id, plan


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
    plan = c.dispatch.plan_for(case_id, unit=scope(principal))
    if principal.role == "desk" and not plan.findings_open(clocks.now()):
        audit(principal, "followup.read-refused", "case", case_id, case_id)
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=FINDINGS_CLOSED)
    audit(principal, "followup.read", "case", case_id, case_id)
    key = c.keys.key_for(case_key_owner(case_id))

    def findings(v: dict[str, Any]) -> Any:
        return key.open(str(v["sealed_findings"]), context=f"visit:{v['visit_id']}") if key else None

    return [{"visit_id": v["visit_id"], "visited_at": v["visited_at"].isoformat(),  # type: ignore[attr-defined]
             "visitor": v["visitor"], "child_seen": v["child_seen"], "measures": v["measures"],
             "findings": findings(v)} for v in plan.visits]


@case_router.post("/{case_id}/helper")
def pair_helper(case_id: str, body: HelperIn, dispatch: DispatchDep, audit: AuditDep,
                principal: Desk) -> dict[str, Any]:
    plan = dispatch.pair_helper(case_id, helper=body.helper, by=principal.subject,
                                unit=principal.agency_id or "", actor=audit.actor(principal))
    return {"case_id": case_id, "helper": plan.helper}


@case_router.post("/{case_id}/closure", status_code=status.HTTP_202_ACCEPTED)
def close_case(case_id: str, body: ClosureIn, dispatch: DispatchDep, audit: AuditDep,
               principal: Supervisor) -> dict[str, Any]:
    """202 once every referral is closed or declined, else 409; closing ends the plan."""
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
    rows = c.view.ledger(*month_bounds(month), region)
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
