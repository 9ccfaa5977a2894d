"""The operator's case page and shift list say when a waiting referral's unit nobody was told of
(stop 59's operator: the board said 红色转介无人值守，未能通知, her page said 待接收 for the 15
minutes until 超时), and a desk with no one on duty is told so on its own inbox."""

from __future__ import annotations

import re

from projections.desk.case_states import waiting
from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.helpers import report_body
from tests.receiver import Receiver
from tests.unit.test_notifications import receiver, set_rosters  # noqa: F401 - the fixture
from tests.unit.test_pages import login

UNTOLD = ("未能通知到该单位（此刻无人值守或通知发送失败）：请拨打该单位值班电话告知；"
          "督办看板上已同时提示督办人员。")


def case_page(api: Api, runner: EmbeddedRunner, key: str) -> str:
    report = api.submit(report_body(), key=key).json()
    runner.pump()
    rows = api.client.get("/v1/reports/mine", headers=api.auth("operator1")).json()
    case_id = next(r["case_id"] for r in rows if r["report_id"] == report["report_id"])
    login(api.client, "operator1", "/intake")
    return re.sub(r"<[^>]+>", " ", api.client.get(f"/intake/cases/{case_id}").text)


def shift_row(api: Api, report_id: str) -> dict[str, object]:
    rows = api.client.get("/v1/reports/mine", headers=api.auth("operator1")).json()
    return dict(next(r for r in rows if r["report_id"] == report_id))


def test_a_red_referral_no_one_on_duty_could_be_told_of_is_said_on_the_operators_page(
        api: Api, runner: EmbeddedRunner) -> None:
    text = case_page(api, runner, "untold")  # no unit has an on-call roster
    assert text.count(UNTOLD) == 2  # the county police and hospital, both red, both waiting
    assert "本页每 30 秒自动更新，更新于" in text
    report_id = api.client.get("/v1/reports/mine", headers=api.auth("operator1")).json()[0]["report_id"]
    row = shift_row(api, report_id)
    assert row["untold"] is True  # 本班来电 says it too (round 2)
    # and whom to ring, for the receipt while the caller is on the line (stop 64's operator)
    assert row["untold_units"] == [
        {"agency_id": "hospital-441823", "name": "连南瑶族自治县人民医院", "phone": "0763-6625120"},
        {"agency_id": "police-441823", "name": "连南瑶族自治县公安局", "phone": "0763-6622110"}]


def test_a_unit_with_someone_on_duty_is_not_marked(api: Api, runner: EmbeddedRunner,
                                                  receiver: Receiver) -> None:  # noqa: F811
    set_rosters(api, receiver)
    text = case_page(api, runner, "told")
    assert "待接收" in text and UNTOLD not in text
    report_id = api.client.get("/v1/reports/mine", headers=api.auth("operator1")).json()[0]["report_id"]
    assert shift_row(api, report_id)["untold"] is False and shift_row(api, report_id)["untold_units"] == []


def test_the_shift_list_says_which_reports_a_unit_has_yet_to_take_on(api: Api,
                                                                    runner: EmbeddedRunner) -> None:
    """Stop 59's operator: two red reports past their time read 处理中 on 本班来电."""
    report = api.submit(report_body(), key="waiting").json()
    runner.pump()

    def shown() -> str:
        rows = api.client.get("/v1/reports/mine", headers=api.auth("operator1")).json()
        return str(next(r["waiting"] for r in rows if r["report_id"] == report["report_id"]))

    assert shown() == "waiting"
    police = api.client.get("/v1/desk/referrals", headers=api.auth("police-desk")).json()[0]
    api.client.post(f"/v1/referrals/{police['referral_id']}/acknowledge", headers=api.auth("police-desk"))
    runner.pump()
    assert shown() == "partly"  # the police took it on, the hospital not yet (round 2)
    for desk in ("police-desk", "hospital-desk"):
        for referral in api.client.get("/v1/desk/referrals", headers=api.auth(desk)).json():
            api.client.post(f"/v1/referrals/{referral['referral_id']}/acknowledge", headers=api.auth(desk))
    runner.pump()
    assert shown() == ""
    overdue = {"referrals": [{"status": "acknowledged"}, {"status": "escalated"}, {"status": "dispatched"}]}
    assert waiting(overdue) == "overdue"  # type: ignore[arg-type]
    assert waiting(None) == ""


def test_a_desk_with_no_one_on_duty_is_told_on_its_own_inbox(api: Api, receiver: Receiver) -> None:  # noqa: F811
    """Stop 59's hospital desk: the board said 无人值守，未能通知 of her unit; her inbox said nothing."""
    login(api.client, "hospital-desk")
    assert 'id="unstaffed"' in api.client.get("/desk").text  # no roster anywhere yet
    set_rosters(api, receiver)
    assert 'id="unstaffed"' not in api.client.get("/desk").text
    login(api.client, "procuratorate-desk", "/desk")  # never referred to: nothing to be told of
    assert 'id="unstaffed"' not in api.client.get("/desk").text
