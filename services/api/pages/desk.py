"""The agency desk's pages: the inbox (/desk), most urgent first, updating by itself; each
referral's page (/desk/referrals/{id}) with the case as the unit may read it; the desk's actions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from services.api.deps import AuditDep, ContainerDep
from services.api.guard import Page, page_guard
from services.api.pages import casefile, desk_events, desk_referral, desk_rows
from services.api.pages import notice as agency_notice
from services.api.pages.board_filters import found
from services.api.pages.desk_referral import DONE
from services.api.web import render
from services.bootstrap import ApiContainer
from services.common.vocabulary import level_now
from services.oversight.calls import open_notes
from services.oversight.notifications import unstaffed

router = APIRouter(tags=["pages"], include_in_schema=False)
router.include_router(agency_notice.router)  # the unit's own notices, /desk/notice (§12)
router.include_router(desk_events.router)  # the inbox's live updates, /desk/events
router.include_router(desk_referral.router)  # each referral's page and the desk's steps on it


REFUSAL = desk_events.REFUSAL
DeskPage = Annotated[Page, Depends(page_guard("desk", "/desk", REFUSAL))]
DeskPart = desk_events.DeskPart
ENDED_SHOWN = 20  # declined or closed referrals in the inbox, the newest; all when asked (?ended=all)


def _context(request: Request, container: ApiContainer, page: Page) -> dict[str, Any]:
    principal: Any = page.principal  # a desk's: its unit is set
    agency = container.directory.get(principal.agency_id)
    home = agency.regions[0] if agency is not None and agency.regions else ""  # the unit's own county
    # A receipt or case number a caller or a colleague gives (stop 62's police desk: no search):
    # among every referral of this unit, ended ones too.
    q = str(request.query_params.get("q", "")).strip()[:40]
    every = request.query_params.get("ended") == "all" or bool(q)
    referrals = container.view.desk_referrals(principal.agency_id, ended=None if every else ENDED_SHOWN + 1)
    if q:
        referrals = found(container, referrals, q)
    ended = [r for r in referrals if r["status"] in casefile.FINISHED]
    if not every and len(ended) > ENDED_SHOWN:  # one more than shown was read: there are older ones
        oldest = min(ended, key=lambda r: r["dispatched_at"])
        referrals = [r for r in referrals if r is not oldest]
    facts = container.view.case_facts(sorted({r["case_id"] for r in referrals}))
    newest = desk_rows.newest_reports(container, referrals, facts)
    danger = desk_rows.danger_now(referrals, facts, newest)
    phoned, progressed = open_notes(container.dispatch, referrals)
    again = desk_rows.danger_again(container, referrals, facts, {k: p["at"] for k, p in progressed.items()})
    # The visits of the cases this unit leads (stop 62's child director: three visits logged, the
    # row still said 尚未记录办理进展, as if nothing had been done).
    visits = {p["case_id"]: p for p in container.view.followups(datetime.now(UTC), unit=principal.agency_id)
              if p["status"] == "active"} if agency is not None and agency.kind == "civil_affairs" else {}
    referrals = sorted(referrals, key=lambda r: (danger.get(r["referral_id"]) != "owed",  # stable
                                                 r["referral_id"] not in again))
    open_cases = sorted({r["case_id"] for r in referrals if r["status"] not in casefile.FINISHED})
    # A number of a case whose visits the unit leads with no referral to it (stop 64's civil desk:
    # a case on its follow-ups, "本单位没有…的转介").
    led = found(container, list(visits.values()), q) if q and not referrals else []
    return {
        "led": led[0]["case_id"] if led else "",
        "username": principal.subject,
        "principal": principal,
        "agency_name": agency.name if agency else principal.agency_id,
        # Procuratorate, court, justice: never referred to (the routing data says so), they notify.
        "receives": agency is not None and container.dispatch.matrix.receives(agency.kind),
        "notifies": agency_notice.notifies(container, principal.agency_id),
        "referrals": referrals,
        "endings": casefile.endings(container.dispatch, referrals), "WITHDRAWN": casefile.WITHDRAWN,
        "phoned": phoned, "progressed": progressed, "visits": visits,
        # Where each case is (its place's name, no address): which to go to first.
        # The newest report's place (stop 56's police desk: the row kept the first one's).
        "places": {case_id: container.directory.place_name(f.place) for case_id, f in facts.items()},
        # How many reports the case has and when the last came (stop 55's police desk: a new report
        # on a case taken on changed nothing in the inbox), and its call-backs' 补充 (stop 56's).
        "reports": {case_id: (f.reports, f.latest) for case_id, f in facts.items()},
        "supplements": {case_id: (f.supplements, f.latest_supplement) for case_id, f in facts.items()},
        # Each open referral's level as its case has it now (stop 58's child director: raised
        # after 接收, the row stayed yellow).
        "level_now": {r["referral_id"]: level_now(r["risk_level"], facts[r["case_id"]].level)
                      for r in referrals if r["case_id"] in facts and r["status"] not in casefile.FINISHED},
        # What the case's later reports added to a referral's concerns (stop 51: a row turned orange
        # and still said only 失学).
        "added": {r["referral_id"]: [c for c in facts[r["case_id"]].concerns if c not in r["concerns"]]
                  if r["case_id"] in facts else [] for r in referrals},
        # A waiting red referral whose newest report said the child is in danger now: whether 110
        # or 120 was put through (stop 62's police desk: a beating in progress, untransferred,
        # read "红色 · 待接收" like a missing child's and came second, by seconds left).
        "danger": danger,
        # The case's other units past their time to 接收 (stop 63's hospital desk: the police gone
        # past theirs on a child it treated showed only on the referral's page, in plain text).
        "late_elsewhere": container.view.late_elsewhere(open_cases, principal.agency_id),
        # The cases whose visits the unit leads with no open referral of its own, a unit past its
        # time to 接收 (stop 64's civil desk: a boy who said he did not want to live, referred to
        # education only, went unacknowledged and her inbox said nothing).
        "led_late": container.view.late_elsewhere(sorted(set(visits) - set(open_cases)), principal.agency_id)
        if visits and not q else {},
        # A caller rang back saying the child is in danger again, after the unit took the case on
        # (stop 63's hospital desk: the row said only 来电人回拨补充1次, like any other 补充).
        "again": again,
        "csrf": page.csrf(request),
        "ack_sla": container.dispatch.ack_sla,  # seconds to 接收, by level: said in the legend
        "every_ended": every, "ended_shown": ENDED_SHOWN, "q": q,
        # Whom to ask when the number searched is not this unit's (stop 63's hospital desk: "请问督办人员"
        # with no number): the county civil-affairs office that supervises the unit's county.
        "supervision": casefile.supervision_line(container, home, principal.agency_id)
        if q and not referrals else None,
        # The number found, as its receipt writes it, to read back to the caller (stop 63's second
        # hospital review: the row found has none).
        "receipt": desk_rows.receipt_of(container, q, sorted({r["case_id"] for r in referrals}))
        if q and referrals else "",
        "kids": desk_rows.children(newest),  # who, to tell the rows apart
        "more_ended": not every and len(ended) > ENDED_SHOWN,
    }


@router.get("/desk")
def desk_page(request: Request, page: DeskPage, container: ContainerDep, audit: AuditDep) -> Response:
    done = request.query_params.get("done", "")
    linked = request.query_params.get("referral", "")
    if linked and not done:  # the on-call message's link (`?referral=`): that referral's own page
        return RedirectResponse(f"/desk/referrals/{quote(linked, safe='')}", status_code=303)
    audit(page.principal, "desk.inbox", "agency", page.principal.agency_id)
    context = _context(request, container, page)
    own = agency_notice.own_notices(container, audit, page.principal) if context["notifies"] else []
    acted = next((r for r in context["referrals"] if linked and r["referral_id"] == linked), None)
    # No one on duty here now (stop 59's hospital desk: the board said so, the desk's own page not):
    # away from this page, a new red referral reaches no one. Read once, with the page.
    unit = page.principal.agency_id or ""
    alone = context["receives"] and unit in unstaffed(container, {unit})
    return render(request, "desk.html", {**context, "notice": DONE.get(done), "own_notices": own,
                                         "acted_on": acted,  # named in the notice, marked in the list
                                         "unstaffed": alone})


@router.get("/desk/inbox")
def desk_inbox(request: Request, page: DeskPart, container: ContainerDep) -> Response:
    return render(request, "desk_inbox.html", _context(request, container, page))
