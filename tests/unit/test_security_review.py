"""The security officer's day (the security officer's review, stop 61): every account reviewed on
one page (role, unit or region, in use or stopped by whom, whose password, second factor, a day's
failed logins); a request about her own account said on its card, not after the last step; an
existing account's unit and state on its request; the waiting requests counted in the header."""

from __future__ import annotations

from services.bootstrap import ApiContainer
from services.common.auditnote import Actor
from tests.conftest import Api
from tests.helpers import TEST_PASSWORD, audit_entries
from tests.unit.test_board_page import visible
from tests.unit.test_own_password import NEW, change, page_login
from tests.unit.test_pages import login

ADMIN = Actor("admin1", "admin")


def test_every_account_is_reviewed_on_one_page(api: Api, hotline: ApiContainer) -> None:
    for _ in range(6):
        assert api.client.post("/v1/auth/token", data={"username": "supervisor1", "password": "Wrong-pass-1"}
                               ).status_code == 401
    hotline.accounts.admin_change("police-desk", "disable", actor=ADMIN)
    hotline.accounts.admin_change("operator1", "reset-password", actor=ADMIN)
    login(api.client, "security1", "/security")
    assert 'href="/security/accounts"' in api.client.get("/security").text
    page = api.client.get("/security/accounts")
    assert page.status_code == 200
    row = {name: visible(page.text.split(f'id="account-{name}"')[1].split("</tr>")[0])
           for name in ("supervisor1", "police-desk", "operator1", "security1", "auditor1")}
    assert "6次" in row["supervisor1"] and "可能有人在猜密码" in row["supervisor1"]
    assert "已停用" in row["police-desk"] and "admin1于" in row["police-desk"]
    assert "连南瑶族自治县公安局" in row["police-desk"]
    assert "待本人修改（admin1设置" in row["operator1"] and "本人设置" in row["security1"]
    assert "特权" in row["auditor1"] and "未绑定（本角色不要求）" in row["auditor1"]
    counts = visible(page.text.split('id="account-counts"')[1].split("</p>")[0])
    assert f"共{len(hotline.accounts.list_users())}个账号" in counts and "已停用1个" in counts
    assert ("security.accounts", "security1") in [(e["action"], e["actor"]) for e in audit_entries(hotline)]
    login(api.client, "admin1", "/admin")
    assert api.client.get("/security/accounts").status_code == 403


def test_a_request_about_her_own_account_is_said_on_its_card(api: Api, hotline: ApiContainer) -> None:
    outcome = hotline.accounts.admin_change("security1", "reset-password", actor=ADMIN)
    assert outcome.request is not None
    login(api.client, "security1", "/security")
    page = api.client.get("/security").text
    card = page.split(f'id="request-{outcome.request.id}"')[1].split("</li>")[0]
    assert "须由另一位安全管理员批准或驳回" in card and "/approve" not in card and "/reject" not in card
    for decision in ("approve", "reject"):
        r = api.client.get(f"/security/requests/{outcome.request.id}/{decision}")
        assert r.status_code == 409 and "您不能处理" in r.text and 'id="confirm-yes"' not in r.text


def test_a_request_for_an_existing_account_says_its_region_and_state(api: Api, hotline: ApiContainer) -> None:
    hotline.accounts.disable("supervisor-qingyuan", by="admin1", actor=ADMIN)
    outcome = hotline.accounts.admin_change("supervisor-qingyuan", "enable", actor=ADMIN)
    assert outcome.request is not None
    login(api.client, "security1", "/security")
    page = api.client.get("/security").text
    card = visible(page.split(f'id="request-{outcome.request.id}"')[1].split("</li>")[0])
    assert "启用账号（督办人员，辖区：4418清远市）" in card
    assert "现在：已停用（admin1于" in card and "请向申请人核实重新启用的原因和使用人" in card
    assert "账号变更审批（1份待批）" in visible(page.split("</nav>")[0])
    confirm = visible(api.client.get(f"/security/requests/{outcome.request.id}/approve").text)
    assert "该账号现在：已停用（admin1于" in confirm


def test_the_second_round_a_common_or_earlier_password_is_refused_on_the_page(api: Api) -> None:
    """The security officer's second review, stop 61: Password@123 was taken, and a password used
    minutes before was taken again."""
    assert page_login(api.client, "teacher1", TEST_PASSWORD) == "/report"
    common = change(api.client, TEST_PASSWORD, "Password@123")
    assert common.status_code == 422 and "这个密码太常见" in common.text  # type: ignore[attr-defined]
    assert change(api.client, TEST_PASSWORD, NEW).status_code == 303  # type: ignore[attr-defined]
    again = change(api.client, NEW, TEST_PASSWORD)
    assert again.status_code == 422 and "不能与最近用过的5个密码相同" in again.text  # type: ignore[attr-defined]


def test_the_second_round_list_names_asker_and_approver_and_narrows(api: Api, hotline: ApiContainer) -> None:
    outcome = hotline.accounts.admin_change("auditor-qingcheng", "disable", actor=ADMIN)
    assert outcome.request is not None
    hotline.accounts.approve_request(outcome.request.id, actor=Actor("security1", "security"))
    own = hotline.accounts.admin_change("security1", "reset-password", actor=ADMIN)
    assert own.request is not None
    login(api.client, "security1", "/security")
    page = api.client.get("/security/accounts").text
    row = visible(page.split('id="account-auditor-qingcheng"')[1].split("</tr>")[0])
    assert "admin1申请、security1批准于" in row
    assert "账号变更审批（" not in visible(page.split("</nav>")[0])  # only her own waits: not hers to decide
    assert "同一账号在同一台电脑上15分钟内登录失败10次" in visible(page)
    narrowed = api.client.get("/security/accounts", params={"only": "disabled"}).text
    assert 'id="account-auditor-qingcheng"' in narrowed and 'id="account-supervisor1"' not in narrowed
    login(api.client, "auditor1")
    assert api.client.get("/security/accounts").status_code == 200  # the auditor reads it too
    assert 'href="/security/accounts"' in api.client.get("/audit").text
