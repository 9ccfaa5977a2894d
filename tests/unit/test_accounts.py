"""Accounts an admin can disable, re-enable and re-password, and sessions that really end."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.api.http import create_app
from services.bootstrap import ApiContainer
from services.cli.main import main
from services.common.settings import Settings
from tests.conftest import Api
from tests.helpers import TEST_PASSWORD, add_test_users, audit_entries, build


def within(seconds: float, condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture
def shared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ApiContainer, Api]]:
    """An API over SQLite files that the `hotline` CLI (another connection) writes too."""
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("HOTLINE_DATABASE_URL", raising=False)
    h = build(Settings(var_dir=tmp_path))
    add_test_users(h.accounts)
    with TestClient(create_app(h)) as client:
        yield h, Api(client)
    h.close()


def works(api: Api, token: str) -> bool:
    return api.client.get("/v1/agencies", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def login(api: Api, username: str, password: str) -> int:
    return api.client.post("/v1/auth/token", data={"username": username, "password": password}).status_code


def test_disable_refuses_logins_and_tokens_within_a_second(
    shared: tuple[ApiContainer, Api], capsys: pytest.CaptureFixture[str]
) -> None:
    _, api = shared
    token = api.token("police-desk")
    assert works(api, token)
    capsys.readouterr()
    assert main(["users", "disable", "--username", "police-desk"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out)["disabled"] is True, out
    assert within(1.0, lambda: not works(api, token))
    assert login(api, "police-desk", TEST_PASSWORD) == 401
    assert main(["users", "enable", "--username", "police-desk"]) == 0
    assert login(api, "police-desk", TEST_PASSWORD) == 200
    assert not works(api, token)  # a token from before the disable stays dead
    assert main(["users", "disable", "--username", "nobody-here"]) == 2
    assert "no user named" in capsys.readouterr().err


def test_set_password_reads_stdin_and_ends_old_sessions(
    shared: tuple[ApiContainer, Api], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, api = shared
    token = api.token("supervisor1")
    monkeypatch.setattr("sys.stdin", io.StringIO("a-New-long-password\n"))
    assert main(["users", "set-password", "--username", "supervisor1"]) == 0
    assert within(1.0, lambda: not works(api, token))
    assert login(api, "supervisor1", TEST_PASSWORD) == 401
    assert login(api, "supervisor1", "a-New-long-password") == 200
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["users", "set-password", "--username", "supervisor1"]) == 2


def test_users_add_takes_the_password_from_stdin(
    shared: tuple[ApiContainer, Api], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, api = shared
    monkeypatch.setattr("sys.stdin", io.StringIO("stdin-password-1\n"))
    assert main(["users", "add", "--username", "desk9", "--role", "desk", "--agency",
                 "police-441823"]) == 0
    assert login(api, "desk9", "stdin-password-1") == 200


def test_logout_ends_the_session(api: Api) -> None:
    token = api.token("operator1")
    headers = {"Authorization": f"Bearer {token}"}
    assert api.client.post("/v1/auth/logout", headers=headers).status_code == 204
    assert within(1.0, lambda: not works(api, token))
    assert api.client.post("/v1/auth/logout", headers=headers).status_code == 401


def test_failed_logins_and_out_of_scope_reads_are_on_the_trail(api: Api, hotline: ApiContainer) -> None:
    assert login(api, "police-desk", "not-the-password") == 401
    assert login(api, "no-such-user", "whatever-it-is") == 401
    r = api.client.get("/v1/referrals/00000000-0000-0000-0000-000000000000",
                       headers=api.auth("police-desk"))
    assert r.status_code == 404
    trail = [(e["action"], e["actor"], e["resource_id"]) for e in audit_entries(hotline)]
    assert ("auth.login_failed", "police-desk", "police-desk") in trail
    assert ("auth.login_failed", "unknown", None) in trail  # typed usernames are not kept
    assert ("access.not_found", "police-desk",
            "/v1/referrals/00000000-0000-0000-0000-000000000000") in trail


def test_signing_in_again_at_once_after_a_logout_works(api: Api) -> None:
    """A logout and a new login within the version's reading interval: the new token carries a
    newer version than the one just read, so it is read again, not refused (a 500 on /login)."""
    first = api.token("operator1")
    assert works(api, first)  # its version read, and kept for half a second
    assert api.client.post("/v1/auth/logout", headers={"Authorization": f"Bearer {first}"}).status_code == 204
    r = api.client.post("/v1/auth/token", data={"username": "operator1", "password": TEST_PASSWORD})
    assert r.status_code == 200 and works(api, r.json()["access_token"])
    assert within(1.0, lambda: not works(api, first))  # the old one ends as before
