"""The follow-up page (/followups) and the board's follow-up parts: scope, CSRF, forms."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from services.dispatch.scheduler import EscalationScheduler
from services.gateway.ledger import BEIJING
from tests.conftest import Api
from tests.helpers import report_body, sequence
from tests.unit.test_pages import login


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def local(at: datetime) -> str:
    """What a phone's datetime-local field sends: Beijing time, minutes."""
    return at.astimezone(BEIJING).strftime("%Y-%m-%dT%H:%M")


def test_the_lead_desk_files_a_visit_and_pairs_a_helper(api: Api, runner: EmbeddedRunner) -> None:
    api.submit(report_body(), key="page-red")
    runner.pump()
    client = api.client
    login(client, "civil-desk")
    page = client.get("/followups")
    assert page.status_code == 200 and "本周应访（1）" in page.text and "未结对" in page.text
    case_id = re.search(r'id="plan-([0-9a-f-]+)"', page.text).group(1)  # type: ignore[union-attr]
    csrf = csrf_of(page.text)
    visit = {"csrf": csrf, "visited_at": local(datetime.now(UTC) + timedelta(minutes=1)), "visitor": "王主任",
             "child_seen": "yes", "findings": "已见到孩子", "measures": ["living_assistance", "legal_aid"]}
    path = f"/followups/cases/{case_id}/visit"
    assert client.post(path, data={**visit, "csrf": "forged"}).status_code == 403
    future = client.post(path, data={**visit, "visited_at": local(datetime.now(UTC) + timedelta(hours=2))})
    assert future.status_code == 422 and "走访时间" in future.text
    empty = client.post(path, data={**visit, "findings": ""})
    assert empty.status_code == 422 and "走访情况" in empty.text
    nobody = client.post(path, data={**visit, "visitor": " "})  # a name, not the account's
    assert nobody.status_code == 422 and "请检查：走访人" in nobody.text
    done = client.post(path, data={**visit, "visited_at": local(datetime.now(UTC))}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/followups?done=visit"
    helper = client.post(f"/followups/cases/{case_id}/helper", data={"csrf": csrf, "helper": "李老师"},
                         follow_redirects=False)
    assert helper.status_code == 303, re.findall("请检查[^<]*", helper.text)
    runner.pump()
    after = client.get("/followups?done=visit")
    assert "已登记走访" in after.text and "已走访 1 次" in after.text and "李老师" in after.text
    card = re.search(r'<section class="card plan.*?</section>', after.text, re.S).group(0)  # type: ignore[union-attr]
    assert "王小明" in card and "男，9岁" in card and "连南瑶族自治县，某村三巷" in card  # whom, where
    assert "王主任 · 见到儿童 · 生活救助、法律援助" in card  # the visit made, listed
    assert "已见到孩子" not in card  # the findings stay sealed on the list
    read = client.get(f"/followups/cases/{case_id}")  # read back, opened for the lead unit
    assert read.status_code == 200 and "已见到孩子" in read.text and "王主任" in read.text
    assert f'href="/followups/cases/{case_id}"' in card
    (plan,) = client.get("/v1/followups", headers=api.auth("civil-desk")).json()
    assert plan["visits_done"] == 1 and plan["helper"] == "李老师"
    login(client, "police-desk")  # not the lead unit: sees none, may file none
    assert "本周应访（0）" in client.get("/followups").text
    assert "王小明" not in client.get("/followups").text
    other = client.get(f"/followups/cases/{case_id}")
    assert other.status_code == 404 and "已见到孩子" not in other.text and "王小明" not in other.text
    assert client.post(path, data={**visit, "csrf": csrf_of(client.get("/desk").text)}).status_code == 404


def test_supervisors_see_whom_each_plan_visits_and_the_reads_are_audited(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    api.submit(report_body(), key="page-red")
    runner.pump()
    login(api.client, "supervisor1")
    page = api.client.get("/followups").text
    assert "王小明" in page and "某村三巷" in page
    (plan,) = api.client.get("/v1/followups", headers=api.auth("supervisor1")).json()
    assert "尚未走访" in api.client.get(f"/followups/cases/{plan['case_id']}").text
    sequence(hotline)
    trail = api.client.get(f"/v1/audit?case_id={plan['case_id']}", headers=api.auth("auditor1")).json()
    read = [(e["action"], e["actor"]) for e in trail]
    assert ("followups.read", "supervisor1") in read and ("followup.read", "supervisor1") in read


def test_followups_is_for_desks_and_supervisors(api: Api) -> None:
    login(api.client, "operator1")
    assert api.client.get("/followups").status_code == 403
    api.client.cookies.clear()
    assert api.client.get("/followups", follow_redirects=False).status_code == 303


def test_the_board_shows_late_follow_ups_and_closes_a_case(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    api.submit(report_body(concerns=["neglect"], immediate_danger=False), key="page-yellow")
    runner.pump()
    (plan,) = api.client.get("/v1/followups", headers=api.auth("supervisor1")).json()
    late = datetime.fromisoformat(plan["next_visit_due"]) + timedelta(seconds=1)
    EscalationScheduler(hotline.dispatch, hotline.view).followup_round(late)
    runner.pump()
    login(api.client, "supervisor1")
    page = api.client.get("/board")
    assert 'id="late-followups"' in page.text and "走访逾期" in page.text
    assert "已逾期（1）" in api.client.get("/followups").text
    close = f"/board/cases/{plan['case_id']}/close"
    csrf = csrf_of(page.text)
    # The civil-affairs referral is still open.
    blocked = api.client.post(close, data={"csrf": csrf, "reason": "处置完毕"})
    assert blocked.status_code == 409 and "civil-441823" in blocked.text
    (referral,) = api.client.get("/v1/desk/referrals", headers=api.auth("civil-desk")).json()
    api.client.post(f"/v1/referrals/{referral['referral_id']}/acknowledge", headers=api.auth("civil-desk"))
    api.client.post(f"/v1/referrals/{referral['referral_id']}/outcome",
                    json={"outcome": "已处置", "note": ""}, headers=api.auth("civil-desk"))
    closed = api.client.post(close, data={"csrf": csrf, "reason": "处置完毕"}, follow_redirects=False)
    assert closed.status_code == 303
    runner.pump()
    case = api.client.get(f"/v1/cases/{plan['case_id']}", headers=api.auth("supervisor1")).json()
    assert case["status"] == "closed"
    assert 'id="late-followups"' not in api.client.get("/board").text  # a closed plan is late no more
