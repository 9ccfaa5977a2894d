"""/desk/notice (contract §12): who may open it, CSRF, errors by the field, the receipt, and the
notifying units' /desk without an inbox."""

from __future__ import annotations

import re

from services.api.pages.notice import _in_form_order
from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.unit.test_pages import login

FILLED = {"children.0.name": "李小花", "children.0.age": "7", "children.0.gender": "female",
          "location.region_code": "金坑", "concerns": "parents_detained_or_rehab",
          "narrative": "其母被强制隔离戒毒，7岁女儿无人照料。", "reporter.name": "王检察官"}


def csrf_of(text: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', text).group(1)  # type: ignore[union-attr]


def test_a_court_desk_files_a_notice_and_sees_the_receipt(api: Api, runner: EmbeddedRunner) -> None:
    login(api.client, "court-desk", "/desk")
    desk = api.client.get("/desk").text
    assert 'id="no-inbox"' in desk and 'id="inbox"' not in desk and 'href="/desk/notice"' in desk
    assert 'href="/followups"' not in desk
    form = api.client.get("/desk/notice")
    assert form.status_code == 200 and "连南瑶族自治县人民法院" in form.text
    assert "人身安全保护令" in form.text and "强制隔离戒毒" in form.text
    csrf = csrf_of(form.text)
    assert api.client.post("/desk/notice", data={**FILLED, "csrf": "forged"}).status_code == 403
    missing = api.client.post("/desk/notice", data={"csrf": csrf, "idempotency_key": "n1"})
    assert missing.status_code == 422 and 'id="error-narrative"' in missing.text
    assert 'id="error-location-region_code"' in missing.text
    done = api.client.post("/desk/notice", data={**FILLED, "csrf": csrf, "idempotency_key": "n2"},
                           follow_redirects=False)  # Post/Redirect/Get: Reload sends nothing again
    receipt_url = done.headers["location"]
    assert done.status_code == 303 and re.fullmatch(r"/desk/notice/receipt/[0-9a-f-]{36}", receipt_url)
    shown = api.client.get(receipt_url)
    assert shown.status_code == 200 and "通报已受理" in shown.text
    assert "no-store" in shown.headers["cache-control"]
    receipt_no = re.search(r'id="receipt-no">([^<]+)<', shown.text).group(1)  # type: ignore[union-attr]
    code = re.search(r'id="lookup-code">([^<]+)<', shown.text).group(1)  # type: ignore[union-attr]
    assert code not in receipt_url and "李小花" in shown.text and "金坑" in shown.text
    assert "查询码只在这一次显示，请现在记下" in shown.text  # said while it shows
    assert "您的报告" not in shown.text
    assert "通报已安全保存，将按所选类别转给儿童现住地的民政（三江镇社会事务办" in shown.text  # by name
    again = api.client.get(receipt_url)  # once: a reload shows the receipt without the code
    assert again.status_code == 200 and receipt_no in again.text and code not in again.text
    assert "处理状态可在“本单位报送的通报”中查看" in again.text  # the desk's own list, not a reporter's
    runner.pump()
    (referral,) = api.client.get("/v1/desk/referrals", headers=api.auth("civil-sanjiang")).json()
    assert referral["risk_level"] and receipt_no
    desk = api.client.get("/desk").text  # the unit's own notices: receipt, place, units, statuses
    assert 'id="own-notices"' in desk and receipt_no in desk and "待接收" in desk and "李小花" not in desk
    (mine,) = api.client.get("/v1/notices/mine", headers=api.auth("court-desk")).json()
    assert mine["receipt_no"] == receipt_no and mine["status"] == "in_progress"
    (unit,) = mine["referrals"]
    assert unit == {"agency_id": referral["agency_id"], "agency_name": unit["agency_name"],
                    "status": "dispatched"}
    assert unit["agency_name"].startswith("三江镇")
    assert api.client.get("/v1/notices/mine", headers=api.auth("procuratorate-desk")).json() == []
    api.client.cookies.clear()
    login(api.client, "civil-sanjiang", "/desk")
    assert api.client.get(receipt_url).status_code == 404  # another account's receipt: none
    page = api.client.get(f"/desk/referrals/{referral['referral_id']}").text
    assert "部门通报（<span class=\"filing-unit\">连南瑶族自治县人民法院</span>）" in page


def test_police_keep_their_inbox_and_civil_affairs_cannot_notify(api: Api) -> None:
    login(api.client, "police-desk")
    desk = api.client.get("/desk").text
    assert 'id="inbox"' in desk and 'id="file-notice"' in desk and 'href="/desk/notice"' in desk
    api.client.cookies.clear()
    login(api.client, "civil-desk")
    desk = api.client.get("/desk").text
    assert 'href="/desk/notice"' not in desk and 'id="no-inbox"' not in desk
    refused = api.client.get("/desk/notice")
    assert refused.status_code == 403 and "本单位不报送部门通报" in refused.text


def test_other_roles_are_refused_and_no_session_goes_to_log_in(api: Api) -> None:
    r = api.client.get("/desk/notice", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/desk/notice"
    login(api.client, "operator1")
    assert api.client.get("/desk/notice").status_code == 403


def test_the_error_summary_follows_the_notice_forms_order() -> None:
    errors = {"narrative": "n", "reporter.phone": "p", "location.region_code": "l", "children.1.age": "a",
              "children": "c", "children.0.id_number": "i", "concerns": "k"}
    assert list(_in_form_order(errors)) == ["children", "children.0.id_number", "children.1.age",
                                            "location.region_code", "concerns", "narrative", "reporter.phone"]
