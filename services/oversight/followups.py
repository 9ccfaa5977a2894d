"""Follow-up visits (contract §6, §10): the findings sealed under the case's data key, and who may
read them back (the lead unit while the plan is active and 30 days after it closed; supervisors)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, Field

from services.bootstrap import ApiContainer
from services.common import clocks
from services.common.auditnote import Actor, AuditLog, Principal
from services.common.errors import DomainError
from services.common.keystore import KeyStore, case_key_owner
from services.common.schemas import Strict
from services.common.vocabulary import Measure, RiskLevel
from services.dispatch.followup import FollowUpPlan, visit_id_for
from services.oversight.jurisdiction import Outside, check_case, narrowed
from services.oversight.scope import desk_scope
from services.oversight.unnamed import check_unnamed

FINDINGS_CLOSED = "这个案件已结案超过30天，走访情况不再向牵头单位开放；如确需查阅，请联系督办人员。"


class FindingsClosed(DomainError):
    """The plan closed more than 30 days ago: its findings are no longer the lead unit's to read."""


class VisitIn(BaseModel):
    model_config = Strict
    visited_at: AwareDatetime
    visitor: Annotated[str, Field(min_length=1, max_length=100)]
    child_seen: bool
    findings: Annotated[str, Field(min_length=1, max_length=5000)]
    measures: list[Measure]
    suggested_risk_level: RiskLevel | None = None
    # Sooner than the level's interval, when the visit calls for it (the child director's review,
    # stop 54: a father promised the boy back at school "tomorrow"; nothing could plan a check then).
    next_visit_by: AwareDatetime | None = None


def seal_findings(keys: KeyStore, case_id: str, visit_id: str, findings: str) -> str:
    """Findings are personal data: sealed under the case's data key, which erasure destroys."""
    owner = case_key_owner(case_id)
    key = keys.key_for(owner) or keys.key_for(owner, create=True)
    assert key is not None
    return key.seal(findings, context=f"visit:{visit_id}")


def may_read_findings(principal: Principal, plan: FollowUpPlan, now: datetime) -> bool:
    """Supervisors always; a desk while the plan is active and 30 days after it closed."""
    return principal.role != "desk" or plan.findings_open(now)


def file_visit(c: ApiContainer, case_id: str, body: VisitIn, principal: Principal,
               actor: Actor) -> tuple[str, FollowUpPlan]:
    """A visit from the API or the page: scope first (404 before anything is sealed or kept),
    then the findings sealed, then the plan."""
    unit = desk_scope(principal)
    check_case(c, principal, case_id)
    c.dispatch.plan_for(case_id, unit=unit)
    measures = [m.value for m in body.measures]
    suggested = body.suggested_risk_level.value if body.suggested_risk_level else None
    # Keyed: the findings are personal data, and an id must not let anyone guess them.
    form = [body.child_seen, sorted(measures), suggested, body.findings]
    filed = c.intake.hasher.digest("visit", json.dumps(form, ensure_ascii=False))
    visit_id = str(visit_id_for(case_id, body.visited_at, body.visitor, filed))
    plan = c.dispatch.record_visit(
        case_id, visit_id=visit_id, visited_at=body.visited_at, visitor=body.visitor,
        child_seen=body.child_seen, sealed_findings=seal_findings(c.keys, case_id, visit_id, body.findings),
        measures=measures, suggested_level=suggested, by=principal.subject, unit=unit, actor=actor,
        next_by=body.next_visit_by)
    return visit_id, plan


def in_visit_order(visits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A plan's visits as the desk view lists them: by time; of one minute, one that did not see
    the child before one that did, as the plan's clock counts them (the child was seen in that
    minute: no revisit), then by id (the plan keeps them in the order they were filed)."""
    return sorted(visits, key=lambda v: (v["visited_at"], bool(v["child_seen"]), str(v["visit_id"])))


def read_visits(c: ApiContainer, case_id: str, principal: Principal, audit: AuditLog) -> list[dict[str, Any]]:
    """The visits with their findings, in the caller's scope (else NotFound); FindingsClosed for a
    desk past the 30 days; each read audited; after an erasure the findings read as None."""
    check_case(c, principal, case_id)
    plan = c.dispatch.plan_for(case_id, unit=desk_scope(principal))
    if not may_read_findings(principal, plan, clocks.now()):
        audit(principal, "followup.read-refused", "case", case_id, case_id)
        raise FindingsClosed(FINDINGS_CLOSED)
    audit(principal, "followup.read", "case", case_id, case_id)
    key = c.keys.key_for(case_key_owner(case_id))

    def findings(v: dict[str, Any]) -> Any:
        return key.open(str(v["sealed_findings"]), context=f"visit:{v['visit_id']}") if key else None

    return [{"visit_id": v["visit_id"], "visited_at": v["visited_at"].isoformat(),  # type: ignore[attr-defined]
             "visitor": v["visitor"], "child_seen": v["child_seen"], "measures": v["measures"],
             "findings": findings(v)} for v in in_visit_order(plan.visits)]


def list_plans(c: ApiContainer, principal: Principal, *, overdue: bool | None = None,
               region: str | None = None) -> list[Any]:
    """The plans a caller follows: a desk its unit's, a supervisor those of the asked region
    within their own (none when the asked one lies outside it)."""
    try:
        region = narrowed(principal, region)
    except Outside:
        return []
    return c.view.followups(clocks.now(), unit=desk_scope(principal), overdue=overdue,  # type: ignore[return-value]
                            region=region)


class LeadIn(BaseModel):
    model_config = Strict
    agency_id: Annotated[str, Field(min_length=1, max_length=64)]
    reason: Annotated[str, Field(min_length=1, max_length=500)]


def hand_over(c: ApiContainer, who: Principal, case_id: str, body: LeadIn, actor: Actor) -> dict[str, Any]:
    """Another civil-affairs unit leads the case's visits (the child moved): a case outside a
    region-bound supervisor's region is not found; the reason names no one."""
    check_case(c, who, case_id)
    check_unnamed(c, case_id, {"reason": ("更换原因", body.reason)})
    plan = c.dispatch.hand_over_followup(case_id, agency_id=body.agency_id, reason=body.reason,
                                         by=who.subject, actor=actor)
    return {"case_id": case_id, "lead_agency_id": plan.lead_agency_id}


def lead_choices(c: ApiContainer, who: Principal, place: str) -> list[tuple[Any, bool]]:
    """The civil-affairs units a supervisor may make lead, those serving the child's newest place
    first (each with whether it does), within the supervisor's region."""
    mine = who.region or ""
    units = [a for a in c.directory.agencies if a.kind == "civil_affairs"
             and any(r.startswith(mine) or mine.startswith(r) for r in a.regions)]
    serving = {a.agency_id for a in units if any(place.startswith(r) for r in a.regions)}
    return sorted(((a, a.agency_id in serving) for a in units),
                  key=lambda x: (not x[1], -max(len(r) for r in x[0].regions)))
