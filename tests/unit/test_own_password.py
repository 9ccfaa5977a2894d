"""修改密码 (the IT office's review, stop 60): an account changes its own password on the page;
a password an admin issued (a new account, a reset) is replaced at the first page login before
any other page opens, so the IT office does not go on knowing it. The API's tokens stand as the
contract has them."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from services.api.auth import SESSION_COOKIE
from services.api.pages.password import TICKET_COOKIE
from services.bootstrap import ApiContainer
from services.common.throttle import LOGIN_ANYWHERE
from tests.conftest import Api
from tests.helpers import TEST_PASSWORD, audit_entries

NEW = "Own-choice-2026"


def page_login(client: TestClient, username: str, password: str) -> str:
    """Log in on the page; where it sent."""
    client.cookies.delete(SESSION_COOKIE)
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    r = client.post("/login", data={"username": username, "password": password, "csrf": csrf},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    return str(r.headers["location"])


def change(client: TestClient, current: str, new: str, again: str | None = None) -> object:
    page = client.get("/account/password")
    assert page.status_code == 200, page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    return client.post("/account/password", data={
        "csrf": csrf, "current": current, "password": new, "password2": new if again is None else again,
        "next": re.search(r'name="next" value="([^"]*)"', page.text).group(1)},  # type: ignore[union-attr]
        follow_redirects=False)


def test_a_reset_password_is_replaced_before_any_page_opens(api: Api, hotline: ApiContainer) -> None:
    issued = api.client.post("/v1/users/police-desk/reset-password", headers=api.auth("admin1"))
    assert issued.status_code == 200, issued.text
    password = issued.json()["password"]
    client = api.client
    assert page_login(client, "police-desk", password) == "/account/password?next=%2Fdesk"
    assert SESSION_COOKIE not in client.cookies and TICKET_COOKIE in client.cookies
    assert client.get("/desk", follow_redirects=False).status_code == 303  # no session: to /login
    page = client.get("/account/password").text
    assert 'id="owed"' in page and "告知您的密码（管理员或安全管理员设置）" in page
    weak = change(client, password, "short")
    assert weak.status_code == 422 and "至少10位" in weak.text  # type: ignore[attr-defined]
    same = change(client, password, password)
    assert same.status_code == 422 and "不能与当前密码相同" in same.text  # type: ignore[attr-defined]
    typo = change(client, password, NEW, NEW + "x")
    assert typo.status_code == 422 and "不一致" in typo.text  # type: ignore[attr-defined]
    wrong = change(client, "not-it", NEW)
    assert wrong.status_code == 422 and "当前密码不正确" in wrong.text  # type: ignore[attr-defined]
    done = change(client, password, NEW)
    assert done.status_code == 303 and done.headers["location"] == "/desk"  # type: ignore[attr-defined]
    assert client.get("/desk").status_code == 200  # a session now, under the new password
    assert not hotline.accounts.must_change_password("police-desk")
    assert page_login(client, "police-desk", NEW) == "/desk"  # no detour any more
    assert api.client.post("/v1/auth/token", data={"username": "police-desk", "password": password}
                           ).status_code == 401  # the issued one is gone: the admin knows nothing now
    assert ("account.change-own-password", "police-desk") in [
        (e["action"], e["actor"]) for e in audit_entries(hotline)]


def test_anyone_changes_their_own_password_from_the_header(api: Api) -> None:
    assert page_login(api.client, "teacher1", TEST_PASSWORD) == "/report"
    assert 'href="/account/password"' in api.client.get("/report").text
    page = api.client.get("/account/password").text
    assert 'id="owed"' not in page and "当前密码" in page
    done = change(api.client, TEST_PASSWORD, NEW)
    assert done.status_code == 303  # type: ignore[attr-defined]
    said = api.client.get(done.headers["location"])  # type: ignore[attr-defined]
    assert "密码已修改" in said.text and 'id="go-on"' in said.text and 'href="/report"' in said.text
    assert api.client.get("/report").status_code == 200  # this device stays signed in
    token = api.client.post("/v1/auth/token", data={"username": "teacher1", "password": NEW})
    assert token.status_code == 200


def test_a_new_account_made_by_an_admin_chooses_its_password_first(api: Api) -> None:
    made = api.client.post("/v1/users", json={"username": "op-lina", "role": "operator"},
                           headers=api.auth("admin1"))
    assert made.status_code == 201, made.text
    assert page_login(api.client, "op-lina", made.json()["password"]).startswith("/account/password")
    # The API's token stands (contract §10): an integration is not a person at a page.
    assert api.client.post("/v1/auth/token", data={"username": "op-lina", "password": made.json()["password"]}
                           ).status_code == 200


def test_next_never_leaves_the_site_by_a_backslash(api: Api) -> None:
    """Read again (stop 60): `next` refused `//host` but not `/\\host`, which browsers read as
    `//host`; the password page had written the same check again. One check now, for both."""
    client = api.client
    client.cookies.delete(SESSION_COOKIE)
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    r = client.post("/login", data={"username": "teacher1", "password": TEST_PASSWORD, "csrf": csrf,
                                    "next": "/\\evil.example/"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/report"
    page = client.get("/account/password", params={"next": "/\\evil.example/"}).text
    assert 'name="next" value="/report"' in page


def test_empty_fields_are_asked_for_and_cost_no_failed_login(api: Api, hotline: ApiContainer) -> None:
    """The security officer's review (stop 61): empty fields read as a wrong password, and each
    counted towards the lockout."""
    assert page_login(api.client, "teacher1", TEST_PASSWORD) == "/report"
    for _ in range(12):
        r = change(api.client, "", "")
        assert r.status_code == 422 and "请输入当前密码" in r.text and "请输入新密码" in r.text  # type: ignore[attr-defined]
    assert hotline.throttle.failures(LOGIN_ANYWHERE, "teacher1", 3600) == 0
    held = change(api.client, TEST_PASSWORD, "Teacher1-is-me!")
    assert held.status_code == 422 and "不能包含用户名" in held.text  # type: ignore[attr-defined]


def test_a_lockout_on_the_page_speaks_to_the_role(api: Api, hotline: ApiContainer) -> None:
    assert page_login(api.client, "teacher1", TEST_PASSWORD) == "/report"
    for _ in range(10):
        change(api.client, "wrong-password-1A", NEW)
    r = change(api.client, "wrong-password-1A", NEW)
    assert r.status_code == 429 and "请联系信息科" in r.text and "转介" not in r.text  # type: ignore[attr-defined]
