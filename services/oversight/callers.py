"""The caller history (来电弹屏, contract §13): an operator types the caller's number and sees that
number's earlier reports (receipt, time, coarse status, level), found by a keyed hash of the number
only. Each number looked up counts against the repeat check's hourly allowance and is an audit
entry with a keyed fingerprint of the number (another purpose: it cannot be joined with the index)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, Field, field_validator

from services.bootstrap import ApiContainer
from services.common.auditnote import AuditLog, Principal
from services.common.crypto import Hasher
from services.common.errors import DomainError
from services.common.numbers import Folded, check_phone
from services.common.schemas import Strict
from services.common.vocabulary import COARSE_REPORT_STATUS
from services.intake.callers import canonical_phone
from services.intake.errors import ReportNotFound
from services.oversight.allowance import AllowanceSpent, RepeatAllowance
from services.oversight.reports import report_status

PURPOSE = "caller-history-fingerprint"


class CallerHistoryIn(BaseModel):
    model_config = Strict
    phone: Annotated[str, Field(min_length=1, max_length=20), Folded]

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return check_phone(value) or ""


class CallerReport(BaseModel):
    """One earlier report of the number: what the operator needs to ask, nothing of its content."""

    receipt_no: str
    received_at: datetime
    status: str = Field(description="received | in_progress | handled, as the receipt lookup says")
    risk_level: str | None = Field(description="the case's level; null until triaged")
    concerns: list[str] = Field(default_factory=list, description="the report's concern codes, to ask "
                                "whether the new call is about the same matter")


def fingerprint(hasher: Hasher, phone: str) -> str:
    return "fp-" + hasher.short(PURPOSE, canonical_phone(phone), 32)


def history(c: ApiContainer, body: CallerHistoryIn, who: Principal, audit: AuditLog) -> list[CallerReport]:
    """Count the number against the operator's hour (AllowanceSpent when spent, nothing looked
    up), audit it, then its reports of the window, newest first (erased ones never)."""
    index = c.intake.callers
    if index is None:
        raise DomainError("this process holds no caller index")
    print_ = fingerprint(index.hasher, body.phone)
    try:
        RepeatAllowance(c.throttle.sql, c.settings.repeat_checks_per_hour).spend(who.subject, {print_})
    except AllowanceSpent:
        audit(who, "caller.history.refused", "caller", print_)
        raise
    audit(who, "caller.history", "caller", print_)
    found: list[tuple[str, datetime, str, str | None, list[str]]] = []
    for report_id in index.reports(body.phone, datetime.now(UTC)):
        try:
            report = c.intake.get_report(report_id)
        except ReportNotFound:  # noted, then the save failed: the retry stores it
            continue
        if report.erased_at is None:
            state, case_id = report_status(c.view, report_id)
            found.append((report.receipt_no, report.received_at, state, case_id, list(report.concerns)))
    levels = {case["case_id"]: case["risk_level"]
              for case in c.view.cases_by_id(sorted({f[3] for f in found if f[3]}))}
    return [CallerReport(receipt_no=no, received_at=at, status=COARSE_REPORT_STATUS[state],
                         risk_level=levels.get(case_id) if case_id else None, concerns=concerns)
            for no, at, state, case_id, concerns in found]
