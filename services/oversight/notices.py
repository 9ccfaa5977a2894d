"""A notifying unit's own notices (部门通报, contract §12): what its desks filed in the last 90
days, with the coarse status and the units it went to. A filing unit is staff but not the
case's handler: receipt, time, place and statuses, never the children or the case."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from projections.desk.case_states import visits_go_on
from projections.desk.view import DeskView
from services.accounts.application import AccountsApplication
from services.common.auditnote import AuditLog, Principal
from services.common.vocabulary import Channel, coarse_status
from services.dispatch.routing import Directory
from services.intake.application import IntakeApplication

NOTICE_DAYS = 90  # a unit's window: a quarter of its notices


class NoticeReferral(BaseModel):
    """One unit the notice's case was referred to, and where that referral stands."""

    agency_id: str
    agency_name: str
    status: str  # dispatched | escalated | acknowledged | declined | closed


class UnitNotice(BaseModel):
    """One of the unit's notices: receipt, when, the place by name, the coarse status, the units."""

    receipt_no: str
    received_at: datetime
    region_code: str
    place_name: str
    status: str  # received | in_progress | handled, as the lookup says
    referrals: list[NoticeReferral]


def unit_notices(intake: IntakeApplication, view: DeskView, accounts: AccountsApplication,
                 directory: Directory, audit: AuditLog, principal: Principal,
                 since: datetime) -> list[UnitNotice]:
    """The notices the caller's unit filed since then (any of its desks), newest first, once
    triaged; the report's recorded filing unit decides, not the account that filed it."""
    unit = principal.agency_id or ""
    desks = [u.username for u in accounts.list_users() if u.role == "desk" and u.agency_id == unit]
    rows = [r for name in desks for ref in intake.submitter_refs(name) for r in view.submissions(ref, since)
            if r["channel"] == Channel.agency_notice]
    rows.sort(key=lambda r: r["received_at"], reverse=True)
    cases = {c["case_id"]: c for c in view.cases_by_id(sorted({r["case_id"] for r in rows}))}
    audit(principal, "report.list-unit", "agency", unit)
    notices = []
    for row in rows:
        report = intake.get_report(row["report_id"])
        if not unit or report.filing_unit != unit:
            continue  # filed by an account since moved from another unit
        case = cases.get(row["case_id"])
        referrals = [NoticeReferral(agency_id=r["agency_id"], agency_name=_name(directory, r["agency_id"]),
                                    status=r["status"]) for r in (case["referrals"] if case else [])]
        notices.append(UnitNotice(
            receipt_no=report.receipt_no, received_at=report.received_at,
            region_code=report.region_code, place_name=directory.place_name(report.region_code),
            status=coarse_status(case["status"], visits_go_on(case)) if case else "received",
            referrals=referrals))
    return notices


def _name(directory: Directory, agency_id: str) -> str:
    agency = directory.get(agency_id)
    return agency.name if agency else agency_id
