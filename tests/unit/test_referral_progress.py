"""A unit's progress on a referral before 办结 (办理进展; stop 54's police desk review: "there is no
way to record progress before closing", 出警 and 协查 while the case stays open): recorded once
however often the form is sent, only while the unit holds the referral taken on, naming no child
or reporter; its own page lists each line, the board shows the last on the referral's line and
every line on the referral's record, the case's timeline has a line (never what was done: that
stays in dispatch's encrypted store), and the audit trail the action."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from services.common.errors import FieldError
from services.dispatch.domain import PROGRESS_NOTE_MAX, ReferralError
from services.dispatch.translate import dispatch_translator
from tests.conftest import Api
from tests.unit.test_audit import sequence
from tests.unit.test_board_page import visible
from tests.unit.test_desk import post
from tests.unit.test_pages import login
from tests.unit.test_raised_referrals import yellow_case
from tests.unit.test_referral_calls import referral, row_of

DONE = "已入户核实，孩子暂住外婆家，正在联系学校安排复学"


def test_progress_is_recorded_once_only_while_the_referral_is_taken_on() -> None:
    r, at = referral(), datetime.now(UTC)
    with pytest.raises(ReferralError, match="请先接收该转介：接收后才能记录办理进展。"):
        r.record_progress(progress_id="a", note=DONE, by="civil-desk", at=at)
    r.acknowledge(by="civil-desk", at=at)
    assert r.record_progress(progress_id="a", note=f"  {DONE} ", by="civil-desk", at=at)
    assert not r.record_progress(progress_id="a", note=DONE, by="civil-desk", at=at)  # the form again
    # Back after saving, and 保存 once more: a new form id, the same line (stop 55's police desk).
    assert not r.record_progress(progress_id="a2", note=DONE, by="civil-desk", at=at)
    assert r.record_progress(progress_id="b", note="已联系学校", by="civil-desk", at=at)
    assert [p["note"] for p in r.progress] == [DONE, "已联系学校"]
    for empty_or_long in ("  ", "字" * (PROGRESS_NOTE_MAX + 1)):
        with pytest.raises(FieldError) as refused:
            r.record_progress(progress_id="c", note=empty_or_long, by="civil-desk", at=at)
        assert refused.value.field == "note"
    lines = [e for e in r.collect_events() if type(e).__name__ == "Progressed"]
    assert len(lines) == 2
    message = dispatch_translator(lines[0])
    assert message is not None and message.type == "hotline.referral.progressed"
    assert message.data["by"] == "civil-desk" and DONE not in str(message.data)  # what was done stays in
    r.record_outcome(outcome="已复学", note="", by="civil-desk", at=at)
    with pytest.raises(ReferralError, match="该转介已办结，不能再记录办理进展。"):
        r.record_progress(progress_id="d", note="又去了一次", by="civil-desk", at=at)


def test_the_api_records_progress_for_the_units_own_referral_and_names_a_bad_field(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    case = yellow_case(api, runner, "progress-api")
    r = case["referrals"][0]
    assert r["agency_id"] == "civil-441823"
    path = f"/v1/referrals/{r['referral_id']}/progress"
    early = post(api, "civil-desk", path, {"note": DONE})
    assert early.status_code == 409 and "请先接收该转介" in early.text
    assert post(api, "civil-desk", f"/v1/referrals/{r['referral_id']}/acknowledge").status_code == 200
    first = post(api, "civil-desk", path, {"note": DONE, "progress_id": "k1"})
    assert first.status_code == 201, first.text
    again = post(api, "civil-desk", path, {"note": DONE, "progress_id": "k1"})
    assert again.status_code == 201 and len(again.json()["progress"]) == 1  # the same line, once
    second = post(api, "civil-desk", path, {"note": "已联系学校"})
    assert [(p["note"], p["by"]) for p in second.json()["progress"]] == [
        (DONE, "civil-desk"), ("已联系学校", "civil-desk")]
    named = post(api, "civil-desk", path, {"note": "王小明已回家"})  # the child's name
    assert named.status_code == 422 and "办理进展不能含有儿童或报告人的姓名" in named.text
    assert post(api, "civil-desk", path, {"note": ""}).status_code == 422
    assert post(api, "civil-desk", path, {"note": "。"}).status_code == 422  # words, not a stop
    for step, body in (("outcome", {"outcome": "……"}), ("decline", {"reason": "？"})):  # nor these
        assert post(api, "civil-desk", f"/v1/referrals/{r['referral_id']}/{step}", body).status_code == 422
    long = post(api, "civil-desk", path, {"note": "字" * (PROGRESS_NOTE_MAX + 1)})
    assert long.status_code == 422 and "note" in long.text
    assert post(api, "edu-desk", path, {"note": DONE}).status_code == 404  # another unit's referral
    assert post(api, "supervisor1", path, {"note": DONE}).status_code == 403
    read = api.client.get(f"/v1/referrals/{r['referral_id']}", headers=api.auth("civil-desk")).json()
    assert [p["note"] for p in read["progress"]] == [DONE, "已联系学校"]
    runner.pump()
    case_read = api.client.get(f"/v1/cases/{case['case_id']}", headers=api.auth("supervisor1")).json()
    lines = [t for t in case_read["timeline"] if t["type"] == "referral_progressed"]
    assert [(t["by"], t["agency_id"]) for t in lines] == [("civil-desk", r["agency_id"])] * 2
    sequence(hotline)
    trail = api.client.get(f"/v1/audit?case_id={case['case_id']}", headers=api.auth("auditor1")).json()
    assert [e["resource_id"] for e in trail if e["action"] == "referral.progress"] == [r["referral_id"]] * 2


def test_the_desk_records_progress_on_its_page_and_the_board_reads_it(api: Api,
                                                                     runner: EmbeddedRunner) -> None:
    case = yellow_case(api, runner, "progress-page")
    r = case["referrals"][0]
    page_path = f"/desk/referrals/{r['referral_id']}"
    login(api.client, "civil-desk", "/desk")
    waiting = api.client.get(page_path).text
    assert 'id="progress-box"' not in waiting  # not before 接收
    csrf = re.search(r'name="csrf" value="([^"]+)"', waiting).group(1)  # type: ignore[union-attr]
    taken = api.client.post(f"{page_path}/acknowledge", data={"csrf": csrf, "back": "detail"})
    assert taken.status_code == 200
    page = api.client.get(page_path).text
    assert "记录办理进展（不办结）" in visible(page) and "处置中可随时“记录办理进展”" in visible(page)
    fields = dict(re.findall(r'name="(csrf|progress_id)" value="([^"]+)"', page))
    action = f"{page_path}/progress"
    for empty in ("  ", "。"):
        refused = api.client.post(action, data={**fields, "back": "detail", "progress": empty})
        assert refused.status_code == 422 and "请填写办理进展。" in visible(refused.text)
    empty = refused
    assert '<details id="progress-box" open>' in empty.text  # the form open where the error is
    named = api.client.post(action, data={**fields, "back": "detail", "progress": "王小明暂住外婆家"})
    assert named.status_code == 422 and "办理进展不能含有儿童或报告人的姓名" in visible(named.text)
    assert "王小明暂住外婆家" in named.text  # what was typed is kept
    saving = {**fields, "back": "detail", "progress": DONE}
    done = api.client.post(action, data=saving, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"{page_path}?done=progress#progress-lines"
    twice = api.client.post(action, data=saving, follow_redirects=False)
    assert twice.status_code == 303  # the same form sent again: one line
    shown = visible(api.client.get(f"{page_path}?done=progress").text)
    assert "已记录办理进展" in shown and shown.count(DONE) == 1
    assert re.search(rf"办理进展\d\d-\d\d\d\d:\d\d·[^<]*{DONE}", shown), shown
    assert "状态已接收" in shown  # progress ends nothing
    runner.pump()
    login(api.client, "supervisor1")
    board = api.client.get("/board").text
    line = row_of(board, r["referral_id"])
    assert re.search(rf"办理进展：\d\d-\d\d\d\d:\d\d{DONE}", line), line  # the row names the unit
    assert "办理进展" not in row_of(board, case["referrals"][1]["referral_id"])  # the other unit's line
    assert "记录办理进展（连南瑶族自治县民政局（未成年人保护中心））" in visible(board)  # the unit once
    record = visible(api.client.get(f"/board/notifications/{r['referral_id']}").text)
    assert "单位办理进展" in record and DONE in record
    login(api.client, "edu-desk", "/desk")
    other = visible(api.client.get(f"/desk/referrals/{case['referrals'][1]['referral_id']}").text)
    assert DONE not in other  # another unit on the case reads that progress was noted, not what
