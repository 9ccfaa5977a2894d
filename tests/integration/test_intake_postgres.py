"""Intake on the real PostgreSQL: concurrent retries with one Idempotency-Key store one report."""

from concurrent.futures import ThreadPoolExecutor

import psycopg
from fastapi.testclient import TestClient

from services.api.http import create_app
from services.bootstrap import ApiContainer
from services.intake.schemas import ReportIn
from tests.conftest import Api
from tests.helpers import add_test_users, audit_entries, report_body


def test_32_parallel_identical_requests_store_one_report(dist: ApiContainer) -> None:
    add_test_users(dist.accounts)
    with TestClient(create_app(dist)) as client:
        api = Api(client)
        headers = api.auth("operator1", **{"Idempotency-Key": "retry-storm"})
        body = report_body()
        with ThreadPoolExecutor(max_workers=32) as pool:
            responses = list(pool.map(
                lambda _: client.post("/v1/reports", json=body, headers=headers), range(32)))
        assert [r.status_code for r in responses] == [201] * 32
        assert len({r.json()["receipt_no"] for r in responses}) == 1
        assert len({r.json()["lookup_code"] for r in responses}) == 1
        different = client.post("/v1/reports", json=report_body(narrative="别的事"), headers=headers)
        assert different.status_code == 409
    assert dist.intake is not None
    # One report, its receipt index and its audit note; one entry on the trail.
    assert dist.intake.recorder.max_notification_id() == 3
    assert [e["action"] for e in audit_entries(dist)].count("report.submit") == 1


def test_a_report_and_its_caller_row_commit_in_one_transaction(dist: ApiContainer, pg_url: str) -> None:
    """One commit per report (#31): the caller index's row carries the report's transaction id;
    a retry notes nothing twice."""
    assert dist.intake is not None
    for _ in range(2):  # the first stores and notes; the retry meets both
        receipt = dist.intake.submit_report(ReportIn.model_validate(report_body()), submitted_by="operator1",
                                            idempotency_key="one-commit", role="operator")
    with psycopg.connect(pg_url) as conn:
        events = conn.execute("SELECT DISTINCT xmin::text FROM intake_events WHERE originator_id = %s",
                              (receipt.report_id,)).fetchall()
        callers = conn.execute("SELECT xmin::text FROM caller_reports WHERE report_id = %s",
                               (str(receipt.report_id),)).fetchall()
    assert len(events) == 1
    assert callers == events
