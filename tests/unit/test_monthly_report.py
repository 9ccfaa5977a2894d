"""The monthly statistical report (contract §7): the xlsx has a sheet and a chart per table, in
Chinese, numbers as numbers, the same figures as GET /v1/stats; the CLI writes the same file."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from services.bootstrap import edges_of
from services.common.embedded import EmbeddedRunner
from services.common.settings import Settings
from services.common.vocabulary import CONCERN_TEXT
from services.gateway.cli import main
from services.gateway.ledger import BEIJING, month_bounds
from services.intake.schemas import ReportIn
from tests.conftest import Api
from tests.helpers import build, report_body

SHEETS = ["概要", "问题类型", "风险等级", "报告渠道", "每日报告", "区划", "机构类型", "转介状态", "接收用时",
          "随访帮扶", "哨点"]


def summary(book: Any) -> dict[str, Any]:
    return {row[0].value: row[1].value for row in book["概要"].iter_rows(min_row=2)}


def test_the_workbook_holds_the_same_figures_as_the_api(api: Api, runner: EmbeddedRunner) -> None:
    api.submit(report_body(), key="m1")
    api.submit(report_body(children=[{"name": "李小红", "age": 7}], concerns=["neglect"],
                           immediate_danger=False, narrative="常一个人在家"), key="m2")
    runner.pump()
    month = datetime.now(BEIJING).strftime("%Y-%m")
    since, until = month_bounds(month)
    stats = api.client.get("/v1/stats", params={"since": since.isoformat(), "until": until.isoformat()},
                           headers=api.auth("supervisor1")).json()
    r = api.client.get("/v1/stats/monthly", params={"month": month}, headers=api.auth("auditor1"))
    assert r.status_code == 200 and "spreadsheetml" in r.headers["content-type"]
    book = load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == SHEETS
    head = summary(book)
    assert head["统计月份"] == month and head["报告数"] == stats["reports"] == 2
    assert head["案件数"] == stats["cases"] and head["随访帮扶中"] == stats["followups"]["active"]
    concerns = {row[0].value: row[1].value for row in book["问题类型"].iter_rows(min_row=2)}
    assert concerns == {CONCERN_TEXT[k]: n for k, n in stats["by_concern"].items()}
    assert all(isinstance(n, int) for n in concerns.values())  # numbers, not text
    levels = {row[0].value: row[1].value for row in book["风险等级"].iter_rows(min_row=2)}
    assert levels == {"红色": 1, "橙色": 0, "黄色": 1, "蓝色": 0}
    ack = [[c.value for c in row] for row in book["接收用时"].iter_rows(min_row=2)]
    assert [row[5] for row in ack] == [15.0, 120.0, 1440.0, 4320.0]  # each level's SLA, minutes
    assert book["问题类型"]._charts and book["风险等级"]._charts and book["每日报告"]._charts
    text = api.client.get("/v1/stats/monthly", params={"month": month, "format": "csv"},
                          headers=api.auth("supervisor1")).content.decode("utf-8-sig")
    assert "【概要】" in text and f"报告数,{stats['reports']}" in text
    assert api.client.get("/v1/stats/monthly", params={"month": "2026-1"},
                          headers=api.auth("supervisor1")).status_code == 422
    assert api.client.get("/v1/stats/monthly", headers=api.auth("operator1")).status_code == 403


def test_the_cli_writes_the_monthly_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("HOTLINE_DATABASE_URL", raising=False)
    h = build(Settings(var_dir=tmp_path))
    h.intake.submit_report(ReportIn.model_validate(report_body()), submitted_by="op", role="operator",
                           idempotency_key="cli")
    EmbeddedRunner(edges_of(h)).pump()
    h.close()
    month = datetime.now(BEIJING).strftime("%Y-%m")
    out = tmp_path / "report.xlsx"
    assert main(["stats", "monthly", "--month", month, "--region", "441823", "--out", str(out)]) == 0
    head = summary(load_workbook(out))
    assert head["报告数"] == 1 and head["区划"] == "441823"
    assert main(["stats", "monthly", "--month", "2026-13", "--out", str(out)]) == 2
