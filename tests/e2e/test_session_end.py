"""Sessions end everywhere (contract §10, #26 finding 7), against `hotline run`: a desk's live
stream (/desk/events) ends soon after its session does (logout, account disabled, password
changed), 50 streams left open after a logout all end, the open inbox page goes to the login page;
and nothing the embedded product writes
under var/ has a permission bit for "other"."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest
from playwright.sync_api import Browser

from services.api.auth import TokenIssuer
from services.common.auditnote import Principal
from services.common.secrets import read_key
from tests.e2e.client import ROOT, Client, embedded_server

PORT = 18200
ENDS_WITHIN = 5.0  # seconds a stream may take to close before the test fails (the rule: 2)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    var = tmp_path_factory.mktemp("session-end") / "var"
    with embedded_server(var, PORT) as client:
        yield client


class Stream:
    """/desk/events read on a thread of its own with the page session's cookie, until it ends."""

    def __init__(self, base_url: str, token: str):
        self.opened = threading.Event()
        self.ended = threading.Event()
        self.events = 0
        self._client = httpx.Client(base_url=base_url, cookies={"hotline_session": token},
                                    timeout=httpx.Timeout(10, read=30))
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            with self._client.stream("GET", "/desk/events") as r:
                assert r.status_code == 200
                self.opened.set()
                for line in r.iter_lines():
                    if line.startswith("event: inbox"):
                        self.events += 1
        except httpx.HTTPError:
            pass
        finally:
            self.opened.set()
            self.ended.set()
            self._client.close()


def open_streams(server: Client, user: str, count: int = 1, token: str = "") -> list[Stream]:
    token = token or server.auth(user)["Authorization"].removeprefix("Bearer ")
    streams = [Stream(str(server.http.base_url), token) for _ in range(count)]
    for stream in streams:
        assert stream.opened.wait(10) and not stream.ended.is_set()
    time.sleep(1.5)  # still open a moment later: the session stands, the stream goes on
    assert not any(s.ended.is_set() for s in streams) and all(s.events >= 1 for s in streams)
    return streams


def all_end(streams: list[Stream], within: float = ENDS_WITHIN) -> bool:
    deadline = time.monotonic() + within
    return all(s.ended.wait(max(0.0, deadline - time.monotonic())) for s in streams)


def hotline(server: Client, *args: str, stdin: str = "") -> None:
    env = {**os.environ, "HOTLINE_VAR_DIR": str(server.var)}
    env.pop("HOTLINE_DATABASE_URL", None)
    run = subprocess.run([str(ROOT / ".venv/bin/hotline"), *args], env=env, cwd=ROOT, input=stdin,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr


def test_the_stream_ends_after_logout(server: Client) -> None:
    [stream] = open_streams(server, "police-desk")
    r = server.http.post("/v1/auth/logout", headers=server.auth("police-desk"))
    assert r.status_code in (200, 204)
    assert all_end([stream])


def test_the_stream_ends_when_the_account_is_disabled(server: Client) -> None:
    [stream] = open_streams(server, "civil-desk")
    hotline(server, "users", "disable", "--username", "civil-desk")
    assert all_end([stream])


def test_the_stream_ends_when_the_password_is_changed(server: Client) -> None:
    [stream] = open_streams(server, "hospital-desk")
    hotline(server, "users", "set-password", "--username", "hospital-desk", stdin="Another-pass-2026!\n")
    assert all_end([stream])


def test_the_stream_ends_when_its_token_expires(server: Client) -> None:
    """A token of the server's own key and the account's current version, good for 4 seconds."""
    issued = jwt.decode(server.auth("civil-sanjiang")["Authorization"].removeprefix("Bearer "),
                        options={"verify_signature": False})
    key = read_key(Path(server.var) / "secrets", "token")
    assert key
    short = TokenIssuer(key, ttl_seconds=4).issue(
        Principal(issued["sub"], issued["role"], agency_id=issued["agency_id"]), issued["ver"])
    [stream] = open_streams(server, "civil-sanjiang", token=short)
    assert all_end([stream], within=4 + ENDS_WITHIN)


def test_fifty_streams_left_open_after_logout_all_end(server: Client) -> None:
    streams = open_streams(server, "edu-desk", 50)
    assert server.http.post("/v1/auth/logout", headers=server.auth("edu-desk")).status_code in (200, 204)
    assert all_end(streams)
    assert sum(s.ended.is_set() for s in streams) == 50


def test_the_open_inbox_goes_to_login_when_its_session_ends(server: Client, browser: Browser) -> None:
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    base = str(server.http.base_url).rstrip("/")
    page.goto(f"{base}/desk")
    page.wait_for_url(f"{base}/login**")
    page.fill("#username", "police-sanjiang")
    page.fill("#password", server.password("police-sanjiang"))
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/desk")
    page.wait_for_selector("body[data-live=events]")  # the stream is open
    logout = server.http.post("/v1/auth/logout", headers=server.auth("police-sanjiang"))
    assert logout.status_code in (200, 204)
    page.wait_for_url(f"{base}/login**", timeout=20_000)  # stream ended, then the inbox's 401
    assert "/login?next=/desk" in page.url
    context.close()


def test_nothing_under_the_embedded_var_is_for_other_users(server: Client) -> None:
    var = Path(server.var)
    assert (var / "demo-users.txt").exists() and list(var.glob("*.sqlite"))
    found = subprocess.run(["find", str(var), "-perm", "/o=rwx"], capture_output=True, text=True, check=True)
    assert found.stdout == ""
