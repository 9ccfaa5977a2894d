"""Why a case has its level, said on the unit's referral page, the board's timeline and the
operator's case page (stop 62: a child living alone for days came out yellow and no page said
why; with risk rules v4 it is orange, and the pages say which words lifted it)."""

from __future__ import annotations

from services.common.embedded import EmbeddedRunner
from services.common.level_why import latest_why, level_why
from tests.conftest import Api
from tests.helpers import report_body
from tests.unit.test_board_page import visible
from tests.unit.test_desk import referral_of
from tests.unit.test_pages import login

ALONE = "孩子一个人在家已经三天，靠邻居给点吃的"


def test_each_form_of_triage_rationale_is_said_in_chinese() -> None:
    assert level_why("red: immediate danger reported") == "报告时儿童处于紧急危险中"
    assert level_why("yellow: neglect") == "所选情况：无人照料、被忽视"
    assert level_why("blue: no concern given") == "报告未选择情况类别"
    lifted = level_why("orange: narrative mentions 靠邻居、一个人在家+三天 (yellow: neglect)")
    assert lifted == ("报告中提到“靠邻居”、“一个人在家”与“三天”，提高为橙色"
                      "（所选情况：无人照料、被忽视）")
    burst = level_why("orange: 3 reports about one child within 72 hours (yellow: neglect)"
                      "; joined by a report from another reporter account (review)")
    assert burst.startswith("72小时内关于该儿童已有3次报告，提高一级为橙色")
    assert burst.endswith("待督办人员复核")
    kept = level_why("orange: kept (supplement assessed yellow)")
    assert kept == "补充情况评估为黄色，案件保持橙色（只升不降）"
    assert level_why("orange: something new") == "" and level_why(None) == ""
    assert latest_why([{"type": "case_opened", "rationale": "yellow: neglect"},
                       {"type": "case_reassessment", "risk_level": "orange", "written": "邻居称夜里无人"}]
                      ) == "督办人员调整为橙色：邻居称夜里无人"
    assert latest_why([{"type": "case_opened", "rationale": "red: immediate danger reported"},
                       {"type": "case_supplement", "rationale": "red: kept (supplement assessed orange)"}]
                      ) == "报告时儿童处于紧急危险中"  # a supplement that left the level says not why it is
    # A danger said in the caller's ring-back is the ring-back's (stop 63's hospital desk).
    assert latest_why([{"type": "case_opened", "rationale": "orange: neglect"},
                       {"type": "case_supplement", "rationale": "red: immediate danger reported"}]
                      ) == "来电人回拨补充时儿童处于紧急危险中"
    assert level_why("red: immediate danger reported", "case_report_joined") == "报告时儿童处于紧急危险中"
    # A ring-back's phrases are its own assessment, not a raise of the case (stop 64's civil desk).
    fever = "orange: narrative mentions 高烧、没吃饭 (blue: no concern given)"
    said = "补充中提到“高烧”、“没吃饭”，补充评估为橙色（报告未选择情况类别）"
    assert level_why(fever, "case_supplement") == said


def test_the_unit_the_board_and_the_operator_read_why_the_child_is_orange(api: Api,
                                                                         runner: EmbeddedRunner) -> None:
    body = report_body(concerns=["neglect"], immediate_danger=False, narrative=ALONE)
    report = api.submit(body, key="alone").json()
    runner.pump()
    case_id = api.client.get(f"/v1/reports/{report['report_id']}",
                             headers=api.auth("operator1")).json()["case_id"]
    case = api.client.get(f"/v1/cases/{case_id}", headers=api.auth("supervisor1")).json()
    assert case["risk_level"] == "orange"
    said = "报告中提到“靠邻居”、“一个人在家”与“三天”，提高为橙色"
    login(api.client, "civil-desk", home="/desk")
    page = visible(api.client.get(f"/desk/referrals/{referral_of(case, 'civil_affairs')}").text)
    assert f"等级依据橙色：{said}" in page
    login(api.client, "supervisor1", home="/board")
    assert said in visible(api.client.get("/board").text)
    login(api.client, "operator1", home="/intake")
    assert said in visible(api.client.get(f"/intake/cases/{case_id}").text)

