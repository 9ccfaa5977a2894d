"""What a case's update asks of its referrals: a raise re-times those waiting, a report joining an
urgent case is told to those taken on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.common.vocabulary import RISK_RANK


def raised(case: Mapping[str, Any]) -> bool:
    """A case update that put the level up (an opening has no level before it)."""
    previous = case.get("previous_risk_level")
    return previous in RISK_RANK and RISK_RANK[case["risk_level"]] < RISK_RANK[previous]


def told(case: Mapping[str, Any]) -> bool:
    """A report joined a red or orange case: the units that took it on are told (their on-call's
    phone, not only an open inbox); a lower case's new report waits in the inbox."""
    return case.get("reason") == "report_joined" and bool(case.get("report_id")) \
        and case["risk_level"] in ("red", "orange")
