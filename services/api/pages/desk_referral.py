"""A referral's page on the agency desk (/desk/referrals/{id}): the case as the unit may read it
(contract §5), with its timeline; the desk's steps on it: 接收 at once, 办理进展, and 退回 and 办结
each confirmed in a second server-rendered step."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import uuid4

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from services.api.deps import AuditDep, ContainerDep, DispatchDep
from services.api.guard import STALE, Page, page_guard
from services.api.pages import casefile, desk_events
from services.api.pages.field_text import field_error
from services.api.pages.followup_cards import next_visit
from services.api.pages.outside import outside, referral_case
from services.api.web import render
from services.bootstrap import ApiContainer
from services.common.auditnote import AuditLog
from services.common.errors import Conflict, FieldError, NotFound
from services.common.level_why import latest_why
from services.common.vocabulary import RISK_LEVELS
from services.dispatch.followup import FollowUpPlan
from services.oversight.calls import call_out, unanswered_calls
from services.oversight.referrals import (
    DeclineIn,
    OutcomeIn,
    ProgressIn,
    desk_step_errors,
    progress_out,
    read_referral,
    recipient_of,
)

router = APIRouter(tags=["pages"], include_in_schema=False)
ACTIONS = ("acknowledge", "decline", "outcome", "progress")
AT_ONCE = ("acknowledge", "progress")  # no confirming step: neither ends the referral
DONE = {"acknowledge": "已接收。处置完成后，请“办结”并填写处置结果；本单位不能处理的，请“退回”并写明原因。",
        "decline": "已退回，退回原因已记录：案件回到督办人员处改派（见下方“退回之后”）。",
        "outcome": "已办结，处置结果已记录。",
        "progress": "已记录办理进展（见“办理进展”）。处置完成后，请“办结”并填写处置结果。"}
LABELS = {"reason": "退回原因", "outcome": "处置结果", "note": "说明", "progress": "办理进展"}
# A referral's own address (the on-call message's link): after logging in, back to that referral.
ReferralPage = Annotated[Page, Depends(page_guard("desk", "/desk/referrals/{referral_id}",
                                                  desk_events.REFUSAL))]
# What a desk types on a referral's page, kept across its steps.
TYPED = ("reason", "outcome", "note", "progress")


@router.get("/desk/referrals/{referral_id}")
def referral_page(request: Request, referral_id: str, page: ReferralPage, container: ContainerDep,
                  audit: AuditDep) -> Response:
    return referral_detail(request, container, audit, page, referral_id,
                           notice=DONE.get(request.query_params.get("done", "")))


def referral_detail(request: Request, container: ApiContainer, audit: AuditLog, page: Page,
                    referral_id: str, status_code: int = 200, **extra: Any) -> Response:
    """The referral as its unit may read it (contract §5), with its case's timeline; any other
    unit's, or none, is the same Chinese 404."""
    principal = page.principal
    try:
        referral = read_referral(container, referral_id, principal, audit)
    except NotFound:
        return outside(request, principal, "没有找到这条转介，或它不属于本单位。",
                       case_id=referral_case(container, referral_id))
    aggregate = container.dispatch.get_referral(referral_id)  # read once: the steps just taken, when it ended
    reports = casefile.reports(container, referral["reports"])
    unit, case = principal.agency_id, container.view.get_case(referral["case_id"])  # each read once
    plan = container.dispatch.followup_plan(referral["case_id"])
    withheld = recipient_of(aggregate, principal) == "ended"
    return render(request, "desk_referral.html", {
        "username": principal.subject, "principal": principal, "csrf": page.csrf(request),
        "referral": referral, "reports": reports,
        "added_concerns": casefile.added_concerns(referral, reports),
        "supplements": casefile.supplements(reports),
        # As the view counts them: the page's live check compares like with like.
        "supplements_seen": sum(t["type"] == "case_supplement" for t in case["timeline"]) if case else 0,
        "timeline": (timeline := casefile.timeline(case, plan, aggregate) if withheld else
                     casefile.with_reasons(container, referral["case_id"],
                                           casefile.timeline(case, plan, aggregate), plan)),
        "case_why": latest_why(timeline),  # why the level (stop 62: a child alone for days, yellow, unsaid)
        "ended_at": casefile.ended_when(aggregate) if aggregate.status in casefile.FINISHED else None,
        # The supervisors' calls to this unit about it, what was said included (the civil desk's
        # review, stop 53: the timeline's line did not say what was promised on the unit's behalf).
        "phoned": [call_out(x) for x in aggregate.calls],
        "calls_owed": unanswered_calls(aggregate),  # asked, not answered since
        "progress": [progress_out(x) for x in aggregate.progress],
        "progress_id": str(uuid4()),  # the form's: sent twice, recorded once
        "withheld": withheld,
        "lead_plan": _lead_plan(container, plan, unit),
        "ask": casefile.whom_to_ask(container, plan, unit),
        "supervision": casefile.supervision_line(container, case["region_code"] if case else "", unit),
        "others": casefile.other_units(container, case, plan, unit),
        "police": casefile.police_nearby(container, case, reports, unit),
        # Opened from a follow-up card: back to it (stop 58's child director: back led to the inbox).
        "from_followups": request.query_params.get("from") == "followups",
        "rounds": casefile.own_rounds(container, case, unit, referral_id),
        # The case's level now: a report after 接收 raises the case, not a referral taken on (stop 55).
        "case_level": case["risk_level"] if case else None, "levels": RISK_LEVELS,
        "errors": {}, "confirm": None, "error": None, "notice": None, "open_form": None, "typed": {},
        **extra,
    }, status_code)


