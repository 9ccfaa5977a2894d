"""The operator console's server side: homes per role, navigation, error pages, the API called
with the session cookie, the repeat check, this shift's calls and confirmed transfers."""

import json
import re
import threading

import pytest

from services.bootstrap import ApiContainer
from services.common.auditnote import Principal
from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.helpers import TEST_PASSWORD, audit_entries, report_body
from tests.unit.test_pages import login

HOMES = {"operator1": "/intake", "teacher1": "/report", "police-desk": "/desk",
         "supervisor1": "/board", "auditor1": "/audit", "admin1": "/admin"}


def console_csrf(api: Api) -> str:
    page = api.client.get("/intake")
    assert page.status_code == 200
    return re.search(r'"csrf": "([^"]+)"', page.text).group(1)  # type: ignore[union-attr]


@pytest.mark.parametrize("user", sorted(HOMES))
def test_each_role_lands_on_its_own_page_from_the_root(api: Api, user: str) -> None:
    assert api.client.get("/", follow_redirects=False).headers["location"] == "/login"
    login(api.client, user)
    r = api.client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == HOMES[user]
    page = api.client.get(HOMES[user])
    assert page.status_code == 200
    # The header links to the role's own page and marks it; no other role's page is offered.
    assert f'<a href="{HOMES[user]}" aria-current="page">' in page.text
    others = set(HOMES.values()) - {HOMES[user]}
    assert not any(f'<a href="{other}"' in page.text for other in others)
    assert 'href="/logout"' in page.text and 'rel="icon"' in page.text


def test_a_page_of_another_role_says_why_in_chinese_and_links_home(api: Api) -> None:
    login(api.client, "operator1")
    r = api.client.get("/report")
    assert r.status_code == 403 and "来电登记" in r.text and 'href="/intake"' in r.text
    r = api.client.get("/admin")
    assert r.status_code == 403 and "系统管理员" in r.text


def test_unknown_pages_get_a_chinese_404_and_the_api_keeps_json(api: Api) -> None:
    r = api.client.get("/no-such-page", headers={"Accept": "text/html"})
    assert r.status_code == 404 and "页面不存在" in r.text
    assert r.headers["content-type"].startswith("text/html")
    r = api.client.get("/v1/no-such-thing", headers={"Accept": "text/html"})
    assert r.status_code == 404 and r.json() == {"detail": "Not Found"}


def test_favicon_is_served(api: Api) -> None:
    for path in ("/favicon.ico", "/favicon.svg"):
        r = api.client.get(path)
        assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
        assert r.text.startswith("<svg")


def test_login_lands_on_the_asked_page_only_when_the_role_may_open_it(api: Api) -> None:
    page = api.client.get("/login?next=/board")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = api.client.post("/login", data={"username": "operator1", "password": TEST_PASSWORD,
                                        "csrf": csrf, "next": "/board"}, follow_redirects=False)
    assert r.headers["location"] == "/intake"


def test_the_login_page_with_a_live_session_goes_on_to_the_roles_page(api: Api) -> None:
    page = api.client.get("/login")
    # One name for the product: the tab's title and the header agree.
    assert "<title>登录 · 未成年人保护热线</title>" in page.text and "强制报告" not in page.text
    assert "<strong>未成年人保护热线</strong>" in page.text
    login(api.client, "operator1")
    r = api.client.get("/login", follow_redirects=False)  # the back button, mid-call
    assert r.status_code == 303 and r.headers["location"] == "/intake"
    assert api.client.get("/login?next=/board", follow_redirects=False).headers["location"] == "/intake"


def test_the_session_cookie_opens_the_api_only_with_its_csrf_header(api: Api) -> None:
    login(api.client, "operator1")
    body = report_body()
    r = api.client.post("/v1/reports", json=body, headers={"Idempotency-Key": "c-1"})
    assert r.status_code == 401  # a cookie alone (another site's form) opens nothing
    csrf = console_csrf(api)
    r = api.client.post("/v1/reports", json=body,
                        headers={"Idempotency-Key": "c-1", "X-CSRF-Token": "forged"})
    assert r.status_code == 401
    r = api.client.post("/v1/reports", json=body, headers={"Idempotency-Key": "c-1", "X-CSRF-Token": csrf})
    assert r.status_code == 201 and r.json()["receipt_no"]


