"""A supervisor withdraws a referral a unit does not act on (撤回, stop 58's city supervisor: a unit
that never answered kept its case from ever being closed): it ends declined and marked so, without
a decline's review flag; the unit reads who withdrew it and why; the case can then be closed."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from services.common.errors import FieldError
from services.dispatch.domain import Referral, ReferralError
from services.dispatch.translate import dispatch_translator
from tests.conftest import Api
from tests.helpers import audit_entries
from tests.unit.test_board_page import visible
from tests.unit.test_desk import post, red_case, referral_of
from tests.unit.test_pages import login
from tests.unit.test_raised_referrals import yellow_case
from tests.unit.test_referral_calls import referral

REASON = "多次电话督办仍未接收，改由县民政局办理"


def test_a_withdrawn_referral_ends_so_and_lets_the_case_close(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    case = red_case(api, runner)
    police, hospital = referral_of(case, "police"), referral_of(case, "hospital")
    assert post(api, "hospital-desk", f"/v1/referrals/{hospital}/acknowledge").status_code == 200
    assert post(api, "hospital-desk", f"/v1/referrals/{hospital}/outcome",
                {"outcome": "已救治", "note": ""}).status_code == 200
    runner.pump()
    shut = post(api, "supervisor1", f"/v1/cases/{case['case_id']}/closure", {"reason": "处置完毕"})
    assert shut.status_code == 409  # the police never answered
    refused = post(api, "police-desk", f"/v1/referrals/{police}/withdrawal", {"reason": REASON})
    assert refused.status_code == 403
    assert post(api, "supervisor1", f"/v1/referrals/{police}/withdrawal", {"reason": "。"}).status_code == 422
    done = post(api, "supervisor1", f"/v1/referrals/{police}/withdrawal", {"reason": REASON})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "declined" and done.json()["withdrawn"] is True
    again = post(api, "supervisor1", f"/v1/referrals/{police}/withdrawal", {"reason": REASON})
    assert again.status_code == 409
    runner.pump()
    seen = api.client.get(f"/v1/cases/{case['case_id']}", headers=api.auth("supervisor1")).json()
    assert "referral_withdrawn" in [t["type"] for t in seen["timeline"]]
    assert "declined" not in seen.get("review_reasons", [])  # a supervisor's own act: nothing to review
    login(api.client, "supervisor1")
    row = visible(re.search(rf'id="case-{case["case_id"]}".*?</tr>', api.client.get("/board").text,
                            re.S).group(0))  # type: ignore[union-attr]
    assert "连南瑶族自治县公安局：已由督办撤回" in row and f"撤回原因：{REASON}" in row
    assert f"督办撤回转介：连南瑶族自治县公安局，原因：{REASON}（督办人员supervisor1）" in row
    assert ("referral.withdraw", "supervisor1") in [(e["action"], e["actor"]) for e in audit_entries(hotline)]
    login(api.client, "police-desk", "/desk")
    page = visible(api.client.get(f"/desk/referrals/{police}").text)
    assert "状态已由督办人员撤回" in page and f"撤回原因（督办人员撤回，本单位不再办理）{REASON}" in page
    assert "督办人员已撤回这条转介，按规定不再显示儿童" in page and "王小明" not in page
    inbox = api.client.get("/desk").text
    assert f"已由督办撤回督办撤回原因：{REASON}" in visible(inbox) and 'data-label="撤回时间"' in inbox
    closed = post(api, "supervisor1", f"/v1/cases/{case['case_id']}/closure", {"reason": "处置完毕"})
    assert closed.status_code == 202, closed.text


def test_the_record_page_withdraws_after_a_reason_and_a_ticked_box(
        api: Api, runner: EmbeddedRunner) -> None:
    case = red_case(api, runner)
    police = referral_of(case, "police")
    login(api.client, "supervisor1")
    page = api.client.get(f"/board/notifications/{police}").text
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    path = f"/board/referrals/{police}/withdraw"
    blank = api.client.post(path, data={"csrf": token, "reason": "  ", "sure": "1"})
    assert blank.status_code == 422 and 'id="withdraw-reason-error">请填写撤回原因。' in blank.text
    unsure = api.client.post(path, data={"csrf": token, "reason": REASON})
    assert unsure.status_code == 422 and "请勾选“确认撤回”。" in unsure.text
    assert f">{REASON}</textarea>" in unsure.text  # kept
    named = api.client.post(path, data={"csrf": token, "reason": "王小明家无人应答", "sure": "1"})
    assert named.status_code == 422 and "撤回原因" in visible(named.text)
    done = api.client.post(path, data={"csrf": token, "reason": REASON, "sure": "1"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("?done=withdraw#withdraw")
    said = visible(api.client.get(done.headers["location"]).text)
    assert "已撤回这条转介" in said and f"撤回原因：{REASON}" in said
    # Said as withdrawn, not as the unit's own 已退回 (the province supervisor's second review, stop 61).
    assert "·督办已撤回·" in said and "·已退回·" not in said
    login(api.client, "supervisor-qingcheng", home="/board")  # another county's: as if none
    other = api.client.post(path, data={"csrf": token, "reason": REASON, "sure": "1"})
    assert other.status_code in (403, 404)


def test_the_aggregate_withdraws_an_open_referral_once_and_its_message_says_so() -> None:
    r, at = referral(), datetime.now(UTC)
    with pytest.raises(FieldError) as blank:
        r.withdraw(reason="  ", by="supervisor1", at=at)
    assert blank.value.field == "reason"
    r.withdraw(reason=REASON, by="supervisor1", at=at)
    assert (r.status, r.withdrawn, r.decline_reason, r.ended_by) == ("declined", True, REASON, "supervisor1")
    assert not r.shares_personal_data(at)  # as after the unit's own 退回
    with pytest.raises(ReferralError, match="该转介已退回，不能再撤回"):
        r.withdraw(reason=REASON, by="supervisor1", at=at)
    (event,) = [e for e in r.collect_events() if type(e).__name__ == "Withdrawn"]
    message = dispatch_translator(event)
    assert message is not None and message.type == "hotline.referral.declined"
    assert message.data["status"] == "declined" and message.data["withdrawn"] is True
    assert REASON not in str(message.data)  # the reason stays in the store
    copy = Referral.__new__(Referral)  # and a referral stored before 撤回 existed reads as not withdrawn
    assert copy.withdrawn is False


def test_withdrawing_the_lead_unit_says_it_still_leads_the_visits(api: Api, runner: EmbeddedRunner) -> None:
    """Stop 58's second round: the withdrawn unit still led a red case's visits, unsaid."""
    case = yellow_case(api, runner, "withdrawn-lead")
    civil = next(r for r in case["referrals"] if r["agency_kind"] == "civil_affairs")["referral_id"]
    login(api.client, "supervisor1")
    before = visible(api.client.get(f"/board/notifications/{civil}").text)
    assert "还牵头此案的随访帮扶（入户走访），撤回转介不改变这一点" in before
    done = post(api, "supervisor1", f"/v1/referrals/{civil}/withdrawal", {"reason": REASON})
    assert done.status_code == 200
    after = api.client.get(f"/board/notifications/{civil}").text
    assert "撤回转介没有改变这一点" in visible(after)
    assert f'href="/followups/cases/{case["case_id"]}#lead">更换牵头单位</a>' in after
