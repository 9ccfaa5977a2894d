"""What the notifier did (contract §8), for supervisors: each delivery of a referral, and per unit
who is on duty now, the last delivery taken and the failures (the API and the /oncall page)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.bootstrap import ApiContainer
from services.common.auditnote import Principal, within
from services.common.errors import NotFound
from services.common.vocabulary import UNACKNOWLEDGED_STATUSES
from services.notify import webhook
from services.notify.domain import SUPERVISORS, UPWARD, Delivery, receiver_of
from services.oversight.jurisdiction import check_referral


def delivery_out(d: Delivery) -> dict[str, Any]:
    return {"event": d.event_name, "contact": d.contact, "attempts": d.attempts,
            "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None,
            "last_error": webhook.recorded(d.last_error), "gave_up": d.gave_up, "next_attempt_at":
                d.next_at.isoformat() if d.pending else None}


def referral_deliveries(c: ApiContainer, who: Principal, referral_id: str) -> list[dict[str, Any]]:
    """Every webhook owed for a referral and each attempt's outcome, oldest first; a referral
    outside a region-bound supervisor's region is not found (contract §12)."""
    if who.region is not None:
        check_referral(c, who, referral_id)
    return [delivery_out(d) for d in c.notify.deliveries(referral_id)]


def referral_notifications(c: ApiContainer, who: Principal, referral_id: str) -> dict[str, Any]:
    """A referral (its unit, case, level and status) and every notification owed for it, oldest
    first, for the board's page; outside a region-bound supervisor's region, not found (§12)."""
    referral = check_referral(c, who, referral_id)
    watch = c.notify.watch(referral_id)  # read once: who was on duty, and each delivery
    return {"referral": referral, "on_duty": watch.on_duty if watch else None,
            "deliveries": [delivery_out(d) | {"planned_at": d.planned_at.isoformat()}
                           for d in (c.notify.deliveries(referral_id, watch) if watch else [])]}


def undelivered(c: ApiContainer, cases: list[Any]) -> dict[str, dict[str, Any]]:
    """The waiting referrals whose unit no notification has reached: every one to its contacts
    tried and failed so far (stop 51's review: the board showed who was on duty, not that nobody
    was told). Read only for the units whose receivers failed in the last day (one read of the
    notifier's health), one watch and its deliveries each."""
    health = c.notify.receiver_health(datetime.now(UTC))
    failing = {v["agency_id"] for k, v in health.items()
               if k not in (SUPERVISORS, UPWARD) and (v["consecutive_failures"] or v["failures_24h"])}
    found: dict[str, dict[str, Any]] = {}
    for case in cases:
        for r in case["referrals"]:
            if r["status"] not in UNACKNOWLEDGED_STATUSES or r["agency_id"] not in failing:
                continue
            mine = [d for d in _sent(c, r["referral_id"]) if d.contact not in (SUPERVISORS, UPWARD)]
            tried = [d for d in mine if d.attempts]
            if tried and not any(d.delivered_at for d in mine):
                last = max(tried, key=lambda d: d.next_at)
                # Counted in notifications, not attempts (the supervisor's review, stop 52: "失败31次"
                # added three notifications' attempts up).
                found[r["referral_id"]] = {
                    "contacts": sorted({d.contact for d in tried}), "notifications": len(mine),
                    "last_error": webhook.recorded(last.last_error),
                    "retrying": sum(1 for d in mine if d.pending)}
    return found


def whom_to_call(container: Any, units: set[str]) -> tuple[dict[str, tuple[str, str]], set[str]]:
    """For the board's waiting units, their rosters read once: whom to call at each
    (`duty_phones`) and those nobody on duty can be told of now (`unstaffed`)."""
    rosters = container.notify.rosters(units)
    return duty_phones(container, units, rosters), unstaffed(container, units, rosters)


def unstaffed(container: Any, units: set[str], rosters: dict[str, Any] | None = None) -> set[str]:
    """The units nobody on duty can be told of now (no roster, or no one on duty with a webhook):
    a waiting referral of any level there reaches no one (the supervisor's review, stop 52: only
    red ones were flagged)."""
    now, found = datetime.now(UTC), set()
    rosters = container.notify.rosters(units) if rosters is None else rosters
    for unit in units:
        roster = rosters.get(unit)
        if not any(c.webhook_url for c in (roster.on_duty(now) if roster else [])):
            found.add(unit)
    return found


def _sent(c: ApiContainer, referral_id: str) -> list[Delivery]:
    try:
        return c.notify.deliveries(referral_id)
    except NotFound:  # dispatched before notify saw it, or in a store without it
        return []


def receiver_row(contact: str, seen: dict[str, Any] | None) -> dict[str, Any]:
    seen = seen or {}
    return {"contact": contact, "consecutive_failures": seen.get("consecutive_failures", 0),
            "last_success_at": seen.get("last_success_at"), "pending": seen.get("pending", 0)}


