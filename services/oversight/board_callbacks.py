"""Callbacks (回访, contract §13) as the supervisor reads them: each case's results on its board
timeline (no note: the note is opened case by case, audited), whether a review settled a
dissatisfied reporter, and the region's due and done callbacks for the /callbacks page."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from projections.desk.reader import REVIEWS
from services.bootstrap import ApiContainer
from services.common.auditnote import Principal
from services.intake.callback_book import CallbackRow
from services.oversight.callbacks import DISSATISFIED

CALLBACK_LINE = "callback_recorded"  # the timeline's type for a callback's result
WITHDRAWN_LINE = "callback_superseded"  # a call not made when the case was sent back (重办)


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def _done(c: ApiContainer, withdrawn: bool = False) -> dict[str, list[CallbackRow]]:
    """The recorded callbacks per case, oldest first; with `withdrawn`, those withdrawn by 重办 too."""
    done: dict[str, list[CallbackRow]] = {}
    for r in sorted(c.callbacks.book.read(superseded=withdrawn), key=lambda r: r.done_at or r.due_at):
        if r.status in ("done", "superseded") and r.done_at is not None:
            done.setdefault(r.case_id, []).append(r)
    return done


def _line(r: CallbackRow) -> dict[str, Any]:
    assert r.done_at is not None
    if r.status == "superseded":  # said where the supervisor looks (stop 56's county supervisor)
        return {"type": WITHDRAWN_LINE, "at": r.done_at.isoformat(), "by": "system",
                "receipt_no": r.receipt_no}
    return {"type": CALLBACK_LINE, "at": r.done_at.isoformat(), "by": r.by,
            "reached": r.reached, "satisfaction": r.satisfaction, "receipt_no": r.receipt_no}


def add_callback_lines(c: ApiContainer, cases: list[Any]) -> list[Any]:
    """Each case's recorded callbacks as timeline lines in time order, and the first review (or
    reassessment) after a dissatisfied one marked as settling it (`settles_dissatisfied`)."""
    done = _done(c, withdrawn=True)
    for case in cases:
        lines = [_line(r) for r in done.get(case["case_id"], [])]
        if not lines:
            continue
        timeline = sorted([*case["timeline"], *lines], key=lambda t: _at(t["at"]))
        waiting = False
        for t in timeline:
            if t["type"] == CALLBACK_LINE and t["satisfaction"] == DISSATISFIED:
                waiting = True
            elif t["type"] in REVIEWS and waiting:
                t["settles_dissatisfied"], waiting = True, False
        case["timeline"] = timeline
    return cases


def settled_dissatisfied(c: ApiContainer, case_id: str, reviews: list[dict[str, Any]]) -> bool:
    """Whether the last review or reassessment (`reviews`: triage's, oldest first) is the first
    after a reporter was dissatisfied: the board's 回访不满意 flag was cleared by it."""
    if not reviews:
        return False
    last = _at(reviews[-1]["at"])
    before = _at(reviews[-2]["at"]) if len(reviews) > 1 else None
    return any(r.satisfaction == DISSATISFIED and r.done_at is not None and r.done_at <= last
               and (before is None or r.done_at > before) for r in _done(c).get(case_id, []))


def region_callbacks(c: ApiContainer, who: Principal) -> dict[str, list[dict[str, Any]]]:
    """The caller's region's callbacks: due (oldest due first, so the overdue lead) and done
    (newest first), each with its case and result; never a phone number or a note."""
    now = datetime.now(UTC)
    rows = [r for r in c.callbacks.book.read(superseded=True) if who.sees_region(r.region_code)]

    def row(r: CallbackRow) -> dict[str, Any]:
        return {"callback_id": r.callback_id, "case_id": r.case_id, "receipt_no": r.receipt_no,
                "region_code": r.region_code, "due_at": r.due_at.isoformat(),
                "overdue": r.status == "due" and r.due_at < now,
                "done_at": r.done_at.isoformat() if r.done_at else None, "by": r.by,
                "reached": r.reached, "satisfaction": r.satisfaction}

    due = sorted((r for r in rows if r.status == "due"), key=lambda r: r.due_at)
    done = sorted((r for r in rows if r.status == "done"), key=lambda r: r.done_at or r.due_at, reverse=True)
    withdrawn = sorted((r for r in rows if r.status == "superseded"), key=lambda r: r.done_at or r.due_at,
                       reverse=True)
    return {"due": [row(r) for r in due], "done": [row(r) for r in done],
            "withdrawn": [row(r) for r in withdrawn]}
