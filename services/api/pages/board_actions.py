"""The supervisor's commands on a case, from the board (/board/cases/{id}/{action}): reassess,
end a review, re-route, close, send a closed case back (重办). A refusal keeps its form open,
said at its field; nothing of a case outside the region is said."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from services.api.deps import AuditDep, ContainerDep
from services.api.guard import STALE, Page
from services.api.pages.board import Supervisor, board_context
from services.api.pages.board_filters import Filters
from services.api.pages.board_forms import (
    ACTIONS,
    FIELD_ID,
    FIELDS,
    TEXT_FIELD,
    VERB,
    before_acting,
    categories_ticked,
    concerns_ticked,
)
from services.api.pages.outside import noted_outside
from services.api.web import render
from services.bootstrap import ApiContainer
from services.common.auditnote import AuditLog
from services.common.errors import DomainError, FieldError, NotFound
from services.oversight.jurisdiction import check_case
from services.oversight.unnamed import check_supervisor_text

router = APIRouter(tags=["pages"], include_in_schema=False)
OUTSIDE = "未找到该案件，或该案件不在您的辖区内。"


@router.get("/board/cases/{case_id}/{action}")
def board_action_reloaded(case_id: str, page: Supervisor) -> Response:
    """A command's address opened (a reload after a refusal, a link): the board at that case."""
    return RedirectResponse(f"/board?case={quote(case_id)}#case-{quote(case_id)}", status_code=303)


@router.post("/board/cases/{case_id}/{action}")
def board_action(request: Request, case_id: str, action: str, page: Supervisor, container: ContainerDep,
                 audit: AuditDep) -> Response:
    principal, form = page.principal, page.form
    if action not in ACTIONS:
        return Response(STALE, status_code=403, media_type="text/plain; charset=utf-8")
    field = TEXT_FIELD[action][0]
    text = str(form.get(field, "")).strip()
    shown = bool(form.get("categories_shown"))
    values = {"text": str(form.get(field, "")), "risk_level": form.get("risk_level"),
              "agency_id": form.get("agency_id"),
              "categories": [str(c) for c in form.getlist("categories")] if shown else None,
              "concerns": [str(c) for c in form.getlist("concerns")]}

    def refused(field: str | None, message: str, status: int, also: dict[str, str] | None = None,
                confirm: dict[str, str] | None = None) -> Response:
        field = field if field in FIELDS[action] else None
        target = (f"{FIELD_ID.get(field, action + '-' + field)}-{case_id}" if field
                  else f"{action}-{case_id}-err")
        error = {"case_id": case_id, "action": action, "field": field, "message": message, "target": target,
                 "summary": f"案件 {case_id[:8]}：未能{VERB[action]}：{message}"
                            + "".join(m.split("：", 1)[-1] for m in (also or {}).values()),
                 "beside": f"案件 {case_id[:8]}：{message}", "also": also or {}, "confirm": confirm, **values}
        return render(request, "board.html", board_context(request, container, page, error=error), status)

    try:  # nothing of a case outside the region is said, not even why it could not be done (stop 58)
        check_case(container, principal, case_id)
    except NotFound:
        noted_outside(request, principal, case_id)
        return refused(None, OUTSIDE, 404)
    if said := before_acting(container, case_id, action, form):
        return refused(*said)

    try:
        _act(container, audit, page, case_id, action, text)
    except DomainError as exc:
        status = 422 if isinstance(exc, FieldError) else 404 if isinstance(exc, NotFound) else 409
        return refused(exc.field if isinstance(exc, FieldError) else None,
                       OUTSIDE if isinstance(exc, NotFound) else exc.message, status)
    unit = f"&unit={quote(str(form.get('agency_id', '')))}" if action in ("refer", "rework") else ""
    kept = Filters.of(request.query_params, request.query_params.get("county", "")).query()
    unit += f"&{kept[1:]}" if kept else ""
    unit += f"&added={quote(','.join(map(str, form.getlist('concerns'))))}" if action == "reassess" else ""
    return RedirectResponse(f"/board?done={action}&case={quote(case_id)}{unit}#notice", status_code=303)


def _act(container: ApiContainer, audit: AuditLog, page: Page, case_id: str, action: str, text: str) -> None:
    """The command itself, by the rules of the triage and dispatch use cases."""
    principal, form = page.principal, page.form
    check_supervisor_text(container, case_id, action, text)
    if action == "close":
        container.dispatch.close_followup_plan(case_id, reason=text, by=principal.subject,
                                               actor=audit.actor(principal))
    elif action == "reassess":
        container.triage.reassess(case_id, risk_level=str(form.get("risk_level")),
                                  concerns=concerns_ticked(form), reason=text, by=principal.subject,
                                  actor=audit.actor(principal), categories=categories_ticked(form))
    elif action == "review":
        container.triage.review(case_id, note=text, by=principal.subject, actor=audit.actor(principal))
    else:
        case = container.view.get_case(case_id)
        if case is None:
            raise NotFound("没有这个案件。")
        refer = container.dispatch.refer if action == "rework" else container.dispatch.refer_manually
        refer(case, str(form.get("agency_id")), by=principal.subject, reason=text,
              actor=audit.actor(principal))
