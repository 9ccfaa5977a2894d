"""Cases with a red referral that reached no one: its unit had no on-duty contact with a webhook
when it was dispatched (contract §8). The notifier knows; the board and the case show it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from projections.desk.reader import REVIEWS, CaseRow
from services.common.vocabulary import UNACKNOWLEDGED_STATUSES
from services.notify.application import NotifyApplication

UNREACHED = "unreached"


def flag_unreached(cases: list[CaseRow], notify: NotifyApplication) -> list[CaseRow]:
    """Each case with an unacknowledged red referral nobody was told of: `unreached` among its
    review reasons (read from notify's store: one look per such referral)."""
    for case in cases:
        if unreached_units(case, notify):
            case["review_reasons"] = sorted({*case["review_reasons"], UNREACHED})
            case["needs_review"] = True
    return cases


def unreached_units(case: CaseRow, notify: NotifyApplication, since_review: bool = True) -> list[str]:
    """The units of the case's unacknowledged red referrals nobody was told of; with
    `since_review`, only those sent since a supervisor last reviewed the case (a review settles
    them as a reason to look, not as a fact: the board still says nobody was told)."""
    reviewed = max((t["at"] for t in case["timeline"] if t["type"] in REVIEWS), default="") \
        if since_review else ""
    units = []
    for referral in case["referrals"]:
        if referral["risk_level"] != "red" or referral["status"] not in UNACKNOWLEDGED_STATUSES:
            continue
        if reviewed and _after(reviewed, referral["dispatched_at"]):
            continue
        watch = notify.watch(referral["referral_id"])
        if watch is not None and watch.on_duty == 0:
            units.append(referral["agency_id"])
    return units


def _after(a: str, b: str) -> bool:
    return datetime.fromisoformat(a) > datetime.fromisoformat(b)


def flag_case(case: CaseRow | None, notify: NotifyApplication) -> Any:
    return flag_unreached([case], notify)[0] if case is not None else None