def _lead_plan(container: ApiContainer, plan: FollowUpPlan | None, unit: str | None) -> dict[str, Any] | None:
    """The case's follow-up plan when this unit leads it (its visits are the unit's next duty)."""
    if plan is None or plan.lead_agency_id != unit:
        return None
    due, unseen = next_visit(container.dispatch.visit_clock, plan)  # the one date, as /followups gives
    return {"next_due": due.isoformat(), "active": plan.status == "active", "unseen": unseen,
            "seen": any(v["child_seen"] for v in plan.visits)}  # by any visit so far


def _confirmation(action: str, form: Any) -> dict[str, Any]:
    """What will be recorded, checked by the API's own rules before the user is asked again."""
    if action == "decline":
        return DeclineIn.model_validate({"reason": str(form.get("reason", "")).strip()}).model_dump()
    if action == "progress":  # the field is named apart from 办结's 说明 (both on the page)
        return {"progress": ProgressIn.model_validate({"note": str(form.get("progress", "")).strip()}).note}
    return OutcomeIn.model_validate({"outcome": str(form.get("outcome", "")).strip(),
                                     "note": str(form.get("note", "")).strip()}).model_dump()


def _whole(message: str) -> str:
    """The domain's refusal as it is when it is in Chinese; otherwise a Chinese one."""
    if any("\u4e00" <= ch <= "\u9fff" for ch in message):
        return message
    return "无法操作：这条转介的状态已经变化，请看下方的当前状态。"


@router.post("/desk/referrals/{referral_id}/{action}")
def desk_action(request: Request, referral_id: str, action: str, page: ReferralPage, container: ContainerDep,
                dispatch: DispatchDep, audit: AuditDep) -> Response:
    """Acknowledge at once; decline and close in two server-rendered steps (the second one says
    what will be recorded and asks to confirm), so the confirmation needs no script. What was
    typed comes back into the form after an error or when the desk goes back to change it."""
    principal: Any = page.principal
    form = page.form
    if action not in ACTIONS:
        return Response(STALE, status_code=403, media_type="text/plain")
    unit, by = principal.agency_id, principal.subject
    actor = audit.actor(principal)
    typed = {name: str(form.get(name, "")) for name in TYPED}

    def again(status_code: int, **extra: Any) -> Response:
        return referral_detail(request, container, audit, page, referral_id, status_code, **extra)

    try:
        values = _confirmation(action, form) if action != "acknowledge" else {}
    except ValidationError as exc:
        said: list[Any] = [{**e, "loc": ("progress",)} if action == "progress" else e for e in exc.errors()]
        errors = {str(e["loc"][0]): field_error(e, typed, LABELS) for e in said}
        return again(422, errors=errors, open_form=action, typed=typed)
    if action != "acknowledge":  # only while it can be done; names no child or reporter
        try:
            errors = desk_step_errors(container, referral_id, unit or "", action, values)
        except Conflict as exc:
            return again(409, error=_whole(exc.message))
        except NotFound:
            return again(404)
        if errors:
            return again(422, errors=errors, open_form=action, typed=typed)
    if action not in AT_ONCE and form.get("edit") == "yes":  # 返回修改 on the confirmation
        return again(200, open_form=action, typed=typed)
    if action not in AT_ONCE and form.get("confirmed") != "yes":
        return again(200, confirm={"action": action, **values})

    def act() -> None:
        if action == "acknowledge":
            dispatch.acknowledge(referral_id, by=by, unit=unit, actor=actor)
        elif action == "progress":
            once = str(form.get("progress_id", "")) or str(uuid4())
            dispatch.record_progress(referral_id, progress_id=once, note=values["progress"], by=by, unit=unit,
                                     actor=actor)
        elif action == "decline":
            dispatch.decline(referral_id, reason=values["reason"], by=by, unit=unit, actor=actor)
        else:
            dispatch.record_outcome(referral_id, outcome=values["outcome"], note=values["note"], by=by,
                                    unit=unit, actor=actor)

    try:
        act()
    except (Conflict, FieldError) as exc:  # e.g. 办结 before 接收: the domain's words, whole
        return again(409, error=_whole(exc.message))
    except NotFound:
        return again(404)
    if form.get("back") == "detail":
        # Progress lands at its list, the line just saved in view (stop 62's police desk, on a phone:
        # the page jumped back to the top, the entry far below).
        at = "#progress-lines" if action == "progress" else ""
        return RedirectResponse(f"/desk/referrals/{referral_id}?done={action}{at}", status_code=303)
    return RedirectResponse(f"/desk?done={action}&referral={referral_id}", status_code=303)
