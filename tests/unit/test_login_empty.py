"""The login form sent with nothing typed asks for what is missing, not for a correct password."""

from __future__ import annotations

import re

from tests.conftest import Api


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
