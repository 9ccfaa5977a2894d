"""HTTP routes for agency desks and the directory (contract §2, Referrals, Directory)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends

from services.common.auth import CurrentPrincipal, Principal, not_found, require_roles
from services.common.deps import HotlineDep

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


@referrals_router.get("/{referral_id}")
def get_referral(referral_id: str, hotline: HotlineDep, principal: DeskOrSupervisor) -> dict[str, Any]:
    assert hotline.view is not None
    referral = hotline.view.get_referral(referral_id)
    if referral is None or (principal.role == "desk" and referral["agency_id"] != principal.agency_id):
        raise not_found("No such referral")
    return referral


@agencies_router.get("")
def list_agencies(hotline: HotlineDep, _: CurrentPrincipal) -> list[dict[str, Any]]:
    return [a.public() for a in hotline.directory.agencies]