def unit_health(container: Any, region: str | None = None) -> list[dict[str, Any]]:
    """Each unit referred to (in `region` when given: a county's supervisor sees its own units):
    who is on duty now, whose notices keep failing, the last delivery and the day's failures."""
    now, notify = datetime.now(UTC), container.notify
    seen = notify.receiver_health(now)
    rows = []
    # Units never referred to (procuratorate, court, justice: they notify) need no one on duty.
    receiving = [a for a in container.directory.agencies if container.dispatch.matrix.receives(a.kind)
                 and (region is None or any(within(r, region) for r in a.regions))]
    for agency in receiving:
        roster = notify.roster(agency.agency_id)
        reachable = [c.name for c in (roster.on_duty(now) if roster else []) if c.webhook_url]
        mine = {k: v for k, v in seen.items() if k != SUPERVISORS and v["agency_id"] == agency.agency_id}
        last = max((v["last_success_at"] for v in mine.values() if v["last_success_at"]), default=None)
        hooked = [c.name for c in (roster.contacts if roster else []) if c.webhook_url]
        receivers = [receiver_row(c, seen.get(receiver_of(agency.agency_id, c))) for c in hooked]
        rows.append({"agency_id": agency.agency_id, "name": agency.name, "kind": agency.kind,
                     "phone": agency.phone, "county": min((r[:6] for r in agency.regions), default=""),
                     "on_duty_now": reachable, "unreachable": not reachable, "last_delivery_at": last,
                     "failures_24h": sum(v["failures_24h"] for v in mine.values()),
                     "failing": [r["contact"] for r in receivers
                                 if r["consecutive_failures"] and r["contact"] in reachable],
                     "receivers": receivers})
    # Nobody can be told there, or whoever is on duty is not being told: first (stop 52's review
    # found a failing unit last of ten on a phone).
    rows.sort(key=lambda r: (not (r["unreachable"] or r["failing"]), -r["failures_24h"], r["agency_id"]))
    return rows


def by_county(container: Any, rows: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The rows by the county their unit serves, each named; a county with a unit nobody can be
    told of first (stop 53's review: /oncall was one list of every county's units)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row.get("county", ""), []).append(row)
    calm = {k: not any(r["unreachable"] or r["failing"] for r in v) for k, v in groups.items()}
    order = sorted(groups, key=lambda k: (k == "", calm[k], k))
    return [(container.directory.region_name(k) if k else "上级督导与上报", groups[k]) for k in order]


def all_health(container: Any) -> list[dict[str, Any]]:
    """Every unit's row, then the supervisors' webhook and the upward report of major incidents
    (§12) where configured here or seen by the notifier (the API may lack the setting)."""
    rows = unit_health(container)
    if container.notify.supervisors is not None:
        rows.append(supervisors_health(container))
    upward = hook_health(container, UPWARD, "上级报告（重大事项）")
    if container.notify.upward is not None or upward["last_delivery_at"] or upward["failures_24h"]:
        rows.append(upward)
    return rows


def supervisors_health(container: Any) -> dict[str, Any]:
    """The supervisors' webhook (HOTLINE_SUPERVISOR_WEBHOOK), as a row of its own."""
    return hook_health(container, SUPERVISORS, "上级督导")


def hook_health(container: Any, receiver: str, name: str) -> dict[str, Any]:
    """A webhook of its own (the supervisors', or the upward report of major incidents) as a row."""
    seen = container.notify.receiver_health(datetime.now(UTC)).get(receiver) or {}
    row = receiver_row(receiver, seen)
    return {"agency_id": receiver, "name": name, "kind": receiver, "on_duty_now": [receiver], "county": "",
            "unreachable": False, "failing": [receiver] if row["consecutive_failures"] else [],
            "last_delivery_at": seen.get("last_success_at"), "failures_24h": seen.get("failures_24h", 0),
            "receivers": [row]}


def duty_phones(container: Any, units: set[str], rosters: dict[str, Any] | None = None
                ) -> dict[str, tuple[str, str]]:
    """Whom a supervisor calls at each of these units when a referral cannot wait (the city
    supervisor's third review, stop 50: no page gave one): the first contact on duty now with a
    phone, else ("", the unit's duty phone from the directory) (stop 52's review: a unit without a
    roster had no number anywhere)."""
    now, found = datetime.now(UTC), {}
    rosters = container.notify.rosters(units) if rosters is None else rosters
    for unit in units:
        roster = rosters.get(unit)
        on_duty = [c for c in roster.on_duty(now) if c.phone] if roster else []
        agency = container.directory.get(unit)
        if on_duty:
            found[unit] = (on_duty[0].name, on_duty[0].phone)
        elif agency is not None and agency.phone:
            found[unit] = ("", agency.phone)
    return found


def set_roster(c: ApiContainer, agency_id: str, contacts: list[dict[str, Any]], secret: Any, *, by: str,
               actor: Any) -> Any:
    """Save a unit's roster; then what it has waiting that nobody could be told of is told now (the
    IT office's second review, stop 60: a red referral sent before the roster waited untold)."""
    roster = c.notify.set_roster(agency_id, contacts, secret, by=by, actor=actor)
    waiting = [r["referral_id"] for r in c.view.desk_referrals(agency_id, ended=0)
               if r["status"] in UNACKNOWLEDGED_STATUSES]
    if waiting:
        c.notify.tell_waiting(agency_id, waiting, datetime.now(UTC))
    return roster
