"""What a case's rows say of it: its status (contract §6), whether a unit has still to take it
on, and whether its child is still visited."""

from __future__ import annotations

from projections.desk.rows import CaseRow, ReferralRow


def visits_go_on(case: CaseRow | None) -> bool:
    """Whether the case's follow-up plan is active (its child still visited)."""
    plan = case["followup"] if case else None
    return plan is not None and plan["status"] == "active"


def waiting(case: CaseRow | None) -> str:
    """Whether a unit has still to take the case on: "overdue" once one is past its time,
    "partly" when another has."""
    states = {r["status"] for r in case["referrals"]} if case else set()
    if "escalated" in states:
        return "overdue"
    if "dispatched" not in states:
        return ""
    return "partly" if states & {"acknowledged", "closed"} else "waiting"


def case_status(referrals: list[ReferralRow], closed: bool = False) -> str:
    """A case's status follows from its referrals, until a supervisor closes it (contract §6)."""
    if closed:
        return "closed"
    if not referrals:
        return "triaged"
    if all(r["status"] == "closed" for r in referrals):
        return "closed"
    return "dispatched"
