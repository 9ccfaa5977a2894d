"""Forwarded headers only from trusted proxies, Secure and HSTS, no-store, receipt misses."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.api.http import create_app
from services.bootstrap import ApiContainer
from services.common.settings import Settings
from services.intake.application import IntakeApplication
from services.intake.schemas import ReportIn
from tests.conftest import Api
from tests.helpers import TEST_PASSWORD, add_test_users, audit_entries, build, report_body

PROXY = "10.0.0.5"


@pytest.fixture
def behind_proxy(tmp_path: Any) -> Any:
    h = build(Settings(var_dir=tmp_path, trusted_proxies=f"{PROXY}/32"), store="memory")
    add_test_users(h.accounts)
    yield h
    h.close()


def login_status(client: TestClient, forwarded_for: str, username: str) -> int:
    """A failed login (a distinct username each time, so only the per-address limit counts)."""
    r = client.post("/v1/auth/token", data={"username": username, "password": "wrong-password"},
                    headers={"X-Forwarded-For": forwarded_for})
    return r.status_code


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(hotline: ApiContainer) -> None:
    add_test_users(hotline.accounts)
    with TestClient(create_app(hotline), client=("127.0.0.1", 5000)) as client:
        codes = [login_status(client, f"198.51.100.{i}", f"user{i}") for i in range(22)]
    assert codes[:20] == [401] * 20 and codes[20:] == [429, 429]  # rotating headers change nothing


def test_a_trusted_proxy_names_the_client(behind_proxy: ApiContainer) -> None:
    with TestClient(create_app(behind_proxy), client=(PROXY, 5000)) as client:
        assert {login_status(client, f"198.51.100.{i}", f"user{i}") for i in range(22)} == {401}
        same = [login_status(client, "203.0.113.9, 198.51.100.7", f"other{i}") for i in range(21)]
        assert same[-1] == 429
        token = client.post("/v1/auth/token", data={"username": "auditor1", "password": TEST_PASSWORD},
                            headers={"X-Forwarded-For": "203.0.113.50"}).json()["access_token"]
        client.get("/v1/audit", headers={"Authorization": f"Bearer {token}",
                                         "X-Forwarded-For": "203.0.113.50"})
    assert audit_entries(behind_proxy)[-1]["client"] == "203.0.113.50"


def test_secure_cookies_and_hsts_only_over_https(behind_proxy: ApiContainer, hotline: ApiContainer) -> None:
    with TestClient(create_app(behind_proxy), client=(PROXY, 5000)) as client:
        r = client.get("/login", headers={"X-Forwarded-Proto": "https"})
        assert "secure" in r.headers["set-cookie"].lower()
        assert r.headers["strict-transport-security"].startswith("max-age=")
        plain = client.get("/login", headers={"X-Forwarded-Proto": "http"})
        assert "secure" not in plain.headers["set-cookie"].lower()
        assert "strict-transport-security" not in plain.headers
    with TestClient(create_app(hotline), client=("198.51.100.1", 5000)) as client:
        spoofed = client.get("/login", headers={"X-Forwarded-Proto": "https"})
        assert "strict-transport-security" not in spoofed.headers  # not from a trusted proxy


def test_answers_with_personal_data_are_not_cached(api: Api) -> None:
    report = api.submit(report_body(), key="cache").json()
    r = api.client.get(f"/v1/reports/{report['report_id']}", headers=api.auth("operator1"))
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    agencies = api.client.get("/v1/agencies", headers=api.auth("operator1"))
    assert agencies.headers["cache-control"] == "no-store"


class CountingIntake(IntakeApplication):
    """Counts how often a lookup reads the store."""

    reads = 0

    def _report_for_receipt(self, receipt_no: str) -> Any:
        self.reads += 1
        return super()._report_for_receipt(receipt_no)


def test_a_wrong_lookup_code_never_reads_the_store(hotline: ApiContainer) -> None:
    intake = CountingIntake(hotline.intake.env, hasher=hotline.intake.hasher, keys=hotline.keys)
    receipt = intake.submit_report(ReportIn.model_validate(report_body()), submitted_by="op",
                                   role="operator", idempotency_key="k")
    assert intake.lookup(receipt.receipt_no, "WRONGCODE2") is None
    assert intake.lookup("20991231-AAAAAAAAAA", "WRONGCODE2") is None
    assert intake.reads == 0  # known and unknown receipts cost the same: one HMAC
    found = intake.lookup(receipt.receipt_no.lower(), receipt.lookup_code.lower())
    assert found is not None and found.id == receipt.report_id and intake.reads == 1


def test_a_forms_address_opened_in_the_browser_goes_back_to_its_page(api: Api) -> None:
    """Reloading a form's result (a GET on a POST-only address) is a redirect to the page the
    form is on, never FastAPI's English JSON; the API keeps its 405."""
    page = {"Accept": "text/html,application/xhtml+xml"}
    for address, above in (("/admin/sentinels/0f0e/deactivate", "/admin"),  # (停用 confirms by GET)
                           ("/followups/cases/0f0e/visit", "/followups/cases/0f0e"),
                           ("/desk/referrals/0f0e/decline", "/desk/referrals/0f0e")):
        r = api.client.get(address, headers=page, follow_redirects=False)
        assert (r.status_code, r.headers.get("location")) == (303, above), address
    r = api.client.get("/v1/referrals/x/acknowledge", headers=page, follow_redirects=False)
    assert r.status_code == 405 and r.json()["detail"] == "Method Not Allowed"


def test_every_answer_leaves_with_the_security_headers_and_a_log_line(
        hotline: ApiContainer, capsys: pytest.CaptureFixture[str]) -> None:
    """The way out (`guards.py` `RequestLog`) wraps every answer: a route's, the body limit's 413, the
    500 of an error that escaped a route (logged; the answer says only that), and a streamed one
    that set its own Cache-Control."""
    from starlette.responses import StreamingResponse

    app = create_app(hotline)

    @app.get("/v1/test-boom")
    def boom() -> None:
        raise RuntimeError("boom")

    @app.get("/v1/test-stream")
    def stream() -> StreamingResponse:
        return StreamingResponse(iter([b"a", b"b"]), headers={"Cache-Control": "private"})

    with TestClient(app, raise_server_exceptions=False) as client:
        answers = {"route": client.get("/healthz"), "413": client.post("/v1/reports", content=b"x" * 300_000),
                   "500": client.get("/v1/test-boom"), "stream": client.get("/v1/test-stream")}
    assert [a.status_code for a in answers.values()] == [200, 413, 500, 200]
    for answer in answers.values():
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"
    assert answers["500"].json() == {"detail": "Internal error; it has been logged"}
    assert answers["stream"].text == "ab" and answers["stream"].headers["cache-control"] == "private"
    assert answers["route"].headers["cache-control"] == "no-store"
    logged = capsys.readouterr()
    assert "unhandled error" in logged.out + logged.err  # its message withheld: test_log_privacy.py
