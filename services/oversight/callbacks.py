"""Callbacks (回访, contract §13) as the API, the console and the board use them: the due and done
lists of the caller's region, a call's result once, the reporter's phone opened on request
(audited), dissatisfied reporters as a reason for review, and the figures."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

from projections.desk.reader import REVIEWS, CaseRow
from services.bootstrap import ApiContainer
from services.common.errors import FieldError
from services.common.principal import Principal, within
from services.common.schemas import Strict
from services.common.vocabulary import BEIJING
from services.intake.callback import Callback
from services.intake.callback_book import CallbackRow
from services.intake.callbacks import CallbackNotFound, CallbacksApplication
from services.oversight.auditlog import AuditLog

DISSATISFIED = "dissatisfied"
STATUSES = ("due", "done")


class CallbackIn(BaseModel):
    model_config = Strict
    reached: bool
    satisfaction: str | None = None
    note: str | None = Field(default=None, max_length=2000)


def _rows(c: ApiContainer, who: Principal) -> list[CallbackRow]:
    return [r for r in c.callbacks.book.read() if who.sees_region(r.region_code)]


def list_callbacks(c: ApiContainer, who: Principal, status: str | None) -> list[dict[str, Any]]:
    """The callbacks of the caller's region, oldest due first; with `status`, those in it."""
    if status is not None and status not in STATUSES:
        raise FieldError("status", "due or done", where="query")
    rows = sorted((r for r in _rows(c, who) if status in (None, r.status)), key=lambda r: r.due_at)
    return [{"callback_id": r.callback_id, "receipt_no": r.receipt_no, "due_at": r.due_at.isoformat(),
             "status": r.status} for r in rows]


def _ours(c: ApiContainer, who: Principal, callback_id: str) -> Callback:
    callback = c.callbacks.get_callback(callback_id)
    if not who.sees_region(callback.region_code):
        raise CallbackNotFound()
    return callback


def record_callback(c: ApiContainer, who: Principal, audit: AuditLog, callback_id: str,
                    body: CallbackIn) -> dict[str, Any]:
    """The call's result, once (409 again); a satisfaction only when the reporter was reached."""
    _ours(c, who, callback_id)
    done = c.callbacks.record(callback_id, reached=body.reached, satisfaction=body.satisfaction,
                              note=body.note, by=who.subject, actor=audit.actor(who))
    return {"callback_id": str(done.id), "receipt_no": done.receipt_no, "due_at": done.due_at.isoformat(),
            "status": done.status, "reached": done.reached, "satisfaction": done.satisfaction}


def callback_contact(c: ApiContainer, who: Principal, audit: AuditLog, callback_id: str) -> dict[str, Any]:
    """The reporter's phone for this callback, each opening an audit entry (None once erased)."""
    callback, phone = c.callbacks.contact(_ours(c, who, callback_id).id)
    audit(who, "callback.contact", "callback", str(callback.id), callback.case_id)
    return {"callback_id": str(callback.id), "receipt_no": callback.receipt_no, "phone": phone}


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


def callback_figures(callbacks: CallbacksApplication, region: str | None, since: datetime | None = None,
                     until: datetime | None = None) -> dict[str, Any]:
    """Due now (and of them overdue), done, reached, and the satisfied rate: satisfied and
    basically satisfied over the reached callbacks that gave an answer (None when none did); of
    the callbacks opened (cases closed) in the window; the same for each Beijing month (`by_month`)."""
    now = datetime.now(UTC)
    rows = [r for r in callbacks.book.read() if within(r.region_code, region)
            and (since is None or r.opened_at >= since) and (until is None or r.opened_at < until)]
    months: dict[str, list[CallbackRow]] = {}
    for r in rows:
        months.setdefault(r.opened_at.astimezone(BEIJING).strftime("%Y-%m"), []).append(r)
    return {**_counts(rows, now), "by_month": [
        {"month": m, **{k: v for k, v in _counts(months[m], now).items() if k != "overdue"}}
        for m in sorted(months)]}


def _counts(rows: list[CallbackRow], now: datetime) -> dict[str, Any]:
    answered = [r for r in rows if r.reached and r.satisfaction is not None]
    satisfied = [r for r in answered if r.satisfaction != DISSATISFIED]
    return {"due": sum(r.status == "due" for r in rows),
            "overdue": sum(r.status == "due" and r.due_at < now for r in rows),
            "done": sum(r.status == "done" for r in rows),
            "reached": sum(bool(r.reached) for r in rows),
            "satisfied_rate": round(len(satisfied) / len(answered), 4) if answered else None}
