"""The monthly statistical report (统计分析报告, contract §7): the month's figures as tables with
Chinese headers and numbers as numbers, written as an Excel workbook (a sheet and a native chart
per table) or as CSV (the tables one after another)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from typing import Any

from services.common.exportcells import append, csv_bytes
from services.common.labels import (
    CHANNEL_TEXT,
    CONCERN_TEXT,
    INCIDENT_REASON_TEXT,
    KIND_TEXT,
    LEVEL_TEXT,
    SENTINEL_KIND_TEXT,
    STATUS_TEXT,
    UPWARD_STATE_TEXT,
)
from services.common.vocabulary import BEIJING, RISK_LEVELS
from services.dispatch.routing import Directory
from services.oversight.callback_figures import CALLBACK_RATE_RULE, SATISFIED_RATE_RULE
from services.oversight.regions_text import region_label, unit_county
from services.oversight.sheets import widen

Table = tuple[str, list[str], list[list[Any]]]  # title, header, rows


def _minutes(seconds: float | None) -> float | int | None:
    """Minutes to a tenth; whole minutes as a whole number (the CSV says "15", not "15.0")."""
    if seconds is None:
        return None
    minutes = round(seconds / 60, 1)
    return int(minutes) if minutes.is_integer() else minutes


def _place(directory: Directory | None, code: str | None) -> str:
    """A region by its name as shown everywhere (regions_text), else its code."""
    return region_label(directory, code) if directory and code else code or ""


GROUP_HEADER = ["区划", "区划代码", "报告数", "案件数", "红色", "橙色", "黄色", "蓝色", "按时接收转介",
                "已接收或已超时的转介", "超时未接收", "超时后被撤回或退回"]


def _groups(s: dict[str, Any]) -> list[list[Any]]:
    """The regions one level below (GET /v1/stats?group=region), each once, then those placed
    above that level: they add up to the whole; with levels and timeliness as the page's cards
    (the province supervisor's review, stop 61: the counties had counts only)."""
    rows = []
    for g in s.get("groups", []):
        acks = g["ack_seconds"].values()
        decided = sum(a.get("n", 0) for a in acks) + g["overdue"] + g.get("late_ended", 0)
        rows.append([g["name"] or f"区划{g['code']}", g["code"] or "", g["reports"], g["cases"],
                     *[g["by_risk_level"].get(lv, 0) for lv in RISK_LEVELS],
                     sum(a["within_sla"] for a in acks), decided, g["overdue"], g.get("late_ended", 0)])
    return rows


UNIT_HEADER = ["单位", "县区", "机构类型", "转介", "按时接收", "超时接收", "超时未接收",
               "其中此刻仍未接收",
               "退回或撤回", "平均接收用时（分钟）"]


def _units(units: list[Any], directory: Directory | None) -> list[list[Any]]:
    """各单位接收转介情况 as the page has it, latest first (stop 61: only on the page)."""
    def named(agency_id: str) -> tuple[str, str, str]:
        agency = directory.get(agency_id) if directory else None
        return (agency.name, unit_county(directory, agency_id),  # type: ignore[arg-type]
                KIND_TEXT.get(agency.kind, agency.kind)) if agency else (agency_id, "", "")
    return [[*named(u["agency_id"]), u["referrals"], u["on_time"], u["late"], u["missed"], u["waiting_late"],
             u["declined"], _minutes(u["mean_ack_seconds"])] for u in units]


def _pairs(counts: dict[str, int], text: dict[str, str]) -> list[list[Any]]:
    return [[text.get(k, k), n] for k, n in sorted(counts.items(), key=lambda kv: -kv[1])]


INCIDENT_HEADER = ["认定时间（北京）", "县区", "案件编号", "风险等级", "上报原因", "情况摘要", "向上级报送"]


def _incidents(incidents: list[dict[str, Any]]) -> list[list[Any]]:
    """Each major incident of the month, with its summary (it names no one: checked when written),
    for the report upward (the province supervisor's second review, stop 61: counts only)."""
    return [[datetime.fromisoformat(i["reported_at"]).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M"),
             i["county_name"], i["case_id"][:8], LEVEL_TEXT.get(i["risk_level"], i["risk_level"]),
             INCIDENT_REASON_TEXT.get(i["reason"], i["reason"]), i["summary"],
             UPWARD_STATE_TEXT.get(i["upward"], i["upward"])] for i in incidents]


def tables(s: dict[str, Any], month: str, region: str | None, directory: Directory | None = None,
           units: list[Any] | None = None, incidents: list[dict[str, Any]] | None = None) -> list[Table]:
    """The report's tables, in the order a reader goes through them; regions by name (the
    figures grouped by region, `group="region"`, for the 区划 sheet); each unit's referrals."""
    f = s["followups"]
    channels = sorted({c for d in s["by_day"] for c in d["by_channel"]})
    return [
        ("概要", ["指标", "数值"], [
            ["统计月份", month], ["区划", _place(directory, region) or "全部"], ["报告数", s["reports"]],
            ["案件数", s["cases"]],
            ["超时未接收的转介", s["overdue"]], ["随访帮扶中", f["active"]], ["随访逾期", f["overdue"]],
            ["7天内应访", f["due_within_7_days"]], ["本月走访次数", f["visits_done"]],
            ["已结案的随访", f["closed"]],
            ["重大事项", sum(s.get("major_incidents", {}).values())]]),
        ("问题类型", ["问题类型", "案件数"], _pairs(s["by_concern"], CONCERN_TEXT)),
        ("风险等级", ["风险等级", "案件数"],
         [[LEVEL_TEXT[lv], s["by_risk_level"].get(lv, 0)] for lv in RISK_LEVELS]),
        ("报告渠道", ["渠道", "报告数"], _pairs(s["by_channel"], CHANNEL_TEXT)),
        ("每日报告", ["日期", *[CHANNEL_TEXT.get(c, c) for c in channels], "合计"],
         [[d["day"], *[d["by_channel"].get(c, 0) for c in channels], d["reports"]] for d in s["by_day"]]),
        ("区划", GROUP_HEADER, _groups(s)),
        ("机构类型", ["机构类型", "转介数"], _pairs(s["by_agency_kind"], KIND_TEXT)),
        ("各单位接收转介", UNIT_HEADER, _units(units or [], directory)),
        ("转介状态", ["状态", "转介数"], _pairs(s["by_referral_status"], STATUS_TEXT)),
        ("接收用时", ["风险等级", "已接收", "中位数（分钟）", "90%（分钟）", "95%（分钟）", "时限（分钟）",
                     "时限内接收"],
         [[LEVEL_TEXT[lv], a.get("n", 0), _minutes(a.get("p50")), _minutes(a.get("p90")),
           _minutes(a.get("p95")), _minutes(a["sla_seconds"]), a["within_sla"]]
          for lv in RISK_LEVELS if (a := s["ack_seconds"].get(lv))]),
        ("随访帮扶", ["指标", "数值"], [["帮扶中", f["active"]], ["7天内应访", f["due_within_7_days"]],
                                     ["已逾期", f["overdue"]], ["本月走访", f["visits_done"]],
                                     ["已结案", f["closed"]]]),
        ("哨点", ["哨点", "类型", "区划", "区划代码", "本月报告", "最近报告", "无报告天数"],
         [[x["name"], SENTINEL_KIND_TEXT.get(x["kind"], x["kind"]), _place(directory, x["region_code"]),
           x["region_code"], x["reports"],
           (x["last_report_at"] or "")[:10] or "从未报告", x["silent_days"]] for x in s["sentinels"]]),
        ("重大事项", ["上报原因", "件数"],  # §12: by why each went upward
         [[INCIDENT_REASON_TEXT[r], s.get("major_incidents", {}).get(r, 0)] for r in INCIDENT_REASON_TEXT]),
        ("重大事项清单", INCIDENT_HEADER, _incidents(incidents or [])),
        *_callbacks(s, directory),
    ]


CALLBACK_HEADER = ["区划", "应回访", "已回访", "待回访", "其中已超期", "回访率（%）", "联系上", "未联系上",
                   "满意", "基本满意", "不满意", "满意率（%）"]


def _percent(rate: float | None) -> float | None:
    """A rate as a percentage to a tenth (a whole one as a whole number, as in the CSV); None (a
    blank cell) when there was nothing to count."""
    if rate is None:
        return None
    percent = round(rate * 100, 1)
    return int(percent) if percent.is_integer() else percent


def _callback_row(name: str, f: dict[str, Any]) -> list[Any]:
    return [name, f["due"] + f["done"], f["done"], f["due"], f["overdue"], _percent(f["callback_rate"]),
            f["reached"], f["unreached"], f["satisfied"], f["basically_satisfied"], f["dissatisfied"],
            _percent(f["satisfied_rate"])]


def _callbacks(s: dict[str, Any], directory: Directory | None) -> list[Table]:
    """Callbacks (回访, §13) of the cases closed in the month, when the figures carry them: the
    whole, each county (when there are several), the rules, and the dissatisfied cases (a short
    case id, the county and the day recorded: nothing personal)."""
    cb = s.get("callbacks")
    if cb is None:
        return []
    rows: list[list[Any]] = [_callback_row("合计", cb)]
    rows += [_callback_row(_place(directory, c["code"]), c) for c in cb.get("by_county", [])]
    rows += [[], [f"说明：按案件结案时间统计（其余各表按报告接收时间）；{CALLBACK_RATE_RULE}；"
                  f"{SATISFIED_RATE_RULE}；无可计算的数时留空。"], [], ["不满意的案件"]]
    unhappy = cb.get("dissatisfied_cases", [])
    rows += [["案件编号", "区划", "回访登记日期", "是否已复核"],
             *[[d["case_id"][:8], _place(directory, d["region_code"][:6]), _day(d["recorded_at"]),
                f"已复核 {_day(d['reviewed_at'])}" if d.get("reviewed_at") else "未复核"]
               for d in unhappy]] if unhappy else [["本月没有不满意的回访。"]]
    return [("回访", CALLBACK_HEADER, rows)]


def _day(iso: str | None) -> str:
    return datetime.fromisoformat(iso).astimezone(BEIJING).date().isoformat() if iso else ""


def _chart(title: str, header: list[str], rows: list[list[Any]]) -> Callable[[Any], None] | None:
    """A native chart over the table's figures (none for tables that are not counts)."""
    if not rows or title in ("概要", "接收用时", "哨点", "回访", "各单位接收转介", "重大事项清单"):
        return None

    def add(sheet: Any) -> None:
        from openpyxl.chart import BarChart, PieChart, Reference  # as in as_xlsx

        chart: Any = PieChart() if title == "风险等级" else BarChart()
        chart.title = title
        # The total is not a series; a region's levels and timeliness are read, not drawn.
        last_col = 4 if title == "区划" else len(header) - (1 if title == "每日报告" else 0)
        first_col = 3 if title == "区划" else 2  # the region's code is not a series
        data = Reference(sheet, min_col=first_col, max_col=max(first_col, last_col), min_row=1,
                         max_row=len(rows) + 1)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=len(rows) + 1))
        if isinstance(chart, BarChart) and title == "每日报告":
            chart.grouping, chart.overlap = "stacked", 100
        chart.width, chart.height = 18, 9
        sheet.add_chart(chart, f"{chr(ord('A') + len(header) + 1)}2")

    return add


def as_xlsx(report: list[Table]) -> bytes:
    # Imported when a workbook is asked for: openpyxl (and the numpy it loads) would otherwise
    # sit in every API worker's memory (#31).
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    first = True
    for title, header, rows in report:
        sheet = book.active if first else book.create_sheet()
        first = False
        assert sheet is not None
        sheet.title = title
        append(sheet, header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            append(sheet, row)
        widen(sheet)
        add_chart = _chart(title, header, rows)
        if add_chart:
            add_chart(sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def as_csv(report: list[Table]) -> bytes:
    """The tables one after another, each under its title, a blank line between (UTF-8, BOM)."""
    lines: list[list[Any]] = []
    for title, header, rows in report:
        lines += [[f"【{title}】"], header, *rows, []]
    return csv_bytes(lines)
