"""Who may open the follow-up pages: the lead (civil-affairs) unit's desks and supervisors, and
whose disclosure rule applies to what they read there."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response

from services.api.deps import get_container
from services.api.guard import Page, page_guard
from services.api.web import refuse
from services.common.auditnote import Principal

# The not-found answer: a desk's (its unit leads the plan) or a supervisor's (the case is in the region).
NOT_YOURS = ("没有找到这个案件的随访计划，或它不由本单位牵头。", "没有找到这个案件，或它不在您的辖区内。")
NOT_LEAD = ("随访帮扶由民政部门牵头（儿童主任登记走访、结对帮扶），本单位无需在此登记。"
            "请在转介收件箱处理转给本单位的案件。")


def _lead(request: Request, principal: Principal) -> Response | None:
    """Desks of the lead (civil-affairs) unit and supervisors; any other unit's desk is told why."""
    if principal.role != "desk":
        return None
    agency = get_container(request).directory.get(principal.agency_id or "")
    return refuse(request, principal, NOT_LEAD) if agency is None or agency.kind != "civil_affairs" else None


Lead = Annotated[Page, Depends(page_guard(("desk", "supervisor"), "/followups",
                                          "此页面供牵头随访的民政工作人员和督办人员使用。", admit=_lead))]


def recipient(container: Any, principal: Any) -> str:
    """Whose disclosure rule applies (contract §5): a supervisor's, or the lead unit's kind."""
    agency = container.directory.get(principal.agency_id or "")
    return "supervisor" if principal.role == "supervisor" else (agency.kind if agency else "ended")
