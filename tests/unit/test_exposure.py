"""/metrics and the API docs answer only whom they are for (#26 finding 7): the scraper's network
or an admin's (or security officer's) token for /metrics; any signed-in account for the docs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from services.api.auth import SESSION_COOKIE
from services.api.http import create_app
from services.bootstrap import ApiContainer
from services.common.settings import Settings
from tests.conftest import Api
from tests.helpers import add_test_users, build

OUTSIDE = ("203.0.113.9", 40000)
LOOPBACK = ("127.0.0.1", 40000)


def client_from(hotline: ApiContainer, peer: tuple[str, int]) -> TestClient:
    add_test_users(hotline.accounts)
    return TestClient(create_app(hotline), client=peer, follow_redirects=False)


@pytest.fixture
def outside(hotline: ApiContainer) -> Iterator[Api]:
    with client_from(hotline, OUTSIDE) as client:
        yield Api(client)


def test_metrics_answer_the_loopback_scraper_without_a_token(hotline: ApiContainer) -> None:
    with client_from(hotline, LOOPBACK) as client:
        r = client.get("/metrics")
    assert r.status_code == 200 and "hotline_http_requests_total" in r.text


def test_metrics_refuse_anyone_else_but_an_admins_token(outside: Api) -> None:
    c = outside.client
    assert c.get("/metrics").status_code == 403
    for user in ("operator1", "police-desk", "supervisor1", "auditor1", "teacher1"):
        assert c.get("/metrics", headers=outside.auth(user)).status_code == 403, user
    assert c.get("/metrics", headers={"Authorization": "Bearer forged"}).status_code == 403
    r = c.get("/metrics", headers=outside.auth("admin1"))
    assert r.status_code == 200 and "hotline_build_info" in r.text


def test_a_forwarded_address_counts_only_from_a_trusted_proxy(settings: Settings) -> None:
    proxied = settings.model_copy(update={"trusted_proxies": "127.0.0.1"})
    h = build(proxied, store="memory")
    try:
        with client_from(h, LOOPBACK) as client:
            assert client.get("/metrics", headers={"X-Forwarded-For": OUTSIDE[0]}).status_code == 403
            assert client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 200
    finally:
        h.close()


def test_the_allowed_networks_are_a_setting(settings: Settings) -> None:
    assert Settings(var_dir="v").metrics_allowed_networks == "127.0.0.1/32,::1/128"
    with pytest.raises(ValidationError, match="HOTLINE_METRICS_ALLOWED_NETWORKS"):
        Settings(var_dir="v", metrics_allowed_networks="not-a-network")
    h = build(settings.model_copy(update={"metrics_allowed_networks": "203.0.113.0/24"}), store="memory")
    try:
        with client_from(h, OUTSIDE) as client:
            assert client.get("/metrics").status_code == 200
    finally:
        h.close()


def test_docs_and_schema_need_a_signed_in_account(outside: Api) -> None:
    c = outside.client
    assert c.get("/openapi.json").status_code == 401
    assert c.get("/docs").status_code == 401
    page = c.get("/docs", headers={"Accept": "text/html"})
    assert page.status_code == 303 and page.headers["location"] == "/login"
    assert c.get("/openapi.json", headers={"Authorization": "Bearer forged"}).status_code == 401
    for user in ("teacher1", "police-desk", "admin1"):
        r = c.get("/openapi.json", headers=outside.auth(user))
        assert r.status_code == 200 and "/v1/reports" in r.json()["paths"], user
    c.cookies.set(SESSION_COOKIE, outside.token("supervisor1"))  # the browser's page session
    assert c.get("/docs", headers={"Accept": "text/html"}).status_code == 200
    assert c.get("/openapi.json").status_code == 200
