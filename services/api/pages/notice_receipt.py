"""A notice's receipt after Post/Redirect/Get: the filing answers 303 to /desk/notice/receipt/{id},
which shows the session that filed it what was filed; the lookup code travels once, sealed in a
short-lived cookie bound to that session (never in a URL or a log)."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from services.api.deps import AuditDep, ContainerDep
from services.api.guard import Page, page_guard
from services.api.proxies import is_https
from services.api.web import BEIJING, refuse, render
from services.common.crypto import gcm_open, gcm_seal
from services.common.errors import NotFound
from services.common.labels import CONCERN_TEXT
from services.intake.application import Receipt

router = APIRouter(tags=["pages"], include_in_schema=False)
COOKIE, PATH, KEEP_SECONDS = "hotline_notice_receipt", "/desk/notice/receipt", 600
GONE = "没有找到这份通报的回执。本单位报送的通报及其处理情况见“部门通报”首页。"
ReceiptPage = Annotated[Page, Depends(page_guard("desk", "/desk", GONE))]
ROUTED = ("通报已安全保存，将与其他报告一样研判紧急程度，按情况转交儿童现住地（所在地）的相关单位办理；"
          "儿童需要照料的，首先转交所在乡镇（街道）民政部门的儿童督导员和村（社区）儿童主任。")


def _key(request: Request) -> bytes:
    return hashlib.sha256(b"notice-receipt\x1f" + request.app.state.csrf_key).digest()


def _aad(page: Page, report_id: str) -> bytes:
    return f"notice-receipt\x1f{hashlib.sha256(page.token.encode()).hexdigest()}\x1f{report_id}".encode()


def filed(request: Request, page: Page, receipt: Receipt) -> Response:
    """303 to the receipt's page, the lookup code sealed for this session and report only."""
    report_id = str(receipt.report_id)
    sealed = gcm_seal(_key(request), json.dumps({"lookup_code": receipt.lookup_code}).encode(),
                      _aad(page, report_id))
    response = RedirectResponse(f"{PATH}/{report_id}", status_code=303)
    response.set_cookie(COOKIE, base64.urlsafe_b64encode(sealed).decode(), max_age=KEEP_SECONDS, path=PATH,
                        httponly=True, samesite="strict", secure=is_https(request))
    return response


def _lookup_code(request: Request, page: Page, report_id: str) -> str | None:
    try:
        blob = base64.urlsafe_b64decode(request.cookies.get(COOKIE, ""))
        return str(json.loads(gcm_open([_key(request)], blob, _aad(page, report_id)))["lookup_code"])
    except (ValueError, KeyError, TypeError):
        return None  # shown already, another session's or another report's: not shown again


@router.get(PATH + "/{report_id}")
def notice_receipt(request: Request, report_id: str, page: ReceiptPage, container: ContainerDep,
                   audit: AuditDep) -> Response:
    principal = page.principal
    try:
        report = container.intake.get_report(report_id)
    except NotFound:
        return refuse(request, principal, GONE, 404, "没有找到")
    data = container.intake.personal_data(report)
    if report.submitted_by != principal.subject or report.channel != "agency_notice" or data is None:
        return refuse(request, principal, GONE, 404, "没有找到")
    audit(principal, "report.receipt", "report", report_id)
    lookup_code = _lookup_code(request, page, report_id)
    response = render(request, "receipt.html", {
        "principal": principal, "receipt_no": report.receipt_no, "lookup_code": lookup_code,
        "immediate_danger": report.immediate_danger, "title": "通报已受理", "message": ROUTED,
        "received_at": report.received_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S 北京时间"),
        "again_url": "/desk/notice", "again_text": "再报送一份通报", "mine_url": "/desk#own-notices",
        "filed": {"children": [c["name"] for c in data["children"] if c.get("name")],
                  "place": container.directory.place_name(report.region_code) or report.region_code,
                  "concerns": [CONCERN_TEXT.get(c, c) for c in report.concerns]},
    })
    response.headers["Cache-Control"] = "no-store"  # Back shows it again from the server, code gone
    response.delete_cookie(COOKIE, path=PATH, httponly=True, samesite="strict", secure=is_https(request))
    return response
