"""The waiting referrals' units that nobody was, or can now be, told of: no one on duty there
now (any level), a red one whose watch reached no one on duty, or every notification failed. What
the board says of them, for the operator who filed the report (stop 59's operator: her page said
待接收 while the board said 无人值守，未能通知)."""

from __future__ import annotations

from typing import Any

from services.common.vocabulary import UNACKNOWLEDGED_STATUSES
from services.intake.lookups import Submission, UntoldUnit
from services.oversight.notifications import undelivered, unstaffed
from services.oversight.unreached import unreached_units


def untold_units(container: Any, cases: list[Any]) -> dict[str, set[str]]:
    """Per case id, the units of its waiting referrals nobody was or can be told of (rosters read
    once for all of them)."""
    waiting = {c["case_id"]: {r["agency_id"] for r in c["referrals"]
                              if r["status"] in UNACKNOWLEDGED_STATUSES} for c in cases}
    units = set().union(*waiting.values()) if waiting else set()
    nobody = unstaffed(container, units) if units else set()
    failed = undelivered(container, cases) if units else {}
    found: dict[str, set[str]] = {}
    for case in cases:
        untold = (waiting[case["case_id"]] & nobody) | set(unreached_units(case, container.notify,
                                                                            since_review=False))
        untold |= {r["agency_id"] for r in case["referrals"] if r["referral_id"] in failed}
        if untold:
            found[case["case_id"]] = untold
    return found


def mark_untold(container: Any, rows: list[Any]) -> list[Any]:
    """An operator's shift rows, each marked when a unit of its case is untold (本班来电): one read
    of the cases and of the rosters for the whole list."""
    mine = [r for r in rows if isinstance(r, Submission) and r.waiting]
    if mine:
        found = untold_units(container, container.view.cases_by_id(sorted({r.case_id for r in mine})))
        for row in mine:
            row.untold = row.case_id in found
            row.untold_units = [unit_line(container, unit) for unit in sorted(found.get(row.case_id, ()))]
    return rows


def unit_line(container: Any, agency_id: str) -> UntoldUnit:
    """A unit by its name and its duty line (directory data)."""
    unit = container.directory.get(agency_id)
    return UntoldUnit(agency_id=agency_id, name=unit.name if unit else agency_id,
                      phone=(unit.phone or "") if unit else "")
