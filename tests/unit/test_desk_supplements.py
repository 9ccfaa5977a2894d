"""A caller ringing back (补充 by the receipt) on a case a unit has taken on (the police desk's
review, stop 56: "父亲带着孩子…孩子头部还在流血" sat undated inside report 2, far down; the inbox and
the 办结 confirmation said nothing): the inbox row counts it, the referral page puts the newest
补充 at the top with its time and danger, each 补充 is dated in the report, and 办结's confirming
step warns of it."""

from __future__ import annotations

import re

from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.helpers import report_body
from tests.unit.test_board_page import csrf, visible
from tests.unit.test_desk import post, red_case, referral_of
from tests.unit.test_pages import login

WORDS = "父亲带着孩子骑摩托车往香坪镇方向走了，孩子头部还在流血"


def test_a_call_back_after_acceptance_is_at_the_top_dated_and_warned_of(
        api: Api, runner: EmbeddedRunner) -> None:
    case = red_case(api, runner, "sup-desk")
    police = referral_of(case, "police")
    assert post(api, "police-desk", f"/v1/referrals/{police}/acknowledge").status_code == 200
    runner.pump()
    login(api.client, "police-desk", "/desk")
    before = visible(api.client.get("/desk/inbox").text)
    assert "来电人回拨补充" not in before
    sup = api.client.post(f"/v1/reports/{case['report']['report_id']}/supplements",
                          headers=api.auth("operator1", **{"Idempotency-Key": "sup-desk-1"}),
                          json={"narrative": WORDS, "immediate_danger": True})
    assert sup.status_code == 202, sup.text
    runner.pump()
    inbox = visible(api.client.get("/desk/inbox").text)
    assert re.search(r"来电人回拨补充1次，最新\d\d-\d\d\d\d:\d\d（接收之后）", inbox), inbox
    page = api.client.get(f"/desk/referrals/{police}").text
    top = re.search(r'<p class="note" id="latest-supplement">(.*?)</p>', page, re.S)
    assert top is not None, visible(page)[:600]
    said = visible(top.group(1))
    when = r"\d\d-\d\d\d\d:\d\d"
    assert re.search(rf"最新补充（来电人回拨，报告1的补充1，{when}）：补充时儿童处于紧急危险中。", said), said
    assert WORDS in said
    assert re.search(rf"补充1（{when}来电人回拨，补充时儿童处于紧急危险中）" + WORDS, visible(page))
    # 办结's confirming step warns of it.
    confirm = api.client.post(f"/desk/referrals/{police}/outcome", data={
        "csrf": csrf(page), "outcome": "已出警处置", "note": "", "back": "detail"})
    warned = re.search(r'<p class="flag" id="supplement-after-ack">(.*?)</p>', confirm.text, re.S)
    assert warned is not None, visible(confirm.text)[:800]
    assert "接收之后来电人又补充了1次情况（最新：报告1的补充1" in visible(warned.group(1))
    assert "补充时儿童处于紧急危险中" in visible(warned.group(1))


def test_the_inbox_row_names_where_the_newest_report_put_the_child(
        api: Api, runner: EmbeddedRunner) -> None:
    """Stop 56's police desk: after report 2 put the child in another town, the row kept the first
    report's place."""
    case = red_case(api, runner, "moved-1")
    moved = report_body(location={"region_code": "441823100201", "address": "河边"}, narrative="孩子被带走了")
    assert api.submit(moved, key="moved-2").status_code == 201
    runner.pump()
    login(api.client, "police-desk", "/desk")
    inbox = api.client.get("/desk/inbox").text
    row = re.search(rf'<tr[^>]*id="ref-{referral_of(case, "police")}".*?</tr>', inbox, re.S)
    assert row is not None and "三江镇" in visible(row.group(0)), inbox
