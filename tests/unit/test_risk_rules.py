"""Contract §3 risk levels, every row, from the versioned rule data."""

import pytest

from services.triage.assessment import RiskRules

RULES = RiskRules.load()
ALL = [
    "wandering_begging", "domestic_violence", "physical_harm", "trafficking_abduction",
    "coercion_exploitation", "sexual_abuse", "serious_injury", "guardianship_missing",
    "guardian_unable", "school_dropout", "special_hardship", "parents_detained_or_rehab",
    "school_bullying", "early_marriage", "online_harm", "neglect",
]
RED = {"serious_injury", "sexual_abuse", "trafficking_abduction"}
ORANGE = {"domestic_violence", "physical_harm", "coercion_exploitation", "wandering_begging"}


def expected_level(concern: str) -> str:
    if concern in RED:
        return "red"
    if concern in ORANGE:
        return "orange"
    if concern == "special_hardship":
        return "blue"
    return "yellow"


@pytest.mark.parametrize("concern", ALL)
def test_each_concern_alone_gets_its_contract_level(concern: str) -> None:
    assert RULES.assess([concern], immediate_danger=False).level == expected_level(concern)


@pytest.mark.parametrize("concern", ALL)
def test_immediate_danger_makes_any_report_red(concern: str) -> None:
    assessment = RULES.assess([concern], immediate_danger=True)
    assert assessment.level == "red"
    assert "immediate danger" in assessment.rationale


def test_no_concern_and_no_danger_is_blue() -> None:
    assert RULES.assess([], immediate_danger=False).level == "blue"


def test_highest_rule_wins_when_concerns_mix() -> None:
    assert RULES.assess(["neglect", "physical_harm"], False).level == "orange"
    assert RULES.assess(["neglect", "physical_harm", "sexual_abuse"], False).level == "red"
    assert RULES.assess(["special_hardship", "neglect"], False).level == "yellow"


def test_assessment_records_rule_version_and_reason() -> None:
    assessment = RULES.assess(["domestic_violence", "serious_injury"], False)
    assert assessment.rule_version == "risk-rules/v5"
    assert assessment.rationale == "red: serious_injury"


def test_a_child_left_alone_and_ill_is_orange_by_the_v2_phrases() -> None:
    """Stop 58's child director: a repeat call "一个人在家两天了，昨晚发烧，没有大人" left the case yellow."""
    said = "孩子一个人在家两天了，昨晚发烧，没有大人"
    assert RiskRules.load("risk_rules.v1.json").assess(["neglect"], False, said).level == "yellow"
    lifted = RiskRules.load("risk_rules.v3.json").assess(["neglect"], False, said)
    assert lifted.level == "orange" and lifted.phrases == ("发烧",)
    assert "发烧" in RULES.assess(["neglect"], False, said).phrases  # v4 names more of it
    assert RULES.assess(["neglect"], False, "孩子常一个人在家").level == "yellow"  # alone alone: neglect


def test_a_child_going_without_meals_is_orange_by_the_v3_phrases() -> None:
    """Stop 59's teacher: a left-behind boy who had not eaten properly for days stayed yellow."""
    said = "留守儿童，爷爷奶奶卧病在床，孩子说好几天没有好好吃饭了，上课时头晕"
    assert RiskRules.load("risk_rules.v2.json").assess(["guardian_unable"], False, said).level == "yellow"
    lifted = RULES.assess(["guardian_unable"], False, said)
    assert lifted.level == "orange" and "没有好好吃饭" in lifted.phrases
    assert RULES.assess(["guardian_unable"], False, "孩子吃饭正常，成绩下降").level == "yellow"


def test_a_young_child_living_without_care_is_orange_by_the_v4_phrases() -> None:
    """Stop 62: a child director, a county supervisor and a police desk each filed a child living
    alone for days with nobody caring for it, and each case came out yellow (a week to the visit)."""
    v3 = RiskRules.load("risk_rules.v3.json")
    for said in ("孩子一个人在家已经三天，靠邻居给点吃的", "奶奶住院了，家里没有大人照顾他",
                 "孩子一个人在家，晚上也没人回来"):
        assert v3.assess(["neglect"], False, said).level == "yellow"
        assert RULES.assess(["neglect"], False, said).level == "orange"
    together = RULES.assess(["guardianship_missing"], False, "他独自在家好几天了")
    assert together.phrases == ("独自在家+几天",) and "独自在家+几天" in together.rationale
    assert RULES.assess(["neglect"], False, "孩子常一个人在家").level == "yellow"  # alone, no more
    assert RULES.assess(["neglect"], False, "孩子已经三天没来上学").level == "yellow"  # days, not alone


def test_a_child_saying_it_wants_to_die_is_red_by_the_v5_phrases() -> None:
    """Stop 64's operator: a bullied boy "跟妈妈说不想活了", then his note "我不想活了，对不起妈妈",
    stayed yellow, then orange (for "锁在"), red only once "自杀" was typed; the knowledge base tells
    the operator to write what the child said and that the system lifts it to red."""
    v4 = RiskRules.load("risk_rules.v4.json")
    for said in ("孩子跟妈妈说不想活了", "他写了遗书，说对不起妈妈", "女儿手腕上有割腕的伤口",
                 "孩子说活着没意思，想跳楼", "孩子最近经常自残"):
        assert v4.assess(["school_bullying"], False, said).level == "yellow", said
        lifted = RULES.assess(["school_bullying"], False, said)
        assert lifted.level == "red" and lifted.phrases and lifted.rule_version == "risk-rules/v5", said
    assert RULES.assess(["school_bullying"], False, "孩子说不想上学了").level == "yellow"  # not of dying
