"""The security officer's page (/security): the admins' pending requests with who, what, when and
for whom; approve or reject on a confirming second step; the password shown once; the history.
And /admin saying that a privileged change is now a request, with the admin's own requests."""

from __future__ import annotations

import re

from services.bootstrap import ApiContainer
from tests.conftest import Api
from tests.unit.test_admin_audit_pages import admin, csrf_of, token_status
from tests.unit.test_admin_risky_actions import a_confirmation, shown_password
from tests.unit.test_pages import login


def officer(api: Api) -> str:
    login(api.client, "security1", "/security")
    page = api.client.get("/security")
    assert page.status_code == 200
    return csrf_of(page.text)


def test_an_admins_request_is_approved_on_the_security_page(api: Api, hotline: ApiContainer) -> None:
    csrf = admin(api)
    r = api.client.post("/admin/users", data={"csrf": csrf, "username": "boss7", "role": "supervisor"})
    assert r.status_code == 202 and "已提交，等待安全管理员批准：新建账号（督办人员），账号 boss7" in r.text
    mine = r.text.split('id="asked"')[1].split("</section>")[0]
    assert "boss7" in mine and "待批准" in mine and "新建账号（督办人员）" in mine
    (request,) = hotline.accounts.list_requests()

    csrf = officer(api)
    page = api.client.get("/security").text
    card = page.split(f'id="request-{request.id}"')[1].split("</li>")[0]
    assert "boss7" in card and "admin1（系统管理员）" in card and "新建账号（督办人员）" in card
    assert "提出时间" in card and "过期时间" in card
    action = f"/security/requests/{request.id}/approve"
    r = api.client.post(action, data={"csrf": csrf})
    assert r.status_code == 200 and a_confirmation(r.text, action, f"/security#request-{request.id}")
    assert "只显示一次" in r.text and hotline.accounts.find("boss7") is None
    assert api.client.post(action, data={"csrf": "forged", "confirmed": "yes"}).status_code == 403
    assert hotline.accounts.find("boss7") is None
    r = api.client.post(action, data={"csrf": csrf, "confirmed": "yes"})
    password = shown_password(r.text)
    assert token_status(api, "boss7", password) == 200
    again = api.client.get("/security").text
    assert password not in again and "目前没有待批准的申请" in again
    row = again.split(f'id="decided-{request.id}"')[1].split("</tr>")[0]
    assert "已批准" in row and "security1" in row
    r = api.client.post(action, data={"csrf": csrf, "confirmed": "yes"})
    assert r.status_code == 409 and "已经处理过了" in r.text and 'id="secret-password"' not in r.text


def test_a_reject_asks_first_keeps_its_reason_and_changes_nothing(api: Api, hotline: ApiContainer) -> None:
    csrf = admin(api)
    r = api.client.post("/admin/users/auditor1/disable", data={"csrf": csrf})
    assert "须经安全管理员批准" in r.text and "提交停用申请" in r.text
    r = api.client.post("/admin/users/auditor1/disable", data={"csrf": csrf, "confirmed": "yes"})
    assert "已提交，等待安全管理员批准" in r.text
    (request,) = hotline.accounts.list_requests()
    csrf = officer(api)
    action = f"/security/requests/{request.id}/reject"
    r = api.client.post(action, data={"csrf": csrf})
    assert re.search(r'<input type="text" id="f-reason" name="reason" maxlength="500" autofocus>', r.text)
    assert "驳回后账号不作任何变更" in r.text
    r = api.client.post(action, data={"csrf": csrf, "confirmed": "yes", "reason": "审计人员在岗"})
    assert "已驳回对账号 auditor1 的申请" in r.text and "理由：审计人员在岗" in r.text
    assert not hotline.accounts.find("auditor1").disabled  # type: ignore[union-attr]
    csrf = admin(api)
    assert "已驳回" in api.client.get("/admin").text.split('id="asked"')[1].split("</section>")[0]


def test_each_officer_sees_only_their_page(api: Api) -> None:
    login(api.client, "security1", "/security")
    home = api.client.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/security"
    header = api.client.get("/security").text.split("</header>")[0]
    assert '<a href="/security" aria-current="page">账号变更审批</a>' in header and "/admin" not in header
    assert api.client.get("/admin").status_code == 403
    login(api.client, "admin1")
    r = api.client.get("/security")
    assert r.status_code == 403 and "安全管理员" in r.text
    assert api.client.post("/security/requests/x/approve", data={"csrf": "x"}).status_code == 403
