"""A case's 走访记录 page (/followups/cases/{id}): the visits made, with their findings, for the
lead unit and supervisors; for a supervisor, the form to make another civil-affairs unit lead
them, those serving the child's newest place first, and each change made (stop 58's child
director: a child gone to another town stayed with her)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from services.api.deps import AuditDep, ContainerDep
from services.api.guard import STALE, Page
from services.api.pages import casefile
from services.api.pages.followup_access import NOT_YOURS, Lead, recipient
from services.api.pages.followup_cards import next_visit
from services.api.pages.outside import outside
from services.api.web import refuse, render
from services.bootstrap import ApiContainer
from services.common.auditnote import AuditLog
from services.common.errors import DomainError, FieldError, NotFound
from services.dispatch.followup import FollowUpPlan
from services.oversight.followups import FindingsClosed, LeadIn, hand_over, lead_choices, read_visits
from services.oversight.scope import desk_scope

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/followups/cases/{case_id}")
def visits_page(request: Request, case_id: str, page: Lead, container: ContainerDep,
                audit: AuditDep) -> Response:
    return visits(request, case_id, page, container, audit)


def visits(request: Request, case_id: str, page: Page, container: ApiContainer, audit: AuditLog,
           error: dict[str, str] | None = None, status_code: int = 200) -> Response:
    """The visits made, with their findings opened, for the lead unit and supervisors: the
    API's own read (audited as followup.read); any other case is the same Chinese 404. A
    supervisor can make another unit lead them (`lead_context`)."""
    principal = page.principal
    try:
        made = read_visits(container, case_id, principal, audit)
        plan = container.dispatch.plan_for(case_id, unit=desk_scope(principal))
    except NotFound:
        return outside(request, principal, NOT_YOURS[principal.role == "supervisor"], case_id=case_id)
    except FindingsClosed as closed:
        return refuse(request, principal, closed.message, 403, "走访情况不再开放")
    suggested = {v["visit_id"]: v.get("suggested_level") for v in plan.visits}
    due, unseen = next_visit(container.dispatch.visit_clock, plan)
    return render(request, "followup_visits.html", {
        "principal": principal, "case_id": case_id, "helper": plan.helper,
        "next": {"due": due.isoformat(), "unseen": unseen} if plan.status == "active" else None,
        "ended_at": plan.closed_at.isoformat() if plan.status != "active" and plan.closed_at else None,
        "visits": [{**v, "suggested_level": suggested.get(v["visit_id"])} for v in reversed(made)],
        "home": casefile.home(container, case_id, recipient(container, principal)),
        **lead_context(request, container, page, plan, error)}, status_code)


@router.post("/followups/lead/{case_id}")
def lead_action(request: Request, case_id: str, page: Lead, container: ContainerDep,
                audit: AuditDep) -> Response:
    """A supervisor makes another civil-affairs unit lead the visits (the API's rules, said in
    Chinese at their field, what was chosen and typed kept)."""
    form, principal = page.form, page.principal
    typed = {"agency_id": str(form.get("agency_id", "")), "reason": str(form.get("reason", ""))}
    if principal.role != "supervisor":
        return Response(STALE, status_code=403, media_type="text/plain")
    if not typed["agency_id"] or not typed["reason"].strip():
        field = "agency_id" if not typed["agency_id"] else "reason"
        return visits(request, case_id, page, container, audit, {
            "field": field, "message": "请选择新的牵头单位。" if field == "agency_id" else "请填写更换原因。",
            **typed}, 422)
    try:
        hand_over(container, principal, case_id, LeadIn(**{**typed, "reason": typed["reason"].strip()}),
                  audit.actor(principal))
    except ValidationError:
        return visits(request, case_id, page, container, audit,
                      {"field": "reason", "message": "更换原因最多500字，请删减。", **typed}, 422)
    except NotFound:
        return outside(request, principal, NOT_YOURS[True], case_id=case_id)
    except DomainError as exc:
        said = {"field": exc.field if isinstance(exc, FieldError) else "agency_id", "message": exc.message}
        return visits(request, case_id, page, container, audit, {**said, **typed},
                      422 if isinstance(exc, FieldError) else 409)
    return RedirectResponse(f"/followups/cases/{case_id}?done=lead#lead", status_code=303)


def lead_context(request: Request, container: ApiContainer, page: Page, plan: FollowUpPlan,
                 error: dict[str, str] | None) -> dict[str, Any]:
    lead = container.directory.get(plan.lead_agency_id or "")
    context: dict[str, Any] = {"lead_name": lead.name if lead else "无牵头单位", "lead_error": error,
                               "lead_done": error is None and request.query_params.get("done") == "lead",
                               "handovers": [{**h, "at": h["at"].isoformat()}  # type: ignore[attr-defined]
                                             for h in plan.handovers]}
    if page.principal.role != "supervisor" or plan.status != "active":
        return context
    facts = container.view.case_facts([plan.case_id]).get(plan.case_id)
    place = facts.place if facts else ""
    return {**context, "csrf": page.csrf(request), "lead_id": plan.lead_agency_id,
            "place_name": container.directory.place_name(place),
            "region_name": container.directory.region_name,
            "lead_choices": [(a, serving) for a, serving in lead_choices(container, page.principal, place)
                             if a.agency_id != plan.lead_agency_id]}
