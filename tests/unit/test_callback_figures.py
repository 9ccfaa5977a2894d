"""The callbacks' figures (回访, contract §13) as supervisors read them: the callback rate and the
satisfied rate per month in GET /v1/stats, per county where the caller sees several, the
dissatisfied cases and whether each was reviewed since, the monthly workbook's 回访 sheet (blank
cells where nothing was counted; CSV the same; every sheet's columns as wide as their headers) and
the /stats page (counted by 结案时间; one month charted as one group of bars, like several); /callbacks
says 已复核 and when for a dissatisfied reporter's case reviewed since."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from openpyxl import load_workbook

from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from services.common.vocabulary import BEIJING
from services.intake.callback import Callback
from services.oversight.sheets import text_width as _width
from tests.conftest import Api
from tests.unit.test_board_callbacks import unhappy as unhappy_case
from tests.unit.test_board_page import csrf, visible
from tests.unit.test_pages import login

OCT, NOV = datetime(2026, 10, 15, 2, tzinfo=UTC), datetime(2026, 11, 15, 2, tzinfo=UTC)
LIANNAN, QINGCHENG = "441823", "441802"


def seeded(hotline: ApiContainer, region: str, opened: datetime, result: dict[str, Any] | None) -> Callback:
    """A callback opened as its case closed at `opened`, with its result when given."""
    callback = Callback(id=uuid4(), report_id=str(uuid4()), case_id=str(uuid4()), receipt_no="20261015-X",
                        region_code=f"{region}100", opened_at=opened, due_at=opened + timedelta(days=3))
    hotline.callbacks.save(callback)
    if result is not None:
        hotline.callbacks.record(callback.id, **{"satisfaction": None, "note": None, **result},
                                 by="operator1")
    return callback


@pytest.fixture
def unhappy(hotline: ApiContainer) -> Callback:
    """October: one satisfied, one due (overdue) in 连南; November: one dissatisfied in 连南, one
    not reached and one due (overdue) in 清城."""
    seeded(hotline, LIANNAN, OCT, {"reached": True, "satisfaction": "satisfied"})
    seeded(hotline, LIANNAN, OCT, None)
    found = seeded(hotline, LIANNAN, NOV, {"reached": True, "satisfaction": "dissatisfied", "note": "没人来"})
    seeded(hotline, QINGCHENG, NOV, {"reached": False})
    seeded(hotline, QINGCHENG, NOV, None)
    return found


def test_the_rates_per_month_and_per_county(api: Api, unhappy: Callback) -> None:
    cb = api.client.get("/v1/stats", params={"group": "region"},
                        headers=api.auth("supervisor1")).json()["callbacks"]
    assert {k: cb[k] for k in ("due", "overdue", "done", "reached", "unreached", "satisfied",
                               "basically_satisfied", "dissatisfied", "callback_rate", "satisfied_rate")} == {
        "due": 2, "overdue": 2, "done": 3, "reached": 2, "unreached": 1, "satisfied": 1,
        "basically_satisfied": 0, "dissatisfied": 1, "callback_rate": 0.6, "satisfied_rate": 0.5}
    assert [(m["month"], m["callback_rate"], m["satisfied_rate"]) for m in cb["by_month"]] == [
        ("2026-10", 0.5, 1.0), ("2026-11", 0.6667, 0.0)]
    assert [(c["code"], c["done"], c["callback_rate"], c["satisfied_rate"]) for c in cb["by_county"]] == [
        (QINGCHENG, 1, 0.5, None), (LIANNAN, 2, 0.6667, 0.5)]
    (case,) = cb["dissatisfied_cases"]
    assert case["case_id"] == unhappy.case_id and case["region_code"] == f"{LIANNAN}100"
    # A county's supervisor: its own figures, no county rows; without group, no list of cases.
    county = api.client.get("/v1/stats", params={"group": "region"},
                            headers=api.auth("supervisor-qingcheng")).json()["callbacks"]
    assert (county["done"], county["by_county"], county["dissatisfied_cases"]) == (1, [], [])
    plain = api.client.get("/v1/stats", headers=api.auth("supervisor1")).json()["callbacks"]
    assert "dissatisfied_cases" not in plain and "by_county" not in plain


def sheet_rows(api: Api, user: str, month: str = "2026-11") -> tuple[list[list[Any]], list[list[str]]]:
    asked = {"month": month}
    xlsx = api.client.get("/v1/stats/monthly", params={**asked, "format": "xlsx"}, headers=api.auth(user))
    rows = [list(r) for r in load_workbook(io.BytesIO(xlsx.content))["回访"].iter_rows(values_only=True)]
    text = api.client.get("/v1/stats/monthly", params={**asked, "format": "csv"},
                          headers=api.auth(user)).content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    start = lines.index(["【回访】"]) + 1
    end = next((i for i in range(start, len(lines)) if lines[i][:1] and lines[i][0].startswith("【")),
               len(lines))
    return rows, lines[start:end]


def trimmed(row: list[Any]) -> list[str]:
    """A row as text without its empty tail: how a cell of the workbook reads in the CSV."""
    cells = ["" if v is None else str(v) for v in row]
    while cells and cells[-1] == "":
        cells.pop()
    return cells


def test_the_workbooks_sheet_counts_each_county_and_lists_the_dissatisfied(api: Api,
                                                                           unhappy: Callback) -> None:
    rows, lines = sheet_rows(api, "supervisor-qingyuan")
    assert rows[0] == ["区划", "应回访", "已回访", "待回访", "其中已超期", "回访率（%）", "联系上",
                       "未联系上", "满意", "基本满意", "不满意", "满意率（%）"]
    assert rows[1] == ["合计", 3, 2, 1, 1, 66.7, 1, 1, 0, 0, 1, 0]
    assert rows[2][0].endswith("清城区") and rows[2][1:] == [2, 1, 1, 1, 50, 0, 1, 0, 0, 0, None]  # blank
    assert rows[3][0].endswith("连南瑶族自治县") and rows[3][5] == 100 and rows[3][11] == 0
    firsts = [r[0] for r in rows]
    rule = next(t for t in firsts if t and t.startswith("说明"))
    assert "结案时间" in rule and "满意率 =（满意 + 基本满意）÷ 联系上" in rule and "已回访 ÷ 应回访" in rule
    at = firsts.index("不满意的案件")
    assert rows[at + 1][:4] == ["案件编号", "区划", "回访登记日期", "是否已复核"]
    assert rows[at + 2][:4] == [unhappy.case_id[:8], rows[3][0], datetime.now(BEIJING).date().isoformat(),
                                "未复核"]  # the seeded case is not in the view: never reviewed
    assert rows[at + 3:] == []
    assert "没人来" not in str(rows) and "20261015-X" not in str(rows)  # nothing personal, no receipt
    # The CSV says the same, cell by cell (a blank cell empty, never 无).
    assert [trimmed(line) for line in lines[:-1]] == [trimmed(r) for r in rows] and lines[-1] == []
    assert lines[2][-1] == ""  # the blank rate: an empty cell
    assert "无" not in "".join(c for line in lines[:4] for c in line[1:])


def test_a_county_sheet_has_no_county_rows_and_says_when_none_was_dissatisfied(
        api: Api, unhappy: Callback) -> None:
    rows, _ = sheet_rows(api, "supervisor-qingcheng")
    assert rows[1] == ["合计", 2, 1, 1, 1, 50, 0, 1, 0, 0, 0, None]
    assert rows[2] == [None] * 12  # the blank line before the rules: no county rows
    assert ["本月没有不满意的回访。"] == [r[0] for r in rows if r[0] == "本月没有不满意的回访。"]


def test_the_page_says_the_basis_and_charts_several_months(api: Api, unhappy: Callback) -> None:
    login(api.client, "supervisor1")
    both = api.client.get("/stats", params={"from": "2026-10-01", "to": "2026-11-30"}).text
    text = visible(both)
    assert "回访率60.0%" in text and "满意率50.0%" in text and "应回访5件" in text
    assert "回访按案件结案时间统计" in text and "按报告接收时间统计" in text
    assert 'id="c-callbacks"' in both and "以上即" not in visible(both)
    # One month: charted all the same (one group of bars, the month named under it), no sentence.
    one = api.client.get("/stats", params={"from": "2026-11-01", "to": "2026-11-30"}).text
    assert 'id="c-callbacks"' in one and "以上即" not in visible(one) and "都在" not in visible(one)
    assert '"month": "2026-11"' in one and '"month": "2026-10"' not in one  # the chart's one month
    assert "回访率66.7%" in visible(one) and "满意率0.0%" in visible(one)
    assert 'id="cb-no-rate"' not in one  # each month has a satisfied rate: no note about none


def test_every_sheets_columns_fit_their_headers(api: Api, unhappy: Callback) -> None:
    xlsx = api.client.get("/v1/stats/monthly", params={"month": "2026-11"}, headers=api.auth("supervisor1"))
    book = load_workbook(io.BytesIO(xlsx.content))
    for sheet in book.worksheets:
        for cell in sheet[1]:
            width = sheet.column_dimensions[cell.column_letter].width
            assert width >= _width(cell.value) + 1, (sheet.title, cell.value, width)
    widths = {c.value: book["回访"].column_dimensions[c.column_letter].width for c in book["回访"][1]}
    assert widths["回访率（%）"] >= 12 and widths["其中已超期"] >= 11  # were cut off at the default 8.43
    assert book["回访"].column_dimensions["A"].width <= 48  # the rules' line runs on, never widens A


def test_a_dissatisfied_case_reviewed_since_says_so(api: Api, runner: EmbeddedRunner) -> None:
    case_id, receipt = unhappy_case(api, runner)
    login(api.client, "supervisor1")
    listed = visible(api.client.get("/callbacks").text.split('id="cb-done"')[1])
    assert "已联系上，不满意，待复核" in listed and "（operator1）" not in listed  # by role, as the timeline
    board = api.client.get("/board").text
    api.client.post(f"/board/cases/{case_id}/review", data={"csrf": csrf(board), "note": "已核实"})
    runner.pump()
    listed = visible(api.client.get("/callbacks").text.split('id="cb-done"')[1])
    today = datetime.now(BEIJING)
    assert f"已联系上，不满意，已复核（{today:%m-%d}" in listed and "待复核" not in listed
    assert "回访人：热线接线员" in listed
    rows, _ = sheet_rows(api, "supervisor1", f"{today:%Y-%m}")
    at = [r[0] for r in rows].index("不满意的案件")
    assert rows[at + 2][:4] == [case_id[:8], rows[at + 2][1], today.date().isoformat(),
                                f"已复核 {today.date().isoformat()}"]
    record = visible(api.client.get(f"/board/callbacks/{case_id}").text)
    assert f"热线接线员回访（受理编号{receipt}）" in record  # no account here either
