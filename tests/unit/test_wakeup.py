"""The embedded runner is woken by a leader's commit, not by a timer."""

from __future__ import annotations

import threading

from services.bootstrap import ApiContainer, edges_of
from services.common.embedded import EmbeddedRunner
from services.intake.schemas import ReportIn
from tests.helpers import report_body


def test_a_commit_wakes_the_embedded_runner(hotline: ApiContainer) -> None:
    runner = EmbeddedRunner(edges_of(hotline), interval=3600)  # a timer would wait an hour
    runner.start()
    try:
        runner.pump()  # (nothing pending)
        seen = threading.Event()
        receipt = hotline.intake.submit_report(ReportIn.model_validate(report_body()),
                                               submitted_by="op", role="operator", idempotency_key="w")
        # Woken by the commit, the runner carries the report through triage and dispatch.
        for _ in range(600):
            if hotline.view.case_for_report(str(receipt.report_id)) is not None:
                seen.set()
                break
            seen.wait(0.05)
        assert seen.is_set(), "the runner was not woken by the commit"
    finally:
        runner.stop()
