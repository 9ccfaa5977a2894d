"""The supervisor's side of callbacks (回访, §13) as the server answers: a dissatisfied reporter's
case on /board with its callback line and what to do, the review named for it, the banner and the
timeline after it; the case's record with the reporter's words inside the region only (audited);
/callbacks with the overdue first and no number; a command's address opened by GET goes back to
the board (it showed the bare reloading table)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from services.bootstrap import ApiContainer
from services.common.auditnote import Principal
from services.common.embedded import EmbeddedRunner
from services.intake.callback_book import CallbackRow
from services.oversight.board_callbacks import add_callback_lines, region_callbacks
from tests.conftest import Api
from tests.helpers import PII_VALUES, TEST_PASSWORD, audit_entries
from tests.unit.test_board_page import csrf, visible
from tests.unit.test_callbacks import closed_case
from tests.unit.test_desk import post
from tests.unit.test_pages import login

WORDS = "说派出所只来过一次"
NOW = datetime(2026, 12, 2, 8, tzinfo=UTC)


def unhappy(api: Api, runner: EmbeddedRunner) -> tuple[str, str]:
    case = closed_case(api, runner)
    (due,) = api.client.get("/v1/callbacks", headers=api.auth("operator1")).json()
    r = post(api, "operator1", f"/v1/callbacks/{due['callback_id']}",
             {"reached": True, "satisfaction": "dissatisfied", "note": WORDS})
    assert r.status_code == 200, r.text
    return str(case["case_id"]), str(due["receipt_no"])


def row_of(page: str, case_id: str) -> str:
    found = re.search(rf'<tr [^>]*id="case-{case_id}">(.*?)</tr>', page, re.S)
    assert found is not None
    return found.group(1)


def test_the_flag_says_why_and_what_to_do_and_the_review_clears_it(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    case_id, receipt = unhappy(api, runner)
    login(api.client, "supervisor1")
    page = api.client.get("/board").text
    row = visible(row_of(page, case_id))
    assert "待复核：回访不满意来电人对处置不满意：请阅读回访记录，联系承办单位核实" in row
    assert f"热线接线员回访（受理编号{receipt}）：已联系上，不满意" in row
    assert f"回访（受理编号{receipt}）：已联系上，不满意（热线接线员）" in row  # the timeline's line
    assert "复核回访不满意</button>" in row_of(page, case_id) and WORDS not in page  # the note: on opening
    assert not [e for e in audit_entries(hotline) if e["action"] == "callback.read"]

    done = api.client.post(f"/board/cases/{case_id}/review", data={"csrf": csrf(page), "note": "已核实"})
    assert "“回访不满意”已复核，看板上的该提示已清除" in visible(done.text)
    runner.pump()
    assert f'id="case-{case_id}"' not in api.client.get("/board").text  # closed, reviewed: off the open list
    row = visible(row_of(api.client.get("/board?show=closed").text, case_id))
    assert "待复核" not in row and "复核回访不满意" not in row
    assert f"回访（受理编号{receipt}）：已联系上，不满意（热线接线员）" in row
    assert "复核完毕：风险等级保持红色，回访不满意已复核，意见：已核实（督办人员supervisor1）" in row
    again = api.client.post(f"/board/cases/{case_id}/review", data={"csrf": csrf(page), "note": "再看一次"})
    assert "已复核，看板上的该提示已清除" not in visible(again.text)  # only the first review clears it


def test_the_reporters_words_within_the_region_and_audited(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    case_id, receipt = unhappy(api, runner)
    login(api.client, "supervisor1")
    record = api.client.get(f"/board/callbacks/{case_id}")
    assert record.status_code == 200 and f"来电人原话：{WORDS}" in visible(record.text)
    assert PII_VALUES[1] not in record.text
    (read,) = [e for e in audit_entries(hotline) if e["action"] == "callback.read"]
    assert read["case_id"] == case_id and read["actor"] == "supervisor1"
    hotline.accounts.add_user("sup-qc", TEST_PASSWORD, "supervisor", region="441802")
    login(api.client, "sup-qc", "/board")
    outside = api.client.get(f"/board/callbacks/{case_id}", headers={"Accept": "text/html"})
    assert outside.status_code == 404 and WORDS not in outside.text
    listed = api.client.get("/callbacks").text
    assert receipt not in listed and "暂无已回访" in visible(listed)


def test_the_callbacks_page_lists_due_and_done_without_a_number(api: Api, runner: EmbeddedRunner) -> None:
    case_id, receipt = unhappy(api, runner)
    login(api.client, "supervisor1")
    page = api.client.get("/callbacks")
    assert page.status_code == 200 and 'href="/callbacks" aria-current="page">回访情况' in page.text
    done = page.text.split('id="cb-done"')[1]
    assert f'href="/board?case={case_id}#case-{case_id}"' in done and receipt in done
    assert "已联系上，不满意" in visible(done) and PII_VALUES[1] not in page.text and WORDS not in page.text
    login(api.client, "operator1", "/intake")
    assert api.client.get("/callbacks", headers={"Accept": "text/html"}).status_code == 403


def test_a_commands_address_opened_goes_back_to_the_board(api: Api) -> None:
    login(api.client, "supervisor1")
    for action in ("review", "reassess", "refer", "close"):
        r = api.client.get(f"/board/cases/abc/{action}", follow_redirects=False,
                           headers={"Accept": "text/html"})
        assert r.status_code == 303 and r.headers["location"] == "/board?case=abc#case-abc"
    # The confirming step's own address (its page puts it in the history): back to the case.
    r = api.client.get("/board/incidents/abc", follow_redirects=False, headers={"Accept": "text/html"})
    assert r.status_code == 303 and r.headers["location"] == "/board?case=abc#case-abc"


def a_row(n: int, status: str, due: datetime, done: datetime | None = None,
          satisfaction: str | None = None) -> CallbackRow:
    return CallbackRow(f"cb-{n}", f"r-{n}", f"case-{n % 2}", f"R{n}", "441823", due - timedelta(days=3), due,
                       status, True if done else None, satisfaction, done, "operator1" if done else None)


def test_overdue_first_newest_done_first_and_the_settling_review_marked() -> None:
    now = datetime.now(UTC)
    rows = [a_row(1, "due", now + timedelta(days=1)), a_row(2, "due", now - timedelta(days=1)),
            a_row(3, "done", now, NOW, "satisfied"), a_row(4, "done", now, NOW + timedelta(hours=1),
                                                            "dissatisfied"),
            a_row(5, "superseded", now, NOW)]  # withdrawn by 重办: listed apart
    c: Any = SimpleNamespace(callbacks=SimpleNamespace(book=SimpleNamespace(
        read=lambda superseded=False: [r for r in rows if superseded or r.status != "superseded"])))
    listed = region_callbacks(c, Principal("s", "supervisor", region="4418"))
    assert [(r["callback_id"], r["overdue"]) for r in listed["due"]] == [("cb-2", True), ("cb-1", False)]
    assert [r["callback_id"] for r in listed["done"]] == ["cb-4", "cb-3"]
    assert [r["callback_id"] for r in listed["withdrawn"]] == ["cb-5"]
    assert region_callbacks(c, Principal("s", "supervisor", region="441802")) == {"due": [], "done": [],
                                                                                  "withdrawn": []}
    at = (NOW + timedelta(hours=2)).isoformat()
    case = {"case_id": "case-0", "timeline": [
        {"type": "case_review", "at": (NOW - timedelta(hours=1)).isoformat()},
        {"type": "case_review", "at": at}, {"type": "case_reassessment", "at": at}]}
    (marked,) = add_callback_lines(c, [case])
    assert [(t["type"], t.get("settles_dissatisfied", False)) for t in marked["timeline"]] == [
        ("case_review", False), ("callback_recorded", False), ("case_review", True),
        ("case_reassessment", False)]
