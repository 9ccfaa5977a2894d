"""The supervisor's board reads (contract §9): the active follow-up plans, every case with the red
referrals nobody was told of flagged, and why each finished referral ended."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from projections.desk.reader import CaseRow
from services.bootstrap import ApiContainer
from services.common.errors import NotFound
from services.common.principal import Principal
from services.oversight.unreached import UNREACHED, flag_unreached, unreached_units


def active_plans(c: ApiContainer, who: Principal) -> list[Any]:
    """The active plans of the caller's region (contract §12)."""
    return [p for p in c.view.followups(datetime.now(UTC), region=who.region) if p["status"] == "active"]


def flagged_cases(c: ApiContainer, who: Principal) -> list[CaseRow]:
    """The cases of the caller's region, the red referrals nobody was told of flagged."""
    return flag_unreached(c.view.list_cases(None, None, region=who.region), c.notify)


def referral_notes(c: ApiContainer, cases: list[Any]) -> dict[str, dict[str, str]]:
    """Why a unit declined, or what it did: kept in the referral's (encrypted) events, not in the
    view, and read for the referrals that ended so."""
    notes: dict[str, dict[str, str]] = {}
    for case in cases:
        for r in case["referrals"]:
            if r["status"] in ("declined", "closed"):
                try:
                    referral = c.dispatch.get_referral(r["referral_id"])
                except NotFound:
                    continue
                notes[r["referral_id"]] = {"reason": referral.decline_reason or "",
                                           "outcome": referral.outcome or "", "note": referral.note or ""}
    return notes


def unreached_by_case(c: ApiContainer, cases: list[Any]) -> dict[str, list[str]]:
    """The units of the red referrals nobody was told of, per case flagged so."""
    return {case["case_id"]: unreached_units(case, c.notify) for case in cases
            if UNREACHED in case["review_reasons"]}
