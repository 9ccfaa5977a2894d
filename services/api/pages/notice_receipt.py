"""A notice's receipt after Post/Redirect/Get: the filing answers 303 to /desk/notice/receipt/{id},
which shows the session that filed it what was filed; the lookup code travels once, sealed in a
short-lived cookie bound to that session (never in a URL or a log)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.api.deps import AuditDep, ContainerDep
from services.api.guard import Page, page_guard
from services.api.pages.receipt_cookie import ReceiptCookie, own_filed
from services.api.pages.report_receipt import routed
from services.api.web import BEIJING, refuse, render
from services.common.labels import CONCERN_TEXT
from services.intake.application import Receipt

router = APIRouter(tags=["pages"], include_in_schema=False)
CARRIED = ReceiptCookie("hotline_notice_receipt", "/desk/notice/receipt", b"notice-receipt")
GONE = "没有找到这份通报的回执。本单位报送的通报及其处理情况见“部门通报”首页。"
ReceiptPage = Annotated[Page, Depends(page_guard("desk", "/desk", GONE))]
# What a unit filing in danger does first: the police act on it themselves (the police desk's
# review, stop 54: its own receipt told it to call 110).
DANGER = {"police": "儿童正处于危险中：请立即依职责出警处置；需要救治的，拨打 120。",
          "": "儿童正处于危险中：请先依职责处置；需要出警或救治的，立即拨打 110 或 120。"}


def filed(request: Request, page: Page, receipt: Receipt) -> Response:
    """303 to the receipt's page, the lookup code sealed for this session and report only."""
    return CARRIED.filed(request, page.token, receipt)


@router.get(CARRIED.path + "/{report_id}")
def notice_receipt(request: Request, report_id: str, page: ReceiptPage, container: ContainerDep,
                   audit: AuditDep) -> Response:
    principal = page.principal
    found = own_filed(container.intake, audit, principal, report_id, ("agency_notice",))
    if found is None:
        return refuse(request, principal, GONE, 404, "没有找到")
    report, data = found
    lookup_code = CARRIED.lookup_code(request, page.token, report_id)
    response = render(request, "receipt.html", {
        "principal": principal, "receipt_no": report.receipt_no, "lookup_code": lookup_code,
        "immediate_danger": report.immediate_danger, "title": "通报已受理",
        # said while it shows, not after (the police desk's second review, stop 54)
        "code_once": "查询码只在这一次显示，请现在记下：刷新或返回后不再显示。",
        "danger_text": DANGER.get(unit.kind if (unit := container.directory.get(principal.agency_id or ""))
                                  else "", DANGER[""]),
        # The units it goes to, by name (the police desk's review, stop 54: the receipt named none,
        # and said a town's child director, where a county's office received it).
        "message": routed(container.dispatch.matrix.kinds_for(report.concerns), bool(report.concerns),
                          container.directory, report.region_code, what="通报", where="儿童现住地"),
        "received_at": report.received_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S 北京时间"),
        "again_url": "/desk/notice", "again_text": "再报送一份通报", "mine_url": "/desk#own-notices",
        "filed": {"children": [c["name"] for c in data["children"] if c.get("name")],
                  "place": container.directory.place_name(report.region_code) or report.region_code,
                  "concerns": [CONCERN_TEXT.get(c, c) for c in report.concerns]},
    })
    response.headers["Cache-Control"] = "no-store"  # Back shows it again from the server, code gone
    CARRIED.forget(request, response)  # shown once
    return response
