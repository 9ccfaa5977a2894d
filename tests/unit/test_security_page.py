"""The security officer's page (/security): the admins' pending requests with who, what, when and
for whom (the admin's 申请说明); approve or reject on a confirming second step served by GET (the
back button lands on it); the password shown once, a resubmission saying who decided and how; a
rejection's reason required; the history with its own 处理时间 column. And /admin saying that a
privileged change is now a request, with the admin's own requests."""

from __future__ import annotations

import re

from services.bootstrap import ApiContainer
from tests.conftest import Api
from tests.unit.test_admin_audit_pages import admin, csrf_of, token_status
from tests.unit.test_admin_risky_actions import a_confirmation, shown_password
from tests.unit.test_pages import login


def officer(api: Api, request_id: object) -> str:
    """Logged in as security1; the CSRF token of the request's confirming page (served by GET)."""
    login(api.client, "security1", "/security")
    assert api.client.get("/security").status_code == 200
    page = api.client.get(f"/security/requests/{request_id}/approve")
    assert page.status_code == 200
    return csrf_of(page.text)


def test_an_admins_request_is_approved_on_the_security_page(api: Api, hotline: ApiContainer) -> None:
    csrf = admin(api)
    r = api.client.post("/admin/users", data={"csrf": csrf, "username": "boss7", "role": "supervisor",
                                              "region": "all",
                                              "note": "赵敏，县民政局，督办三江镇个案"})
    assert r.status_code == 202
    assert "已提交，等待安全管理员批准：新建账号（督办人员，辖区：全部地区），账号 boss7" in r.text
    mine = r.text.split('id="asked"')[1].split("</section>")[0]
    assert "boss7" in mine and "待批准" in mine and "新建账号（督办人员，辖区：全部地区）" in mine
    (request,) = hotline.accounts.list_requests()

    csrf = officer(api, request.id)
    page = api.client.get("/security").text
    card = page.split(f'id="request-{request.id}"')[1].split("</li>")[0]
    assert "boss7" in card and "admin1（系统管理员）" in card
    assert "新建账号（督办人员，辖区：全部地区）" in card
    assert "提出时间" in card and "过期时间" in card and "赵敏，县民政局，督办三江镇个案" in card
    action = f"/security/requests/{request.id}/approve"
    assert f'<form method="get" action="{action}">' in card
    r = api.client.get(action)
    assert r.status_code == 200 and a_confirmation(r.text, action, f"/security#request-{request.id}")
    assert "申请说明：赵敏，县民政局，督办三江镇个案" in r.text
    assert "只显示一次" in r.text and hotline.accounts.find("boss7") is None
    assert api.client.post(action, data={"csrf": "forged", "confirmed": "yes"}).status_code == 403
    assert hotline.accounts.find("boss7") is None
    r = api.client.post(action, data={"csrf": csrf, "confirmed": "yes"})
    password = shown_password(r.text)
    assert token_status(api, "boss7", password) == 200
    again = api.client.get("/security").text
    assert password not in again and "目前没有待批准的申请" in again
    row = again.split(f'id="decided-{request.id}"')[1].split("</tr>")[0]
    assert "已批准" in row and "security1" in row and "admin1（系统管理员）" in row and "赵敏" in row
    r = api.client.post(action, data={"csrf": csrf, "confirmed": "yes"})  # F5 on the password page
    assert r.status_code == 409 and 'id="secret-password"' not in r.text
    assert "此申请已处理：security1（安全管理员）已于" in r.text and "批准，已生效" in r.text
    assert "密码只显示一次" in r.text and token_status(api, "boss7", password) == 200
    back = api.client.get(action)  # the back button: a page that renders and says so
    assert back.status_code == 200 and "此申请已处理" in back.text and 'id="confirm-yes"' not in back.text


def test_a_reject_asks_first_keeps_its_reason_and_changes_nothing(api: Api, hotline: ApiContainer) -> None:
    csrf = admin(api)
    r = api.client.post("/admin/users/auditor1/disable", data={"csrf": csrf})
    assert "须经安全管理员批准" in r.text and "提交停用申请" in r.text
    r = api.client.post("/admin/users/auditor1/disable", data={"csrf": csrf, "confirmed": "yes"})
    assert "已提交，等待安全管理员批准" in r.text
    (request,) = hotline.accounts.list_requests()
    csrf = officer(api, request.id)
    action = f"/security/requests/{request.id}/reject"
    r = api.client.get(action)
    assert re.search(r'<textarea id="f-reason" name="reason" [^>]*aria-required="true" autofocus', r.text)
    assert "驳回后账号不作任何变更" in r.text and "申请说明：（申请人未填写" in r.text
    assert re.search(r'class="decide-btn risky" id="confirm-yes"', r.text)
    r = api.client.post(action, data={"csrf": csrf, "confirmed": "yes", "reason": "  "})
    assert r.status_code == 422 and 'id="error-reason"' in r.text and "请填写驳回理由" in r.text
    assert hotline.accounts.get_request(request.id).decision is None
    long = "因" * 501  # said with the count, kept as typed, never cut to 500 and saved
    r = api.client.post(action, data={"csrf": csrf, "confirmed": "yes", "reason": long})
    assert r.status_code == 422 and "驳回理由最多500字（现有501字），请删减。" in r.text
    assert f">{long}</textarea>" in r.text
    assert hotline.accounts.get_request(request.id).decision is None
    r = api.client.post(action, data={"csrf": csrf, "confirmed": "yes", "reason": "审计人员在岗"})
    assert "已驳回：账号 auditor1 的申请已驳回" in r.text and "理由：审计人员在岗" in r.text
    history = r.text.split('id="history"')[1]
    assert "<th scope=\"col\">处理时间（北京）</th>" in history
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
