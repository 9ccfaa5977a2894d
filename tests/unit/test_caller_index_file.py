"""Embedded, the caller index is a table of intake's own SQLite file, written in the transaction
that stores the report (#31: one commit per report, not two); an index kept in a file of its
own before that is taken in once and the file removed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from eventsourcing.persistence import IntegrityError

from services.bootstrap import Wiring
from services.common.settings import Settings
from services.common.store import Sql
from services.intake.callers import CallerIndex
from services.intake.schemas import ReportIn
from tests.helpers import build, report_body
from tests.unit.test_caller_history import CALLER, reporter


def rows(index: CallerIndex) -> set[str]:
    return {str(r["report_id"]) for r in index.sql.rows("SELECT report_id FROM caller_reports")}


def test_a_reports_caller_row_commits_with_it_or_not_at_all(tmp_path: Path) -> None:
    h = build(Settings(var_dir=tmp_path), store="sqlite")
    try:
        index = h.intake.callers
        assert index is not None and h.intake.callers_in_save
        receipt = h.intake.submit_report(ReportIn.model_validate(report_body(reporter=reporter())),
                                         submitted_by="op", role="operator", idempotency_key="k1")
        assert rows(index) == {str(receipt.report_id)}
        # The report's first event stored again (a concurrent first attempt) with another row:
        # refused whole, the row not kept.
        stored = h.intake.recorder.select_events(receipt.report_id)[:1]
        row = ("INSERT INTO caller_reports (report_id, caller, received_ts) VALUES (?,?,?)", ("x", "c", 1.0))
        with pytest.raises(IntegrityError):
            h.intake.recorder.insert_events(stored, caller_rows=[row])
        assert rows(index) == {str(receipt.report_id)}
    finally:
        h.close()
    assert not (tmp_path / "callers.sqlite").exists()


def test_an_index_kept_in_a_file_of_its_own_is_taken_in_once(tmp_path: Path) -> None:
    wiring = Wiring.of(Settings(var_dir=tmp_path), "sqlite")
    old = CallerIndex(Sql(wiring.factory("callers").datastore), wiring.hasher("hash"), 30)
    old.create_table()
    now = datetime.now(UTC)
    old.note("before-31", CALLER, now)
    old.close()
    assert (tmp_path / "callers.sqlite").exists()
    for _ in range(2):  # the second start finds no file and the row where the first left it
        h = build(Settings(var_dir=tmp_path), store="sqlite")
        try:
            assert h.intake.callers is not None
            assert h.intake.callers.reports(CALLER, now) == ["before-31"]
        finally:
            h.close()
        assert not list(tmp_path.glob("callers.sqlite*"))
