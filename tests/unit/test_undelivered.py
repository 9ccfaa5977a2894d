"""A referral whose unit no notification reached (stop 51's provincial supervisor: "a delivery that
failed … was never flagged on the case. The row kept showing '值班 李督导'"): the board says so on
the referral, with the cause in Chinese and that it is still retried; each referral links to its
record of notifications (what `GET /v1/notifications` answers, on a page, contract §15), for the
supervisor's region only; once a notification arrives the flag goes."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from services.notify.application import SupervisorHook
from services.notify.notifier import Notifier
from tests.conftest import Api
from tests.receiver import Receiver
from tests.unit.test_board_page import visible
from tests.unit.test_desk import post
from tests.unit.test_notifications import Clock, down, receiver, red_referral  # noqa: F401 (the fixture)
from tests.unit.test_pages import login
from tests.unit.test_raised_referrals import yellow_case


def row_of(html: str, referral_id: str) -> str:
    start = html.index(f'data-referral="{referral_id}"')
    return visible(html[start:html.index("</div>\n", html.index('class="unit"', start))])


def test_the_board_flags_a_referral_no_notification_reached_and_its_record_says_why(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer, receiver: Receiver) -> None:  # noqa: F811
    referral, clock, notifier = down(api, runner, hotline, receiver)
    login(api.client, "supervisor1")
    assert "通知未送达" not in visible(api.client.get("/board").text)  # nothing tried yet
    notifier.tick()
    clock.now += timedelta(minutes=2)
    notifier.tick()
    board = api.client.get("/board").text
    row = row_of(board, referral["referral_id"])
    said = ("通知未送达：发给值班员的通知没有送到，最近一次失败：接收方拒收，返回状态码503；"
            "1条仍在重试。请直接电话联系。")
    assert said in row
    link = f'href="/board/notifications/{referral["referral_id"]}"'
    assert link in board and "通知记录" in row
    # Both units' receivers fail; a referral taken on is no longer flagged, whatever its notices.
    assert visible(board).count("通知未送达") == 2
    hospital = api.client.get("/v1/desk/referrals", headers=api.auth("hospital-desk")).json()[0]
    taken = post(api, "hospital-desk", f"/v1/referrals/{hospital['referral_id']}/acknowledge")
    assert taken.status_code == 200
    runner.pump()
    assert visible(api.client.get("/board").text).count("通知未送达") == 1

    page = api.client.get(f"/board/notifications/{referral['referral_id']}")
    assert page.status_code == 200
    text = visible(page.text)
    assert "通知记录·连南瑶族自治县公安局" in text and "红色" in text and "待接收" in text
    assert "派出通知值班员2送达失败：接收方拒收，返回状态码503。下次重试" in text
    assert "请先电话联系承办单位，再告知系统管理员核对其通知地址" in text
    # /oncall says the same of the contact on duty, whose every notice fails (stop 52's review)
    oncall = api.client.get("/oncall").text
    police = oncall[oncall.index(f'data-agency="{referral["agency_id"]}"'):]
    assert "值班员（通知地址连续2次发送失败）" in visible(police[:police.index("</tr>")])
    first = oncall[oncall.index('data-agency="'):].split('"')[1]
    assert first in {referral["agency_id"], "hospital-441823"}  # failing first, before 无人值守 (none here)
    assert f'<tr class="amber" data-agency="{first}"' in oncall  # amber: on duty, not told (red: nobody)
    assert '<tr class="red"' not in oncall.split('data-county="连南瑶族自治县"')[1].split("</tbody>")[0]

    receiver.failing = 0
    clock.now += timedelta(minutes=5)
    notifier.tick()
    assert "通知未送达" not in visible(api.client.get("/board").text)
    text = visible(api.client.get(f"/board/notifications/{referral['referral_id']}").text)
    assert "派出通知值班员3已送达" in text and "送达失败" not in text


def test_a_referral_record_is_for_its_region_and_its_supervisors_only(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer, receiver: Receiver) -> None:  # noqa: F811
    referral, _, notifier = down(api, runner, hotline, receiver)
    notifier.tick()
    path = f"/board/notifications/{referral['referral_id']}"
    login(api.client, "supervisor-qingcheng", home="/board")
    other = api.client.get(path)
    assert other.status_code == 404 and "未找到该转介，或该转介不在您的辖区内。" in visible(other.text)
    assert api.client.get("/board/notifications/not-a-referral").status_code == 404
    login(api.client, "police-desk")
    assert api.client.get(path).status_code == 403
    api.client.cookies.clear()
    asked = api.client.get(path, follow_redirects=False)
    assert asked.status_code in (302, 303) and "/login" in asked.headers["location"]


def test_a_waiting_referral_of_any_level_at_a_unit_nobody_can_be_told_of_is_flagged(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    """No roster anywhere: a yellow case's units were told of nothing (stop 52's review: only red
    referrals were flagged, and the record said "值班联系人都没有通知地址" of a unit with none), and
    the number to call is the unit's own duty phone from the directory (the same review: "请直接电话
    联系" with no number on the board, the record or /oncall)."""
    case = yellow_case(api, runner, "unstaffed-yellow")
    login(api.client, "supervisor1")
    board = api.client.get("/board").text
    oncall = api.client.get("/oncall").text
    for r in case["referrals"]:
        said = "该单位此刻无人值守，系统通知不到人：请电话联系该单位。"
        phone = hotline.directory.get(r["agency_id"]).phone  # type: ignore[union-attr]
        assert phone and said in row_of(board, r["referral_id"])
        assert f"单位值班电话：{phone}" in row_of(board, r["referral_id"])
        assert f'<a href="tel:{phone}" class="tap">{phone}</a>' in board
        unit = oncall[oncall.index(f'data-agency="{r["agency_id"]}"'):]
        assert f"单位值班电话：{phone}" in visible(unit[:unit.index("</tr>")])
    note = "“此刻无人值守”：该单位此刻没有可接收通知的值班人员（未设值班表，或值班的人没有通知地址）"
    assert visible(board).count(note) == 1  # said once, above the cases
    first = case["referrals"][0]
    text = visible(api.client.get(f"/board/notifications/{first['referral_id']}").text)
    assert "该单位没有可接收通知的值班人员（未设值班表，或此刻值班的人都没有通知地址），系统未能自动通知" \
        in text
    assert f"单位值班电话：{hotline.directory.get(first['agency_id']).phone}" in text  # type: ignore[union-attr]
    assert "派出通知" not in text  # nothing was sent


