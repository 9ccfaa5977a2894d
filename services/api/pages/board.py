"""The supervisor's case board (/board): overdue follow-ups, then escalated and needs-review
cases first; reassess (level and ledger categories), end a review, re-route, close, send a
closed case back (重办); the
ledger's download. Each command's result is named in a notice; a refusal keeps its form open."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.api.deps import AuditDep, ContainerDep
from services.api.guard import Page, page_guard
from services.api.pages.board_filters import ONLY, SHOWS, Filters, counts, listed
from services.api.pages.board_forms import (
    ACTIONS,
    concerns_text,
    unit_choices,
)
from services.api.pages.board_state import (
    add_reworks,
    add_written_reasons,
    handled_by,
    holding,
    outcome,
    patched,
    plans_written,
    round_reason,
)
from services.api.pages.delivery_text import failure_text
from services.api.pages.followup_cards import visit_due
from services.api.web import render
from services.bootstrap import ApiContainer
from services.common.auditnote import Principal
from services.common.errors import NotFound
from services.common.labels import (
    BOARD_STATUS_TEXT,
    REACHED_TEXT,
    REVIEW_REASON_TEXT,
    SATISFACTION_TEXT,
)
from services.common.vocabulary import (
    BEIJING,
    RISK_LEVELS,
    UNACKNOWLEDGED_STATUSES,
    Category,
)
from services.oversight.board import (
    active_plans,
    case_state,
    county_chosen,
    flagged_cases,
    referral_notes,
    review_reasons,
    unreached_by_case,
)
from services.oversight.board_callbacks import CALLBACK_LINE, add_callback_lines
from services.oversight.incidents import incident_context
from services.oversight.jurisdiction import check_case
from services.oversight.notifications import undelivered, whom_to_call

router = APIRouter(tags=["pages"], include_in_schema=False)
LEDGER_MONTHS = 12  # how many months back the ledger's download offers


REFUSAL = "此页面供督办人员使用，请用督办账号登录。"
Supervisor = Annotated[Page, Depends(page_guard("supervisor", "/board", REFUSAL))]
SupervisorPart = Annotated[Page, Depends(page_guard("supervisor", "/board", REFUSAL, fragment=True))]


def _months(now: datetime) -> list[str]:
    """This month and the ones before it, newest first (YYYY-MM, Beijing)."""
    year, month = now.year, now.month
    out = []
    for _ in range(LEDGER_MONTHS):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out


def _scope(request: Request, container: ApiContainer, page: Page) -> tuple[Principal, str, list[Any]]:
    """The caller narrowed to the county chosen in the URL (one of their region's), the county's
    code ("" for all) and the counties to choose from (none when the region holds only one)."""
    principal = page.principal
    county, choices = county_chosen(container, principal, request.query_params.get("county", ""))
    return (replace(principal, region=county) if county else principal), county, choices


def board_context(request: Request, container: ApiContainer, page: Page, notice: str | None = None,
             error: dict[str, Any] | None = None, done: tuple[str, dict[str, Any]] | None = None
             ) -> dict[str, Any]:
    principal, county, choices = _scope(request, container, page)
    plans, every = active_plans(container, principal), flagged_cases(container, principal)
    if done is not None:
        every = patched(every, *done)
    chosen = Filters.of(request.query_params, county)
    # The case a command was done to, or a link names (/board?case=…#case-…), listed whatever the filters.
    cases = listed(container, every, chosen, keep=done[0] if done else request.query_params.get("case", ""))
    # Only units that receive referrals can be chosen (the routing data names their kinds).
    units = [a for a in container.directory.agencies if container.dispatch.matrix.receives(a.kind)]
    notes = referral_notes(container, cases)  # read once: the referral column and the timeline
    written = plans_written(container, cases)  # read once: each 结案's and 重办's reason
    waiting = {r["agency_id"] for c in cases for r in c["referrals"]
               if r["status"] in UNACKNOWLEDGED_STATUSES}
    phones, unstaffed = whom_to_call(container, waiting)  # their rosters read once
    return {
        "username": principal.subject,
        "principal": page.principal,
        "county": county,
        "board_q": chosen.query(), "chosen": chosen, "shows": SHOWS, "only_text": ONLY,
        "counts": counts(every),
        # Where children wait, county by county, for a city's or province's supervisor (the province
        # supervisor's review, stop 61: she switched the filter county by county and counted).
        "by_county": [(code, name, counts([c for c in every if str(c["region_code"] or "").startswith(code)]))
                      for code, name in choices] if choices and not county else [],
        # A link to a case not of the region (or none): said, not an unexplained board (stop 58).
        "missing_case": (asked := request.query_params.get("case", "")) and done is None
        and not any(c["case_id"] == asked for c in every),
        "counties": choices,
        "county_name": container.directory.county_label,
        "place_label": container.directory.place_label,
        "places_now": {
            i: f.place for i, f in container.view.case_facts([c["case_id"] for c in cases]).items()},
        "cases": add_reworks(add_callback_lines(
            container, add_written_reasons(container, cases, notes, written)), written),
        "case_state": case_state,
        "review_reasons": review_reasons,
        "board_status_text": BOARD_STATUS_TEXT,
        "review_reason_text": REVIEW_REASON_TEXT,
        "callback_line": CALLBACK_LINE, "reached_text": REACHED_TEXT, "satisfaction_text": SATISFACTION_TEXT,
        "notes": notes,
        # the tab's title counts them, so a board left in a background tab says it (stop 53)
        "overdue": sum(r["status"] == "escalated" for c in cases for r in c["referrals"]),
        # and the cases no unit covers, waiting for a supervisor to route them (stop 55)
        "unrouted": sum(c["needs_review"] and "routing_gap" in c["review_reasons"] for c in cases),
        "duty_phones": phones, "unstaffed": unstaffed,
        "unit_phones": {a.agency_id: a.phone for a in container.directory.agencies if a.phone},
        "unreached": unreached_by_case(container, cases),
        "undelivered": undelivered(container, cases), "failure_text": failure_text,  # none reached
        "late_followups": [p for p in plans if p["overdue"] or p["helper_missing"]],
        **unit_choices(container, units),  # what 改派 and 重办 offer
        "holding": holding,  # said under the 改派 list, so their absence is not a mystery (stop 56)
        "round_reason": round_reason, "handled_by": handled_by,
        "serves": container.directory.serves,  # a unit the routing chose for a later report's place
        "levels": RISK_LEVELS,
        "visit_due": partial(visit_due, container.dispatch.visit_clock),  # as the lead's card says
        "ack_sla": container.dispatch.ack_sla,  # each level's time to take a referral on: the level's hint
        "categories": tuple(Category),
        "months": _months(datetime.now(BEIJING)),
        "csrf": page.csrf(request),
        "notice": notice,
        "error": error,
        **incident_context(container, principal, request.query_params.get("incident", "")),
    }


def _ours(container: ApiContainer, page: Page, case_id: str) -> bool:
    """Whether the case lies in the supervisor's region: a notice names no case outside it."""
    try:
        check_case(container, page.principal, case_id)
    except NotFound:
        return False
    return True


@router.get("/board")
def board_page(request: Request, page: Supervisor, container: ContainerDep, audit: AuditDep) -> Response:
    audit(page.principal, "board.read", "cases")
    action, case_id = request.query_params.get("done", ""), request.query_params.get("case", "")
    added = concerns_text(request.query_params.get("added", ""))
    result = outcome(container, action, case_id, request.query_params.get("unit"), added) \
        if action in ACTIONS and case_id and _ours(container, page, case_id) else None
    context = board_context(request, container, page, notice=result[0] if result else None,
                       done=(case_id, result[1]) if result else None)
    done_case = case_id if result and action != "close" else ""  # the notice links its row (stop 51)
    return render(request, "board.html", {**context, "done_case": done_case})


@router.get("/board/cases")
def board_cases(request: Request, page: SupervisorPart, container: ContainerDep) -> Response:
    return render(request, "board_cases.html", board_context(request, container, page))
