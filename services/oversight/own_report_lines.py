"""A reporter's own recent reports as her page lists them: the receipt, time and coarse status of
`own_reports`, with what tells them apart and is not personal: the concerns and the place."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from projections.desk.view import DeskView
from services.common.auditnote import AuditLog, Principal
from services.intake.application import IntakeApplication
from services.oversight.reports import OwnReport, own_reports


class OwnReportLine(BaseModel):
    """One row of 我提交的报告: never a child's name or the narrative."""

    report_id: str
    receipt_no: str
    received_at: datetime
    status: str
    concerns: list[str]
    region_code: str
    same_child_as: str | None = None  # her earlier report's receipt, when this one joined its case


def own_report_lines(intake: IntakeApplication, view: DeskView, audit: AuditLog, principal: Principal,
                     since: datetime) -> list[OwnReportLine]:
    """The reporter's own reports since then, newest first, each with its concerns and place, and
    the earliest of her reports whose case it joined (stop 59's teacher: two reports about one
    pupil looked unrelated)."""
    lines, cases = [], []
    for row in own_reports(intake, view, audit, principal, since):
        if not isinstance(row, OwnReport):
            continue  # staff's rows: their own lists (a reporter's are always OwnReport)
        report = intake.get_report(row.report_id)
        cases.append(row._case_id)
        lines.append(OwnReportLine(report_id=row.report_id, receipt_no=row.receipt_no,
                                   received_at=row.received_at, status=row.status,
                                   concerns=list(report.concerns), region_code=report.region_code))
    for i, line in enumerate(lines):  # newest first: the earliest of a case is its last row
        earlier = [lines[j].receipt_no for j in range(len(lines) - 1, i, -1)
                   if cases[j] and cases[j] == cases[i]]
        line.same_child_as = earlier[0] if earlier else None
    return lines