def test_the_console_reads_back_both_and_offers_new_concerns_on_each_rows_supplement(api: Api) -> None:
    login(api.client, "operator1", "/intake")
    page = api.client.get("/intake").text
    assert "再次来电报出受理编号和查询码即可补充" in page  # a caller needs both to be found again
    data = json.loads(re.search(r'id="console-data">(.*?)</script>', page).group(1))  # type: ignore[union-attr]
    assert data["messages"]["children"] == "请填写至少一名儿童的姓名、年龄或身份证号码。"
    # One markup for new concerns: the form by receipt number and each row's inline supplement.
    template = page[page.index('<template id="sup-template">'):page.index('<template id="child-template">')]
    assert template.count('name="sup-concerns"') == page.count('name="r-concerns"') == 16
    assert "新的情况类别（可选）" in template and 'role="status"' in template
    assert "white-space: nowrap" in page[page.index(".receipt-no"):].split("\n", 1)[0]


def test_operator_console_presets_the_line_of_the_account(api: Api, hotline: ApiContainer) -> None:
    hotline.accounts.add_user("operator12355", TEST_PASSWORD, "operator", channel="hotline_12355")
    login(api.client, "operator12355", "/intake")
    page = api.client.get("/intake").text
    assert re.search(r'<option value="hotline_12355" selected>', page)
    # The place by name from the directory, with the picker the report form uses (no select).
    assert re.search(r'<input type="text" id="f-location-region_code" name="location.region_code"'
                     r' value="" list="f-location-region_code-names"', page)
    assert '<option value="连南瑶族自治县 三江镇 金坑村" data-code="441823100201">' in page
    assert '<select id="f-place"' not in page
    data = json.loads(page.split('id="console-data">', 1)[1].split("</script>", 1)[0])
    assert "请用上下键从列表中选择" in data["place"]["ambiguous"]  # said when a name fits several


