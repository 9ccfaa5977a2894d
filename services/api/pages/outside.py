"""The answer to a case, referral or plan that is not there or not the asker's: the same Chinese
404 either way, and an entry on the trail with what was asked for (the auditor's review, stop 61:
a supervisor probing another county's case left no row)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from services.api.deps import audit_log, get_container
from services.api.web import refuse
from services.common.auditnote import Principal
from services.common.errors import NotFound


def well_formed(case_id: str | None) -> str | None:
    """A case id as the trail keeps it, or None (a path's text is not a case)."""
    try:
        return str(uuid.UUID(case_id or ""))
    except ValueError:
        return None


def outside(request: Request, principal: Principal, message: str, *, case_id: str | None = None,
            title: str = "未找到") -> Response:
    """Noted on the trail (`noted_outside`), then refused."""
    noted_outside(request, principal, case_id)
    return refuse(request, principal, message, 404, title)


def noted_outside(request: Request, principal: Principal, case_id: str | None = None) -> None:
    """`access.not_found`: the route, the path asked for, and the case it names."""
    route = getattr(request.scope.get("route"), "path", "unmatched")
    audit_log(request)(principal, "access.not_found", route, request.url.path, well_formed(case_id))


def referral_case(container: Any, referral_id: str) -> str | None:
    """The case of a referral that exists (anyone's), for the trail; None when there is none."""
    try:
        return str(container.dispatch.get_referral(referral_id).case_id)
    except NotFound:
        return None


def case_named(request: Request) -> str | None:
    """The case a page's address names (its case id, or its referral's case), for the trail."""
    params = request.path_params
    if "case_id" in params:
        return well_formed(str(params["case_id"]))
    if "referral_id" in params:
        return referral_case(get_container(request), str(params["referral_id"]))
    return None
