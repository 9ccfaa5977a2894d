"""What a usability review of /admin found once accounts carried regions (#28): the region is
chosen, never defaulted to everywhere, and said by name; a request can be withdrawn by the admin
who asked while it is pending; a taken name says why; pending accounts are listed; the
directory's regions read alike; the no-JavaScript wording agrees with its errors."""

from __future__ import annotations

import re

import pytest

from services.bootstrap import ApiContainer
from services.common.auditnote import Actor
from services.common.errors import Conflict
from tests.conftest import Api
from tests.helpers import audit_entries
from tests.unit.test_account_requests import ask
from tests.unit.test_admin_audit_pages import admin
from tests.unit.test_admin_once import form_id_of
from tests.unit.test_pages import login


def add(api: Api, csrf: str, **fields: str) -> str:
    form_id = form_id_of(api.client.get("/admin").text)
    r = api.client.post("/admin/users", data={"csrf": csrf, "form_id": form_id, **fields})
    return f"{r.status_code} {r.text}"


def error_of(html: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="error-{field}">([^<]*)</p>', html)
    return found.group(1) if found else ""


def test_a_supervisors_region_is_chosen_and_said_by_name(api: Api, hotline: ApiContainer) -> None:
    csrf = admin(api)
    left = add(api, csrf, username="qc-sup", role="supervisor")
    assert left.startswith("422") and error_of(left, "region").startswith("请选择辖区")
    assert hotline.accounts.list_requests() == []  # nothing asked while the region is unchosen
    county = add(api, csrf, username="qc-sup", role="supervisor", region="441802")
    assert county.startswith("202") and "批准后可查看：清远市 清城区。" in county
    assert "新建账号（督办人员，辖区：441802 清城区）" in county
    everywhere = add(api, csrf, username="all-aud", role="auditor", region="all")
    assert everywhere.startswith("202") and "批准后可查看：全部地区。" in everywhere
    asked = {r.username: r.region for r in hotline.accounts.list_requests()}
    assert asked == {"qc-sup": "441802", "all-aud": None}  # 全部地区 is no region, as the API has it
    page = api.client.get("/admin").text
    assert '<option value="all" >全部地区（不限辖区）</option>' in page
    assert '<option value="441802" >441802 清城区</option>' in page
    # The API is unchanged: no region is everywhere.
    assert ask(api, {"username": "api-sup", "role": "supervisor"})


def test_the_admin_withdraws_a_pending_request_and_the_officer_no_longer_sees_it(
        api: Api, hotline: ApiContainer) -> None:
    csrf = admin(api)
    add(api, csrf, username="qy-sup", role="supervisor", region="4418")
    (request,) = hotline.accounts.list_requests()
    mine = api.client.get("/admin").text.split('id="asked"')[1].split("</section>")[0]
    expires = re.search(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) 过期", mine)
    assert expires and "新建账号（督办人员，辖区：4418 清远市）" in mine
    row = re.search(r'<tr id="pending-qy-sup">.*?</tr>', api.client.get("/admin").text, re.S)
    assert row and "待安全管理员批准" in row.group(0) and "<button" not in row.group(0)
    with pytest.raises(Conflict):  # only the one who asked
        hotline.accounts.withdraw_request(request.id, actor=Actor("admin2", "admin"))
    r = api.client.post(f"/admin/requests/{request.id}/withdraw", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("done=withdrawn&who=qy-sup#asked")
    page = api.client.get(r.headers["location"]).text
    assert "已撤回对账号 qy-sup 的申请" in page and 'id="pending-qy-sup"' not in page
    assert "已撤回" in page.split('id="asked-' + str(request.id))[1].split("</tr>")[0]
    again = api.client.post(f"/admin/requests/{request.id}/withdraw", data={"csrf": csrf})
    assert again.status_code == 409 and "未能撤回" in again.text  # only while pending
    listed = api.client.get("/v1/account-requests", params={"status": "pending"},
                            headers=api.auth("security1")).json()
    assert listed == []
    assert ("account.withdraw", "admin1", "qy-sup") in [
        (e["action"], e["actor"], e["resource_id"]) for e in audit_entries(hotline)]
    assert hotline.accounts.find("qy-sup") is None
    login(api.client, "auditor1")  # the trail names the request withdrawn
    trail = api.client.get("/audit", params={"action": "account.withdraw"}).text
    assert "撤回账号变更申请" in trail and f"申请 {str(request.id)[:8]}" in trail


def test_the_api_withdraws_for_the_admin_who_asked_only(api: Api) -> None:
    request_id = ask(api, {"username": "boss5", "role": "auditor", "region": "441823"})
    officer = api.client.post(f"/v1/account-requests/{request_id}/withdraw", headers=api.auth("security1"))
    assert officer.status_code == 403
    r = api.client.post(f"/v1/account-requests/{request_id}/withdraw", headers=api.auth("admin1"))
    assert r.status_code == 200 and r.json()["status"] == "withdrawn" and r.json()["decided_by"] == "admin1"
    late = api.client.post(f"/v1/account-requests/{request_id}/approve", headers=api.auth("security1"))
    assert late.status_code == 409
    assert ask(api, {"username": "boss5", "role": "auditor", "region": "4418"}) != request_id  # asked anew


def test_a_taken_name_says_which_case_applies(api: Api) -> None:
    csrf = admin(api)
    exists = add(api, csrf, username="teacher1", role="reporter")
    assert error_of(exists, "username") == "用户名 teacher1 已被使用：已有这个账号，请换一个用户名。"
    add(api, csrf, username="qian.city", role="supervisor", region="4418")
    other = add(api, csrf, username="qian.city", role="auditor", region="4418")
    assert other.startswith("409")
    said = error_of(other, "username")
    assert said.startswith("用户名 qian.city 已有一份待批准的新建申请（您于 ") and "撤回" in said


@pytest.mark.parametrize(("typed", "said"), [
    ("", "请填写用户名。"),
    ("ｑｉａｎ", "用户名只能用半角字母、数字、点、下划线或连字符，不能用汉字或全角字符。"),
    ("钱市", "用户名只能用半角字母、数字、点、下划线或连字符，不能用汉字或全角字符。"),
    ("q!", "用户名须为3至64位字母、数字、点、下划线或连字符。"),
])
def test_the_username_error_says_what_is_wrong(api: Api, typed: str, said: str) -> None:
    r = add(api, admin(api), username=typed, role="reporter")
    assert r.startswith("422") and error_of(r, "username") == said


def test_the_page_reads_alike_with_and_without_javascript(api: Api) -> None:
    admin(api)
    page = api.client.get("/admin").text
    assert '<a href="#users">账号</a>' in page
    assert 'for="f-agency_id">所属机构 *' in page
    empty = '<option value="" data-chosen="请选择">（不适用）</option>'
    assert page.count(empty) == 3  # the agency, the line, the region
    mixed = add(api, admin(api), username="op9", role="operator", channel="hotline_12345", region="all")
    assert error_of(mixed, "region") == "只有督办人员和审计人员账号有辖区；所选角色请选“（不适用）”。"
    # The directory names both counties alike (without their city), the code after in a lighter style.
    directory = page.split('id="directory"')[1]
    assert '<td data-label="负责地区">清城区 <span class="code">441802</span>' in directory
    assert '连南瑶族自治县 <span class="code">441823</span>' in directory
    assert '连南瑶族自治县三江镇 <span class="code">441823100</span>' in directory
    assert "清远市 清城区" not in directory


def test_the_nav_names_the_requests_section_as_it_is_titled(api: Api) -> None:
    csrf = admin(api)
    add(api, csrf, username="qc-aud", role="auditor", region="441802")
    page = api.client.get("/admin").text
    title = re.search(r'<h2 id="asked-title">([^<]+)</h2>', page)
    assert title and f'<a href="#asked">{title.group(1)}</a>' in page
    assert "#users td.role, #users td.actions { white-space: nowrap; }" in page
