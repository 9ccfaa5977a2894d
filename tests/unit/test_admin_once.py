"""/admin after the usability review: a reloaded form never acts twice (a one-time form id), the
confirming steps are GET pages the back button can land on, every field error at once, the
button that says 提交申请 for a privileged role, the 申请说明 that travels with a request, a
duplicate request said so; on the roster every error at once, the intranet refusal's next step
and the robot's key masked in the test result."""

from __future__ import annotations

import re
from typing import Any

import pytest

from services.api.pages.roster_form import masked
from services.bootstrap import ApiContainer
from tests.conftest import Api
from tests.receiver import Receiver
from tests.unit.test_admin_audit_pages import admin, token_status
from tests.unit.test_admin_oncall import URL, form, open_roster
from tests.unit.test_admin_risky_actions import shown_password


def form_id_of(html: str) -> str:
    return re.search(r'name="form_id" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def test_a_reloaded_reset_says_it_was_done_and_never_resets_again(api: Api) -> None:
    csrf = admin(api)
    step = api.client.get("/admin/users/teacher1/reset-password")
    assert step.status_code == 200 and 'id="confirm-yes"' in step.text
    posted = {"csrf": csrf, "confirmed": "yes", "form_id": form_id_of(step.text)}
    first = shown_password(api.client.post("/admin/users/teacher1/reset-password", data=posted).text)
    again = api.client.post("/admin/users/teacher1/reset-password", data=posted)  # F5
    assert again.status_code == 200 and 'id="secret-password"' not in again.text
    assert "此操作已完成" in again.text and "密码只显示一次，如未记下请重新重置" in again.text
    assert token_status(api, "teacher1", first) == 200  # the password read out still works
    back = api.client.get("/admin/users/teacher1/reset-password")  # the back button
    assert back.status_code == 200 and form_id_of(back.text) != posted["form_id"]


def test_a_reloaded_create_says_it_was_done_not_that_the_name_is_taken(api: Api) -> None:
    csrf = admin(api)
    data = {"csrf": csrf, "form_id": form_id_of(api.client.get("/admin").text),
            "username": "liqiang", "role": "reporter"}
    password = shown_password(api.client.post("/admin/users", data=data).text)
    again = api.client.post("/admin/users", data=data)
    assert again.status_code == 200 and "已被使用" not in again.text and 'class="error"' not in again.text
    assert "此操作已完成：账号 liqiang 已于" in again.text and "不会重复创建" in again.text
    assert token_status(api, "liqiang", password) == 200
    fresh = {**data, "form_id": form_id_of(api.client.get("/admin").text)}  # a new form: the name is taken
    assert api.client.post("/admin/users", data=fresh).status_code == 409


def test_disabling_is_confirmed_on_a_get_page_that_still_renders_after_back(api: Api) -> None:
    csrf = admin(api)
    listed = api.client.get("/admin").text.split('id="user-operator1"')[1].split("</tr>")[0]
    assert '<form method="get" action="/admin/users/operator1/disable">' in listed
    step = api.client.get("/admin/users/operator1/disable")
    assert step.status_code == 200 and "确认停用账号 operator1" in step.text
    done = api.client.post("/admin/users/operator1/disable", follow_redirects=False, data={
        "csrf": csrf, "confirmed": "yes", "form_id": form_id_of(step.text)})
    assert done.status_code == 303
    back = api.client.get("/admin/users/operator1/disable")
    assert back.status_code == 200 and "账号 operator1 已停用" in back.text
    assert 'id="confirm-yes"' not in back.text


def test_every_field_error_of_a_new_account_is_shown_at_once(api: Api, hotline: ApiContainer) -> None:
    csrf = admin(api)
    r = api.client.post("/admin/users", data={"csrf": csrf, "username": "", "role": ""})
    assert r.status_code == 422 and 'id="error-username"' in r.text and 'id="error-role"' in r.text
    assert "有 2 处需要修改" in r.text
    r = api.client.post("/admin/users", data={"csrf": csrf, "username": "x", "role": "operator"})
    assert 'id="error-username"' in r.text and 'id="error-channel"' in r.text
    assert "请选择该接线员的来电线路" in r.text and hotline.accounts.find("x") is None


def test_the_button_says_what_will_happen(api: Api) -> None:
    csrf = admin(api)
    page = api.client.get("/admin").text
    assert 'id="add-user-submit" data-asks="admin auditor security supervisor">创建账号<' in page
    r = api.client.post("/admin/users", data={"csrf": csrf, "username": "b", "role": "supervisor"})
    assert re.search(r'id="add-user-submit"[^>]*>提交申请<', r.text)


def test_a_note_travels_with_the_request_and_a_duplicate_is_said_so(
        api: Api, hotline: ApiContainer, capsys: pytest.CaptureFixture[str]) -> None:
    csrf = admin(api)
    note = "王建国，县公安局治安大队，负责三江镇督办"
    data = {"csrf": csrf, "form_id": form_id_of(api.client.get("/admin").text),
            "username": "wangjg", "role": "supervisor", "region": "all", "note": note}
    assert api.client.post("/admin/users", data=data).status_code == 202
    (request,) = hotline.accounts.list_requests()
    assert request.note == note
    again = api.client.post("/admin/users", data={**data, "form_id": "another-form"})
    assert "已有相同的申请在等待批准" in again.text and len(hotline.accounts.list_requests()) == 1
    long = api.client.post("/admin/users", data={**data, "username": "w2", "note": "字" * 201})
    assert long.status_code == 422 and "申请说明最多200字" in long.text
    assert note not in capsys.readouterr().out  # never logged


def test_the_api_takes_a_note(api: Api) -> None:
    r = api.client.post("/v1/users", headers=api.auth("admin1"),
                        json={"username": "boss8", "role": "auditor", "note": "李梅，县纪委"})
    assert r.status_code == 202
    listed = api.client.get("/v1/account-requests", headers=api.auth("security1")).json()
    assert listed[0]["note"] == "李梅，县纪委"
    too_long = {"username": "boss9", "role": "auditor", "note": "字" * 201}
    assert api.client.post("/v1/users", headers=api.auth("admin1"), json=too_long).status_code == 422


def test_the_roster_shows_every_error_at_once_with_the_next_step(api: Api, hotline: ApiContainer) -> None:
    csrf = open_roster(api)
    row: dict[str, Any] = {"name": "值班民警", "webhook_url": "http://10.20.30.40/hook", "from": "25:99"}
    r = api.client.post(URL, data=form(csrf, row))
    assert r.status_code == 422
    assert 'id="error-c0_from"' in r.text and 'id="error-c0_webhook_url"' in r.text
    summary = r.text.split('id="error-summary"')[1].split("</div>")[0]  # whose, each (stop 50's review)
    assert '<a href="#f-c0_from">第1位联系人（值班民警）：时间须为' in summary
    said = r.text.split('id="error-c0_webhook_url"')[1][:300]
    assert "须在服务器配置中把该网段加入允许名单" in said and "HOTLINE_" not in r.text
    assert hotline.notify.roster("police-441823") is None


def test_the_tested_address_hides_the_robots_key(api: Api) -> None:
    assert masked("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a-91f6-ab12") == (
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=****ab12")
    assert masked("https://oapi.dingtalk.com/robot/send?access_token=abcdef9876&sign=zz12") == (
        "https://oapi.dingtalk.com/robot/send?access_token=****9876&sign=****zz12")
    receiver = Receiver()
    try:
        csrf = open_roster(api)
        hook = receiver.hook("wecom") + "?key=secret-robot-key-ab12"
        api.client.post(URL, data=form(csrf, {"name": "企业微信群", "webhook_url": hook, "format": "wecom"}))
        r = api.client.post(f"{URL}/test", data={"csrf": csrf, "contact": "企业微信群"})
        assert "已送达" in r.text and "key=****ab12" in r.text and "secret-robot-key" not in r.text.split(
            'id="tested-address"')[1].split("</p>")[0]
    finally:
        receiver.close()
