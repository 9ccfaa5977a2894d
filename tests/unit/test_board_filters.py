"""The board lists the region's open cases by default, closed ones or all when asked, one level,
or the case a case number or receipt number names; counts above the list; a command keeps the
filters (stop 58's city supervisor: no counts, no search, closed cases on a board that only grew)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.helpers import report_body
from tests.unit.test_board_page import csrf, visible
from tests.unit.test_desk import post, red_case
from tests.unit.test_followups import close_referrals
from tests.unit.test_pages import login


def rows(html: str) -> list[str]:
    return re.findall(r'<tr class="\w+" id="case-([0-9a-f-]+)"', html)


def two_cases(api: Api, runner: EmbeddedRunner) -> tuple[dict, dict]:  # type: ignore[type-arg]
    """A red case closed by a supervisor and a yellow one open."""
    done = red_case(api, runner)
    close_referrals(api, done)
    runner.pump()
    closed = post(api, "supervisor1", f"/v1/cases/{done['case_id']}/closure", {"reason": "处置完毕"})
    assert closed.status_code == 202, closed.text
    report = api.submit(report_body(concerns=["school_dropout"], immediate_danger=False, narrative="没去上学",
                                    children=[{"name": "赵小兰", "age": 12}]), key="open-yellow").json()
    runner.pump()
    case_id = api.client.get(f"/v1/reports/{report['report_id']}",
                             headers=api.auth("operator1")).json()["case_id"]
    return done, {"case_id": case_id, "report": report}


def test_the_board_lists_open_cases_counts_them_all_and_shows_closed_ones_when_asked(
        api: Api, runner: EmbeddedRunner) -> None:
    done, working = two_cases(api, runner)
    login(api.client, "supervisor1")
    board = api.client.get("/board").text
    assert rows(board) == [working["case_id"]]
    counts = visible(re.search(r'<p [^>]*id="board-counts">.*?</p>', board, re.S).group(0))  # type: ignore[union-attr]
    assert counts.startswith("在办1件：红色0·橙色0·黄色1·蓝色0·已结案1件"), counts
    assert rows(api.client.get("/board?show=closed").text) == [done["case_id"]]
    assert set(rows(api.client.get("/board?show=all").text)) == {done["case_id"], working["case_id"]}
    assert rows(api.client.get("/board?show=all&level=red").text) == [done["case_id"]]
    assert "没有符合筛选条件的案件" in api.client.get("/board?level=blue").text
    assert rows(api.client.get("/board/cases?show=closed").text) == [done["case_id"]]  # the 5 s refresh too


def test_a_case_is_found_by_its_number_or_a_receipt_number_typed_as_read_out(
        api: Api, runner: EmbeddedRunner) -> None:
    done, working = two_cases(api, runner)
    login(api.client, "supervisor1")
    short = done["case_id"][:8]
    assert rows(api.client.get(f"/board?q={short.upper()}").text) == [done["case_id"]]  # closed ones too
    receipt = working["report"]["receipt_no"]
    typed = receipt.replace("-", " ").lower().translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    page = api.client.get("/board", params={"q": typed}).text
    assert rows(page) == [working["case_id"]] and "找到1个案件" in visible(page)
    tail = receipt.split("-")[1]  # its ten characters alone, as a caller may read them (stop 64)
    assert rows(api.client.get("/board", params={"q": tail.lower()}).text) == [working["case_id"]]
    missing = api.client.get("/board?q=20990101-ABCDEFGHJK").text
    assert rows(missing) == [] and "没有找到受理编号或案件编号为“20990101-ABCDEFGHJK”的案件" in missing
    login(api.client, "supervisor-qingcheng", home="/board")  # another county's receipt: not found
    assert rows(api.client.get("/board", params={"q": receipt}).text) == []
    assert rows(api.client.get("/board", params={"q": tail}).text) == []


def test_a_command_keeps_the_filters_and_the_case_it_closed_stays_in_sight(
        api: Api, runner: EmbeddedRunner) -> None:
    case = red_case(api, runner)
    close_referrals(api, case)
    runner.pump()
    login(api.client, "supervisor1")
    token = csrf(api.client.get("/board?level=red").text)
    closed = api.client.post(f"/board/cases/{case['case_id']}/close?level=red", follow_redirects=False,
                             data={"csrf": token, "reason": "处置完毕", "unvisited_ok": "1"})
    assert closed.status_code == 303 and "level=red" in closed.headers["location"], closed.headers
    page = api.client.get(closed.headers["location"]).text
    assert "已将案件" in visible(page) and case["case_id"] in rows(page)  # closed, listed with its notice


def test_the_late_and_review_counts_are_links_and_a_case_not_found_says_so(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    """Stop 58's second round: 超时未接收 and 待复核 were plain text; a link to another region's case
    showed the board with no word."""
    late = red_case(api, runner)
    police = next(r for r in late["referrals"] if r["agency_kind"] == "police")
    due = datetime.fromisoformat(police["due_at"]) + timedelta(seconds=1)
    assert hotline.dispatch.escalate_if_due(police["referral_id"], now=due)
    unclear = api.submit(report_body(concerns=[], immediate_danger=False, narrative="情况不明",
                                     children=[{"name": "赵小兰", "age": 12}]), key="to-review").json()
    runner.pump()
    plain = api.client.get(f"/v1/reports/{unclear['report_id']}",
                           headers=api.auth("operator1")).json()["case_id"]
    login(api.client, "supervisor1")
    board = api.client.get("/board").text
    assert 'id="count-late" href="/board?only=late">超时未接收 1</a>' in board
    assert rows(api.client.get("/board?only=late").text) == [late["case_id"]]
    review = api.client.get("/board?only=review").text
    assert plain in rows(review) and f"显示：在办、待复核的案件（{len(rows(review))}件）" in visible(review)
    login(api.client, "supervisor-qingcheng", home="/board")
    said = visible(api.client.get(f"/board?case={late['case_id']}").text)
    assert "未找到该案件，或该案件不在您的辖区内。" in said
