"""Fixtures: applications in memory, and an API client over them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from services.common.bootstrap import Hotline, bootstrap
from services.common.cli import DEMO_PASSWORD, ensure_demo_users
from services.common.embedded import EmbeddedRunner, edges_of
from services.common.settings import Settings
from services.intake.web import create_app

FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def settings(tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    return Settings(var_dir=tmp_path / "var", database_url="", environment="development")


@pytest.fixture
def hotline(settings: Settings) -> Iterator[Hotline]:
    # Cheap argon2 parameters: the tests exercise the logic, not the cost.
    h = bootstrap(settings, store="memory", password_hasher=FAST_HASHER)
    yield h
    h.close()


@pytest.fixture
def runner(hotline: Hotline) -> EmbeddedRunner:
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
                "/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD}
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
def api(hotline: Hotline) -> Iterator[Api]:
    ensure_demo_users(hotline)
    with TestClient(create_app(hotline)) as client:
        yield Api(client)
