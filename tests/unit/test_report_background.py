"""The offline form's own requests (its 30-second retries, the form token it fetches) carry
X-Hotline-Background and keep no idle session alive; the person's own requests still do."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from services.api.auth import ACTIVITY_COOKIE, SESSION_COOKIE
from services.api.http import create_app
from services.bootstrap import ApiContainer
from tests.conftest import Api
from tests.helpers import add_test_users
from tests.unit.test_session_idle import Clock

BACKGROUND = {"X-Hotline-Background": "1"}


@pytest.fixture
def teacher(hotline: ApiContainer) -> Iterator[tuple[TestClient, Clock]]:
    add_test_users(hotline.accounts)
    app = create_app(hotline)
    clock = Clock()
    app.state.wall_clock = clock
    with TestClient(app, follow_redirects=False) as client:
        client.cookies.set(SESSION_COOKIE, Api(client).token("teacher1"))
        yield client, clock


def test_the_forms_own_requests_do_not_renew_the_session(teacher: tuple[TestClient, Clock]) -> None:
    client, clock = teacher
    opened = client.get("/report")
    assert opened.status_code == 200 and ACTIVITY_COOKIE in opened.headers.get("set-cookie", "")
    for _ in range(3):  # retries every few minutes for half an hour: none is the teacher's doing
        clock.forward(10)
        retry = client.get("/report", headers=BACKGROUND)
        assert retry.status_code == 200 and ACTIVITY_COOKIE not in retry.headers.get("set-cookie", "")
    clock.forward(1)
    ended = client.get("/report", headers=BACKGROUND)
    assert ended.status_code == 303 and ended.headers["location"].startswith("/login")


def test_what_the_teacher_opens_still_renews_it(teacher: tuple[TestClient, Clock]) -> None:
    client, clock = teacher
    for _ in range(3):
        clock.forward(20)
        assert client.get("/report").status_code == 200
