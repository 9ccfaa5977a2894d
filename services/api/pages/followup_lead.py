"""Who leads a case's visits, on its 走访记录 page: for a supervisor, the form to make another
civil-affairs unit lead them, those serving the child's newest place first, and each change
made (stop 58's child director: a child gone to another town stayed with her)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from services.api.guard import Page
from services.bootstrap import ApiContainer
from services.dispatch.followup import FollowUpPlan
from services.oversight.followups import lead_choices


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
            "lead_choices": lead_choices(container, page.principal, place)}
