"""What the desk's pages show of a case, in Chinese: its reports as the unit may read them, its
timeline, whom to visit and where, and how a finished referral ended."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from services.bootstrap import ApiContainer
from services.common.labels import CALLER_RELATION_LABELS, CHANNEL_TEXT, SENTINEL_KIND_TEXT
from services.dispatch.application import DispatchApplication
from services.dispatch.followup import FollowUpPlan
from services.oversight.ledger import GENDER_TEXT
from services.oversight.notifications import duty_phones
from services.oversight.referrals import reports_for

RELATION_TEXT = dict(CALLER_RELATION_LABELS)
FINISHED = ("declined", "closed")


def timeline(case: Any, plan: FollowUpPlan | None, referral: Any = None) -> list[Any]:
    """The case's events in order (the view follows the stores: empty for a moment at first);
    each visit with when it was made, whether the child was seen and the level it suggested,
    from the plan (its visits are in the order of their events, as the timeline's are); the
    page's own referral taken on, declined or closed from its store if the view has not yet."""
    events = [dict(t) for t in case["timeline"]] if case else []
    if referral is not None:
        events += _fresh(referral, events)
    made = iter(plan.visits if plan else [])
    for event in (t for t in events if t["type"] == "followup_visited"):
        visit = next(made, None)
        if visit is not None:
            event["child_seen"], event["suggested_level"] = visit["child_seen"], visit.get("suggested_level")
            event["visited_at"] = visit["visited_at"].isoformat()  # type: ignore[attr-defined]
    return events


def with_reasons(container: ApiContainer, case_id: str, events: list[Any],
                 plan: FollowUpPlan | None) -> list[Any]:
    """The supervisors' reasons on the unit's timeline: a reassessment's or review's (kept in
    triage's store) and a closure's (in the plan), each checked to name no one when written (stop
    58's child director: "重新评估 · 督办人员" said nothing of "请派出所介入")."""
    if any(t["type"] in ("case_reassessment", "case_review") for t in events):
        texts = {_moment(r["at"]): r["text"] for r in container.triage.reasons(case_id)}
        for t in events:
            if t["type"] in ("case_reassessment", "case_review"):
                t["written"] = texts.get(_moment(t["at"]), "")
    for t in events:
        if t["type"] == "case_closed" and plan is not None:
            t["written"] = next((str(c["reason"]) for c in plan.closings
                                 if abs(c["at"].timestamp() - _moment(t["at"])) < 1), "")  # type: ignore[attr-defined]
    return events


def _moment(at: str) -> float:
    return round(datetime.fromisoformat(at).timestamp(), 3)


def _fresh(r: Any, events: list[Any]) -> list[Any]:
    """What the desk just did to its referral (the aggregate) and the view does not show yet (a
    moment after 办结, 案件经过 ended at 接收: the police desk's review, stop 46)."""
    steps = []
    if r.acknowledged_at is not None:
        steps.append(("referral_acknowledged", r.acknowledged_at.isoformat(), r.acknowledged_by))
    if r.status in FINISHED:
        steps.append((f"referral_{r.status}", ended_when(r), r.ended_by))
    shown = {(t["type"], t.get("agency_id")) for t in events}
    return [{"at": at, "type": kind, "by": by, "agency_id": r.agency_id}
            for kind, at, by in steps if (kind, r.agency_id) not in shown]


def reports(container: ApiContainer, disclosed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each report as disclosed, with its place by name and its codes in words."""
    out = []
    for r in disclosed:
        reporter = r.get("reporter") or {}
        unit = container.directory.get(r.get("filing_unit") or "")
        point = container.accounts.sentinel(r["sentinel_id"]) if r.get("sentinel_id") else None
        out.append({
            "filing_unit_name": unit.name if unit else "",
            "sentinel": f"{point.name}（监测哨点·{SENTINEL_KIND_TEXT.get(point.kind, point.kind)}）"
                        if point else "",
            **r,
            "place": container.directory.place_name(r["region_code"]) or r["region_code"],
            "channel_text": CHANNEL_TEXT.get(r.get("channel") or "unknown", "未知"),
            "children": [{**c, "gender_text": GENDER_TEXT.get(c.get("gender") or "unknown", "不详")}
                         for c in r.get("children", [])],
            "relation_text": RELATION_TEXT.get(reporter.get("relation") or "", ""),
        })
    return out


WITHDRAWN = "督办撤回原因"  # a referral a supervisor ended (stop 58), said apart from the unit's 退回


@lru_cache(maxsize=4096)
def _ending(dispatch: DispatchApplication, referral_id: str) -> tuple[str, str, str, str]:
    referral = dispatch.get_referral(referral_id)
    when = ended_when(referral)
    if referral.status == "declined":
        return WITHDRAWN if referral.withdrawn else "退回原因", referral.decline_reason or "", when, ""
    # As typed (its 。 kept, none added), the note on a line of its own, as on the referral's page.
    return "处置结果", referral.outcome or "", when, referral.note or ""


def ended_when(referral: Any) -> str:
    """When a finished referral (the aggregate) was closed or declined: a decline is its last
    event. From the store, which the view's timeline follows a moment later."""
    return str((referral.closed_at or referral.modified_on).isoformat())


def endings(dispatch: DispatchApplication, rows: list[Any]) -> dict[str, tuple[str, str, str, str]]:
    """Why, when and with what note each finished referral of an inbox ended: a decline's reason,
    a closure's outcome. Both states are final, so what was read once stays true (per process)."""
    return {r["referral_id"]: _ending(dispatch, r["referral_id"]) for r in rows if r["status"] in FINISHED}


def home(container: ApiContainer, case_id: str, recipient: str) -> dict[str, Any]:
    """Whom to visit, where and why, for a follow-up card: the case's children, addresses and
    narratives as this recipient may read them (contract §5), each once, with when it was
    reported and whether the child was in danger then (the child director's second review, stop
    54: a later "danger now" report read as part of the first)."""
    disclosed = reports(container, reports_for(container, case_id, recipient))
    children: dict[tuple[Any, ...], dict[str, Any]] = {}
    places: dict[tuple[str, str], None] = {}
    narratives: dict[str, dict[str, Any]] = {}
    concerns: dict[str, None] = {}
    for r in disclosed:
        concerns.update(dict.fromkeys(r.get("concerns") or ()))
        if r.get("narrative"):
            narratives.setdefault(r["narrative"], {"text": r["narrative"], "at": r["received_at"],
                                                   "danger": bool(r.get("immediate_danger"))})
        for c in r["children"]:
            children.setdefault((c.get("name"), c.get("id_number"), c.get("age")), c)
        places.pop((r["place"], r.get("address") or ""), None)  # the newest report's place last
        places[(r["place"], r.get("address") or "")] = None
    return {"children": list(children.values()), "places": list(places),
            "narratives": list(narratives.values()),
            "concerns": list(concerns)}


def supplements(reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every call-back's 补充 on the case's reports, oldest first: which report, which 补充, when,
    whether it said danger and what (stop 56's police desk: a danger call-back sat undated inside
    report 2, far down, and the page's top and 办结 spoke only of reports)."""
    out = []
    for n, p in enumerate(reports, start=1):
        texts = p.get("supplements") or []
        for m, facts in enumerate(p.get("supplement_facts") or [], start=1):
            out.append({"report": n, "n": m, "at": str(facts["at"]),
                        "immediate_danger": bool(facts["immediate_danger"]),
                        "text": texts[m - 1] if m <= len(texts) else None})
    return sorted(out, key=lambda s: s["at"])


def added_concerns(referral: dict[str, Any], reports: list[dict[str, Any]]) -> list[str]:
    """What the case's reports say that the referral did not when it was dispatched (a report
    that joined later: the child director's review, stop 51, saw only 失学 after 家庭暴力 came in)."""
    added: list[str] = []
    for r in reports:
        added += [c for c in r.get("concerns") or [] if c not in referral["concerns"] and c not in added]
    return added


def other_units(container: ApiContainer, case: Any, plan: FollowUpPlan | None,
                unit_id: str | None) -> list[dict[str, Any]]:
    """The case's other units and where their referrals stand, with whom to call at each now (the
    county civil desk's review, stop 51: the police held the case too, named on the timeline with
    no status and no contact), and how a finished one ended: its 处置结果 or 退回原因, no name in
    either (the education desk's second review, stop 60: the police closed "移交教育部门作纪律处理"
    and the bureau read only 已办结). Its progress notes stay with it."""
    referrals = [r for r in (case["referrals"] if case else []) if r["agency_id"] != unit_id]
    # The unit leading the visits, with or without a referral (the police desk's review, stop 54:
    # "police cannot see which civil-affairs office leads the follow-up, or its phone").
    lead = plan.lead_agency_id if plan is not None else None
    # A unit's latest round, and how many it had (stop 57's township police: the county's page
    # listed "三江派出所：已办结" twice, alike).
    rows: dict[str, tuple[str, int, str]] = {}
    for r in sorted(referrals, key=lambda r: str(r["dispatched_at"])):
        rows[r["agency_id"]] = (r["status"], rows.get(r["agency_id"], ("", 0, ""))[1] + 1, r["referral_id"])
    if lead and lead != unit_id and lead not in rows:
        rows[lead] = ("", 0, "")
    phones = duty_phones(container, set(rows))
    return [{"unit": unit.name if (unit := container.directory.get(agency)) else agency, "status": status,
             "round": n, "phone": phones.get(agency), "leads": agency == lead,
             "ended": _ending(container.dispatch, referral_id)[:2] if status in FINISHED else None}
            for agency, (status, n, referral_id) in rows.items()]


def own_rounds(container: ApiContainer, case: Any, unit_id: str | None, referral_id: str) -> list[Any]:
    """The unit's other referrals of the same case, oldest first: a closed case sent back (重办),
    or a new report after the unit closed its referral (stop 54), is a new round. A closed one
    says what the unit did then (stop 57's township police: the next round had only a link)."""
    rounds = sorted((r for r in (case["referrals"] if case else [])
                     if r["agency_id"] == unit_id and r["referral_id"] != referral_id),
                    key=lambda r: str(r["dispatched_at"]))
    return [{**r, "outcome": container.dispatch.get_referral(r["referral_id"]).outcome or ""}
            if r["status"] == "closed" else r for r in rounds]


def whom_to_ask(container: ApiContainer, plan: FollowUpPlan | None,
                unit_id: str | None = None) -> dict[str, Any] | None:
    """Whom a unit asks what the disclosure rule withholds from it: the unit that leads the case's
    follow-up, with the phones of its contacts on duty now (the education desk's second review,
    stop 50: "请联系县民政部门" named no one); None when that is the asking unit itself (then only
    the supervisors are left to ask: the child director's review, stop 51)."""
    lead = plan.lead_agency_id if plan is not None else None
    if lead is not None and lead == unit_id:
        return None
    unit = container.directory.get(lead or "")
    roster = container.notify.roster(lead) if lead else None
    phones = [(c.name, c.phone) for c in roster.on_duty(datetime.now(UTC)) if c.phone] if roster else []
    if not phones and unit is not None and unit.phone:
        phones = [("", unit.phone)]  # nobody on duty with a phone: the unit's own line (directory v6)
    return {"unit": unit.name if unit else "县民政部门", "phones": phones}


def police_nearby(container: ApiContainer, case: Any, reports: list[dict[str, Any]],
                  unit_id: str | None, place: str = "") -> dict[str, Any] | None:
    """The police unit of the newest report's place (or `place`) and whom to call there, for a
    unit holding a case in danger that no police unit holds (stop 58's child director: a red
    abandoned 3-year-old came to her alone, "报告未转接 110 / 120", and no police phone on the
    page; her second round: nor on the follow-up card she works from)."""
    danger = (case or {}).get("risk_level") == "red" or any(r.get("immediate_danger") for r in reports)
    police = [r for r in (case or {}).get("referrals", []) if r["agency_kind"] == "police"]
    held = any(r["status"] not in ("declined", "escalated") for r in police)
    # Referred, but past its time to 接收 (stop 63's hospital desk: a child beaten again, the police
    # overdue, and the page's top gave no 110 line, as it does when no police unit is referred).
    late = next((r["agency_id"] for r in police if r["status"] == "escalated"), None)
    place = place or (reports[-1]["region_code"] if reports else (case or {}).get("region_code", ""))
    unit = (container.directory.get(late) if late else container.directory.resolve("police", place)) \
        if danger and not held and (late or place) else None
    if unit is None or unit.agency_id == unit_id:
        return None
    return {"unit": unit.name, "phone": duty_phones(container, {unit.agency_id}).get(unit.agency_id),
            "late": late is not None}


def supervision_line(container: ApiContainer, region_code: str, viewer: str | None = None
                     ) -> dict[str, Any] | None:
    """Whom a unit calls to reach the supervisors of a case's county: its civil-affairs office,
    which supervises (督办) and reroutes (stop 62's police desk: after 退回 the page said to
    contact the supervisors and gave no number); `own` when that office is the viewer's unit."""
    unit = container.directory.resolve("civil_affairs", region_code[:6]) if region_code else None
    if unit is None:
        return None
    return {"unit": unit.name, "phone": unit.phone or "", "agency_id": unit.agency_id,
            "own": bool(viewer) and unit.agency_id == viewer}
