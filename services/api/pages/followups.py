"""The follow-up page (/followups, 随访帮扶): the lead unit's visits due within 7 days, overdue
first, with a visit form that works on a phone; supervisors see every unit's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from services.api.deps import AuditDep, ContainerDep
from services.api.guard import STALE, Page
from services.api.pages import casefile
from services.api.pages.field_text import field_error
from services.api.pages.followup_access import Lead, recipient
from services.api.pages.followup_cards import card_visits, pending_suggestion, refreshed
from services.api.web import BEIJING, beijing, render
from services.bootstrap import ApiContainer
from services.common.auditnote import AuditLog
from services.common.errors import DomainError, FieldError, NotFound
from services.oversight.board import county_chosen
from services.oversight.followups import VisitIn, file_visit
from services.oversight.notifications import duty_phones
from services.oversight.scope import desk_scope

router = APIRouter(tags=["pages"], include_in_schema=False)
# What to fix, next to each field, when the API's rules refuse the form.
FIELD_ERRORS = {"visited_at": "请填写走访时间。", "child_seen": "请选择是否见到儿童。",
                "measures": "请从列表中勾选帮扶措施。", "suggested_risk_level": "请从列表中选择建议等级。",
                "next_visit_by": "下次走访时间格式不正确，请用日期时间选择器填写。"}
LABELS = {"visitor": "走访人姓名", "findings": "走访情况", "helper": "结对帮扶人姓名"}
WEEK = timedelta(days=7)
DONE = {"visit": "已登记走访。", "helper": "已记录结对帮扶人。"}


def _context(request: Request, container: Any, audit: AuditLog, page: Page, notice: str | None = None,
             failed: dict[str, Any] | None = None, fresh: str | None = None) -> dict[str, Any]:
    """The plans by due date; `failed` is a refused form (its case, action, values and errors),
    shown open and filled in; `fresh` a case just changed, read from the store (the view lags)."""
    principal: Any = page.principal
    now = datetime.now(UTC)
    unit = desk_scope(principal)
    # A city's or province's supervisor narrows to one county, as on the board (the province
    # supervisor's review, stop 61: one flat list of every county's cards).
    county, choices = county_chosen(container, principal, request.query_params.get("county", ""))
    plans = [p for p in container.view.followups(now, unit=unit, region=county or principal.region)
             if p["status"] == "active"]
    shown = [p["case_id"] for p in plans]
    cases = {c["case_id"]: c for c in container.view.cases_by_id(shown)}
    visits = {i: card_visits(c) for i, c in cases.items()}
    suggested = {i: pending_suggestion(c) for i, c in cases.items()}
    if fresh is not None and fresh in shown:
        plans, visits[fresh], suggested[fresh] = refreshed(container, plans, fresh, unit, now)
    soon = now + WEEK

    def due_soon(plan: Any) -> bool:
        return datetime.fromisoformat(plan["next_visit_due"]) <= soon

    # Plans whose latest visit did not see the child (not overdue: those lead anyway), with when
    # to go again: shown near the top whatever their due date (a suggestion; the plan's due date
    # is contract §6's).
    clock, revisit = container.dispatch.visit_clock, {}
    for p in plans:
        made = ((datetime.fromisoformat(v["visited_at"]), v["child_seen"])
                for v in visits.get(p["case_id"], []))
        again = clock.go_again_by(p["risk_level"], made, datetime.fromisoformat(p["next_visit_due"]))
        if not p["overdue"] and again is not None:
            revisit[p["case_id"]] = again
    agency = container.directory.get(principal.agency_id) if principal.agency_id else None
    today = now.astimezone(BEIJING).replace(hour=0, minute=0, second=0, microsecond=0)
    day_after_tomorrow = today + timedelta(days=2)
    return {
        "username": principal.subject, "principal": principal, "csrf": page.csrf(request),
        "lead_name": agency.name if agency else ("全部牵头单位" if principal.role == "supervisor" else ""),
        "overdue": [p for p in plans if p["overdue"]],
        "unseen": [p for p in plans if p["case_id"] in revisit],
        "revisit": {case_id: at.isoformat() for case_id, at in revisit.items()},
        # Whom to call when the child was not found (stop 62's child director: a neighbour said a
        # self-styled aunt took the child; the card said only to go again, and named no one).
        "supervision": {p["case_id"]: line for p in plans if p["case_id"] in revisit
                        and (line := casefile.supervision_line(container, p["region_code"]))
                        and p.get("lead_agency_id") != line.get("agency_id")},
        # Today's and tomorrow's apart (stop 62's child director worked tomorrow's out date by date).
        "by_tomorrow": [p for p in plans if not p["overdue"] and p["case_id"] not in revisit
                        and datetime.fromisoformat(p["next_visit_due"]) < day_after_tomorrow],
        "this_week": [p for p in plans if not p["overdue"] and p["case_id"] not in revisit and due_soon(p)
                      and datetime.fromisoformat(p["next_visit_due"]) >= day_after_tomorrow],
        "later": [p for p in plans if not p["overdue"] and p["case_id"] not in revisit and not due_soon(p)],
        "now_local": now.astimezone(BEIJING).strftime("%Y-%m-%dT%H:%M"),
        "notice": notice, "agencies": {a.agency_id: a.name for a in container.directory.agencies},
        "intervals": clock.visit_interval_days, "first_hours": clock.first_visit_hours,
        "visits": visits, "homes": _homes(container, audit, principal, shown),
        # Who made the unit's latest visit, filled in (stop 58's child director: typed each time).
        "last_visitor": last_visitors(plans, visits) if unit else {},
        "suggested": suggested,
        # and whether it waits for 接收: the one waiting first of a case's rounds (the child director's
        # second review, stop 54: the card led to the closed round, not the new red one)
        "referrals": ({r["case_id"]: (r["referral_id"], r["status"])
                       for r in reversed(container.view.desk_referrals(unit))} if unit else {}),
        "failed": failed or {}, "counties": choices, "county": county,
        "others": _others(container, cases, unit),
        "police": _police(container, cases, unit),
    }


def last_visitors(plans: list[dict[str, Any]], visits: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    """Each card's visitor to fill in: the case's own last visitor, else the unit's last in the
    case's town, else none (stop 64's civil desk: a 涡水镇 case was given 寨岗镇's child director,
    the unit's latest visit anywhere in the county)."""
    def latest(made: list[dict[str, Any]]) -> str:
        return str(max(made, key=lambda v: v["visited_at"])["visitor"]) if made else ""

    def town(plan: dict[str, Any]) -> str:  # a township's code; a county's place names no town
        code = str(plan.get("region_code") or "")
        return code[:9] if len(code) >= 9 else ""
    in_town: dict[str, list[dict[str, Any]]] = {}
    for p in plans:
        in_town.setdefault(town(p), []).extend(visits.get(p["case_id"], []))
    return {p["case_id"]: latest(visits.get(p["case_id"], []))
            or (latest(in_town[town(p)]) if town(p) else "") for p in plans}