def test_repeat_check_finds_the_childs_open_cases_by_id_or_by_name_age_and_county(
    api: Api, runner: EmbeddedRunner, hotline: ApiContainer
) -> None:
    report = api.submit(report_body(), key="first").json()
    runner.pump()
    check = "/v1/children/repeat-check"
    by_id = api.client.post(check, json={"children": [{"id_number": "441823201501011237"}]},
                            headers=api.auth("operator1"))
    assert by_id.status_code == 200, by_id.text
    (known,) = by_id.json()
    case = api.client.get(f"/v1/reports/{report['report_id']}", headers=api.auth("operator1")).json()
    # Level, status, last report, count and joins only (contract §10): no case id, no concerns.
    assert set(known) == {"risk_level", "status", "last_report_at", "report_count", "joins"}
    assert known["risk_level"] == "red" and known["status"] == "dispatched"
    assert known["joins"] is True and known["report_count"] == 1
    # Name, age and county (a township code counts as its county), spaces ignored.
    by_name = api.client.post(check, json={"children": [{"name": "王 小明", "age": 9}],
                                           "region_code": "441823100"}, headers=api.auth("operator1"))
    assert by_name.json() == [known]
    for other in ({"name": "王小明", "age": 10}, {"id_number": "441823201501019992"}):
        r = api.client.post(check, json={"children": [other], "region_code": "441823"},
                            headers=api.auth("operator1"))
        assert r.json() == []
    r = api.client.post(check, json={"children": [{"name": "王小明", "age": 9}], "region_code": "4418"},
                        headers=api.auth("operator1"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "region_code"
    for role_user in ("teacher1", "police-desk", "auditor1"):
        r = api.client.post(check, json={"children": [{"id_number": "441823201501011237"}]},
                            headers=api.auth(role_user))
        assert r.status_code == 403
    checks = [e for e in audit_entries(hotline) if e["action"] == "child.repeat-check"]
    assert [e["case_id"] for e in checks] == [case["case_id"], case["case_id"], None, None]
    assert all(e["actor"] == "operator1" and e["resource_type"] == "child" for e in checks)
    # Four descriptions, four fingerprints (the id and the name with age are two ways to type one child).
    assert len({e["resource_id"] for e in checks}) == 4


def test_my_calls_lists_this_operators_reports_of_the_shift(
    api: Api, runner: EmbeddedRunner, hotline: ApiContainer
) -> None:
    hotline.accounts.add_user("operator2", TEST_PASSWORD, "operator")
    mine = api.submit(report_body(), key="mine").json()
    theirs = api.submit(report_body(children=[{"name": "李四", "age": 5}]), as_user="operator2",
                        key="theirs").json()
    listed = api.client.get("/v1/reports/mine", headers=api.auth("operator1"))
    assert listed.status_code == 200 and listed.json() == []  # not triaged yet: the console adds it
    runner.pump()
    (row,) = api.client.get("/v1/reports/mine", headers=api.auth("operator1")).json()
    assert row["report_id"] == mine["report_id"] and row["receipt_no"] == mine["receipt_no"]
    assert row["risk_level"] == "red" and row["status"] == "dispatched"
    assert row["concerns"] == report_body()["concerns"]  # which call is which on the shift list (stop 49)
    assert [r["report_id"] for r in api.client.get(
        "/v1/reports/mine", headers=api.auth("operator2")).json()] == [theirs["report_id"]]
    # A reporter has her own list now (#24): tests/unit/test_my_reports.py; a desk has none.
    assert api.client.get("/v1/reports/mine", headers=api.auth("police-desk")).status_code == 403
    assert api.client.get("/v1/reports/mine?hours=0", headers=api.auth("operator1")).status_code == 422


def test_a_transfer_to_110_is_recorded_on_the_report_once(api: Api, hotline: ApiContainer) -> None:
    report = api.submit(report_body(), key="danger").json()
    path = f"/v1/reports/{report['report_id']}/transfers"
    for _ in range(2):
        r = api.client.post(path, json={"to": "110"}, headers=api.auth("operator1"))
        assert r.status_code == 202
    assert api.client.post(path, json={"to": "120"}, headers=api.auth("operator1")).status_code == 202
    transfers = api.client.get(f"/v1/reports/{report['report_id']}",
                               headers=api.auth("operator1")).json()["transfers"]
    assert [(t["to"], t["by"]) for t in transfers] == [("110", "operator1"), ("120", "operator1")]
    r = api.client.post(path, json={"to": "119"}, headers=api.auth("operator1"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "to"
    assert api.client.post(path, json={"to": "110"}, headers=api.auth("teacher1")).status_code == 403
    actions = [e["action"] for e in audit_entries(hotline) if e["resource_id"] == report["report_id"]]
    assert actions.count("report.transfer") == 2


def test_an_operator_reads_a_case_of_their_own_report_on_a_page_and_no_other(
    api: Api, runner: EmbeddedRunner, hotline: ApiContainer
) -> None:
    hotline.accounts.add_user("operator2", TEST_PASSWORD, "operator")
    mine = api.submit(report_body(), key="mine-case").json()
    theirs = api.submit(report_body(children=[{"name": "李四", "age": 5}], immediate_danger=False,
                                    concerns=["neglect"]), as_user="operator2", key="theirs-case").json()
    for to in ("110", "120"):
        api.client.post(f"/v1/reports/{mine['report_id']}/transfers", json={"to": to},
                        headers=api.auth("operator1"))
    runner.pump()
    case_of = {r["report_id"]: r["case_id"] for who in ("operator1", "operator2")
               for r in api.client.get("/v1/reports/mine", headers=api.auth(who)).json()}
    login(api.client, "operator1", "/intake")
    page = api.client.get(f"/intake/cases/{case_of[mine['report_id']]}")
    assert page.status_code == 200
    text = page.text
    assert "我受理的报告所在案件" in text and "红色" in text and "已转介" in text
    assert "公安" in text and "待接收" in text and "立案研判" in text  # units, states, timeline in Chinese
    assert "case_opened" not in text and "police-441823" not in text and "王小明" not in text
    # When each unit must take it on, and its duty line, for a caller ringing back (stop 54's review).
    bare = re.sub(r"<[^>]+>", "", text)
    assert "接收时限" in bare and "单位值班电话：0763-6622110" in bare and 'id="waiting-hint"' in text
    # Its own report with the transfers recorded on it (the operator's review, stop 47: the case's
    # page did not show them, so a transfer could not be seen to be saved).
    own = re.sub(r"<[^>]+>", " ", text.split('id="own-reports"', 1)[1].split("</table>", 1)[0])
    assert mine["receipt_no"] in own and theirs["receipt_no"] not in own
    assert re.search(r"110（[0-9-]+ [0-9:]+）、\s*120（", own), own
    other = api.client.get(f"/intake/cases/{case_of[theirs['report_id']]}")
    assert other.status_code == 404 and "只能查看含有您本人受理报告的案件" in other.text
    reads = [e for e in audit_entries(hotline) if e["action"] == "case.read" and e["actor"] == "operator1"]
    assert [e["resource_id"] for e in reads] == [case_of[mine["report_id"]]]
    login(api.client, "supervisor1")
    assert api.client.get(f"/intake/cases/{case_of[mine['report_id']]}").status_code == 403


def test_110_and_120_confirmed_at_once_are_both_recorded(api: Api, hotline: ApiContainer) -> None:
    """Two transfers of one report confirmed at the same moment (the console sent both as a call
    was filed: the operator's review, stop 47, found one missing): both recorded, neither refused."""
    operator = Principal("operator1", "operator")
    reports = [api.submit(report_body(), key=f"both-{n}").json()["report_id"] for n in range(12)]
    failures: list[BaseException] = []

    def confirm(report_id: str, to: str, start: threading.Barrier) -> None:
        start.wait()
        try:
            hotline.intake.confirm_transfer(report_id, operator, to=to)
        except BaseException as exc:  # noqa: BLE001 - what the API would have answered 500 for
            failures.append(exc)

    for report_id in reports:
        start = threading.Barrier(2)
        pair = [threading.Thread(target=confirm, args=(report_id, to, start)) for to in ("110", "120")]
        for t in pair:
            t.start()
        for t in pair:
            t.join()
    assert failures == []
    recorded = [sorted(t["to"] for t in hotline.intake.get_report(r).transfers) for r in reports]
    assert recorded == [["110", "120"]] * len(reports)


def test_a_call_in_danger_with_no_transfer_is_flagged_on_the_shift_list_until_one_is_recorded(
    api: Api, runner: EmbeddedRunner
) -> None:
    """Stop 47's review: after a reload nothing said a report filed in danger still owed its
    transfer; the shift list now says so, from the report, until 110 or 120 is recorded."""
    danger = api.submit(report_body(), key="owed").json()
    calm = api.submit(report_body(immediate_danger=False, concerns=["neglect"],
                                  children=[{"name": "赵小兰", "age": 6}]), key="calm").json()
    runner.pump()

    def owed() -> dict[str, bool]:
        rows = api.client.get("/v1/reports/mine", headers=api.auth("operator1")).json()
        return {r["report_id"]: r["transfer_owed"] for r in rows}

    assert owed() == {danger["report_id"]: True, calm["report_id"]: False}
    r = api.client.post(f"/v1/reports/{danger['report_id']}/transfers", json={"to": "120"},
                        headers=api.auth("operator1"))
    assert r.status_code == 202
    assert owed() == {danger["report_id"]: False, calm["report_id"]: False}
    # The calm call's caller rings back: the child is in danger now (a supplement, red once triaged).
    r = api.client.post(f"/v1/reports/{calm['report_id']}/supplements", headers=api.auth(
        "operator1", **{"Idempotency-Key": "calm-danger"}), json={"narrative": "孩子被锁在屋里哭喊",
                                                                   "immediate_danger": True})
    assert r.status_code == 202, r.text
    runner.pump()
    assert owed() == {danger["report_id"]: False, calm["report_id"]: True}
    # The first call's caller rings back in danger again (stop 49's review): owed again, and this
    # danger's transfer is recorded anew, once however often it is clicked.
    r = api.client.post(f"/v1/reports/{danger['report_id']}/supplements", headers=api.auth(
        "operator1", **{"Idempotency-Key": "danger-again"}), json={"narrative": "又在打孩子",
                                                                    "immediate_danger": True})
    assert r.status_code == 202, r.text
    assert owed()[danger["report_id"]] is True
    for _ in range(2):
        r = api.client.post(f"/v1/reports/{danger['report_id']}/transfers", json={"to": "120"},
                            headers=api.auth("operator1"))
        assert r.status_code == 202 and [t["to"] for t in r.json()["transfers"]] == ["120", "120"]
    assert owed()[danger["report_id"]] is False


def test_a_child_calling_for_itself_is_a_relation_the_console_offers_and_desks_read(
        api: Api, runner: EmbeddedRunner) -> None:
    """Stop 64's operator: a crying ten-year-old rang, and 与儿童的关系 had no 儿童本人 (其他)."""
    login(api.client, "operator1", "/intake")
    assert '<option value="self" >儿童本人</option>' in api.client.get("/intake").text
    login(api.client, "teacher1", "/report")
    assert 'value="self"' not in api.client.get("/report").text  # a web form is an adult's account
    caller = {"name": "王小明", "phone": "13800000001", "relation": "self", "anonymous": False}
    filed = api.submit(report_body(reporter=caller), key="child-itself")
    assert filed.status_code == 201, filed.text
    runner.pump()
    login(api.client, "police-desk")
    referral_id = re.search(r'id="ref-([0-9a-f-]+)"', api.client.get("/desk").text).group(1)  # type: ignore[union-attr]
    assert "儿童本人" in api.client.get(f"/desk/referrals/{referral_id}").text
