"""Callbacks (回访, contract §13) as the API, the console and the board use them: the due and done
lists of the caller's region, a call's result once, the reporter's name and phone opened on
request (audited), a case's results with their notes for the board, and dissatisfied reporters as
a reason for review (the figures: callback_figures.py)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel, Field

from projections.desk.reader import REVIEWS, CaseRow
from services.bootstrap import ApiContainer
from services.common.auditnote import AuditLog, Principal
from services.common.errors import FieldError, NotFound
from services.common.schemas import Strict
from services.common.vocabulary import BEIJING
from services.intake.callback import DISSATISFIED, Callback
from services.intake.callback_book import CallbackRow
from services.intake.callbacks import CallbackNotFound
from services.oversight.jurisdiction import check_case

STATUSES = ("due", "done")
MINE_DAYS = 31  # how far back an operator's own list of recorded results reaches


class CallbackIn(BaseModel):
    model_config = Strict
    reached: bool
    satisfaction: str | None = None
    note: str | None = Field(default=None, max_length=2000)


def _rows(c: ApiContainer, who: Principal) -> list[CallbackRow]:
    return [r for r in c.callbacks.book.read() if who.sees_region(r.region_code)]


def _since(value: datetime | None, now: datetime) -> datetime:
    """The start of an operator's own list: today (Beijing) unless asked, at most MINE_DAYS back."""
    if value is None:
        return datetime.combine(now.astimezone(BEIJING).date(), time(), BEIJING)
    if value.tzinfo is None:
        raise FieldError("since", "时间须带时区，如 +08:00", where="query")
    if value < now - timedelta(days=MINE_DAYS):
        raise FieldError("since", f"最多查询{MINE_DAYS}天内登记的回访。", where="query")
    return value


def list_callbacks(c: ApiContainer, who: Principal, status: str | None, mine: bool = False,
                   since: datetime | None = None) -> list[dict[str, Any]]:
    """The callbacks of the caller's region: due ones oldest due first, then done ones newest
    first; with `mine`, the results the caller recorded since `since` (today by default)."""
    if status is not None and status not in STATUSES:
        raise FieldError("status", "due or done", where="query")
    if mine and status == "due":
        raise FieldError("mine", "本人登记的回访只有已回访的（status=done）。", where="query")
    if since is not None and not mine:
        raise FieldError("since", "只用于本人登记的回访（mine=1）。", where="query")
    rows = [r for r in _rows(c, who) if status in (None, r.status)]
    if mine:
        start = _since(since, datetime.now(UTC))
        rows = [r for r in rows if r.by == who.subject and r.done_at is not None and r.done_at >= start]
    due = sorted((r for r in rows if r.status == "due"), key=lambda r: r.due_at)
    done = sorted((r for r in rows if r.status == "done"), key=lambda r: r.done_at or r.due_at, reverse=True)
    return rows_out(c, [*due, *done])


def rows_out(c: ApiContainer, rows: list[CallbackRow]) -> list[dict[str, Any]]:
    """Each row with its report's concerns (codes) and what the case's units recorded as done;
    a done row with its result, when and by whom. Never the reporter's name, phone or the note."""
    cases = {case["case_id"]: case for case in c.view.cases_by_id(sorted({r.case_id for r in rows}))}
    outcomes = {case_id: _outcomes(c, case) for case_id, case in cases.items()}
    out = []
    for r in rows:
        row: dict[str, Any] = {
            "callback_id": r.callback_id, "receipt_no": r.receipt_no, "due_at": r.due_at.isoformat(),
            "status": r.status, "case_id": r.case_id, "concerns": c.callbacks.concerns_of(r.report_id),
            "outcomes": outcomes.get(r.case_id, [])}
        if r.status == "done":
            row.update(reached=r.reached, satisfaction=r.satisfaction,
                       recorded_at=r.done_at.isoformat() if r.done_at else None, recorded_by=r.by)
        out.append(row)
    return out


