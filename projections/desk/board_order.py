"""The order of the supervisor's board: what wants a supervisor first."""

from __future__ import annotations

from projections.desk.rows import CaseRow
from services.common.vocabulary import RISK_RANK


def board_order(cases: list[CaseRow]) -> list[CaseRow]:
    """Escalated first, then those waiting for review, then the open ones by risk, then those
    closed (结案) by risk (stop 55's county supervisor: closed ones sat among the open); within a
    level, escalated ones overdue longest first (stop 51's review), the others newest first.
    Applied again once flags read from elsewhere (unreached, dissatisfied) are set."""
    def overdue_since(c: CaseRow) -> str:
        late = [r["due_at"] for r in c["referrals"] if r["status"] == "escalated"]
        return min(late) if c["escalated"] and late else ""

    def closed(c: CaseRow) -> bool:
        plan = c["followup"]
        return plan is not None and plan["status"] == "closed"

    cases.sort(key=lambda c: c["opened_at"], reverse=True)
    cases.sort(key=lambda c: (not c["escalated"], not c["needs_review"], closed(c),
                              RISK_RANK.get(c["risk_level"], 9), overdue_since(c)))
    return cases
