"""Desk and board pages: role checks, CSRF, actions through forms."""

import re

from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.helpers import report_body
from tests.unit.test_pages import login


def test_desk_page_lists_and_acknowledges_with_csrf(api: Api, runner: EmbeddedRunner) -> None:
    api.submit(report_body(), key="page-red")
    runner.pump()
    client = api.client
    login(client, "police-desk")
    page = client.get("/desk")
    assert page.status_code == 200 and "红色" in page.text and "连南瑶族自治县公安局" in page.text
    referral_id = re.search(r'id="ref-([0-9a-f-]+)"', page.text).group(1)  # type: ignore[union-attr]
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    action = f"/desk/referrals/{referral_id}/acknowledge"
    assert client.post(action, data={"csrf": "forged"}).status_code == 403
    r = client.post(action, data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/desk?done=acknowledge&referral={referral_id}"
    said = client.get(r.headers["location"]).text
    assert re.search(r'<div class="card" role="status" id="notice">已接收，请尽快处置。', said)
    assert f'href="/desk/referrals/{referral_id}">查看这条转介的详情' in said
    runner.pump()
    assert "已接收" in client.get("/desk/inbox").text


def test_the_header_names_the_desks_unit_and_the_title_keeps_it_on_its_own_line(api: Api) -> None:
    login(api.client, "police-desk")
    page = api.client.get("/desk").text
    assert "police-desk · <span class=\"unit-name\">连南瑶族自治县公安局</span>" in page
    assert "机构工作人员" not in page
    assert '<h1>转介收件箱 <span class="unit">连南瑶族自治县公安局</span></h1>' in page
    assert 'id="live"' in page and "正在连接" in page  # the script says 实时更新中 / 连接中断 there
    api.client.cookies.clear()
    login(api.client, "civil-desk")
    assert "civil-desk（儿童主任（民政）） · " in api.client.get("/desk").text


def test_desk_cannot_act_on_another_units_referral(api: Api, runner: EmbeddedRunner) -> None:
    api.submit(report_body(), key="page-red")
    runner.pump()
    (hospital,) = api.client.get("/v1/desk/referrals", headers=api.auth("hospital-desk")).json()
    login(api.client, "police-desk")
    csrf = re.search(r'name="csrf" value="([^"]+)"',  # type: ignore[union-attr]
                     api.client.get("/desk").text).group(1)
    r = api.client.post(f"/desk/referrals/{hospital['referral_id']}/acknowledge", data={"csrf": csrf})
    assert r.status_code == 404


def test_pages_are_for_their_roles(api: Api) -> None:
    login(api.client, "teacher1")
    assert api.client.get("/desk").status_code == 403
    assert api.client.get("/board").status_code == 403
    api.client.cookies.clear()
    assert api.client.get("/board", follow_redirects=False).status_code == 303


def test_board_reassess_needs_a_reason(api: Api, runner: EmbeddedRunner) -> None:
    api.submit(report_body(), key="page-red")
    runner.pump()
    login(api.client, "supervisor1")
    page = api.client.get("/board")
    assert page.status_code == 200
    case_id = re.search(r'id="case-([0-9a-f-]+)"', page.text).group(1)  # type: ignore[union-attr]
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    path = f"/board/cases/{case_id}/reassess"
    assert api.client.post(path, data={"csrf": csrf, "risk_level": "blue", "reason": ""}
                           ).status_code == 422
    r = api.client.post(path, data={"csrf": csrf, "risk_level": "orange", "reason": "回访核实"},
                        follow_redirects=False)
    assert r.status_code == 303
    runner.pump()
    case = api.client.get(f"/v1/cases/{case_id}", headers=api.auth("supervisor1")).json()
    assert case["risk_level"] == "orange" and case["initial_risk_level"] == "red"
