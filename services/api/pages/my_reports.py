"""/report/mine: a reporter's own reports of the last 30 days (receipt, Beijing time, coarse
status, concerns, place), through the same use case as GET /v1/reports/mine; no personal data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.api.deps import AuditDep, DirectoryDep, IntakeDep, ViewDep
from services.api.guard import Page, page_guard
from services.api.pages.lookup import STATUS  # the same words as the lookup's
from services.api.web import BEIJING, render
from services.common.labels import CONCERN_TEXT
from services.oversight.own_report_lines import own_report_lines
from services.oversight.reports import REPORTER_DAYS

router = APIRouter(tags=["pages"], include_in_schema=False)


Reporter = Annotated[Page, Depends(page_guard("reporter", "/report/mine",
                                              "此页列出强制报告责任人自己提交的报告。"))]


@router.get("/report/mine")
def my_reports_page(request: Request, page: Reporter, intake: IntakeDep, view: ViewDep,
                    audit: AuditDep, directory: DirectoryDep) -> Response:
    principal = page.principal
    since = datetime.now(UTC) - timedelta(days=REPORTER_DAYS)
    rows = [{"receipt_no": r.receipt_no, "report_id": r.report_id, "status": STATUS[r.status][0],
             "received_at": r.received_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M"),
             "concerns": [CONCERN_TEXT.get(c, c) for c in r.concerns],
             "place": directory.place_name(r.region_code) or r.region_code, "same_child_as": r.same_child_as}
            for r in own_report_lines(intake, view, audit, principal, since)]
    return render(request, "my_reports.html", {"principal": principal, "rows": rows,
                                               "days": REPORTER_DAYS})
