"""Whose referrals and follow-up plans a caller acts on (contract §10, least privilege)."""

from __future__ import annotations

from services.common.auditnote import Principal


def desk_scope(principal: Principal) -> str | None:
    """A desk acts for its own unit only (a desk without a unit: none); a supervisor on every unit."""
    return (principal.agency_id or "") if principal.role == "desk" else None
