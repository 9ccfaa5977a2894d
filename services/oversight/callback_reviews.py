"""Whether a supervisor reviewed a case after its reporter was dissatisfied at the callback (回访,
contract §13): the first review or reassessment at or after the result was recorded, the same
rule that clears the board's 回访不满意 flag (callbacks.flag_dissatisfied); for /callbacks and
the monthly workbook."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from projections.desk.reader import REVIEWS, DeskQueries
from services.bootstrap import ApiContainer
from services.common.auditnote import Principal
from services.intake.callback import DISSATISFIED
from services.intake.callback_book import CallbackRow
from services.oversight.board_callbacks import region_callbacks


def reviewed_at(view: DeskQueries, rows: Iterable[CallbackRow]) -> dict[str, datetime]:
    """Each dissatisfied callback (by id) whose case was reviewed since: the first such review."""
    unhappy = [r for r in rows if r.satisfaction == DISSATISFIED and r.done_at is not None]
    cases = {c["case_id"]: c for c in view.cases_by_id(sorted({r.case_id for r in unhappy}))}
    found = {}
    for r in unhappy:
        assert r.done_at is not None
        timeline = cases[r.case_id]["timeline"] if r.case_id in cases else []
        after = [at for t in timeline if t["type"] in REVIEWS
                 and (at := datetime.fromisoformat(t["at"])) >= r.done_at]
        if after:
            found[r.callback_id] = min(after)
    return found


def region_callbacks_reviewed(c: ApiContainer, who: Principal) -> dict[str, list[dict[str, Any]]]:
    """The region's due and done callbacks (board_callbacks.region_callbacks), each dissatisfied
    one with `reviewed_at`: when the case was first reviewed after it (None: not yet)."""
    listed = region_callbacks(c, who)
    reviewed = reviewed_at(c.view, (r for r in c.callbacks.book.read() if who.sees_region(r.region_code)))
    for row in listed["done"]:
        if row["satisfaction"] == DISSATISFIED:
            at = reviewed.get(row["callback_id"])
            row["reviewed_at"] = at.isoformat() if at else None
    return listed
