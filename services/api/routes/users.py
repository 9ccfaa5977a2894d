"""Accounts by API (contract §10): the admin lists, creates, disables, enables and re-passwords
accounts; a change to a privileged account answers 202 with the request a security officer
decides (routes/account_requests.py)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from services.accounts.requests import Outcome
from services.api.auth import require_roles
from services.api.deps import AccountsDep, AuditDep
from services.common.auditnote import Principal
from services.common.numbers import Folded
from services.common.schemas import Strict
from services.common.vocabulary import Channel, Role

router = APIRouter(prefix="/v1/users", tags=["accounts"])
Admin = Annotated[Principal, Depends(require_roles("admin"))]


class UserIn(BaseModel):
    model_config = Strict
    username: Annotated[str, Field(min_length=3, max_length=64, pattern=r"^[a-zA-Z0-9_.\-]+$")]
    role: Role
    agency_id: Annotated[str | None, Field(max_length=64)] = None
    sentinel_id: Annotated[str | None, Field(max_length=64)] = None
    channel: Channel | None = None
    # A supervisor's or auditor's jurisdiction (contract §12); left out: everywhere.
    region: Annotated[str | None, Field(pattern=r"^([0-9]{2}|[0-9]{4}|[0-9]{6})$", description=(
        "supervisor and auditor only: 2 digits a province, 4 a city, 6 a county; fullwidth digits "
        "are folded")), Folded] = None
    note: Annotated[str | None, Field(max_length=200)] = None  # 申请说明 for a request: who, unit, why


class UserOut(BaseModel):
    username: str
    role: str
    agency_id: str | None
    sentinel_id: str | None
    channel: str | None
    region: str | None
    disabled: bool


class PasswordOut(BaseModel):
    """The account and its new password, shown this once."""

    username: str
    password: str


class ChangedOut(BaseModel):
    username: str
    disabled: bool
    password: str | None = None  # after reset-password only, shown this once


class PendingOut(BaseModel):
    """Nothing changed yet: a security officer approves or rejects the request."""

    request_id: str
    status: str


class UserAction(StrEnum):
    disable = "disable"
    enable = "enable"
    reset_password = "reset-password"


def pending(outcome: Outcome) -> JSONResponse:
    assert outcome.request is not None
    return JSONResponse({"request_id": str(outcome.request.id), "status": "pending"}, 202)


@router.get("")
def list_users(accounts: AccountsDep, audit: AuditDep, admin: Admin) -> list[UserOut]:
    audit(admin, "admin.read", "accounts")
    return [UserOut(**u.public()) for u in accounts.list_users()]  # type: ignore[arg-type]


@router.post("", status_code=201, response_model=PasswordOut,
             responses={202: {"model": PendingOut, "description": "A request awaiting approval"}})
def add_user(user: UserIn, accounts: AccountsDep, audit: AuditDep, admin: Admin) -> Any:
    outcome = accounts.admin_add_user(user.username, user.role.value, user.agency_id or None,
                                      user.sentinel_id or None,
                                      user.channel.value if user.channel else None,
                                      actor=audit.actor(admin), note=user.note, region=user.region)
    if outcome.request is not None:
        return pending(outcome)
    return PasswordOut(username=outcome.username, password=outcome.password or "")


@router.post("/{username}/{action}", response_model=ChangedOut,
             responses={202: {"model": PendingOut, "description": "A request awaiting approval"}})
def change_user(username: str, action: UserAction, accounts: AccountsDep, audit: AuditDep,
                admin: Admin) -> Any:
    outcome = accounts.admin_change(username, action.value, actor=audit.actor(admin))
    if outcome.request is not None:
        return pending(outcome)
    return ChangedOut(username=outcome.username, disabled=bool(outcome.disabled), password=outcome.password)
