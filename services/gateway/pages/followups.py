"""The follow-up page (/followups, 随访帮扶): the lead unit's visits due this week, overdue first,
with a visit form that works on a phone; supervisors see every unit's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from services.common.errors import DomainError, FieldError, NotFound
from services.common.web.pages import BEIJING, check_csrf, csrf_for, page_session, refuse, render
from services.gateway.deps import audit_log
from services.gateway.pages import casefile
from services.gateway.routes.followups import VisitIn, file_visit, scope
from services.gateway.routes.followups import visits as read_visits

router = APIRouter(tags=["pages"], include_in_schema=False)
FIELD_TEXT = {"visited_at": "走访时间", "visitor": "走访人", "child_seen": "是否见到儿童",
              "findings": "走访情况", "measures": "帮扶措施", "suggested_risk_level": "建议等级",
              "helper": "结对帮扶人"}
WEEK = timedelta(days=7)
DONE = {"visit": "已登记走访，下次走访时间已更新。", "helper": "已记录结对帮扶人。"}


def _session(request: Request) -> tuple[str, Any] | Response:
    return page_session(request, ("desk", "supervisor"), "/followups",
                        "此页面供牵头随访的民政工作人员和督办人员使用。")


def _context(request: Request, token: str, principal: Any, notice: str | None = None) -> dict[str, Any]:
    container = request.app.state.container
    now = datetime.now(UTC)
    plans = [p for p in container.view.followups(now, unit=scope(principal)) if p["status"] == "active"]
    soon = now + WEEK

    def due_soon(plan: Any) -> bool:
        return datetime.fromisoformat(plan["next_visit_due"]) <= soon
    agency = container.directory.get(principal.agency_id) if principal.agency_id else None
    shown = [p["case_id"] for p in plans]
    visits = {c["case_id"]: (c["followup"] or {}).get("visits", [])
              for c in container.view.cases_by_id(shown)}
    return {
        "username": principal.subject, "principal": principal, "csrf": csrf_for(request, token),
        "unit_name": agency.name if agency else ("全部牵头单位" if principal.role == "supervisor" else ""),
        "overdue": [p for p in plans if p["overdue"]],
        "this_week": [p for p in plans if not p["overdue"] and due_soon(p)],
        "later": [p for p in plans if not p["overdue"] and not due_soon(p)],
        "now_local": now.astimezone(BEIJING).strftime("%Y-%m-%dT%H:%M"),
        "notice": notice, "agencies": {a.agency_id: a.name for a in container.directory.agencies},
        "intervals": container.dispatch.visit_clock.visit_interval_days,
        "visits": visits, "homes": _homes(request, principal, shown),
    }


def _recipient(container: Any, principal: Any) -> str:
    """Whose disclosure rule applies (contract §5): a supervisor's, or the lead unit's kind."""
    agency = container.directory.get(principal.agency_id or "")
    return "supervisor" if principal.role == "supervisor" else (agency.kind if agency else "ended")


def _homes(request: Request, principal: Any, case_ids: list[str]) -> dict[str, Any]:
    """Whom to visit and where, for each plan shown: only to its lead unit (the page lists no
    other plan to a desk) and supervisors, as contract §5 lets them read it; each case audited."""
    container, audit = request.app.state.container, audit_log(request)
    recipient = _recipient(container, principal)
    homes = {}
    for case_id in case_ids:
        audit(principal, "followups.read", "case", case_id, case_id)
        homes[case_id] = casefile.home(container, case_id, recipient)
    return homes


@router.get("/followups")
def followups_page(request: Request) -> Response:
    session = _session(request)
    if isinstance(session, Response):
        return session
    audit_log(request)(session[1], "followups.read", "agency", session[1].agency_id)
    notice = DONE.get(request.query_params.get("done", ""))
    return render(request, "followups.html", _context(request, *session, notice))


@router.get("/followups/cases/{case_id}")
def visits_page(request: Request, case_id: str) -> Response:
    """The visits made, with their findings opened, for the lead unit and supervisors: the
    API's own read (audited as followup.read); any other case is the same Chinese 404."""
    session = _session(request)
    if isinstance(session, Response):
        return session
    principal, container = session[1], request.app.state.container
    try:
        made = read_visits(case_id, container, audit_log(request), principal)
    except NotFound:
        return refuse(request, principal, "没有找到这个案件的随访计划，或它不由本单位牵头。", 404, "未找到")
    return render(request, "followup_visits.html", {
        "principal": principal, "case_id": case_id, "visits": list(reversed(made)),
        "home": casefile.home(container, case_id, _recipient(container, principal))})


def _visit(form: Any) -> VisitIn:
    """The form as the API's body: one set of rules. The local time a phone gives is Beijing's."""
    when = str(form.get("visited_at", ""))
    return VisitIn.model_validate({
        "visited_at": f"{when}:00+08:00" if len(when) == 16 else when,
        "visitor": str(form.get("visitor", "")).strip(),
        "child_seen": form.get("child_seen") == "yes",
        "findings": str(form.get("findings", "")),
        "measures": form.getlist("measures"),
        "suggested_risk_level": form.get("suggested_risk_level") or None,
    })


@router.post("/followups/cases/{case_id}/{action}")
async def followup_action(request: Request, case_id: str, action: str) -> Response:
    session = _session(request)
    if isinstance(session, Response):
        return session
    token, principal = session
    form = await request.form()
    if not check_csrf(request, token, form.get("csrf")) or action not in ("visit", "helper"):
        return Response("页面已过期，请刷新后重试。", status_code=403, media_type="text/plain")
    container, audit = request.app.state.container, audit_log(request)
    unit = scope(principal)

    def act() -> None:
        if action == "helper":
            if principal.role != "desk":
                raise NotFound("No such case")
            helper = str(form.get("helper", "")).strip()
            container.dispatch.pair_helper(case_id, helper=helper, by=principal.subject,
                                           unit=unit or "", actor=audit.actor(principal))
            return
        file_visit(container, case_id, _visit(form), principal, audit.actor(principal))

    try:
        await run_in_threadpool(act)
    except ValidationError as exc:
        names = (str(e["loc"][0]) for e in exc.errors())
        fields = "、".join(dict.fromkeys(FIELD_TEXT.get(n, n) for n in names))
        return render(request, "followups.html", _context(request, token, principal, f"请检查：{fields}。"),
                      422)
    except FieldError as exc:
        text = f"请检查{FIELD_TEXT.get(exc.field, exc.field)}：{exc.message}"
        return render(request, "followups.html", _context(request, token, principal, text), 422)
    except NotFound:
        return render(request, "followups.html", _context(request, token, principal, "未找到该案件。"), 404)
    except DomainError as exc:
        return render(request, "followups.html", _context(request, token, principal, f"未能完成：{exc}"), 409)
    return RedirectResponse(f"/followups?done={action}", status_code=303)