def test_a_notification_given_up_says_so_on_the_board_and_in_the_record(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer, receiver: Receiver) -> None:  # noqa: F811
    referral, clock, notifier = down(api, runner, hotline, receiver)
    for _ in range(40):  # twenty minutes: past the retry window of the dispatch's notice
        notifier.tick()
        clock.now += timedelta(seconds=30)
    login(api.client, "supervisor1")
    row = row_of(api.client.get("/board").text, referral["referral_id"])
    assert "条通知都没有送到" in row and "接收方拒收，返回状态码503" in row
    text = visible(api.client.get(f"/board/notifications/{referral['referral_id']}").text)
    assert "派出通知值班员" in text and "未送达，已停止重试：接收方拒收，返回状态码503。" in text


def test_the_record_says_an_escalation_went_to_no_supervisor_without_their_webhook(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer, receiver: Receiver) -> None:  # noqa: F811
    """No HOTLINE_SUPERVISOR_WEBHOOK: the 超时督办 rows are the unit's contacts', and the record says
    nobody above was told (stop 52: the supervisor could not tell whether they were); with the
    webhook, its delivery is a row of the record and the line goes."""
    referral, _, notifier = down(api, runner, hotline, receiver)
    assert hotline.notify.supervisors is None
    rid = referral["referral_id"]
    due = datetime.fromisoformat(referral["due_at"])
    assert hotline.dispatch.escalate_if_due(rid, now=due + timedelta(seconds=1))
    runner.pump()
    notifier.tick()
    login(api.client, "supervisor1")
    text = visible(api.client.get(f"/board/notifications/{rid}").text)
    assert ("超时的消息没有自动推送给督办人员的值班系统（督办消息推送地址未配置，请联系系统管理员；"
            "督办看板照常列出）。") in text
    assert "超时督办值班员" in text  # the unit's contact was sent it
    hotline.notify.supervisors = SupervisorHook(receiver.hook("supervisors"), "supervisors-secret-0001")
    try:
        text = visible(api.client.get(f"/board/notifications/{rid}").text)
        assert "没有自动推送给督办人员" not in text  # set now: not said to be missing
    finally:
        hotline.notify.supervisors = None


def test_a_flag_for_a_contact_with_a_phone_also_gives_the_units_own_line(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer, receiver: Receiver) -> None:  # noqa: F811
    """The supervisor's second review (stop 53): "The hospital's landline is not on the board line:
    only the on-duty doctor's number is shown there, even while notices fail"."""
    receiver.failing = 10**6
    r = api.client.put("/v1/agencies/police-441823/oncall", headers=api.auth("admin1"), json={
        "contacts": [{"name": "值班员", "phone": "0763-1234567", "webhook_url": receiver.hook("police")}],
        "secret": "police-secret-for-the-test-0001"})
    assert r.status_code == 200, r.text
    referral = red_referral(api, runner)
    Notifier(hotline.notify, clock=Clock()).tick()
    login(api.client, "supervisor1")
    row = row_of(api.client.get("/board").text, referral["referral_id"])
    assert "值班：值班员0763-1234567" in row
    assert "请直接电话联系（也可拨单位值班电话0763-6622110）。" in row
