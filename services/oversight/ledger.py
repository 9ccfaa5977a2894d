"""The monthly ledger (台账, contract §6): one row per child in the cases open that month, with
names and id numbers from the reports' sealed data, as CSV or an Excel workbook."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from typing import Any

from projections.desk.followup_queries import LedgerRow
from services.common.exportcells import append, csv_bytes
from services.common.labels import CATEGORY_TEXT, LEVEL_TEXT
from services.common.vocabulary import BEIJING
from services.intake.application import IntakeApplication
from services.oversight.sheets import widen

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# YYYY-MM from 1900 to 2099: the months a ledger or a report can be about.
MONTH_PATTERN = r"^(19|20)\d{2}-(0[1-9]|1[0-2])$"
COLUMNS = ("案件编号", "区划代码", "地点", "儿童姓名", "性别", "年龄", "身份证号", "困境类别", "风险等级",
           "牵头单位", "结对帮扶人", "本月走访次数", "最近走访", "下次走访应于", "状态")
GENDER_TEXT = {"male": "男", "female": "女", "unknown": "不详"}
STATUS_TEXT = {"active": "帮扶中", "closed": "已结案"}


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[first moment, first moment of the next month) of `YYYY-MM`, Beijing time."""
    year, number = (int(x) for x in month.split("-"))
    start = datetime(year, number, 1, tzinfo=BEIJING)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=BEIJING)
    return start, end


def _day(iso: str | None) -> str:
    return datetime.fromisoformat(iso).astimezone(BEIJING).strftime("%Y-%m-%d") if iso else ""


def merged_children(public: list[dict[str, Any]],
                    sealed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each child whole: gender and age are kept on the report, name and id number sealed
    (the same order in both); an erased report leaves no child."""
    return [{"gender": p.get("gender"), "age": p.get("age"), **s}
            for p, s in zip(public, sealed, strict=False)]


def children_of(intake: IntakeApplication, report_ids: list[str]) -> list[dict[str, Any]]:
    """The case's children across its reports, each once (same id number, or same name and age);
    one blank row stands for a case whose reports were all erased."""
    seen: dict[tuple[Any, ...], dict[str, Any]] = {}
    for report_id in report_ids:
        report = intake.get_report(report_id)
        data = intake.personal_data(report) or {}
        for child in merged_children(report.children, data.get("children") or []):
            key = (("id", child["id_number"]) if child.get("id_number")
                   else ("name", child.get("name"), child.get("age")))
            seen.setdefault(key, child)
    return list(seen.values()) or [{"name": "（个人信息已删除）"}]


def _in_order(categories: list[str]) -> list[str]:
    """In the vocabulary's order, as the board lists them."""
    order = list(CATEGORY_TEXT)
    return sorted(categories, key=lambda c: order.index(c) if c in order else len(order))


def ledger_rows(rows: list[LedgerRow], intake: IntakeApplication, agency_names: dict[str, str],
                place_name: Callable[[str], str] | None = None) -> list[list[Any]]:
    """One row per child; the place by name (the nearest named place above its code)."""
    out: list[list[Any]] = []
    for r in rows:
        categories = "、".join(CATEGORY_TEXT.get(c, c) for c in _in_order(r["categories"])) or "、".join(
            f"{CATEGORY_TEXT.get(c, c)}（建议）" for c in _in_order(r["suggested_categories"]))
        for child in children_of(intake, r["report_ids"]):
            out.append([
                r["case_id"], r["region_code"],
                place_name(r["region_code"]).replace(" ", "") if place_name and r["region_code"] else "",
                child.get("name") or "", GENDER_TEXT.get(
                    child.get("gender") or "", ""), child.get("age") if child.get("age") is not None else "",
                child.get("id_number") or "", categories, LEVEL_TEXT.get(r["risk_level"], r["risk_level"]),
                agency_names.get(r["lead_agency_id"] or "", r["lead_agency_id"] or "（无牵头单位）"),
                r["helper"] or "", r["visits_in_month"], _day(r["last_visit"]),
                _day(r["next_visit_due"]) if r["status"] == "active" else "",
                STATUS_TEXT.get(r["status"], r["status"]),
            ])
    return out


def as_csv(rows: list[list[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese text as such."""
    return csv_bytes([list(COLUMNS), *rows])


def as_xlsx(rows: list[list[Any]], month: str) -> bytes:
    # Imported when a workbook is asked for: openpyxl (and the numpy it loads) would otherwise
    # sit in every API worker's memory (#31).
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"台账 {month}"
    append(sheet, COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        append(sheet, row)
    sheet.freeze_panes = "A2"
    widen(sheet)  # as wide as the longest place, categories or unit (the supervisors' review, stop 50)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
