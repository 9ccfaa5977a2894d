"""Marking a case as a major incident (重大事项, contract §12) from the board: the summary checked
(errors beside it, in Chinese), then a confirming step, then the mark; the upward report follows."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from services.api.deps import AuditDep, ContainerDep
from services.api.guard import Page, page_guard
from services.api.pages.outside import outside
from services.api.web import render
from services.common.errors import Conflict, FieldError, NotFound
from services.oversight import incidents

router = APIRouter(tags=["pages"], include_in_schema=False)
REFUSAL = "此页面供督办人员使用，请用督办账号登录。"
Supervisor = Annotated[Page, Depends(page_guard("supervisor", "/board", REFUSAL))]


@router.get("/board/incidents/{case_id}")
def mark_page_again(case_id: str, page: Supervisor) -> Response:
    """The confirming step's address, reached again by Back or a reload (its page replaced the
    POST in the history): the case on the board, nothing sent again (stop 50's review)."""
    return RedirectResponse(f"/board?case={quote(case_id)}#case-{quote(case_id)}", status_code=303)


@router.post("/board/incidents/{case_id}")  # not under /board/cases/: its {action} route would take it
def mark_page(request: Request, case_id: str, page: Supervisor, container: ContainerDep,
              audit: AuditDep) -> Response:
    principal, form = page.principal, page.form
    summary = str(form.get("summary", ""))
    context = {"principal": principal, "csrf": page.csrf(request), "case_id": case_id, "summary": summary,
               "upward": bool(container.settings.upward_webhook),  # said before confirming (stop 52)
               "summary_max": container.triage.incidents.summary_max_length}
    try:
        if form.get("confirmed") != "yes":
            incidents.check_mark(container, case_id, summary, principal)
            return render(request, "board_incident_confirm.html", context)
        incidents.mark(container, case_id, summary, principal, audit.actor(principal))
    except NotFound:
        return outside(request, principal, "未找到该案件，或该案件不在您的辖区内。", case_id=case_id)
    except FieldError as e:
        return render(request, "board_incident_confirm.html", {**context, "error": e.message}, 422)
    except Conflict:
        return render(request, "board_incident_confirm.html",
                      {**context, "conflict": "该案件已是重大事项，已向上级报告，无需重复标记。"}, 409)
    # Post/Redirect/Get: Back or Reload on the board sends nothing again.
    return RedirectResponse(f"/board?incident={quote(case_id)}#incidents", status_code=303)
