"""Account requests (contract §10, 三员分立): listed for admins and security officers; approved
or rejected by a security officer other than the one who asked; withdrawn, while pending, by
the admin who asked."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Body, Depends
from pydantic import BaseModel, Field

from services.api.auth import require_roles
from services.api.deps import AccountsDep, AuditDep
from services.common.auditnote import Principal
from services.common.schemas import Strict

router = APIRouter(prefix="/v1/account-requests", tags=["accounts"])
Security = Annotated[Principal, Depends(require_roles("security"))]
Admin = Annotated[Principal, Depends(require_roles("admin"))]
AdminOrSecurity = Annotated[Principal, Depends(require_roles("admin", "security"))]


class RequestStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    expired = "expired"
    withdrawn = "withdrawn"


class RequestOut(BaseModel):
    request_id: str
    kind: str  # create, enable, disable or reset-password
    username: str
    role: str
    agency_id: str | None
    sentinel_id: str | None
    channel: str | None
    region: str | None = None  # a supervisor's or auditor's to be created (contract §12)
    note: str | None = None  # 申请说明, as the admin wrote it
    asked_by: str
    asked_at: str
    expires_at: str
    status: str
    decided_by: str | None
    decided_at: str | None
    reason: str | None


class ApprovedOut(BaseModel):
    request_id: str
    status: str
    username: str
    password: str | None = None  # when the request creates an account or resets a password: shown once


class RejectIn(BaseModel):
    model_config = Strict
    reason: Annotated[str, Field(max_length=500)] = ""


@router.get("")
def list_requests(accounts: AccountsDep, audit: AuditDep, principal: AdminOrSecurity,
                  status: RequestStatus | None = None) -> list[RequestOut]:
    audit(principal, "account.request-list", "accounts")
    now = datetime.now(UTC)
    return [RequestOut(**r.public(now)) for r in  # type: ignore[arg-type]
            accounts.list_requests(status.value if status else None)]


@router.post("/{request_id}/approve")
def approve(request_id: str, accounts: AccountsDep, audit: AuditDep, officer: Security) -> ApprovedOut:
    outcome = accounts.approve_request(request_id, actor=audit.actor(officer))
    return ApprovedOut(request_id=request_id, status="approved", username=outcome.username,
                       password=outcome.password)


@router.post("/{request_id}/reject")
def reject(request_id: str, accounts: AccountsDep, audit: AuditDep, officer: Security,
           body: Annotated[RejectIn | None, Body()] = None) -> RequestOut:
    request = accounts.reject_request(request_id, actor=audit.actor(officer),
                                      reason=body.reason if body else None)
    return RequestOut(**request.public(datetime.now(UTC)))  # type: ignore[arg-type]


@router.post("/{request_id}/withdraw")
def withdraw(request_id: str, accounts: AccountsDep, audit: AuditDep, admin: Admin) -> RequestOut:
    request = accounts.withdraw_request(request_id, actor=audit.actor(admin))
    return RequestOut(**request.public(datetime.now(UTC)))  # type: ignore[arg-type]
