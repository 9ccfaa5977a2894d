"""The second factor in headless Chromium (contract §10): with HOTLINE_TOTP_ROLES=supervisor, the
IT office enrols supervisor1 with the server CLI; from `/` a wrong 动态验证码 is refused in Chinese
next to its field, the phone's code logs in to the board, and an operator still needs none. The
login page passes axe at 1366 and 360 px, with the error showing."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect

from services.cli.main import main
from tests.e2e.axe import serious_violations
from tests.e2e.client import Client, embedded_server
from tests.e2e.test_browser_form import SHOTS

PORT = 18170


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    var = tmp_path_factory.mktemp("totp") / "var"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HOTLINE_TOTP_ROLES", "supervisor")
        env.delenv("HOTLINE_ENVIRONMENT", raising=False)
        with embedded_server(var, PORT) as client:
            yield client


def enrol(var: Path, username: str) -> pyotp.TOTP:
    """What the IT office runs on the server: `hotline users totp --username U`."""
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as env, contextlib.redirect_stdout(printed):
        env.setenv("HOTLINE_VAR_DIR", str(var))
        env.delenv("HOTLINE_DATABASE_URL", raising=False)
        assert main(["users", "totp", "--username", username, "--no-qr"]) == 0
    link = printed.getvalue().strip()
    assert link.startswith("otpauth://totp/"), link
    return pyotp.TOTP(parse_qs(urlparse(link).query)["secret"][0])


def other_code(code: str) -> str:
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


def sign_in(page: Page, server: Client, username: str, code: str | None = None) -> None:
    page.fill("#username", username)
    page.fill("#password", server.password(username))
    if code is not None:
        page.fill("#totp", code)
    page.click("button[type=submit]")


def test_supervisor_logs_in_with_the_phones_code_and_a_wrong_one_is_refused(
    server: Client, browser: Browser
) -> None:
    base = str(server.http.base_url).rstrip("/")
    totp = enrol(server.var, "supervisor1")
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1366, "height": 800}, locale="zh-CN",
                                  bypass_csp=True)
    page = context.new_page()
    page.goto(f"{base}/")
    page.wait_for_url(f"{base}/login")
    expect(page.locator("label[for=totp]")).to_have_text("动态验证码")
    expect(page.locator("#totp-hint")).to_contain_text("督办人员账号必须填写")

    sign_in(page, server, "supervisor1", other_code(totp.now()))
    error = page.locator("#error-totp")
    expect(error).to_have_text("动态验证码不正确，请输入验证器应用中当前显示的6位数字（手机时间需准确）。")
    expect(page.locator("#totp")).to_have_attribute("aria-invalid", "true")
    assert page.locator("#totp").get_attribute("aria-describedby", timeout=1_000).startswith("error-totp")
    expect(page.locator("#username")).to_have_value("supervisor1")
    for width, height in ((1366, 800), (360, 740)):
        page.set_viewport_size({"width": width, "height": height})
        assert serious_violations(page) == [], width
        box = error.bounding_box()
        field = page.locator("#totp").bounding_box()
        assert box and field and 0 <= box["y"] - (field["y"] + field["height"]) < 80  # right below it
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scroll
        if width == 360:  # for the staff guide (docs/guide/)
            page.screenshot(path=str(SHOTS / "login-totp-phone.png"), full_page=True)

    sign_in(page, server, "supervisor1", totp.now())
    page.wait_for_url(f"{base}/board")
    context.close()

    operator = browser.new_page(viewport={"width": 360, "height": 740}, locale="zh-CN")
    operator.goto(f"{base}/")
    sign_in(operator, server, "operator1")  # no second factor for this role: the field stays empty
    operator.wait_for_url(f"{base}/intake")
    operator.close()


def test_an_account_not_enrolled_is_told_to_ask_the_it_office(server: Client, browser: Browser) -> None:
    base = str(server.http.base_url).rstrip("/")
    password = "Kp7mQ-4xz9T-fRa2b"
    with pytest.MonkeyPatch.context() as env, contextlib.redirect_stdout(io.StringIO()):
        env.setenv("HOTLINE_VAR_DIR", str(server.var))
        env.delenv("HOTLINE_DATABASE_URL", raising=False)
        assert main(["users", "add", "--username", "supervisor2", "--role", "supervisor",
                     "--password", password]) == 0
    page = browser.new_page(viewport={"width": 360, "height": 740}, locale="zh-CN")
    page.goto(f"{base}/login")
    page.fill("#username", "supervisor2")
    page.fill("#password", password)
    page.fill("#totp", "123456")
    page.click("button[type=submit]")
    expect(page.locator("#error-totp")).to_contain_text("还没有绑定动态验证码")
    expect(page.locator("#error-totp")).to_contain_text("请联系信息科")
    page.close()
    r = server.http.post("/v1/auth/token", data={"username": "supervisor1",
                                                 "password": server.password("supervisor1")})
    assert r.status_code == 401 and "second factor" in r.json()["detail"]  # the API: no code sent
