"""The admin's usability review (#24): risky actions confirmed on a second server-rendered step,
passwords that can be read aloud, role mix-ups refused next to their field, plain wording, and
the roster page saying which address a test went to while edits are unsaved."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

import pytest

from services.accounts.passwords import ALPHABET, GROUP_SIZE, GROUPS, generate_password
from services.bootstrap import ApiContainer
from tests.conftest import Api
from tests.helpers import TEST_PASSWORD
from tests.receiver import Receiver
from tests.unit.test_admin_audit_pages import admin, token_status
from tests.unit.test_admin_oncall import URL, form, open_roster
from tests.unit.test_pages import login

PASSWORD = re.compile(r"^[A-Za-z2-9]{5}-[A-Za-z2-9]{5}-[A-Za-z2-9]{5}$")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def shown_password(html: str) -> str:
    return re.search(r'id="secret-password">([^<]+)<', html).group(1)  # type: ignore[union-attr]


def a_confirmation(html: str, action: str, back: str) -> bool:
    """The second step: its own form posting `confirmed`, the heading focused, not the red button
    (one Enter never confirms: the IT office's review, stop 50), 取消 back."""
    return (f'action="{action}"' in html and 'name="confirmed" value="yes"' in html
            and re.search(r'<h1 id="confirm-h" tabindex="-1" autofocus', html) is not None
            and re.search(r'<button[^>]*id="confirm-yes"[^>]*autofocus', html) is None
            and f'<a href="{back}" id="confirm-no">取消' in html)


def test_disable_and_reset_password_ask_first_and_say_what_will_happen(
        api: Api, hotline: ApiContainer) -> None:
    csrf = admin(api)
    r = api.client.post("/admin/users/teacher1/disable", data={"csrf": csrf})
    assert r.status_code == 200
    assert a_confirmation(r.text, "/admin/users/teacher1/disable", "/admin#user-teacher1")
    assert "已登录的会话将立即退出" in r.text and "在账号列表中点“启用”重新启用" in r.text
    assert "账号：teacher1（强制报告责任人" in r.text  # whose account: its role and unit, to check against
    assert 'id="f-note"' not in r.text  # no request, nothing to explain
    assert not hotline.accounts.find("teacher1").disabled  # type: ignore[union-attr]
    r = api.client.post("/admin/users/teacher1/reset-password", data={"csrf": csrf})
    assert a_confirmation(r.text, "/admin/users/teacher1/reset-password", "/admin#user-teacher1")
    assert "原来的密码立即不能再用" in r.text and 'id="secret-password"' not in r.text
    assert token_status(api, "teacher1", TEST_PASSWORD) == 200  # nothing changed yet
    assert api.client.post("/admin/users/nobody/reset-password", data={"csrf": csrf}).status_code == 404
    r = api.client.post("/admin/users/teacher1/disable", data={"csrf": "forged", "confirmed": "yes"})
    assert r.status_code == 403 and not hotline.accounts.find("teacher1").disabled  # type: ignore[union-attr]


def test_a_privileged_reset_asks_why_and_the_security_officer_reads_it(
        api: Api, hotline: ApiContainer) -> None:
    """A reset that is a request carries its 申请说明 to the security officer (the IT office's
    review, stop 50: only a new account's request had one); too long is said on the same step."""
    csrf = admin(api)
    step = api.client.get("/admin/users/supervisor1/reset-password")
    assert step.status_code == 200 and 'id="f-note"' in step.text and "提交重置申请" in step.text
    assert re.search(r'<textarea id="f-note"[^>]*autofocus', step.text)
    form_id = re.search(r'name="form_id" value="([^"]+)"', step.text).group(1)  # type: ignore[union-attr]
    too_long = api.client.post("/admin/users/supervisor1/reset-password", data={
        "csrf": csrf, "confirmed": "yes", "form_id": form_id, "note": "长" * 201})
    assert too_long.status_code == 200 and "申请说明最多200字。" in too_long.text
    assert "长" * 201 in too_long.text and not hotline.accounts.list_requests()  # kept, nothing asked
    why = "张督导换了手机，密码遗失，本人电话确认"
    r = api.client.post("/admin/users/supervisor1/reset-password", data={
        "csrf": csrf, "confirmed": "yes", "form_id": form_id, "note": why}, follow_redirects=False)
    assert r.status_code == 303
    [request] = hotline.accounts.list_requests()
    assert (request.kind, request.username, request.note) == ("reset-password", "supervisor1", why)


def test_closing_a_sentinel_asks_first_with_its_name_and_reason(api: Api, hotline: ApiContainer) -> None:
    csrf = admin(api)
    api.client.post("/admin/sentinels", data={"csrf": csrf, "name": "三江镇中心小学", "kind": "school",
                                              "region_code": "441823100", "first_reporter": "teacher1"})
    (sentinel,) = hotline.accounts.list_sentinels()
    action = f"/admin/sentinels/{sentinel.id}/deactivate"
    r = api.client.post(action, data={"csrf": csrf, "reason": "学校合并"})
    assert r.status_code == 200 and a_confirmation(r.text, action, "/admin#sentinel")
    assert "三江镇中心小学" in r.text and "学校合并" in r.text and 'name="reason" value="学校合并"' in r.text
    assert hotline.accounts.sentinel_exists(str(sentinel.id))
    r = api.client.post(action, data={"csrf": csrf, "reason": "学校合并", "confirmed": "yes"},
                        follow_redirects=False)
    assert r.status_code == 303 and not hotline.accounts.sentinel_exists(str(sentinel.id))


def test_regenerating_the_secret_asks_first(api: Api, hotline: ApiContainer) -> None:
    csrf = open_roster(api)
    api.client.post(URL, data=form(csrf, {"name": "值班员"}))
    before = hotline.notify.roster("police-441823").secret  # type: ignore[union-attr]
    r = api.client.post(f"{URL}/secret", data={"csrf": csrf})
    assert r.status_code == 200 and a_confirmation(r.text, f"{URL}/secret", f"{URL}#regenerate")
    assert "旧密钥立即失效" in r.text and 'id="secret-value"' not in r.text
    assert hotline.notify.roster("police-441823").secret == before  # type: ignore[union-attr]


def test_risky_buttons_look_like_danger_and_harmless_ones_do_not(api: Api) -> None:
    admin(api)
    page = api.client.get("/admin").text
    row = page.split('id="user-teacher1"')[1].split("</tr>")[0]
    assert 'class="small risky" aria-label="停用 teacher1"' in row
    assert 'class="small risky" aria-label="重置密码 teacher1"' in row
    assert "button.risky" in page and "#users td.actions form { display: inline-block; margin" in page
    assert 'id="add-user-submit"' in page and 'class="risky" id="add-user-submit"' not in page


def test_generated_passwords_can_be_read_aloud() -> None:
    drawn = {generate_password() for _ in range(300)}
    assert len(drawn) == 300
    for password in drawn:
        assert PASSWORD.match(password), password
        assert not set(password) & set("O0oIl1")
        assert any(c.isupper() for c in password) and any(c.islower() for c in password)
        assert any(c.isdigit() for c in password)
    assert GROUPS * GROUP_SIZE * math.log2(len(ALPHABET)) >= 70


def test_the_pages_passwords_are_the_readable_ones_and_work(api: Api) -> None:
    csrf = admin(api)
    # An operator: an auditor's account waits for the security officer (test_account_requests.py).
    r = api.client.post("/admin/users", data={"csrf": csrf, "username": "operator9", "role": "operator",
                                                "channel": "hotline_12345"})
    first = shown_password(r.text)
    assert PASSWORD.match(first) and token_status(api, "operator9", first) == 200
    r = api.client.post("/admin/users/operator9/reset-password", data={"csrf": csrf, "confirmed": "yes"})
    second = shown_password(r.text)
    assert PASSWORD.match(second) and token_status(api, "operator9", second) == 200


@pytest.mark.parametrize(("role", "field", "value"), [
    ("reporter", "agency_id", "police-441823"),
    ("operator", "agency_id", "police-441823"),
    ("auditor", "channel", "hotline_12349"),
    ("desk", "channel", "hotline_12349"),
])
def test_a_unit_field_of_another_role_is_refused_next_to_it(
        api: Api, hotline: ApiContainer, role: str, field: str, value: str) -> None:
    csrf = admin(api)
    data = {"csrf": csrf, "username": "mixed9", "role": role, field: value}
    if role == "desk":
        data["agency_id"] = "police-441823"
    r = api.client.post("/admin/users", data=data)
    assert r.status_code == 422 and f'id="error-{field}"' in r.text
    assert "所选角色请选“（不适用）”" in r.text.split(f'id="error-{field}"')[1][:100]
    assert hotline.accounts.find("mixed9") is None


def test_a_desk_bound_to_a_sentinel_is_refused(api: Api, hotline: ApiContainer) -> None:
    csrf = admin(api)
    api.client.post("/admin/sentinels", data={"csrf": csrf, "name": "某小学", "kind": "school",
                                              "region_code": "441823100", "first_reporter": "teacher1"})
    (sentinel,) = hotline.accounts.list_sentinels()
    r = api.client.post("/admin/users", data={"csrf": csrf, "username": "mixed9", "role": "desk",
                                              "agency_id": "police-441823", "sentinel_id": str(sentinel.id)})
    assert r.status_code == 422
    assert "所选角色请选“（不适用）”" in r.text.split('id="error-sentinel_id"')[1][:100]
    assert hotline.accounts.find("mixed9") is None


def test_role_and_first_reporter_start_at_please_choose(api: Api, hotline: ApiContainer) -> None:
    csrf = admin(api)
    page = api.client.get("/admin").text
    assert re.search(r'<select id="f-role"[^>]*><option value="">请选择</option>', page)
    assert re.search(r'<select id="f-first_reporter"[^>]*><option value="">请选择</option>', page)
    assert 'data-role="desk"' in page and 'data-role="reporter"' in page and 'data-role="operator"' in page
    r = api.client.post("/admin/users", data={"csrf": csrf, "username": "nobody9", "role": ""})
    assert r.status_code == 422 and 'id="error-role"' in r.text and "请选择角色" in r.text
    r = api.client.post("/admin/sentinels", data={"csrf": csrf, "name": "某小学", "kind": "school",
                                                  "region_code": "441823100", "first_reporter": ""})
    assert r.status_code == 422 and 'id="error-first_reporter"' in r.text
    assert not hotline.accounts.list_sentinels()


def test_plain_wording_and_the_api_docs_link(api: Api) -> None:
    csrf = admin(api)
    r = api.client.post("/admin/users/teacher1/disable", data={"csrf": csrf, "confirmed": "yes"})
    assert "该账号已登录的会话将立即退出" in r.text and "令牌" not in r.text
    page = api.client.get("/admin").text
    assert "名录由系统维护，当前为第6版" in page
    assert '<td data-label="单位值班电话" class="unit-phone">0763-6625120</td>' in page  # the hospital's (v6)
    assert "名录只读" not in page and '>（名录由系统维护' in page  # the version's id only as data
    assert '<a href="/docs" id="api-docs">接口文档（供信息系统对接）</a>' in page
    roster = api.client.get(URL).text
    assert "签收" not in roster and "接收时限" in roster


def test_a_test_sent_with_unsaved_edits_says_so_and_goes_to_the_saved_address(
        api: Api, receiver: Receiver) -> None:
    csrf = open_roster(api)
    saved = {"name": "值班员", "webhook_url": receiver.hook("saved")}
    api.client.post(URL, data=form(csrf, saved))
    r = api.client.post(f"{URL}/test", data={**form(csrf, saved), "contact": "值班员"})
    assert "已送达" in r.text and 'id="unsaved"' not in r.text
    edited = {"name": "值班员", "webhook_url": receiver.hook("typed")}
    r = api.client.post(f"{URL}/test", data={**form(csrf, edited), "contact": "值班员"})
    assert 'id="unsaved"' in r.text and "尚未保存" in r.text
    assert receiver.hook("saved") in r.text.split('id="tested-address"')[1][:300]
    assert [got["path"] for got in receiver.got] == ["/saved", "/saved"]


def test_a_phone_may_hold_an_extension_and_on_duty_phones_are_tel_links(
        api: Api, hotline: ApiContainer) -> None:
    csrf = open_roster(api)
    r = api.client.post(URL, data=form(csrf, {"name": "值班民警", "phone": "0763-6612345转8001",
                                                   "webhook_url": "https://oncall.example.invalid/hook"},
                                       {"name": "所长", "phone": "110转3"}))
    assert r.status_code == 200 and 'id="error-' not in r.text
    page = api.client.get(URL).text.split('id="on-duty"')[1].split("</p>")[0]
    assert '<a href="tel:0763-6612345,8001">0763-6612345转8001</a>' in page and 'href="tel:110,3"' in page
    put = api.client.put("/v1/agencies/civil-441823/oncall", headers=api.auth("admin1"), json={
        "contacts": [{"name": "甲", "phone": "110转3"}], "secret": "s" * 16})
    assert put.status_code == 200, put.text
    r = api.client.post(URL, data=form(csrf, {"name": "甲", "phone": "110转"}))
    assert r.status_code == 422 and 'id="error-c0_phone"' in r.text
    api.client.cookies.clear()
    login(api.client, "supervisor1")
    health = api.client.get("/oncall").text.split('data-agency="police-441823"')[1].split("</tr>")[0]
    assert '值班民警（<a class="tel" href="tel:0763-6612345,8001">0763-6612345转8001</a>）' in health


def test_disabling_says_what_would_be_left_with_no_one(api: Api) -> None:
    """The IT office's review, stop 60: disabling the county police's only account, and a school's
    first reporter, said nothing of the unit and the point left with no one."""
    login(api.client, "admin1", "/admin")
    only = api.client.get("/admin/users/police-desk/disable").text
    assert "连南瑶族自治县公安局没有其他可用账号" in only and "请先为接替的人新建账号" in only
    reset = api.client.get("/admin/users/police-desk/reset-password").text  # the second review
    assert "没有其他可用账号：重置后，直到本人用新密码登录" in reset
    made = api.client.post("/v1/users", json={"username": "police-desk2", "role": "desk",
                                              "agency_id": "police-441823"}, headers=api.auth("admin1"))
    assert made.status_code == 201, made.text
    assert "没有其他可用账号" not in api.client.get("/admin/users/police-desk/disable").text
    assert "warn-left" not in api.client.get("/admin/users/police-desk/reset-password").text  # one more now
    point = {"name": "三江镇中心小学", "kind": "school", "region_code": "441823100",
             "first_reporter": "teacher1"}
    assert api.client.post("/v1/sentinels", json=point, headers=api.auth("admin1")).status_code == 201
    teacher = api.client.get("/admin/users/teacher1/disable").text
    assert "teacher1是监测哨点“三江镇中心小学”的第一报告人" in teacher and "更换第一报告人" in teacher
