"""Cases with a red referral that reached no one: its unit had no on-duty contact with a webhook
when it was dispatched (contract §8). The notifier knows; the board and the case show it."""

from __future__ import annotations

from typing import Any

from projections.desk.reader import CaseRow
from services.common.vocabulary import UNACKNOWLEDGED_STATUSES
from services.notify.application import NotifyApplication

UNREACHED = "unreached"


def flag_unreached(cases: list[CaseRow], notify: NotifyApplication) -> list[CaseRow]:
    """Each case with an unacknowledged red referral nobody was told of: `unreached` among its
    review reasons (read from notify's store: one look per such referral)."""
    for case in cases:
        for referral in case["referrals"]:
            if referral["risk_level"] != "red" or referral["status"] not in UNACKNOWLEDGED_STATUSES:
                continue
            watch = notify.watch(referral["referral_id"])
            if watch is not None and watch.on_duty == 0:
                case["review_reasons"] = sorted({*case["review_reasons"], UNREACHED})
                case["needs_review"] = True
    return cases


def flag_case(case: CaseRow | None, notify: NotifyApplication) -> Any:
    return flag_unreached([case], notify)[0] if case is not None else None
