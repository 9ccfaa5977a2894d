"""A narrative names not its own reporter (stop 64's civil desk read "盘志华再次来电" in a ring-back
whose caller asked not to be known): it reaches the hospital, civil affairs and education, which
the reporter's name and phone are withheld from; refused at the field, nothing stored."""

from __future__ import annotations

from services.common.embedded import EmbeddedRunner
from services.intake.schemas import reporter_named
from tests.conftest import Api
from tests.helpers import report_body
from tests.unit.test_pages import GOOD, form_fields, login

CALLER = {"name": "盘志华", "phone": "13912345678", "relation": "neighbour", "anonymous": False}


def mine(api: Api) -> int:
    return len(api.client.get("/v1/reports/mine", headers=api.auth("operator1")).json())


def test_a_narrative_with_its_reporters_name_or_phone_is_refused_at_the_field(api: Api) -> None:
    before = mine(api)
    for key, said, named in (("full", "盘志华在门口看到孩子被打", "姓名"),
                             ("given", "志华说孩子被关在家里", "名字"),
                             ("phone", "有事打139 1234-5678找邻居", "电话")):
        r = api.submit(report_body(reporter=CALLER, narrative=said), key=f"named-{key}")
        assert r.status_code == 422, r.text
        (error,) = r.json()["detail"]
        assert error["loc"] == ["body", "narrative"] and error["type"] == "reporter_named"
        assert f"情况描述不能含报告人本人的{named}" in error["msg"] and "请改写，如“报告人”" in error["msg"]
    assert mine(api) == before  # nothing stored
    assert api.submit(report_body(reporter=CALLER, narrative="报告人在门口看到孩子被打"),
                      key="unnamed").status_code == 201


def test_who_may_be_named_an_anonymous_caller_a_child_itself_and_a_units_officer() -> None:
    anonymous = {**CALLER, "anonymous": True, "name": None}
    assert reporter_named("盘志华打来电话", anonymous, "hotline_12345") == ""
    child = {**CALLER, "name": "王小明", "relation": "self"}
    assert reporter_named("王小明说爸爸打他", child, "hotline_12345") == ""  # the child is the one named
    officer = {**CALLER, "relation": "other"}
    assert reporter_named("盘志华警官出警时发现", officer, "agency_notice") == ""  # every unit sees the filer
    honorific = {**CALLER, "name": "李女士"}
    assert reporter_named("女士说孩子在哭", honorific, "hotline_12345") == ""  # not a given name


def test_a_ring_back_naming_the_first_caller_is_refused_and_not_added(api: Api,
                                                                      runner: EmbeddedRunner) -> None:
    filed = api.submit(report_body(reporter=CALLER, narrative="邻居发现孩子被打"), key="first-call").json()
    runner.pump()
    pair = {"receipt_no": filed["receipt_no"], "lookup_code": filed["lookup_code"]}
    said = api.client.post("/v1/receipts/supplements", headers=api.auth("operator1"),
                           json={**pair, "narrative": "盘志华再次来电，说孩子又被打了"})
    assert said.status_code == 422 and said.json()["detail"][0]["type"] == "reporter_named", said.text
    assert "报告人本人的姓名" in said.json()["detail"][0]["msg"]
    ok = api.client.post("/v1/receipts/supplements", headers=api.auth("operator1"),
                         json={**pair, "narrative": "来电人再次来电，说孩子又被打了"})
    assert ok.status_code == 202, ok.text
    runner.pump()
    report = api.client.get(f"/v1/reports/{filed['report_id']}", headers=api.auth("operator1")).json()
    case_id = report["case_id"]
    timeline = api.client.get(f"/v1/cases/{case_id}", headers=api.auth("supervisor1")).json()["timeline"]
    assert [t["type"] for t in timeline].count("case_supplement") == 1  # the refused one added nothing


def test_the_teachers_form_says_it_at_the_narrative(api: Api) -> None:
    login(api.client)
    fields = form_fields(api.client.get("/report").text)
    page = api.client.post("/report", data={**GOOD, **fields, "reporter.name": "张丽",
                                            "narrative": "张丽老师发现孩子身上有伤"})
    assert page.status_code == 422
    assert "情况描述不能含报告人本人的姓名" in page.text and 'id="error-narrative"' in page.text
