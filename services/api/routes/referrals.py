"""The agency desk (contract §2, Referrals): the inbox, a referral with what its unit may read
of the case's reports (least privilege across intake, triage and dispatch), and desk actions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from services.api.deps import (
    AuditDep,
    ContainerDep,
    Desk,
    DeskOrSupervisor,
    DispatchDep,
    Supervisor,
    ViewDep,
)
from services.common.vocabulary import ReferralStatus
from services.oversight.calls import CallIn, record_call
from services.oversight.referrals import (
    DeclineIn,
    OutcomeIn,
    ProgressIn,
    check_desk_texts,
    read_referral,
    record_progress,
    referral_body,
)
from services.oversight.withdrawals import WithdrawIn, withdraw

desk_router = APIRouter(prefix="/v1/desk", tags=["desk"])
router = APIRouter(prefix="/v1/referrals", tags=["referrals"])


@desk_router.get("/referrals")
def desk_referrals(view: ViewDep, principal: Desk, status: ReferralStatus | None = None) -> list[Any]:
    return view.desk_referrals(principal.agency_id or "", status)  # type: ignore[return-value]


@router.get("/{referral_id}")
def get_referral(referral_id: str, container: ContainerDep, audit: AuditDep,
                 principal: DeskOrSupervisor) -> dict[str, Any]:
    return read_referral(container, referral_id, principal, audit)


@router.post("/{referral_id}/acknowledge")
def acknowledge(referral_id: str, dispatch: DispatchDep, audit: AuditDep, principal: Desk) -> dict[str, Any]:
    done = dispatch.acknowledge(referral_id, by=principal.subject, unit=principal.agency_id or "",
                                actor=audit.actor(principal))
    return referral_body(done)


@router.post("/{referral_id}/decline")
def decline(referral_id: str, body: DeclineIn, container: ContainerDep, dispatch: DispatchDep,
            audit: AuditDep, principal: Desk) -> dict[str, Any]:
    check_desk_texts(container, referral_id, principal.agency_id or "", reason=body.reason)
    done = dispatch.decline(referral_id, reason=body.reason, by=principal.subject,
                            unit=principal.agency_id or "", actor=audit.actor(principal))
    return referral_body(done)


@router.post("/{referral_id}/outcome")
def outcome(referral_id: str, body: OutcomeIn, container: ContainerDep, dispatch: DispatchDep,
            audit: AuditDep, principal: Desk) -> dict[str, Any]:
    check_desk_texts(container, referral_id, principal.agency_id or "", outcome=body.outcome, note=body.note)
    done = dispatch.record_outcome(referral_id, outcome=body.outcome, note=body.note,
                                   by=principal.subject, unit=principal.agency_id or "",
                                   actor=audit.actor(principal))
    return referral_body(done)


@router.post("/{referral_id}/progress", status_code=201)
def post_progress(referral_id: str, body: ProgressIn, container: ContainerDep, audit: AuditDep,
                  principal: Desk) -> dict[str, Any]:
    """The unit's progress on a referral it took on, before 办结 (办理进展, an extension): the
    referral's progress lines, oldest first."""
    return record_progress(container, principal, referral_id, body, audit.actor(principal))


@router.post("/{referral_id}/calls", status_code=201)
def post_call(referral_id: str, body: CallIn, container: ContainerDep, audit: AuditDep,
              supervisor: Supervisor) -> dict[str, Any]:
    """A supervisor phoned the unit about the referral (督办电话, an extension): whether anyone
    answered and what was said; the referral's calls, oldest first."""
    return record_call(container, supervisor, referral_id, body, audit.actor(supervisor))


@router.post("/{referral_id}/withdrawal")
def post_withdrawal(referral_id: str, body: WithdrawIn, container: ContainerDep, audit: AuditDep,
                    supervisor: Supervisor) -> dict[str, Any]:
    """A supervisor takes the case back from the unit (撤回, an extension): the referral ends
    `declined` with `withdrawn` true and the reason; ended already → 409."""
    return withdraw(container, supervisor, referral_id, body, audit.actor(supervisor))
