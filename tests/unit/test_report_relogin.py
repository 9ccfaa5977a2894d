"""A teacher's session runs out while she types: the post brings a login page saying so, with
what she typed kept in that page (not on the server), and logging in brings the form back filled
in, to check and send."""

import re
from html import unescape

from services.api.auth import SESSION_COOKIE
from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.helpers import TEST_PASSWORD
from tests.unit.test_pages import GOOD, form_fields, login


def hidden(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html)


def posted(pairs: list[tuple[str, str]], **more: str) -> dict[str, list[str]]:
    """What the browser sends for these fields (values unescaped) and the login's."""
    form: dict[str, list[str]] = {}
    for name, value in [*pairs, *more.items()]:
        form.setdefault(name, []).append(unescape(value))
    return form


def expired_post(api: Api) -> str:
    login(api.client)
    fields = form_fields(api.client.get("/report").text)
    api.client.cookies.delete(SESSION_COOKIE)  # the browser drops the cookie when it runs out
    r = api.client.post("/report", data={**GOOD, **fields, "narrative": "孩子说\"别告诉爸爸\"<b>"},
                        follow_redirects=False)
    assert r.status_code == 401
    assert "登录已过期，请重新登录" in r.text and 'id="login-error"' in r.text
    assert '<form method="post" action="/report"' in r.text
    return r.text


def test_an_expired_session_asks_to_log_in_again_and_keeps_what_was_typed(
    api: Api, runner: EmbeddedRunner
) -> None:
    page = expired_post(api)
    kept = dict(hidden(page))
    assert kept["children.0.name"] == "王小明" and kept["location.region_code"] == "441823"
    assert kept["narrative"] == "孩子说&#34;别告诉爸爸&#34;&lt;b&gt;"  # escaped, not markup
    assert [v for k, v in hidden(page) if k == "concerns"] == GOOD["concerns"]
    assert "csrf" not in kept  # the old form token is of no use
    assert runner.pump() == 0  # nothing was filed

    wrong = api.client.post("/report", data=posted(hidden(page), username="teacher1", password="nope"))
    assert wrong.status_code == 401 and "用户名或密码不正确" in wrong.text
    assert dict(hidden(wrong.text))["children.0.name"] == "王小明"  # still kept

    back = api.client.post("/report", data=posted(hidden(wrong.text), username="teacher1",
                                                  password=TEST_PASSWORD))
    assert back.status_code == 200 and str(back.url).endswith("/report")
    assert "已重新登录。您填写的内容已保留" in back.text
    assert 'value="王小明"' in back.text and "孩子说&#34;别告诉爸爸&#34;&lt;b&gt;</textarea>" in back.text
    assert runner.pump() == 0  # shown to check, not sent behind her back

    sent = api.client.post("/report", data={**GOOD, **form_fields(back.text)})
    assert sent.status_code == 200 and 'id="receipt-no"' in sent.text  # 303 to the receipt's page


def test_logging_in_again_needs_the_pages_own_login_token(api: Api, runner: EmbeddedRunner) -> None:
    page = expired_post(api)
    forged = [(k, "forged" if k == "login_csrf" else v) for k, v in hidden(page)]
    r = api.client.post("/report", data=posted(forged, username="teacher1", password=TEST_PASSWORD))
    assert r.status_code == 401 and SESSION_COOKIE not in r.cookies
    assert runner.pump() == 0


def test_a_form_token_from_an_older_session_keeps_the_form(api: Api, runner: EmbeddedRunner) -> None:
    login(api.client)
    fields = form_fields(api.client.get("/report").text)
    stale = {**fields, "csrf": "0" * 64}  # e.g. logged in again in another tab since
    r = api.client.post("/report", data={**GOOD, **stale})
    assert r.status_code == 403 and "您填写的内容已保留" in r.text and 'value="王小明"' in r.text
    assert runner.pump() == 0
    sent = api.client.post("/report", data={**GOOD, **form_fields(r.text)})
    assert sent.url.path.startswith("/report/receipt/")
