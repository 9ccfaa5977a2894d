"""Erasure that holds: after `hotline erase`, no file under var/ holds the report's wrapped key
or its personal values, and its children no longer join later reports."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.bootstrap import edges_of
from services.cli.main import main
from services.common.embedded import EmbeddedRunner
from services.common.keystore import case_key_owner
from services.common.settings import Settings
from services.intake.schemas import ReportIn
from services.oversight.followups import seal_findings
from tests.helpers import PII_VALUES, build, report_body


def files_holding(var: Path, needles: list[bytes]) -> list[str]:
    return [str(f.relative_to(var)) for f in var.rglob("*")
            if f.is_file() and any(n in f.read_bytes() for n in needles)]


def test_erased_key_and_values_are_in_no_file_and_the_child_is_forgotten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("HOTLINE_DATABASE_URL", raising=False)
    h = build(Settings(var_dir=tmp_path))
    runner = EmbeddedRunner(edges_of(h))

    def submit(key: str) -> str:
        receipt = h.intake.submit_report(ReportIn.model_validate(report_body()), submitted_by="op",
                                         role="operator", idempotency_key=key)
        runner.pump()
        return str(receipt.report_id)

    report_id = submit("first")
    wrapped = h.keys.backend.get(report_id)
    assert wrapped and files_holding(tmp_path, [wrapped.encode()])  # somewhere in keys.sqlite*
    first_case = h.triage.case_for_report(report_id)
    # A follow-up visit's findings: sealed under the case's own key, which the erasure destroys.
    findings, case_id = "王小明说爸爸昨晚又打了他", str(first_case)
    h.dispatch.record_visit(case_id, visit_id="v1", visited_at=datetime.now(UTC), visitor="王主任",
                            child_seen=True, sealed_findings=seal_findings(h.keys, case_id, "v1", findings),
                            measures=[], suggested_level=None, by="civil-desk", unit=None)
    runner.pump()
    assert h.keys.key_for(case_key_owner(case_id)) is not None
    assert files_holding(tmp_path, [findings.encode()]) == []  # sealed wherever it went

    # Erased by the admin CLI while the service keeps its connections open (as `make run` does,
    # which keeps the write-ahead log alive).
    assert main(["erase", "--report", report_id, "--reason", "监护人依法申请删除"]) == 0
    runner.pump()  # triage learns of the erasure
    assert h.keys.key_for(report_id) is None
    assert h.keys.key_for(case_key_owner(case_id)) is None  # the findings cannot be opened
    assert h.keys.destroy(report_id) is False  # already gone: nothing to destroy
    assert files_holding(tmp_path, [wrapped.encode()]) == []  # not in keys.sqlite, nor its WAL
    assert files_holding(tmp_path, [v.encode() for v in PII_VALUES]) == []
    # The same child reported again opens a new case: the erased report no longer links it.
    again = submit("second")
    assert h.triage.case_for_report(again) != first_case
    h.close()


def test_a_retry_after_erasure_answers_the_same_receipt_and_leaves_no_key(hotline) -> None:  # type: ignore[no-untyped-def]
    """A report is saved without a read first; a late retry of an erased one meets it on its
    id, answers as the first time, and leaves no new key behind."""
    body = ReportIn.model_validate(report_body())
    first = hotline.intake.submit_report(body, submitted_by="op", role="operator", idempotency_key="k")
    hotline.intake.erase(first.report_id, reason="court order", by="admin1")
    again = hotline.intake.submit_report(body, submitted_by="op", role="operator", idempotency_key="k")
    assert again.receipt_no == first.receipt_no and again.report_id == first.report_id
    assert hotline.keys.backend.get(str(first.report_id)) is None
    assert hotline.intake.personal_data(hotline.intake.get_report(first.report_id)) is None
