"""A supervisor's major-incident summary (重大事项, contract §12) names no one and says nowhere
to find them: names (spaced, or a given name alone), the filed address, house numbers and phone
numbers are refused, each with a Chinese message naming what was found, never echoing it."""

from __future__ import annotations

from typing import Any

import pytest

from services.common.auditnote import Principal
from services.oversight import incidents
from services.triage.assessment import TriageError, check_mark, default_rules
from tests.conftest import Api
from tests.helpers import report_body

NAMES = ["王小明", "李女士"]


@pytest.mark.parametrize(("summary", "found"), [
    ("王小明被父亲打伤", "姓名"),
    ("王 小 明被父亲打伤", "姓名"),
    ("孩子小明多次被打", "名字"),
    ("家住金坑村三巷5号", "门牌号"),
    ("住在3栋201室", "门牌号"),
    ("2单元的孩子", "门牌号"),
    ("联系电话13800138000", "电话号码"),
    ("联系电话138 0013 8000", "电话号码"),
    ("座机0763-6612345", "电话号码"),
    ("编号1234567", "电话号码"),
])
def test_a_summary_that_names_or_places_someone_is_refused(summary: str, found: str) -> None:
    with pytest.raises(TriageError) as refused:
        check_mark(default_rules(), None, summary, NAMES)
    assert refused.value.field == "summary" and found in refused.value.message
    for part in ("小明", "13800138000", "5号", "0763"):
        assert part not in refused.value.message  # named, not echoed


@pytest.mark.parametrize("summary", [
    "一名9岁儿童长期遭受家庭暴力，已报警处理。",
    "一名女士报告孩子被打，2026-12-01已送医。",  # 女士 is no given name; a date is no phone
    "三名儿童中2名受伤，14岁以下。",
])
def test_a_summary_that_says_what_happened_passes(summary: str) -> None:
    check_mark(default_rules(), None, summary, NAMES)


def test_the_address_as_filed_is_refused_spaces_ignored() -> None:
    with pytest.raises(TriageError) as refused:
        check_mark(default_rules(), None, "孩子住在 金坑村 三巷，常被打", NAMES, ["金坑村三巷"])
    assert "住址" in refused.value.message and "金坑村" not in refused.value.message
    # The village alone says no house:
    check_mark(default_rules(), None, "孩子住在金坑村，常被打", NAMES, ["金坑村三巷"])


def test_every_kind_found_is_said_at_once() -> None:
    """A name and the address together are both said (the city supervisor's review, stop 50: the
    name was said, corrected, and then the address refused)."""
    with pytest.raises(TriageError) as refused:
        check_mark(default_rules(), None, "王小明住在金坑村三巷，电话13800138000", NAMES, ["金坑村三巷"])
    assert refused.value.message == ("摘要不能含有以下信息：电话号码；儿童或报告人的姓名；报告中登记的住址。")


def test_the_mark_checks_the_cases_address_and_given_names(api: Api, runner: Any, hotline: Any) -> None:
    report = api.submit(report_body(location={"region_code": "441823100201", "address": "金坑村三巷"},
                                    children=[{"name": "王小明", "gender": "male", "age": 9}],
                                    concerns=["neglect"], immediate_danger=False), key="summary-1").json()
    runner.pump()
    case_id = api.client.get(f"/v1/reports/{report['report_id']}",
                             headers=api.auth("operator1")).json()["case_id"]
    for summary, found in (("孩子在金坑村三巷被打", "住址"), ("小明被打", "名字")):
        r = api.client.post(f"/v1/cases/{case_id}/major-incident", json={"summary": summary},
                            headers=api.auth("supervisor1"))
        assert r.status_code == 422 and found in r.text, r.text
    runner.pump()
    assert incidents.incidents_of(hotline, Principal("supervisor1", "supervisor")) == []  # nothing kept
