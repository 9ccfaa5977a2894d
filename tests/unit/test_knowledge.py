"""The knowledge base (知识库, contract §13): every concern of the routing rules answered from the
versioned data, with the units and level the routing data gives it; unknown concern and bad
searches refused naming the field; operators and supervisors only."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from importlib import resources

import pytest

from services.bootstrap import ApiContainer
from services.common.vocabulary import Concern
from services.intake.knowledge import PARTS, Knowledge
from tests.conftest import Api
from tests.unit.test_pages import login

USERS = {"operator": "operator1", "supervisor": "supervisor1", "reporter": "teacher1",
         "desk": "police-desk", "auditor": "auditor1", "admin": "admin1", "security": "security1"}


def ask(api: Api, who: str = "operator1", **params: str):  # type: ignore[no-untyped-def]
    return api.client.get("/v1/knowledge", params=params, headers=api.auth(who))


@pytest.mark.parametrize("concern", list(Concern))
def test_every_concern_of_the_routing_rules_is_answered(api: Api, hotline: ApiContainer,
                                                        concern: str) -> None:
    r = ask(api, concern=concern)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["version"] == "knowledge/v3" and body["routing_version"] == hotline.dispatch.matrix.version
    [entry] = body["entries"]
    assert entry["concern"] == concern and entry["label"]
    for part in PARTS:
        assert entry[part], part
        assert all(rule["text"] and rule["source"] in body["sources"] for rule in entry[part])
    # The units come from the referral matrix, never from the guidance's own text.
    assert entry["reaches"]["kinds"] == hotline.dispatch.matrix.kinds_for([concern])
    assert entry["level"]["level"] == hotline.triage.rules.assess([concern], immediate_danger=False).level
    assert entry["level"]["with_danger"] == "red"


def test_the_routing_data_speaks_in_the_answer(api: Api) -> None:
    dropout = ask(api, concern="school_dropout").json()["entries"][0]
    assert dropout["reaches"]["kinds"] == ["civil_affairs", "education"]
    assert "民政、教育" in dropout["reaches"]["text"]
    abuse = ask(api, concern="sexual_abuse").json()["entries"][0]
    assert abuse["level"]["level"] == "red" and abuse["level"]["text"].startswith("风险等级红色；")
    assert "15分钟" in abuse["level"]["text"]  # HOTLINE_ACK_SLA_SECONDS red=900
    hardship = ask(api, concern="special_hardship").json()["entries"][0]
    assert hardship["level"]["level"] == "blue" and "危险中时为红色" in hardship["level"]["text"]
    # Who reads the caller's name is the disclosure rule's: the police do, a hospital does not.
    assert "公安可看到来电人的姓名和电话" in abuse["reporter_visible"]
    injury = ask(api, concern="serious_injury").json()["entries"][0]
    assert injury["reporter_visible"] == "医院看不到来电人的任何信息。"


def test_all_of_it_without_a_filter_the_every_call_guidance_first(api: Api) -> None:
    body = ask(api).json()
    assert [e["concern"] for e in body["entries"]][0] is None
    assert {e["concern"] for e in body["entries"][1:]} == set(Concern)


def test_an_unknown_concern_is_422_naming_it(api: Api) -> None:
    r = ask(api, concern="alien_abduction")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "concern"]


def test_a_chinese_word_finds_its_entries(api: Api) -> None:
    found = ask(api, q="一站式").json()["entries"]
    assert [e["concern"] for e in found] == ["sexual_abuse"]
    lost = {e["concern"] for e in ask(api, q="车牌").json()["entries"]}
    assert lost == {"trafficking_abduction"}
    # A label is searched too; with a concern, the search narrows that concern's entry.
    found = ask(api, q="早婚").json()["entries"]
    assert [e["concern"] for e in found] == ["school_dropout", "early_marriage"]
    assert ask(api, concern="neglect", q="一站式").json()["entries"] == []
    assert ask(api, q="不存在的词语").json()["entries"] == []
    # A child's own words (stop 64's operator: "不想活" found nothing, while it makes a case red).
    assert "school_bullying" in {e["concern"] for e in ask(api, q="不想活").json()["entries"]}


@pytest.mark.parametrize("q", ["", "   ", "字" * 51])
def test_a_search_of_no_or_too_many_characters_is_422_naming_q(api: Api, q: str) -> None:
    r = ask(api, q=q)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "q"]


def test_operators_and_supervisors_read_it_others_are_403(api: Api) -> None:
    for role, username in USERS.items():
        expected = 200 if role in ("operator", "supervisor") else 403
        assert ask(api, username, concern="neglect").status_code == expected, role
    assert api.client.get("/v1/knowledge").status_code == 401


def test_the_data_file_names_a_known_source_for_every_rule_and_every_concern() -> None:
    kb = Knowledge.load()
    raw = json.loads(resources.files("services.intake").joinpath("data", "knowledge.v3.json").read_text())
    assert raw["version"] == kb.version == "knowledge/v3"
    assert Knowledge.load("knowledge.v1.json").version == "knowledge/v1"  # kept, as the risk rules are
    with pytest.raises(ValueError, match="neglect"):
        replace(kb, concerns={k: v for k, v in kb.concerns.items() if k != "neglect"}).check("t")
    unsourced = {**kb.concerns,
                 "neglect": {**kb.concerns["neglect"], "ask": [{"text": "问", "source": "网上"}]}}
    with pytest.raises(ValueError, match=r"neglect\.ask"):
        replace(kb, concerns=unsourced).check("t")


def test_the_console_carries_the_panel_and_reads_it_with_its_session(api: Api) -> None:
    login(api.client, "operator1")
    page = api.client.get("/intake").text
    assert 'id="kb"' in page and 'id="kb-q"' in page and "<kbd>F1</kbd> 知识库" in page
    # Its script is the page's, under the response's nonce (the CSP allows no other).
    assert page.count("<script nonce=") >= 3 and "<script>" not in page
    csrf = re.search(r'"csrf": "([^"]+)"', page).group(1)  # type: ignore[union-attr]
    assert api.client.get("/v1/knowledge", params={"q": "转接"}).status_code == 401  # no CSRF header
    r = api.client.get("/v1/knowledge", params={"q": "转接"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and r.json()["entries"]


def test_every_concern_the_matrix_and_the_risk_rules_name_has_guidance(hotline: ApiContainer) -> None:
    named = set(hotline.dispatch.matrix.concerns)
    for rule in hotline.triage.rules.rules:
        named |= set(rule.get("concerns_any", ())) | set(rule.get("concerns_any_except", ()))
    assert named and named <= set(Knowledge.load().concerns)


def test_v2_answers_a_call_not_about_a_child_a_hung_up_caller_and_a_complaint(api: Api) -> None:
    """Stop 59's operator searched 噪音, 学费 and 咨询 and found nothing; a caller had hung up on a
    child in danger; a complaint that nobody came had no way in."""
    for q, said in (("噪音", "不在本系统登记"), ("学费", "12345热线一般诉求"),
                    ("挂断", "由您直接拨打110或120"), ("催办", "勾选“来电人投诉或催办”")):
        body = ask(api, "operator1", q=q).json()
        assert body["entries"] and body["entries"][0]["concern"] is None, q  # the general guidance
        assert said in json.dumps(body["entries"][0], ensure_ascii=False), q
