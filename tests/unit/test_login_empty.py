"""The login form sent with nothing typed asks for what is missing, not for a correct password."""

from __future__ import annotations

import re

from services.bootstrap import ApiContainer
from services.common.auditnote import Actor
from tests.conftest import Api
from tests.helpers import TEST_PASSWORD, audit_entries


def test_empty_fields_are_asked_for(api: Api) -> None:
    page = api.client.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    both = api.client.post("/login", data={"username": "", "password": "", "csrf": token})
    assert both.status_code == 422 and "请填写用户名和密码。" in both.text
    assert "用户名或密码不正确" not in both.text
    no_password = api.client.post("/login", data={"username": "teacher1", "password": "", "csrf": token})
    assert "请填写密码。" in no_password.text and 'value="teacher1"' in no_password.text
    wrong = api.client.post("/login", data={"username": "teacher1", "password": "nope", "csrf": token})
    assert wrong.status_code == 401 and "用户名或密码不正确。" in wrong.text
    # A phone keyboard's space after the name (stop 55's police desk): no username holds one.
    spaced = api.client.post("/login", data={"username": " teacher1 ", "password": TEST_PASSWORD,
                                             "csrf": token, "next": "/report"}, follow_redirects=False)
    assert spaced.status_code == 303 and spaced.headers["location"] == "/report"


def test_a_disabled_account_is_told_so_only_with_its_right_password(api: Api, hotline: ApiContainer) -> None:
    """A leaver whose account was disabled reads why, once the password is right (the IT office's
    review, stop 50: "用户名或密码不正确" sent them to retype it); a wrong one learns nothing."""
    admin = Actor("admin1", "admin", None)
    hotline.accounts.admin_change("teacher1", "disable", actor=admin)
    page = api.client.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    right = api.client.post("/login", data={"username": "teacher1", "password": TEST_PASSWORD, "csrf": token})
    assert right.status_code == 401 and "该账号已停用，不能登录。" in right.text
    assert api.client.cookies.get("hotline_session") is None
    wrong = api.client.post("/login", data={"username": "teacher1", "password": "nope", "csrf": token})
    assert wrong.status_code == 401 and "用户名或密码不正确。" in wrong.text and "已停用" not in wrong.text
    by_api = api.client.post("/v1/auth/token", data={"username": "teacher1", "password": TEST_PASSWORD})
    assert (by_api.status_code, by_api.json()["detail"]) == (401, "Account disabled")
    failed = [e["action"] for e in audit_entries(hotline) if e["action"].startswith("auth.login_")]
    assert sorted(failed) == ["auth.login_disabled", "auth.login_disabled", "auth.login_failed"]  # why, each