def _police(container: Any, cases: dict[str, Any], unit: str | None) -> dict[str, Any]:
    """Whom to call for each red card no police unit holds (stop 58's child director, second round:
    the card she works from never said it), at the child's newest place."""
    red = [i for i, c in cases.items() if c["risk_level"] == "red"]
    facts = container.view.case_facts(red) if red else {}
    found = {i: casefile.police_nearby(container, cases[i], [], unit, facts[i].place if i in facts else "")
             for i in red}
    return {i: p for i, p in found.items() if p}


def _others(container: Any, cases: dict[str, Any], unit: str | None) -> dict[str, list[dict[str, Any]]]:
    """Each card's other units: where their referrals stand and whom to call at each (the civil
    desk's review, stop 53: a visit to a child beaten at home, with no word of the police's or the
    hospital's referral). Statuses only: what each unit did stays with it."""
    mine = {i: [r for r in c["referrals"] if r["agency_id"] != unit] for i, c in cases.items()}
    phones = duty_phones(container, {r["agency_id"] for rs in mine.values() for r in rs})
    names = {a.agency_id: a.name for a in container.directory.agencies}
    return {i: [{"unit": names.get(r["agency_id"], r["agency_id"]), "status": r["status"],
                 "agency_id": r["agency_id"], "phone": phones.get(r["agency_id"])} for r in rs]
            for i, rs in mine.items() if rs}


def _homes(container: ApiContainer, audit: AuditLog, principal: Any, case_ids: list[str]) -> dict[str, Any]:
    """Whom to visit, where and why, for each plan shown: only to its lead unit (the page lists
    no other plan to a desk) and supervisors, as contract §5 lets them read it; each case audited."""
    rule = recipient(container, principal)
    homes = {}
    for case_id in case_ids:
        audit(principal, "followups.read", "case", case_id, case_id)
        homes[case_id] = casefile.home(container, case_id, rule)
    return homes


