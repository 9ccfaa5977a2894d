"""Reads of reports that the API and the pages share: a report's state, the caller's own recent
reports, and the receipt lookup (contract §2, Reports and receipts)."""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, PrivateAttr

from projections.desk.view import DeskView
from services.common.auditnote import AuditLog, Principal
from services.common.throttle import LOOKUP_PER_ADDRESS, Throttle
from services.common.vocabulary import coarse_status
from services.intake.application import IntakeApplication
from services.intake.lookups import Submission

RECEIPT_CHARACTERS = re.compile(r"[^0-9A-Z\-]")


def report_status(view: DeskView, report_id: str) -> tuple[str, str | None]:
    link = view.case_for_report(report_id)
    return ("received", None) if link is None else (link["status"], link["case_id"])


class OwnReport(BaseModel):
    """One of a reporter's own recent reports: its receipt, when, and the coarse status only."""

    report_id: str
    receipt_no: str
    received_at: datetime
    status: str  # received | in_progress | handled, as the lookup says
    _case_id: str = PrivateAttr(default="")  # for her own page (which of hers share a case), never sent


REPORTER_DAYS = 30  # a reporter's window: a month of her own reports; an operator's is a shift


def own_reports(intake: IntakeApplication, view: DeskView, audit: AuditLog, principal: Principal,
                since: datetime) -> list[Submission | OwnReport]:
    """The caller's own reports since then, newest first, once triaged; a reporter's with the
    coarse status only (the case and its level stay hidden, as in GET /v1/reports/{id})."""
    refs = intake.submitter_refs(principal.subject)  # either suite's pseudonym (§14)
    rows = sorted((r for ref in refs for r in view.submissions(ref, since)),
                  key=lambda r: r["received_at"], reverse=True)
    audit(principal, "report.list-own", "report")
    if principal.role == "reporter":
        own = []
        for r in rows:
            line = OwnReport(report_id=r["report_id"], receipt_no=intake.receipt_no_of(r["report_id"]),
                             received_at=datetime.fromisoformat(r["received_at"]),
                             status=coarse_status(r["status"], r["visits_go_on"]))
            line._case_id = r["case_id"]
            own.append(line)
        return list(own)
    return [Submission(report_id=r["report_id"], case_id=r["case_id"],
                       receipt_no=intake.receipt_no_of(r["report_id"]),
                       received_at=datetime.fromisoformat(r["received_at"]), channel=r["channel"],
                       risk_level=r["risk_level"], status=r["status"],
                       concerns=intake.concerns_filed(r["report_id"]),
                       # Danger makes a case red: only red ones are read afresh, every 15 s a console.
                       transfer_owed=r["risk_level"] == "red" and intake.transfer_owed(r["report_id"]),
                       waiting=r["waiting"])
            for r in rows]


def typed_receipt(text: str) -> str:
    """A receipt number as typed, for the trail: its characters only (anything else '?'), bounded."""
    return RECEIPT_CHARACTERS.sub("?", text.strip().upper()[:24]) or "空"


def look_up_receipt(intake: IntakeApplication, view: DeskView, throttle: Throttle, audit: AuditLog,
                    address: str, receipt_no: str, lookup_code: str) -> str | None:
    """The API's and the /lookup page's lookup: the coarse status, or None for a wrong pair
    (counted against the address; 429 once it has used up its failures)."""
    throttle.check(LOOKUP_PER_ADDRESS, address)
    report = intake.lookup(receipt_no, lookup_code)
    if report is None:
        throttle.fail((LOOKUP_PER_ADDRESS, address))
        # On the trail as tried, without reading whether the receipt exists (a wrong code costs
        # the same either way) and without the address (an anonymous reporter stays so).
        audit(None, "receipt.lookup_failed", "receipt", typed_receipt(receipt_no), keep_client=False)
        return None
    link = view.case_for_report(str(report.id))
    audit(None, "receipt.lookup", "report", str(report.id), link["case_id"] if link else None,
          keep_client=False)
    return coarse_status(link["status"], link["visits_go_on"]) if link else "received"
