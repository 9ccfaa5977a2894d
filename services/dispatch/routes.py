"""HTTP routes for agency desks and the directory (contract §2, Referrals, Directory)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

import structlog
from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field

from services.common.auth import CurrentPrincipal, Principal, not_found, require_roles
from services.common.deps import HotlineDep, audit
from services.dispatch.application import DispatchApplication, ReferralNotFound
from services.dispatch.domain import Referral, ReferralError

desk_router = APIRouter(prefix="/v1/desk", tags=["desk"])
referrals_router = APIRouter(prefix="/v1/referrals", tags=["referrals"])
agencies_router = APIRouter(prefix="/v1/agencies", tags=["directory"])

ReferralStatus = Literal["dispatched", "escalated", "acknowledged", "declined", "closed"]
Desk = Annotated[Principal, Depends(require_roles("desk"))]
DeskOrSupervisor = Annotated[Principal, Depends(require_roles("desk", "supervisor"))]


@desk_router.get("/referrals")
def desk_referrals(
    hotline: HotlineDep, principal: Desk, status: ReferralStatus | None = None
) -> list[dict[str, Any]]:
    assert hotline.view is not None and principal.agency_id
    return hotline.view.desk_referrals(principal.agency_id, status)


log = structlog.get_logger("dispatch")
Strict = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DeclineIn(BaseModel):
    model_config = Strict
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class OutcomeIn(BaseModel):
    model_config = Strict
    outcome: Annotated[str, Field(min_length=1, max_length=200)]
    note: Annotated[str, Field(max_length=5000)] = ""


def _dispatch(hotline: Any) -> DispatchApplication:
    assert hotline.dispatch is not None
    return hotline.dispatch  # type: ignore[no-any-return]


def _referral_in_scope(hotline: Any, referral_id: str, principal: Principal) -> Referral:
    """The referral if the caller's unit holds it (or the caller supervises); else 404."""
    try:
        referral: Referral = _dispatch(hotline).get_referral(UUID(referral_id))
    except (ValueError, ReferralNotFound):
        raise not_found("No such referral") from None
    if principal.role == "desk" and referral.agency_id != principal.agency_id:
        raise not_found("No such referral")
    return referral


def referral_body(referral: Referral, detail: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "referral_id": str(referral.id),
        "case_id": referral.case_id,
        "agency_id": referral.agency_id,
        "agency_kind": referral.agency_kind,
        "status": referral.status,
        "risk_level": referral.risk_level,
        "concerns": referral.concerns,
        "dispatched_at": referral.dispatched_at.isoformat(),
        "due_at": referral.due_at.isoformat(),
        "acknowledged_at": referral.acknowledged_at.isoformat() if referral.acknowledged_at else None,
        "escalated_at": referral.escalated_at.isoformat() if referral.escalated_at else None,
    }
    if detail:
        body.update(decline_reason=referral.decline_reason, outcome=referral.outcome,
                    note=referral.note)
    return body


def _act(action: Any) -> Referral:
    """Run a referral command; a state conflict is 409, a missing field 422."""
    try:
        return action()  # type: ignore[no-any-return]
    except ReferralError as exc:
        field, sep, msg = str(exc).partition(": ")
        if sep and field in ("reason", "outcome"):
            raise RequestValidationError(
                [{"loc": ("body", field), "msg": msg, "type": "value_error", "input": None}]
            ) from None
        raise HTTPException(status_code=status.HTTP_409_CONFLICT, detail=str(exc)) from None


@referrals_router.get("/{referral_id}")
def get_referral(
    request: Request, referral_id: str, hotline: HotlineDep, principal: DeskOrSupervisor
) -> dict[str, Any]:
    """The referral and, for its unit, what it may read of the case's reports (least privilege)."""
    referral = _referral_in_scope(hotline, referral_id, principal)
    audit(request, principal, "referral.read", "referral", referral_id, referral.case_id)
    body = referral_body(referral, detail=True)
    recipient = "supervisor" if principal.role == "supervisor" else referral.agency_kind
    body["reports"] = reports_for(hotline, referral.case_id, recipient)
    return body


def reports_for(hotline: Any, case_id: str, recipient: str) -> list[dict[str, Any]]:
    assert hotline.triage is not None and hotline.intake is not None
    case = hotline.triage.get_case(UUID(case_id))
    out = []
    for report_id in case.report_ids:
        report = hotline.intake.get_report(UUID(report_id))
        out.append(hotline.disclosure.view(report, hotline.intake.personal_data(report), recipient))
    return out


@referrals_router.post("/{referral_id}/acknowledge")
def acknowledge(request: Request, referral_id: str, hotline: HotlineDep, principal: Desk) -> dict[str, Any]:
    referral = _referral_in_scope(hotline, referral_id, principal)
    done = _act(lambda: _dispatch(hotline).acknowledge(referral.id, by=principal.subject))
    audit(request, principal, "referral.acknowledge", "referral", referral_id, referral.case_id)
    return referral_body(done)


@referrals_router.post("/{referral_id}/decline")
def decline(
    request: Request, referral_id: str, body: DeclineIn, hotline: HotlineDep, principal: Desk
) -> dict[str, Any]:
    referral = _referral_in_scope(hotline, referral_id, principal)
    done = _act(lambda: _dispatch(hotline).decline(referral.id, reason=body.reason, by=principal.subject))
    audit(request, principal, "referral.decline", "referral", referral_id, referral.case_id)
    return referral_body(done)


@referrals_router.post("/{referral_id}/outcome")
def outcome(
    request: Request, referral_id: str, body: OutcomeIn, hotline: HotlineDep, principal: Desk
) -> dict[str, Any]:
    referral = _referral_in_scope(hotline, referral_id, principal)
    done = _act(lambda: _dispatch(hotline).record_outcome(
        referral.id, outcome=body.outcome, note=body.note, by=principal.subject))
    audit(request, principal, "referral.outcome", "referral", referral_id, referral.case_id)
    return referral_body(done)


@agencies_router.get("")
def list_agencies(hotline: HotlineDep, _: CurrentPrincipal) -> list[dict[str, Any]]:
    return [a.public() for a in hotline.directory.agencies]


audit_router = APIRouter(prefix="/v1/audit", tags=["audit"])
Auditor = Annotated[Principal, Depends(require_roles("auditor"))]


@audit_router.get("")
def audit_trail(request: Request, hotline: HotlineDep, who: Auditor,
                case_id: str | None = None) -> list[dict[str, Any]]:
    """Who read or did what about a case (or everything), oldest first."""
    assert hotline.audit is not None
    entries = hotline.audit.entries(case_id)
    audit(request, who, "audit.read", "case" if case_id else "audit", case_id, case_id)
    return entries
