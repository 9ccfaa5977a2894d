"""A supervisor's reason or note on a case (改级, 复核, 改派, 重新交办, 结案) names no child or reporter
of it, as a unit's texts and a call note do (stop 55's county supervisor: "刘洋身上多处淤青…" was
taken as 改级原因 and shown on the board's timeline, outside the audited 阅读报告原文): refused at
the field, by the API and on the board, with nothing changed."""

from __future__ import annotations

import re

from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.helpers import report_body
from tests.unit.test_board_page import visible
from tests.unit.test_desk import post, red_case
from tests.unit.test_pages import login


def test_the_api_refuses_a_supervisors_text_naming_the_child_or_reporter(api: Api,
                                                                        runner: EmbeddedRunner) -> None:
    case = red_case(api, runner, "named-api")
    base = f"/v1/cases/{case['case_id']}"
    for path, body, field in (
            ("reassessments", {"risk_level": "orange", "reason": "王小明身上多处淤青"}, "reason"),
            ("review", {"note": "已核实，小明由外婆照看"}, "note"),  # the given name alone
            ("referrals", {"agency_id": "edu-441823", "reason": "李女士说孩子没上学"}, "reason"),
            ("closure", {"reason": "王小明已安置"}, "reason")):
        refused = post(api, "supervisor1", f"{base}/{path}", body)
        assert refused.status_code == 422, (path, refused.text)
        assert refused.json()["detail"][0]["loc"] == ["body", field]
        assert re.search("不能含有儿童或报告人的(姓名|名字)", refused.text), refused.text
    runner.pump()
    after = api.client.get(base, headers=api.auth("supervisor1")).json()
    assert after["risk_level"] == case["risk_level"] and len(after["referrals"]) == len(case["referrals"])
    kept = post(api, "supervisor1", f"{base}/reassessments",
                {"risk_level": "orange", "reason": "该儿童伤情已稳定"})
    assert kept.status_code == 202, kept.text


def test_a_name_in_traditional_characters_is_the_same_name(api: Api, runner: EmbeddedRunner) -> None:
    """黄小軍 is the child 黄小军 (stop 55's county supervisor: it passed), and the other way round."""
    for key, child, text, said in (("hant-1", "黄小军", "黄小軍身上多处淤青", "姓名"),
                                   ("hant-2", "黄小军", "已核实，小軍由外婆照看", "名字"),
                                   ("hant-3", "陳小紅", "陈小红已由外婆照看", "姓名")):
        body = report_body(children=[{"name": child, "gender": "male", "age": 9}], narrative="孩子被打")
        report = api.submit(body, key=key).json()
        runner.pump()
        case_id = api.client.get(f"/v1/reports/{report['report_id']}",
                                 headers=api.auth("operator1")).json()["case_id"]
        refused = post(api, "supervisor1", f"/v1/cases/{case_id}/review", {"note": text})
        assert refused.status_code == 422, (child, text, refused.text)
        assert f"复核意见不能含有儿童或报告人的{said}" in refused.text, refused.text
        kept = post(api, "supervisor1", f"/v1/cases/{case_id}/review", {"note": "该儿童由外婆照看"})
        assert kept.status_code == 202, kept.text


def test_the_board_says_it_at_the_field_and_keeps_what_was_typed(api: Api, runner: EmbeddedRunner) -> None:
    case = red_case(api, runner, "named-board")
    login(api.client, "supervisor1")
    board = api.client.get("/board").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', board).group(1)  # type: ignore[union-attr]
    reason = "王小明身上多处淤青，需要尽快处理"
    r = api.client.post(f"/board/cases/{case['case_id']}/reassess",
                        data={"csrf": csrf, "risk_level": "orange", "reason": reason})
    assert r.status_code == 422
    said = visible(r.text)
    assert "改级原因不能含有儿童或报告人的姓名（改级原因会显示在督办看板的案件时间线上）" in said, said
    assert reason in r.text  # kept in its box
    runner.pump()
    assert api.client.get(f"/v1/cases/{case['case_id']}", headers=api.auth("supervisor1")).json()[
        "risk_level"] == case["risk_level"]


def test_a_case_filed_without_a_problem_type_gets_one_on_the_board(api: Api, runner: EmbeddedRunner) -> None:
    """Stop 55's county supervisor: "待复核：未选问题类型", and the panel offered only the ledger's
    categories. The 改级 form of such a case offers the problem types; what is ticked is added, and
    the notice says so (the second review: it read as a change of the ledger categories)."""
    report = api.submit(report_body(concerns=[], immediate_danger=False, narrative="邻居说孩子常一个人在家"),
                        key="no-concern").json()
    runner.pump()
    read = api.client.get(f"/v1/reports/{report['report_id']}", headers=api.auth("operator1"))
    case_id = read.json()["case_id"]
    login(api.client, "supervisor1")
    board = api.client.get("/board").text
    assert f'id="concerns-{case_id}"' in board and "补选问题类型" in visible(board)
    csrf = re.search(r'name="csrf" value="([^"]+)"', board).group(1)  # type: ignore[union-attr]
    path = f"/board/cases/{case_id}/reassess"
    bad = api.client.post(path, data={"csrf": csrf, "risk_level": "yellow", "concerns": "flying",
                                      "reason": "核实"})
    assert bad.status_code == 422 and "请从列表中勾选问题类型。" in visible(bad.text)
    done = api.client.post(path, data={"csrf": csrf, "risk_level": "yellow", "concerns": ["neglect"],
                                       "reason": "核实后为监护缺失"}, follow_redirects=False)
    assert done.status_code == 303, done.text
    notice = visible(api.client.get(done.headers["location"]).text)
    assert "补选问题类型：无人照料、被忽视，将按问题类型转介给相应单位" in notice, notice
    runner.pump()
    case = api.client.get(f"/v1/cases/{case_id}", headers=api.auth("supervisor1")).json()
    assert case["concerns"] == ["neglect"] and case["risk_level"] == "yellow"
    assert f'id="concerns-{case_id}"' not in api.client.get("/board").text  # chosen: not offered again


def test_a_major_incident_summary_too_long_is_said_with_its_count_never_cut(
        api: Api, runner: EmbeddedRunner) -> None:
    """Stop 55's second county supervisor: the board's box cut a 540-character summary to 500, and
    the next step counted it against 2,000."""
    case = red_case(api, runner, "long-summary")
    login(api.client, "supervisor1")
    board = api.client.get("/board").text
    box = re.search(rf'<input type="text" id="incident-{case["case_id"]}"[^>]*>', board)
    assert box is not None and "maxlength" not in box.group(0)
    csrf = re.search(r'name="csrf" value="([^"]+)"', board).group(1)  # type: ignore[union-attr]
    long = "该儿童伤情严重" * 77 + "需上报"  # 542 characters
    r = api.client.post(f"/board/incidents/{case['case_id']}", data={"csrf": csrf, "summary": long})
    assert r.status_code == 422 and f"摘要不能超过500字（现有{len(long)}字），请删减。" in visible(r.text)
    assert long in r.text and 'data-max="500"' in r.text and "不超过500字" in visible(r.text)
