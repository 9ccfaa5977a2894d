"""Idle page sessions end (contract §10): after HOTLINE_SESSION_IDLE_MINUTES without anything the
person did, the page sends them to log in again; a page's own polling keeps nothing alive."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from services.api.auth import ACTIVITY_COOKIE, CSRF_HEADER, SESSION_COOKIE
from services.api.http import create_app
from services.bootstrap import ApiContainer
from services.common.settings import Settings
from tests.conftest import Api
from tests.helpers import add_test_users

MINUTE = 60.0


class Clock:
    def __init__(self) -> None:
        self.now = float(int(time.time()))  # whole seconds, as the activity stamp keeps

    def __call__(self) -> float:
        return self.now

    def forward(self, minutes: float) -> None:
        self.now += minutes * MINUTE


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def desk(hotline: ApiContainer, clock: Clock) -> Iterator[tuple[TestClient, str]]:
    """A desk's browser with a page session (the cookie holds the same token the API issues)."""
    add_test_users(hotline.accounts)
    app = create_app(hotline)
    app.state.wall_clock = clock
    with TestClient(app, follow_redirects=False) as client:
        token = Api(client).token("police-desk")
        client.cookies.set(SESSION_COOKIE, token)
        yield client, token


def test_the_idle_limit_is_thirty_minutes_unless_set(hotline: ApiContainer) -> None:
    assert create_app(hotline).state.idle_seconds == 30 * MINUTE
    assert Settings(var_dir="v", session_idle_minutes=5).session_idle_minutes == 5
    with pytest.raises(ValidationError):
        Settings(var_dir="v", session_idle_minutes=0)


def test_a_session_left_alone_goes_to_login_with_a_chinese_reason(desk: tuple[TestClient, str],
                                                                    clock: Clock) -> None:
    client, _ = desk
    assert client.get("/desk").status_code == 200
    clock.forward(29)
    assert client.get("/desk").status_code == 200  # used: the half hour starts again
    clock.forward(31)
    idle = client.get("/desk")
    assert idle.status_code == 303 and idle.headers["location"] == "/login?next=/desk&idle=1"
    page = client.get(idle.headers["location"])
    assert page.status_code == 200 and "长时间未操作，请重新登录" in page.text
    assert client.get("/").headers["location"] == "/login?idle=1"


def test_use_keeps_it_alive_past_the_limit_since_login(desk: tuple[TestClient, str], clock: Clock) -> None:
    client, _ = desk
    for _ in range(4):  # 80 minutes in all, never 30 without a page opened
        clock.forward(20)
        assert client.get("/desk").status_code == 200
    assert client.cookies.get(ACTIVITY_COOKIE)


def test_a_session_never_used_after_login_ends_too(desk: tuple[TestClient, str], clock: Clock) -> None:
    client, _ = desk
    clock.forward(31)  # no activity cookie: the login's own time counts
    assert client.get("/desk").status_code == 303


def test_the_pages_own_polling_and_stream_do_not_count(desk: tuple[TestClient, str], clock: Clock) -> None:
    client, _ = desk
    assert client.get("/desk").status_code == 200
    for _ in range(3):
        clock.forward(10)
        assert client.get("/desk/inbox").status_code == 200
    clock.forward(1)  # 31 minutes since the page was opened, polled all along
    assert client.get("/desk/inbox").status_code == 401
    assert client.get("/desk/events").status_code == 401
    assert client.get("/desk").status_code == 303


def test_an_idle_cookie_opens_no_api_call_either(desk: tuple[TestClient, str], clock: Clock) -> None:
    client, token = desk
    key = client.app.state.csrf_key  # type: ignore[attr-defined]
    csrf = hmac.new(key, f"csrf\x1f{token}".encode(), hashlib.sha256).hexdigest()
    assert client.get("/v1/desk/referrals", headers={CSRF_HEADER: csrf}).status_code == 200
    clock.forward(31)
    assert client.get("/v1/desk/referrals", headers={CSRF_HEADER: csrf}).status_code == 401


def test_a_forged_or_foreign_activity_stamp_is_ignored(desk: tuple[TestClient, str], clock: Clock,
                                                       hotline: ApiContainer) -> None:
    client, _ = desk
    client.get("/desk")
    stamp = client.cookies.get(ACTIVITY_COOKIE) or ""
    at, _, mac = stamp.partition(".")
    clock.forward(31)
    client.cookies.delete(ACTIVITY_COOKIE)
    client.cookies.set(ACTIVITY_COOKIE, f"{int(clock.now)}.{mac}")  # a later time, the old signature
    assert client.get("/desk").status_code == 303
    other = Api(client).token("civil-desk")
    client.cookies.delete(SESSION_COOKIE)
    client.cookies.set(SESSION_COOKIE, other)
    client.cookies.delete(ACTIVITY_COOKIE)
    client.cookies.set(ACTIVITY_COOKIE, stamp)  # another session's stamp proves nothing for this one
    clock.now = float(at) + 29 * MINUTE
    renewed = client.get("/desk")
    assert renewed.status_code == 200  # this session's own login is its last activity
    stamped = renewed.headers["set-cookie"]
    assert f"{ACTIVITY_COOKIE}=" in stamped and stamp not in stamped
