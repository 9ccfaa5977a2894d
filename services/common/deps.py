"""FastAPI dependency aliases shared by routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.common.auth import Principal
from services.common.bootstrap import Hotline


def get_hotline(request: Request) -> Hotline:
    return request.app.state.hotline  # type: ignore[no-any-return]


HotlineDep = Annotated[Hotline, Depends(get_hotline)]


def audit(
    request: Request,
    principal: Principal | None,
    action: str,
    resource_type: str,
    resource_id: str | None = None,
    case_id: str | None = None,
) -> None:
    """Record a read or an action on the audit trail before answering."""
    hotline: Hotline = request.app.state.hotline
    if hotline.audit is None:
        return
    hotline.audit.record(
        actor=principal.subject if principal else "anonymous",
        role=principal.role if principal else "public",
        unit=(principal.agency_id or principal.sentinel_id) if principal else None,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        case_id=case_id,
        client=request.client.host if request.client else None,
    )
