"""Fixtures: applications in memory, and an API client over them."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from services.api.http import create_app
from services.bootstrap import ApiContainer, edges_of
from services.common.embedded import EmbeddedRunner
from services.common.settings import Settings
from tests.helpers import TEST_PASSWORD, add_test_users, build

# The tests' webhook receivers (tests/receiver.py) listen on 127.0.0.1, inside: every Settings the
# tests make, and every process they start, allows it explicitly (contract §10; none by default).
LOCAL_RECEIVERS = "127.0.0.0/8,::1/128"
os.environ.setdefault("HOTLINE_WEBHOOK_ALLOWED_NETWORKS", LOCAL_RECEIVERS)


@pytest.fixture
def settings(tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    return Settings(var_dir=tmp_path / "var", database_url="", environment="development")


@pytest.fixture
def hotline(settings: Settings) -> Iterator[ApiContainer]:
    h = build(settings, store="memory")
    yield h
    h.close()


@pytest.fixture
def runner(hotline: ApiContainer) -> EmbeddedRunner:
    """Not started: tests call pump() to move messages deterministically."""
    return EmbeddedRunner(edges_of(hotline))


class Api:
    """A TestClient with a token per demo user."""

    def __init__(self, client: TestClient):
        self.client = client
        self._tokens: dict[str, str] = {}

    def token(self, username: str) -> str:
        if username not in self._tokens:
            r = self.client.post(
                "/v1/auth/token", data={"username": username, "password": TEST_PASSWORD}
            )
            assert r.status_code == 200, r.text
            self._tokens[username] = r.json()["access_token"]
        return self._tokens[username]

    def auth(self, username: str, **headers: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(username)}", **headers}

    def submit(self, body: dict, *, as_user: str = "operator1", key: str = "k-1"):  # type: ignore[no-untyped-def]
        return self.client.post(
            "/v1/reports", json=body, headers=self.auth(as_user, **{"Idempotency-Key": key})
        )


@pytest.fixture
def api(hotline: ApiContainer) -> Iterator[Api]:
    add_test_users(hotline.accounts)
    with TestClient(create_app(hotline)) as client:
        yield Api(client)
