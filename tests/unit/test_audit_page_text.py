"""The auditor's page in Chinese: actions, roles, resource types and units by name; the case
filter takes the short id the pages show; a bad filter says why (422), never a 500."""

from __future__ import annotations

from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.helpers import report_body, sequence
from tests.unit.test_admin_audit_pages import trail_rows
from tests.unit.test_board_page import visible
from tests.unit.test_desk import red_case
from tests.unit.test_pages import login


def test_the_trail_reads_in_chinese(api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    case = red_case(api, runner)
    login(api.client, "supervisor1")
    api.client.get("/oncall")  # notifications.health
    api.client.get("/v1/ledger")  # ledger.read
    hotline.audit.record(actor="notifier", role="system", unit=None, action="notify.failed",
                         resource_type="referral", resource_id=case["referrals"][0]["referral_id"],
                         case_id=case["case_id"], client=None)
    api.client.cookies.clear()
    login(api.client, "police-desk")
    api.client.get("/desk")
    sequence(hotline)
    api.client.cookies.clear()
    login(api.client, "auditor1")
    text = visible(api.client.get("/audit").text)
    for label in ("查看值班与通知", "导出台账", "通知送达失败", "通知系统", "系统", "连南瑶族自治县公安局",
                  "打开收件箱", "机构单位", "督办人员"):
        assert label in text, label
    for code in ("notifications.health", "ledger.read", "notify.failed", "police-441823", "notifier"):
        assert code not in text, code


def test_the_case_filter_takes_the_short_id(api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    case = red_case(api, runner)
    api.submit(report_body(children=[{"name": "李小红", "age": 7}], concerns=["neglect"],
                           immediate_danger=False, narrative="常一个人在家"), key="other-child")
    runner.pump()
    other = next(c for c in hotline.view.list_cases() if c["case_id"] != case["case_id"])
    api.client.get(f"/v1/cases/{other['case_id']}", headers=api.auth("supervisor1"))
    sequence(hotline)
    login(api.client, "auditor1")
    short = case["case_id"][:8]
    for typed in (short, short.upper(), case["case_id"]):
        page = api.client.get("/audit", params={"case": typed})
        rows = trail_rows(page.text)
        assert page.status_code == 200 and rows, typed
        assert all(short in r[6] for r in rows), typed
    others = trail_rows(api.client.get("/audit", params={"case": other["case_id"][:8]}).text)
    assert others and all(short not in r[6] for r in others)


def test_bad_filters_say_why_in_chinese(api: Api) -> None:
    login(api.client, "auditor1")
    cases = {
        "since": ("2026-13-40", "时间格式不正确"), "until": ("0001-01-01T00:00", "时间格式不正确"),
        "case": ("'; drop table", "案件编号应为"), "before": ("²", "翻页位置不正确"),
        "action": ("report.submit'", "请从列表中选择操作"), "role": ("king", "请从列表中选择角色"),
    }
    for field, (value, message) in cases.items():
        r = api.client.get("/audit", params={field: value})
        assert r.status_code == 422 and message in r.text, field
    for before in ("99999999999999999999999", "0", "-1"):
        assert api.client.get("/audit", params={"before": before}).status_code == 422
    r = api.client.get("/audit", params={"since": "2026-12-02T00:00", "until": "2026-12-01T00:00"})
    assert r.status_code == 422 and "截止时间应晚于起始时间" in r.text
