"""A small HTTP client for the end-to-end tests (real sockets, real processes)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from services.runtime.demo import read_demo_users


def wait_for(predicate: Any, timeout: float = 30, what: str = "") -> Any:
    """Poll until the predicate returns something true, and return it."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)


class Client:
    def __init__(self, base_url: str, var: Path):
        self.http = httpx.Client(base_url=base_url, timeout=10)
        self.tokens: dict[str, str] = {}
        self.var = var

    def password(self, user: str) -> str:
        """The demo account's random password, from var/demo-users.txt (written on first start)."""
        return read_demo_users(self.var)[user]

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.http.get("/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "API never became ready"
            time.sleep(0.3)

    def auth(self, user: str) -> dict[str, str]:
        if user not in self.tokens:
            r = self.http.post("/v1/auth/token", data={"username": user, "password": self.password(user)})
            assert r.status_code == 200, r.text
            self.tokens[user] = r.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def page_session(self, user: str) -> httpx.Client:
        """A browser's session without a browser: the login form's cookie and token, then the pages."""
        pages = httpx.Client(base_url=str(self.http.base_url), timeout=10)
        form = pages.get("/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        r = pages.post("/login", data={"username": user, "password": self.password(user), "csrf": csrf})
        assert r.status_code == 303, r.text
        return pages

    def submit(self, body: dict[str, Any], key: str) -> dict[str, Any]:
        r = self.http.post("/v1/reports", json=body,
                           headers={**self.auth("operator1"), "Idempotency-Key": key})
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]

    def inbox(self, desk_user: str) -> list[dict[str, Any]]:
        r = self.http.get("/v1/desk/referrals", headers=self.auth(desk_user))
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    def wait_for_referrals(self, case_or_report: str, desks: tuple[str, ...],
                           timeout: float = 30) -> dict[str, dict[str, Any]]:
        """Poll each desk inbox until a referral for the report's case shows up."""
        deadline = time.monotonic() + timeout
        found: dict[str, dict[str, Any]] = {}
        while len(found) < len(desks):
            status = self.http.get(f"/v1/reports/{case_or_report}",
                                   headers=self.auth("operator1")).json()
            for desk in desks:
                for referral in self.inbox(desk):
                    if referral["case_id"] == status.get("case_id"):
                        found[desk] = referral
            if len(found) < len(desks):
                assert time.monotonic() < deadline, f"referrals seen so far: {sorted(found)}"
                time.sleep(0.2)
        return found


ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def embedded_server(var: Path, port: int) -> Iterator[Client]:
    """`hotline run` (what `make run` starts) as a real process on its own port and data."""
    env = {**os.environ, "HOTLINE_VAR_DIR": str(var), "HOTLINE_PORT": str(port)}
    env.pop("HOTLINE_DATABASE_URL", None)
    proc = subprocess.Popen([str(ROOT / ".venv/bin/hotline"), "run"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client = Client(f"http://127.0.0.1:{port}", var)
        client.wait_ready()
        yield client
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
