"""What a follow-up card shows beyond the view's row: the visits with the level the latest one
suggested, and a case just changed read from the store itself (the view lags it a moment)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.common.errors import NotFound
from services.common.vocabulary import BEIJING
from services.dispatch.followups import VisitClock
from services.oversight.followups import in_visit_order


def pending_suggestion(case: dict[str, Any]) -> str | None:
    """The level the latest visit suggested, while the supervisor has not yet decided on it."""
    followup = case.get("followup") or {}
    return followup.get("suggested_level") if "suggested_level" in case.get("review_reasons", ()) else None


def card_visits(case: dict[str, Any]) -> list[dict[str, Any]]:
    """The visits in order; the view keeps only the last suggestion made, on the visit that made it."""
    followup = case.get("followup") or {}
    made = [dict(v, suggested_level=None, made=made_key(v)) for v in followup.get("visits", [])]
    by = followup.get("suggested_visit")
    for v in made:
        if v["visit_id"] == by or (by is None and v is made[-1]):
            v["suggested_level"] = followup.get("suggested_level")
    return made


def made_key(visit: dict[str, Any]) -> str:
    """A visit as its form was filled ("YYYY-MM-DDTHH:MM|visitor", Beijing time): a draft that
    matches one was sent already."""
    at = visit["visited_at"]
    at = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
    return f"{at.astimezone(BEIJING):%Y-%m-%dT%H:%M}|{str(visit.get('visitor') or '').strip()}"


def refreshed(container: Any, plans: list[dict[str, Any]], case_id: str, unit: str | None,
              now: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str | None]:
    """The plans with this case's row, visits and pending suggestion as the store has them."""
    try:
        plan = container.dispatch.plan_for(case_id, unit=unit)
    except NotFound:
        return plans, [], None
    made = in_visit_order(plan.visits)
    visits = [{"visit_id": v["visit_id"], "visited_at": v["visited_at"].isoformat(), "visitor": v["visitor"],
               "child_seen": v["child_seen"], "measures": v["measures"],
               "suggested_level": v.get("suggested_level"), "made": made_key(v)} for v in made]
    last = made[-1]["visited_at"].isoformat() if made else None
    row = {"next_visit_due": plan.next_due.isoformat(), "overdue": VisitClock.overdue(plan.next_due, now),
           "visits_done": len(made), "last_visit": last, "helper": plan.helper}
    suggestion = next((v["suggested_level"] for v in reversed(visits) if v["suggested_level"]), None)
    return [dict(p, **row) if p["case_id"] == case_id else p for p in plans], visits, suggestion


def next_visit(clock: VisitClock, plan: Any) -> tuple[datetime, bool]:
    """The one next visit the pages give for a plan (its aggregate), and whether it is sooner
    than the plan's because the latest visit did not see the child."""
    again = clock.go_again_by(plan.risk_level, ((v["visited_at"], v["child_seen"]) for v in plan.visits),
                              plan.next_due)
    return (again, True) if again else (plan.next_due, False)


def visit_due(clock: VisitClock, case: dict[str, Any]) -> tuple[str, bool]:
    """The same for a case's follow-up as the view has it (the board's line: stop 58's child
    director's card said 12-07, the board the plan's 12-09)."""
    followup = case["followup"]
    made = ((datetime.fromisoformat(v["visited_at"]), v["child_seen"]) for v in followup["visits"])
    again = clock.go_again_by(case["risk_level"], made, datetime.fromisoformat(followup["next_visit_due"]))
    return (again.isoformat(), True) if again else (followup["next_visit_due"], False)
