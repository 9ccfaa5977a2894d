"""Callbacks (回访, contract §13): the due and done lists, a call's result once, and the
reporter's phone opened on request (audited)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter

from services.api.deps import AuditDep, CaseReader, ContainerDep, Operator
from services.oversight.callbacks import CallbackIn, callback_contact, list_callbacks, record_callback

router = APIRouter(prefix="/v1/callbacks", tags=["callbacks"])


@router.get("")
def callbacks(c: ContainerDep, principal: CaseReader,
              status: Literal["due", "done"] | None = None) -> list[dict[str, Any]]:
    """Oldest due first; a supervisor's within their region; never the reporter's phone."""
    return list_callbacks(c, principal, status)


@router.post("/{callback_id}")
def record(callback_id: str, body: CallbackIn, c: ContainerDep, audit: AuditDep,
           principal: Operator) -> dict[str, Any]:
    """reached, satisfaction (only when reached: satisfied, basically_satisfied or
    dissatisfied), note (sealed): 200 once, 409 again; dissatisfied puts the case up for review."""
    return record_callback(c, principal, audit, callback_id, body)


@router.post("/{callback_id}/contact")
def contact(callback_id: str, c: ContainerDep, audit: AuditDep, principal: Operator) -> dict[str, Any]:
    """The reporter's phone for this callback (null once erased); each opening audited."""
    return callback_contact(c, principal, audit, callback_id)
