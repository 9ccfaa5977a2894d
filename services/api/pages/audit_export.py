"""The audit trail as a file for the auditor's report (the auditor's review, stop 61: nothing could
be handed on): the entries the page's filters choose, in a workbook or csv, headed by who exported
them, when, with which filters, how many, and what the chain's last check found."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from services.api.deps import AuditDep, ContainerDep
from services.api.pages.audit import Auditor, verification_of
from services.api.pages.audit_filters import details, resource_said
from services.api.pages.audit_query import asked, search
from services.common.exportcells import append, csv_bytes
from services.common.labels import ACTION_TEXT, ACTOR_TEXT, ROLE_TEXT
from services.common.vocabulary import BEIJING
from services.oversight.filters import filters_label

router = APIRouter(tags=["pages"], include_in_schema=False)
EXPORT_MAX = 10000  # entries in one file; a wider choice is said, newest kept
COLUMNS = ("序号", "时间（北京）", "操作人", "操作人单位", "角色", "操作", "对象", "说明", "案件编号",
           "来源地址")
HEADER_ROW = 8  # the columns' names, under the seven lines that head the file
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _when(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def rows_of(container: Any, entries: list[dict[str, Any]]) -> list[list[Any]]:
    """One row an entry, in the words of the page."""
    said = details(container, entries)

    def unit(unit_id: str | None) -> str:
        agency = container.directory.get(unit_id or "")
        return agency.name if agency else (unit_id or "")

    places = dict(container.directory.places)

    def thing(e: dict[str, Any]) -> str:
        return " ".join(resource_said(e, places)[:2]).strip()

    return [[e["seq"], _when(e["at"]), ACTOR_TEXT.get(e.get("actor") or "", e.get("actor") or ""),
             unit(e.get("unit")), ROLE_TEXT.get(e.get("role") or "", "其他"),
             ACTION_TEXT.get(e.get("action") or "", "其他操作"), thing(e), said.get(e["seq"], ""),
             e.get("case_id") or "", e.get("client") or ""] for e in entries]


@router.get("/audit/export")
def audit_export(request: Request, page: Auditor, container: ContainerDep, audit: AuditDep) -> Response:
    principal = page.principal
    a = asked(request.query_params, container, principal)
    kind = request.query_params.get("format", "xlsx")
    if a.errors or kind not in ("xlsx", "csv"):  # the page says what is wrong, at its field
        return RedirectResponse("/audit?" + urlencode({**request.query_params, "form": "1"}), status_code=303)
    a.before = None  # the whole choice, newest first
    entries, more, _ = search(container, a, principal, limit=EXPORT_MAX, scan=max(200000, EXPORT_MAX * 20))
    searched = a.searched()
    audit(principal, "audit.export", "case" if a.case else "audit",
          a.case or (None if searched in (None, "-") else searched), a.case if a.full else None)
    checked = verification_of(request, container, now=True)  # as of this file, never a minute old
    head = container.audit.head()
    now = datetime.now(BEIJING)
    places = dict(container.directory.places)
    lines = [
        ["审计日志导出"],
        [f"导出人：{principal.subject}（{ROLE_TEXT.get(principal.role, principal.role)}）",
         f"导出时间：{now:%Y-%m-%d %H:%M:%S}（北京时间）"],
        [f"筛选条件：{filters_label(searched or '-', lambda code: places.get(code, ''))}"
         + (f"；{a.via}" if a.via else f"；案件 {a.case}" if a.case else "")],
        [f"共 {len(entries)} 条，最新在前" + (f"（超过 {EXPORT_MAX} 条，只导出最新的 {EXPORT_MAX} 条，"
                                          "请缩小日期范围后分次导出）" if more else "")],
        [("审计链校验：通过，" if checked["ok"] else f"审计链校验：未通过（{checked['problem']}），")
         + f"{checked['at']:%Y-%m-%d %H:%M:%S} 校验 {checked['entries']} 条"
         + (f"；最近签名检查点：第 {checked['last']['seq']} 条" if checked["last"] else "")],
        # What a superior can check the file against (信息科: `hotline audit verify` prints the chain).
        [f"导出时审计链共 {head.length if head else 0} 条，末条哈希 {head.head[:16] if head else '-'}…"
         "（请信息科用 hotline audit verify 核对）"],
        [],
        list(COLUMNS),
    ]
    rows = rows_of(container, entries)
    name = f"audit-{now:%Y%m%d-%H%M%S}.{kind}"
    if kind == "csv":
        body, media = csv_bytes([*lines, *rows]), "text/csv; charset=utf-8"
    else:
        body, media = workbook([*lines, *rows]), XLSX
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def workbook(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook  # imported when asked for (#31: kept out of the workers' memory)

    from services.oversight.sheets import widen

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "审计日志"
    for row in rows:
        append(sheet, row)
    widen(sheet)
    # Printed as it is handed on: landscape, every column on the page's width, the header repeated.
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
