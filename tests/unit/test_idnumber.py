"""GB 11643 id numbers: the check character (ISO 7064 MOD 11-2) wherever an id number is taken,
in one function every schema uses; the report form names the mistake in Chinese by the field."""

import importlib
import pkgutil
import re

import pytest
from pydantic import BaseModel
from pydantic_core import PydanticCustomError

import services
from services.common.embedded import EmbeddedRunner
from services.common.numbers import CHECK_ERROR, FORMAT_ERROR, check_character, id_number, typed_age
from tests.conftest import Api
from tests.helpers import CHILD_ID, report_body
from tests.helpers import id_number as with_check
from tests.unit.test_pages import GOOD, form_fields, login

WRONG = CHILD_ID[:17] + ("0" if CHILD_ID[17] != "0" else "1")  # the right shape, the wrong check


def test_check_character_follows_the_standard() -> None:
    assert check_character("11010519491231002") == "X"  # GB 11643's own example
    assert check_character("44182320150101123") == "7"
    assert with_check("44182320160100005") == "44182320160100005X"
    with pytest.raises(ValueError):
        check_character("1234")


@pytest.mark.parametrize(("value", "kind"), [
    (WRONG, CHECK_ERROR), ("441823201501011", FORMAT_ERROR),  # 15 digits: none issued to a child
    ("4418232015010112345", FORMAT_ERROR), ("44182320150101123Y", FORMAT_ERROR)])
def test_a_wrong_number_says_what_is_wrong(value: str, kind: str) -> None:
    with pytest.raises(PydanticCustomError) as caught:
        id_number(value)
    assert caught.value.type == kind


def test_lower_case_x_and_blanks_are_accepted() -> None:
    assert id_number("44182320160100005x") == "44182320160100005X"
    assert id_number("") is None and id_number(None) is None


def test_every_schema_with_an_id_number_uses_the_one_check() -> None:
    found = []
    for module in pkgutil.walk_packages(services.__path__, "services."):
        for value in vars(importlib.import_module(module.name)).values():
            if isinstance(value, type) and issubclass(value, BaseModel) and "id_number" in value.model_fields:
                field = value.model_fields["id_number"]
                assert any(getattr(m, "func", None) is id_number for m in field.metadata), value
                found.append(value.__name__)
    assert "Child" in found


def test_reports_with_a_wrong_check_character_are_refused_and_nothing_is_stored(
    api: Api, runner: EmbeddedRunner
) -> None:
    body = report_body(children=[{"name": "王小明", "age": 9, "id_number": WRONG}])
    r = api.submit(body, key="wrong-check")
    assert r.status_code == 422
    assert r.json()["detail"] == [{"loc": ["body", "children", 0, "id_number"], "type": CHECK_ERROR,
                                   "msg": "id_number check character is wrong (GB 11643, ISO 7064 MOD 11-2)"}]
    assert runner.pump() == 0
    r = api.submit(report_body(children=[{"name": "王小明", "age": 9, "id_number": "44182320160100005x"}]),
                   key="lower-x")
    assert r.status_code == 201, r.text
    runner.pump()
    report = api.client.get(f"/v1/reports/{r.json()['report_id']}", headers=api.auth("operator1"))
    case_id = report.json()["case_id"]
    case = api.client.get(f"/v1/cases/{case_id}", headers=api.auth("supervisor1")).json()
    referral = next(x["referral_id"] for x in case["referrals"] if x["agency_kind"] == "police")
    detail = api.client.get(f"/v1/referrals/{referral}", headers=api.auth("police-desk")).json()
    assert detail["reports"][0]["children"][0]["id_number"] == "44182320160100005X"


def test_the_repeat_check_refuses_a_wrong_check_character(api: Api) -> None:
    r = api.client.post("/v1/children/repeat-check", json={"children": [{"id_number": WRONG}]},
                        headers=api.auth("operator1"))
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "children", 0, "id_number"]
    assert r.json()["detail"][0]["type"] == CHECK_ERROR


def test_the_form_names_the_check_character_in_chinese_next_to_the_field(
    api: Api, runner: EmbeddedRunner
) -> None:
    login(api.client)
    fields = form_fields(api.client.get("/report").text)
    r = api.client.post("/report", data={**GOOD, **fields, "children.0.id_number": WRONG.lower()})
    assert r.status_code == 422
    message = re.search(r'<p class="error" id="error-children-0-id_number">([^<]+)</p>', r.text)
    assert message and message.group(1) == "身份证号码校验位不正确，请核对；不确定的可清空（知道才填）。"
    assert 'aria-describedby="error-children-0-id_number"' in r.text
    r = api.client.post("/report", data={**GOOD, **fields, "children.0.id_number": "12345"})
    assert "身份证号须为18位" in r.text and "校验位不正确" not in r.text
    assert runner.pump() == 0


def test_an_age_typed_as_an_input_method_gives_it_is_read_on_the_form(api: Api) -> None:
    """Stop 64's operator and teacher: 七 typed into a number field was dropped without a word."""
    typed = ("七", "十二岁", "８", " 9 周岁", "两岁", "零")
    assert [typed_age(t) for t in typed] == ["7", "12", "8", "9", "2", "0"]
    assert typed_age("大约十") == "大约十" and typed_age(None) is None
    login(api.client)
    fields = form_fields(api.client.get("/report").text)
    assert 'type="text" inputmode="numeric" maxlength="6" autocomplete="off" id="f-children-0-age"' in \
        api.client.get("/report").text
    vague = api.client.post("/report", data={**GOOD, **fields, "children.0.age": "大约十"})
    assert vague.status_code == 422 and "年龄须为0至17之间的整数（周岁）" in vague.text
    filed = api.client.post("/report", data={**GOOD, **fields, "children.0.age": "七岁"},
                            follow_redirects=False)
    assert filed.status_code == 303, filed.text
