"""Callbacks (回访, contract §13): the due and done lists, a call's result once, and the
reporter's phone opened on request (audited)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter

from services.api.deps import AuditDep, CaseReader, ContainerDep, Operator
from services.oversight.callbacks import CallbackIn, callback_contact, list_callbacks, record_callback

router = APIRouter(prefix="/v1/callbacks", tags=["callbacks"])


@router.get("")
def callbacks(c: ContainerDep, principal: CaseReader, status: Literal["due", "done"] | None = None,
              mine: bool = False, since: datetime | None = None) -> list[dict[str, Any]]:
    """Due ones oldest due first, then done ones newest first; a supervisor's within their region;
    each with the report's concerns and what the case's units recorded (outcomes), a done one
    with reached, satisfaction, recorded_at and recorded_by; never the reporter's name or phone.
    `mine=1` (with status=done): the results the caller recorded since `since` (today, Beijing,
    by default; at most 31 days back)."""
    return list_callbacks(c, principal, status, mine, since)


@router.post("/{callback_id}")
def record(callback_id: str, body: CallbackIn, c: ContainerDep, audit: AuditDep,
           principal: Operator) -> dict[str, Any]:
    """reached, satisfaction (only when reached: satisfied, basically_satisfied or
    dissatisfied), note (sealed; required with dissatisfied, else 422 naming note): 200 once with
    the row as listed, 409 again (a double click's second request too); dissatisfied puts the case
    up for review."""
    return record_callback(c, principal, audit, callback_id, body)


@router.post("/{callback_id}/contact")
def contact(callback_id: str, c: ContainerDep, audit: AuditDep, principal: Operator) -> dict[str, Any]:
    """The reporter's name and phone for this callback (null once erased); each opening audited."""
    return callback_contact(c, principal, audit, callback_id)
