"""The auditor's page in Chinese: actions, roles, resource types and units by name; the case
filter takes the short id the pages show; a bad filter says why (422), never a 500."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.api.web import BEIJING
from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.helpers import audit_entries, report_body, sequence
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
        "since": ("2026-13-40", "日期不正确"), "until": ("0001-01-01T00:00", "超出范围"),
        "case": ("'; drop table", "请输入案件编号"), "before": ("²", "翻页位置不正确"),
        "action": ("report.submit'", "请从列表中选择操作"), "role": ("king", "请从列表中选择角色"),
    }
    for field, (value, message) in cases.items():
        r = api.client.get("/audit", params={field: value})
        assert r.status_code == 422 and message in r.text, field
    for before in ("99999999999999999999999", "0", "-1"):
        assert api.client.get("/audit", params={"before": before}).status_code == 422
    r = api.client.get("/audit", params={"since": "2026-12-02", "until": "2026-12-01"})
    assert r.status_code == 422 and "截止日期不能早于起始日期" in r.text



def test_whole_days_are_a_window_and_a_bad_one_runs_no_search(api: Api, runner: EmbeddedRunner,
                                                               hotline: ApiContainer) -> None:
    red_case(api, runner)
    sequence(hotline)
    login(api.client, "auditor1")
    today = datetime.now(BEIJING).date()
    day = api.client.get("/audit", params={"since": today.isoformat(), "until": today.isoformat()})
    assert day.status_code == 200 and trail_rows(day.text)  # the same day in both: that one day
    for params in ({"since": (today + timedelta(days=1)).isoformat()},  # a date alone is not dropped
                   {"until": (today - timedelta(days=1)).isoformat()}):
        page = api.client.get("/audit", params=params)
        assert page.status_code == 200 and "没有符合条件的记录" in page.text, params
    bad = api.client.get("/audit", params={"since": "2026-02-30"})
    assert bad.status_code == 422 and 'id="error-since">日期不正确' in bad.text
    assert "本页" not in bad.text and "没有符合条件的记录" not in bad.text and 'id="trail"' not in bad.text
    assert 'type="date" id="f-since"' in bad.text and 'type="date" id="f-until"' in bad.text


def test_the_case_and_actor_filters_take_what_a_person_types(api: Api, runner: EmbeddedRunner,
                                                             hotline: ApiContainer) -> None:
    case = red_case(api, runner)
    short = case["case_id"][:8]
    sequence(hotline)
    login(api.client, "auditor1")
    for typed in (f"{short[:4].upper()} {short[4:]}", f"{short[:4]}-{short[4:].upper()}",
                  case["case_id"].replace("-", "").upper()):
        page = api.client.get("/audit", params={"case": typed})
        rows = trail_rows(page.text)
        assert page.status_code == 200 and rows and all(short in r[6] for r in rows), typed
        # The case's report, filed before the case existed, is found through it and said so.
        assert any('data-action="report.submit"' in r[4] and "经报告" in r[6] for r in rows), typed
    reads = [e for e in audit_entries(hotline) if e["action"] == "audit.read" and e["resource_id"]]
    assert [e["resource_id"] for e in reads] == [short, short, case["case_id"]]  # normalised
    api.client.get("/audit", params={"case": "a2f3 610"})  # refused: said as refused, as typed (safe)
    last = audit_entries(hotline)[-1]
    assert last["action"] == "audit.refused" and last["resource_id"] == "case=a2f3%3F610"
    rows = trail_rows(api.client.get("/audit", params={"actor": "OPERA"}).text)
    assert rows and all(r[2].startswith("operator1") for r in rows)


def test_own_page_views_are_left_out_unless_asked(api: Api, hotline: ApiContainer) -> None:
    login(api.client, "auditor1")
    api.client.get("/stats")
    api.client.get("/audit")
    sequence(hotline)
    page = api.client.get("/audit").text
    assert 'id="f-hide-own" checked' in page
    assert "查看审计日志" not in visible(page.split('id="trail"')[1])
    assert "查看统计分析" not in visible(page.split('id="trail"')[1])
    shown = api.client.get("/audit", params={"form": "1"}).text  # the box unticked
    assert 'id="f-hide-own" checked' not in shown
    assert "查看审计日志" in visible(shown.split('id="trail"')[1])
    assert "查看统计分析" in visible(shown.split('id="trail"')[1])


def test_the_chain_banner_speaks_plainly(api: Api, hotline: ApiContainer) -> None:
    api.submit(report_body(), key="banner")
    sequence(hotline)
    login(api.client, "auditor1")
    text = visible(api.client.get("/audit").text)
    assert "签名密钥不在数据库中" not in text and "检查点由独立密钥签名，可发现数据库被整体回退" in text
    assert "校验的" in text and "之后新增的记录将在下次校验时核对" in text  # and what it has not


def test_a_county_auditor_is_not_offered_a_link_it_would_be_refused(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    """The trail is not limited by region (the admin's guide says why), but a case outside the
    auditor's county is named, not linked: its link answered 本辖区内没有这个案件 (the auditor's
    review, stop 50). A short id that names one case is that case's read."""
    case = red_case(api, runner)  # 连南 (441823)
    sequence(hotline)
    login(api.client, "auditor-qingcheng", home="/audit")
    rows = trail_rows(api.client.get("/audit", params={"action": "case."}).text)
    ours = [r for r in rows if case["case_id"][:8] in r[6]]
    assert ours and all("辖区外" in r[6] and "href" not in r[6] for r in ours)
    login(api.client, "auditor1")
    rows = trail_rows(api.client.get("/audit", params={"action": "case."}).text)
    assert any(f'href="/audit?case={case["case_id"]}"' in r[6] for r in rows)
    api.client.get("/audit", params={"case": case["case_id"][:8]})
    last = audit_entries(hotline)[-1]
    assert (last["action"], last["case_id"]) == ("audit.read", case["case_id"])
    # A refused search is kept as typed: the dates as entered (the end was a day early), the whole id.
    refused = api.client.get("/audit", params={"since": "2026-12-05", "until": "2026-12-01"})
    assert refused.status_code == 422 and "修改：截止日期不能早于起始日期。" in refused.text
    last = audit_entries(hotline)[-1]
    assert last["action"] == "audit.refused"
    assert last["resource_id"] == "first_day=2026-12-05&last_day=2026-12-01"
    bad_day = api.client.get("/audit", params={"since": "2026-02-30"}).text
    assert "修改：起始日期：日期不正确" in bad_day  # which field, in the red box too
    login(api.client, "auditor-qingcheng", home="/audit")
    page = api.client.get("/audit", params={"case": case["case_id"]}).text
    assert "本账号的辖区：" in page and "本辖区内没有这个案件（辖区外的案件不能按编号筛选）" in page
    assert audit_entries(hotline)[-1]["resource_id"] == f"case={case['case_id']}"
