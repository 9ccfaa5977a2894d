"""The supervisor's board reads (contract §9): the active follow-up plans, every case with the red
referrals nobody was told of flagged, and why each finished referral ended."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from projections.desk.board_order import board_order
from projections.desk.reader import CaseRow
from services.bootstrap import ApiContainer
from services.common.auditnote import Principal
from services.common.errors import NotFound
from services.common.vocabulary import UNACKNOWLEDGED_STATUSES
from services.dispatch.routing import Agency
from services.oversight.callbacks import flag_dissatisfied
from services.oversight.calls import call_out, unanswered_calls
from services.oversight.referrals import progress_out
from services.oversight.unreached import UNREACHED, flag_unreached, unreached_units


def active_plans(c: ApiContainer, who: Principal) -> list[Any]:
    """The active plans of the caller's region (contract §12)."""
    return [p for p in c.view.followups(datetime.now(UTC), region=who.region) if p["status"] == "active"]


def flagged_cases(c: ApiContainer, who: Principal) -> list[CaseRow]:
    """The cases of the caller's region, the red referrals nobody was told of flagged, and the
    reporters dissatisfied at the callback (§13)."""
    flagged = flag_dissatisfied(c, flag_unreached(c.view.list_cases(None, None, region=who.region), c.notify))
    return board_order(flagged)  # a flag puts its case up for review: listed so (stop 50's review)


def referral_notes(c: ApiContainer, cases: list[Any]) -> dict[str, dict[str, str]]:
    """Why a unit declined, or what it did, why a supervisor re-routed to it, the supervisors'
    calls to it (电话督办) and its progress (办理进展): kept in the referral's (encrypted) events,
    not in the view, and read for the referrals that ended so, were routed by hand (a timeline
    line by someone other than dispatch) or have a timeline line of a call or of progress."""
    by_hand = {t.get("referral_id") for case in cases for t in case["timeline"]
               if (t["type"] == "referral_dispatched" and t["by"] != "dispatch")
               or t["type"] in ("referral_phoned", "referral_progressed")}
    notes: dict[str, dict[str, Any]] = {}
    for case in cases:
        for r in case["referrals"]:
            if r["status"] in ("declined", "closed") or r["referral_id"] in by_hand:
                try:
                    referral = c.dispatch.get_referral(r["referral_id"])
                except NotFound:
                    continue
                notes[r["referral_id"]] = {"reason": referral.decline_reason or "",
                                           "withdrawn": referral.withdrawn,
                                           "outcome": referral.outcome or "", "note": referral.note or "",
                                           "routing": referral.routing_reason or "",
                                           "calls": [call_out(x) for x in referral.calls],
                                           "owed": len(unanswered_calls(referral)),  # not answered yet
                                           "progress": [progress_out(x) for x in referral.progress]}
    return notes


def unreached_by_case(c: ApiContainer, cases: list[Any]) -> dict[str, list[str]]:
    """The units of the red referrals still unacknowledged that nobody was told of, per case: a
    fact about now, shown after a review too (the review only settles it as a reason)."""
    found = {case["case_id"]: unreached_units(case, c.notify, since_review=False) for case in cases
             if UNREACHED in case["review_reasons"] or any(
                 r["risk_level"] == "red" and r["status"] in UNACKNOWLEDGED_STATUSES
                 for r in case["referrals"])}
    return {case_id: units for case_id, units in found.items() if units}


def closed_by_supervisor(case: Any) -> bool:
    """Whether a supervisor closed the case (结案): its plan ended. Every referral closed is not that
    (the view's `status` says "closed" then too): the operator's review, stop 54, found such a case
    said 已结案 on the board, with 重新交办 offered and 结案 gone."""
    plan = case.get("followup")
    return plan is not None and plan["status"] == "closed"


def case_state(case: Any) -> str:
    """What matters most about the case now (BOARD_STATUS_TEXT): closed; not yet referred; a
    referral past its time; no unit holding it (each declined or withdrawn: stop 58's city
    supervisor, a red case withdrawn from its only unit showed no alarm); a decline not yet settled;
    some waiting and some taken up; one waiting; one taken up; all done."""
    statuses = {r["status"] for r in case["referrals"]}
    if case["status"] == "closed" and closed_by_supervisor(case):
        return "closed"
    if not statuses:
        return "triaged"
    if "escalated" in statuses:
        return "escalated"
    if statuses == {"declined"}:
        return "unheld"
    if "declined" in statuses and "declined" in case["review_reasons"]:
        return "declined"
    if {"dispatched", "acknowledged"} <= statuses:
        return "partly"
    for status in ("dispatched", "acknowledged"):
        if status in statuses:
            return status
    return "referrals_closed"


def review_reasons(case: Any) -> list[str]:
    """Why the case waits for a supervisor (REVIEW_REASON_TEXT), never none when it does: the
    view's open flags, else triage's own (no concerns chosen, or its rules asked for a look)."""
    if not case["needs_review"]:
        return []
    return list(case["review_reasons"]) or ["triage" if case["concerns"] else "no_concerns"]


def counties(c: ApiContainer, who: Principal) -> list[tuple[str, str]]:
    """The counties of the caller's region, by name (the board's county filter)."""
    return [(code, c.directory.region_name(code)) for code in c.directory.subregions(who.region, 6)]


def county_chosen(c: ApiContainer, who: Principal, asked: str) -> tuple[str, list[tuple[str, str]]]:
    """The county a supervisor asked for if it is one of their region's ("" for all), and the
    counties to choose from: none for anyone else, nor when the region holds only one."""
    choices = counties(c, who) if who.role == "supervisor" else []
    return (asked if asked in dict(choices) else ""), (choices if len(choices) > 1 else [])


def units_by_county(c: ApiContainer, region_code: str, units: list[Agency]) -> list[tuple[str, list[Agency]]]:
    """The units a case can be re-routed to, by the county they serve (the case's own first, then
    those enclosing it, then the others), each group named."""
    own = region_code[:6]
    groups: dict[str, list[Agency]] = {}
    for unit in units:
        served = min((r[:6] for r in unit.regions), key=lambda r: (not own.startswith(r), r), default="")
        groups.setdefault(served, []).append(unit)
    order = sorted(groups, key=lambda r: (r != own, not own.startswith(r), r))
    # Another county's units said as such (stop 64's supervisor: 清城区's were easy to pick for a 连南 child).
    def named(r: str) -> str:
        return ("" if own.startswith(r) else "其他县区：") + (c.directory.region_name(r) or "其他单位")
    return [(named(r), groups[r]) for r in order]