def _outcomes(c: ApiContainer, case: CaseRow) -> list[dict[str, str]]:
    """What each unit that finished its referral said it did (办结: 已处置 …), by unit kind."""
    found = []
    for r in case["referrals"]:
        if r["status"] == "closed":
            try:
                outcome = c.dispatch.get_referral(r["referral_id"]).outcome
            except NotFound:
                continue
            if outcome:
                found.append({"agency_kind": r["agency_kind"], "outcome": outcome})
    return found


def _ours(c: ApiContainer, who: Principal, callback_id: str) -> Callback:
    callback = c.callbacks.get_callback(callback_id)
    if not who.sees_region(callback.region_code):
        raise CallbackNotFound()
    return callback


def record_callback(c: ApiContainer, who: Principal, audit: AuditLog, callback_id: str,
                    body: CallbackIn) -> dict[str, Any]:
    """The call's result, once (409 again, a double click's second request too); a satisfaction
    only when the reporter was reached; 不满意 with its reason. Answers the row as listed."""
    _ours(c, who, callback_id)
    done = c.callbacks.record(callback_id, reached=body.reached, satisfaction=body.satisfaction,
                              note=body.note, by=who.subject, actor=audit.actor(who))
    row = CallbackRow(str(done.id), done.report_id, done.case_id, done.receipt_no, done.region_code,
                      done.opened_at, done.due_at, done.status, done.reached, done.satisfaction,
                      done.done_at, who.subject)
    return rows_out(c, [row])[0]


def callback_contact(c: ApiContainer, who: Principal, audit: AuditLog, callback_id: str) -> dict[str, Any]:
    """The reporter's name and phone for this callback, each opening an audit entry (None once
    erased)."""
    callback, reporter = c.callbacks.contact(_ours(c, who, callback_id).id)
    audit(who, "callback.contact", "callback", str(callback.id), callback.case_id)
    return {"callback_id": str(callback.id), "receipt_no": callback.receipt_no,
            "phone": reporter.get("phone") or None, "name": reporter.get("name") or None}


def callback_review(c: ApiContainer, who: Principal, audit: AuditLog, case_id: str) -> list[dict[str, Any]]:
    """A case's callbacks with their results and notes opened, for the supervisor reviewing why a
    reporter was dissatisfied: the case in the caller's region (else 404); a read of personal
    data (an audit entry) when a note was opened."""
    check_case(c, who, case_id)
    out, opened = [], False
    for r in sorted((r for r in c.callbacks.book.read(superseded=True) if r.case_id == case_id),
                    key=lambda r: r.due_at):
        note = c.callbacks.note_of(c.callbacks.get_callback(r.callback_id)) if r.status == "done" else None
        opened = opened or note is not None
        out.append({"callback_id": r.callback_id, "receipt_no": r.receipt_no, "due_at": r.due_at.isoformat(),
                    "status": r.status, "reached": r.reached, "satisfaction": r.satisfaction,
                    "recorded_at": r.done_at.isoformat() if r.done_at else None, "recorded_by": r.by,
                    "note": note})
    if opened:
        audit(who, "callback.read", "case", case_id, case_id)
    return out


def flag_dissatisfied(c: ApiContainer, cases: list[CaseRow]) -> list[CaseRow]:
    """A reporter dissatisfied at the callback puts the case up for review, until a supervisor
    reviews (or reassesses) it after that."""
    latest: dict[str, datetime] = {}
    for r in c.callbacks.book.read():
        if r.satisfaction == DISSATISFIED and r.done_at is not None:
            latest[r.case_id] = max(r.done_at, latest.get(r.case_id, r.done_at))
    for case in cases:
        said = latest.get(case["case_id"])
        reviewed = max((datetime.fromisoformat(t["at"]) for t in case["timeline"] if t["type"] in REVIEWS),
                       default=None)
        if said is not None and (reviewed is None or reviewed < said):
            case["review_reasons"] = sorted({*case["review_reasons"], DISSATISFIED})
            case["needs_review"] = True
    return cases
