"""The admin page (accounts, sentinel points, directory) and the auditor's page (the trail,
filtered and paged, and whether it verifies)."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from services.common.store import Sql
from tests.conftest import Api
from tests.helpers import TEST_PASSWORD, audit_entries, report_body, sequence
from tests.unit.test_desk import red_case
from tests.unit.test_pages import login


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def admin(api: Api) -> str:
    login(api.client, "admin1")
    page = api.client.get("/admin")
    assert page.status_code == 200
    return csrf_of(page.text)


def token_status(api: Api, username: str, password: str) -> int:
    return api.client.post("/v1/auth/token", data={"username": username, "password": password}).status_code


def test_admin_adds_a_user_whose_password_is_shown_once(api: Api, hotline: ApiContainer) -> None:
    csrf = admin(api)
    r = api.client.post("/admin/users", data={"csrf": csrf, "username": "operator9", "role": "operator",
                                              "channel": "hotline_12349"})
    assert r.status_code == 201
    password = re.search(r'id="secret-password">([^<]+)<', r.text).group(1)  # type: ignore[union-attr]
    assert token_status(api, "operator9", password) == 200
    assert hotline.accounts.find("operator9").channel == "hotline_12349"  # type: ignore[union-attr]
    assert password not in api.client.get("/admin").text  # shown once
    (entry,) = [e for e in audit_entries(hotline) if e["action"] == "account.add"]
    assert (entry["actor"], entry["role"], entry["resource_id"]) == ("admin1", "admin", "operator9")


def test_admin_form_errors_are_named_and_nothing_is_stored(api: Api, hotline: ApiContainer) -> None:
    csrf = admin(api)
    r = api.client.post("/admin/users", data={"csrf": csrf, "username": "x", "role": "operator"})
    assert r.status_code == 422 and 'id="error-username"' in r.text
    r = api.client.post("/admin/users", data={"csrf": csrf, "username": "desk9", "role": "desk"})
    assert r.status_code == 422 and "机构账号须选择所属机构" in r.text
    r = api.client.post("/admin/users", data={"csrf": csrf, "username": "teacher1", "role": "reporter"})
    assert r.status_code == 409 and "已被使用" in r.text
    assert hotline.accounts.find("desk9") is None and hotline.accounts.find("x") is None
    r = api.client.post("/admin/users", data={"csrf": "forged", "username": "ok-name", "role": "auditor"})
    assert r.status_code == 403 and hotline.accounts.find("ok-name") is None


def confirmed(csrf: str, **fields: str) -> dict[str, str]:
    """The second step's form: the first step's fields, confirmed."""
    return {"csrf": csrf, "confirmed": "yes", **fields}


def test_admin_disables_enables_and_resets_a_password(api: Api, hotline: ApiContainer) -> None:
    """(Both risky actions now take a confirmation step: see test_admin_risky_actions.py.)"""
    token = api.token("teacher1")
    csrf = admin(api)
    r = api.client.post("/admin/users/teacher1/disable", data=confirmed(csrf), follow_redirects=False)
    assert r.status_code == 303
    assert "已停用账号 teacher1：该账号已登录的会话将立即退出" in api.client.get(r.headers["location"]).text
    assert api.client.get("/v1/agencies", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert token_status(api, "teacher1", TEST_PASSWORD) == 401
    api.client.post("/admin/users/teacher1/enable", data={"csrf": csrf})
    assert token_status(api, "teacher1", TEST_PASSWORD) == 200
    r = api.client.post("/admin/users/teacher1/reset-password", data=confirmed(csrf))
    new = re.search(r'id="secret-password">([^<]+)<', r.text).group(1)  # type: ignore[union-attr]
    assert token_status(api, "teacher1", TEST_PASSWORD) == 401 and token_status(api, "teacher1", new) == 200
    assert api.client.post("/admin/users/admin1/disable", data={"csrf": csrf}).status_code == 409
    assert api.client.post("/admin/users/nobody/disable", data={"csrf": csrf}).status_code == 404
    actions = [e["action"] for e in audit_entries(hotline) if e["resource_id"] == "teacher1"]
    assert ["account.disable", "account.enable", "account.set-password"] == [
        a for a in actions if a.startswith("account.")]


def test_admin_registers_rebinds_and_closes_a_sentinel_point(api: Api, hotline: ApiContainer) -> None:
    hotline.accounts.add_user("teacher2", TEST_PASSWORD, "reporter")
    csrf = admin(api)
    r = api.client.post("/admin/sentinels", data={"csrf": csrf, "name": "三江镇中心小学", "kind": "school",
                                                  "place": "441823100", "region_code": "",
                                                  "first_reporter": "teacher1"}, follow_redirects=False)
    assert r.status_code == 303
    (sentinel,) = hotline.accounts.list_sentinels()
    assert sentinel.region_code == "441823100"
    assert hotline.accounts.find("teacher1").sentinel_id == str(sentinel.id)  # type: ignore[union-attr]
    web = report_body(channel="sentinel", reporter={"relation": "teacher"})
    assert api.submit(web, as_user="teacher1", key="s1").status_code == 201
    base = f"/admin/sentinels/{sentinel.id}"
    api.client.post(f"{base}/first-reporter", data={"csrf": csrf, "first_reporter": "teacher2"})
    assert hotline.accounts.find("teacher1").sentinel_id is None  # type: ignore[union-attr]
    assert hotline.accounts.find("teacher2").sentinel_id == str(sentinel.id)  # type: ignore[union-attr]
    r = api.client.post(f"{base}/deactivate", data={"csrf": csrf, "reason": ""})
    assert r.status_code == 422 and "撤销原因" in r.text
    r = api.client.post(f"{base}/deactivate", data=confirmed(csrf, reason="学校合并"),
                        follow_redirects=False)
    assert r.status_code == 303
    assert hotline.accounts.find("teacher2").sentinel_id is None  # type: ignore[union-attr]
    assert not hotline.accounts.sentinel_exists(str(sentinel.id))
    page = api.client.get("/admin").text
    assert "已撤销" in page and "名录由系统维护，当前为第6版" in page
    r = api.client.post("/admin/sentinels", data={"csrf": csrf, "name": "", "kind": "bad",
                                                  "region_code": "12", "first_reporter": "teacher1"})
    assert r.status_code == 422 and all(f'id="error-{f}"' in r.text for f in ("name", "kind", "region_code"))
    actions = [e["action"] for e in audit_entries(hotline) if e["resource_id"] == str(sentinel.id)]
    assert actions == ["sentinel.register", "sentinel.first-reporter", "sentinel.deactivate"]


def trail_rows(html: str) -> list[list[str]]:
    body = html.split('<tbody>', 1)[1].split('</tbody>', 1)[0]
    return [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in body.split("<tr>")[1:]]


def test_auditor_filters_the_trail_and_pages_through_it(api: Api, hotline: ApiContainer) -> None:
    report = api.submit(report_body(), key="a1").json()
    for _ in range(60):
        api.client.get(f"/v1/reports/{report['report_id']}", headers=api.auth("supervisor1"))
    sequence(hotline)
    login(api.client, "auditor1")
    page = api.client.get("/audit")
    assert page.status_code == 200 and "哈希链校验通过" in page.text
    assert len(trail_rows(page.text)) == 50  # a page
    older = re.search(r'href="([^"]+)" id="older"', page.text).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    second = api.client.get(older)
    first_seqs = [int(r[0]) for r in trail_rows(page.text)]
    second_seqs = [int(r[0]) for r in trail_rows(second.text)]
    assert second_seqs and max(second_seqs) < min(first_seqs)
    only = api.client.get("/audit", params={"actor": "operator1", "action": "report."})
    rows = trail_rows(only.text)
    assert rows and all(r[2].startswith("operator1") and 'data-action="report.' in r[4] for r in rows)
    by_role = trail_rows(api.client.get("/audit", params={"role": "supervisor"}).text)
    assert len(by_role) == 50 and all("督办人员" in r[3] for r in by_role)
    later = (datetime.now(UTC) + timedelta(days=200)).date().isoformat()  # within the pages' days
    future = api.client.get("/audit", params={"since": f"{later}T00:00"}).text
    assert "没有符合条件的记录" in future and 'id="older"' not in future
    bad = api.client.get("/audit", params={"until": "yesterday"})
    assert bad.status_code == 422 and 'id="error-until"' in bad.text
    assert api.client.get("/audit", params={"role": "king"}).status_code == 422


def test_the_audit_page_says_when_the_chain_is_broken(api: Api, hotline: ApiContainer) -> None:
    api.submit(report_body(), key="a2")
    login(api.client, "auditor1")
    sequence(hotline)
    assert "哈希链校验通过" in api.client.get("/audit").text
    sql: Sql = hotline.audit.sql
    with sql.transaction(commit=True) as c:
        sql.execute(c, "DELETE FROM audit_log WHERE seq = ?", (2,))
    page = api.client.get("/audit?verify=1").text
    assert "哈希链校验未通过" in page and "第 2 条记录" in page  # in Chinese, as the page's other text


def test_only_auditors_open_the_trail_and_their_reading_is_recorded(api: Api, hotline: ApiContainer,
                                                                    runner: EmbeddedRunner) -> None:
    login(api.client, "supervisor1")
    assert api.client.get("/audit").status_code == 403
    api.client.cookies.clear()
    login(api.client, "auditor1")
    case_id = red_case(api, runner)["case_id"]
    api.client.get("/audit", params={"case": case_id})
    last: dict[str, Any] = audit_entries(hotline)[-1]
    assert (last["action"], last["actor"], last["case_id"]) == ("audit.read", "auditor1", case_id)
    # An id no case has is said, not read as "nobody looked" (the auditor's second review, stop 61).
    slip = api.client.get("/audit", params={"case": "3f2a9c1e-0000-5000-8000-000000000000"})
    assert slip.status_code == 422 and "没有编号为 3f2a9c1e-0000-5000-8000-000000000000 的案件" in slip.text