@router.get("/followups")
def followups_page(request: Request, page: Lead, container: ContainerDep, audit: AuditDep) -> Response:
    audit(page.principal, "followups.read", "agency", page.principal.agency_id)
    done = request.query_params.get("done", "")
    fresh = request.query_params.get("case") if done else None
    context = _context(request, container, audit, page, DONE.get(done), fresh=fresh)
    plan = next((p for key in ("overdue", "unseen", "this_week", "later") for p in context[key]
                 if p["case_id"] == fresh), None)
    if done == "helper" and plan is not None:
        context["notice"] = f"已记录结对帮扶人（案件 {plan['case_id'][:8]}）。"
    if done == "visit" and plan is not None:  # the date the command set, not the lagging view's
        again = context["revisit"].get(plan["case_id"])  # not seen: the sooner date is the one to act on
        then = (f"这次未见到儿童：请在 {beijing(again)} 前再次入户，当面见到儿童"
                "（案件列在“上次未见到儿童”中）。" if again
                else f"下次走访：{beijing(plan['next_visit_due'])}。")
        context["notice"] = (f"已登记走访（案件 {plan['case_id'][:8]}），"
                             f"已走访 {plan['visits_done']} 次。{then}")
    fresh = plan["case_id"] if plan else None
    return render(request, "followups.html",  # a visit recorded: its draft in the tab is done
                  {**context, "fresh": fresh, "recorded": fresh if done == "visit" else None})


def _visit(form: Any) -> VisitIn:
    """The form as the API's body: one set of rules. The local time a phone gives is Beijing's."""
    when = str(form.get("visited_at", ""))
    return VisitIn.model_validate({
        "visited_at": f"{when}:00+08:00" if len(when) == 16 else when,
        "visitor": str(form.get("visitor", "")).strip(),
        "child_seen": {"yes": True, "no": False}.get(str(form.get("child_seen"))),  # no default: asked
        "findings": str(form.get("findings", "")),
        "measures": form.getlist("measures"),
        "suggested_risk_level": form.get("suggested_risk_level") or None,
        "next_visit_by": _local(str(form.get("next_visit_by", ""))) or None,
    })


def _local(when: str) -> str:
    """A datetime-local field's value as Beijing time (what a phone gives is local)."""
    return f"{when}:00+08:00" if len(when) == 16 else when


def _typed(form: Any) -> dict[str, Any]:
    """Everything typed, to put back in the form when it is refused."""
    return {"visited_at": str(form.get("visited_at", "")), "visitor": str(form.get("visitor", "")),
            "child_seen": form.get("child_seen", ""), "findings": str(form.get("findings", "")),
            "measures": list(form.getlist("measures")),
            "suggested_risk_level": str(form.get("suggested_risk_level", "")),
            "next_visit_by": str(form.get("next_visit_by", "")), "helper": str(form.get("helper", ""))}


@router.post("/followups/cases/{case_id}/{action}")
def followup_action(request: Request, case_id: str, action: str, page: Lead, container: ContainerDep,
                    audit: AuditDep) -> Response:
    principal, form = page.principal, page.form
    if action not in ("visit", "helper"):
        return Response(STALE, status_code=403, media_type="text/plain")
    unit = desk_scope(principal)

    def act() -> None:
        if action == "helper":
            if principal.role != "desk":
                raise NotFound("No such case")
            helper = str(form.get("helper", "")).strip()
            container.dispatch.pair_helper(case_id, helper=helper, by=principal.subject,
                                           unit=unit or "", actor=audit.actor(principal))
            return
        file_visit(container, case_id, _visit(form), principal, audit.actor(principal))

    def again(status_code: int, errors: dict[str, str], notice: str) -> Response:
        failed = {"case_id": case_id, "action": action, "typed": _typed(form), "errors": errors}
        context = _context(request, container, audit, page, notice, failed)
        return render(request, "followups.html", context, status_code)

    try:
        act()
    except ValidationError as exc:
        typed = _typed(form)
        errors = {str(e["loc"][0]): field_error(e, typed, LABELS, FIELD_ERRORS) for e in exc.errors()}
        return again(422, errors, "请按提示修改后再提交，已填写的内容都还在。")
    except FieldError as exc:
        return again(422, {exc.field: exc.message}, "请按提示修改后再提交，已填写的内容都还在。")
    except NotFound:
        return again(404, {}, "未找到该案件。")
    except DomainError as exc:
        return again(409, {}, f"未能完成：{exc}")
    return RedirectResponse(f"/followups?done={action}&case={case_id}", status_code=303)
