"""A notifying unit's own notices (contract §12): GET /v1/notices/mine for its desks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter

from services.api.deps import AccountsDep, AuditDep, Desk, DirectoryDep, IntakeDep, ViewDep
from services.oversight.notices import NOTICE_DAYS, UnitNotice, unit_notices

router = APIRouter(prefix="/v1/notices", tags=["notices"])


@router.get("/mine", response_model=list[UnitNotice])
def my_units_notices(intake: IntakeDep, view: ViewDep, accounts: AccountsDep, directory: DirectoryDep,
                     audit: AuditDep, principal: Desk) -> list[UnitNotice]:
    """The caller's unit's notices of the last 90 days, newest first, once triaged: receipt,
    time, place, coarse status and each unit referred to with its referral's status."""
    since = datetime.now(UTC) - timedelta(days=NOTICE_DAYS)
    return unit_notices(intake, view, accounts, directory, audit, principal, since)
