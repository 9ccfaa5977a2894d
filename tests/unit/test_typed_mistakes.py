"""Mistakes an operator makes under time pressure (the operator's review, stop 54), refused at the
field with what to do, in Chinese on the form and 422 naming the field on the API; nothing stored:
an identity number typed into 详细地址 (every unit reads the address, not every unit may read id
numbers), a mobile number a digit short, a 发生时间 in the future. Spaces typed in a phone number
are not kept."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from tests.conftest import Api
from tests.helpers import id_number, report_body
from tests.unit.test_pages import GOOD, form_fields, login


def refused_fields(r: object) -> set[str]:
    return {".".join(str(p) for p in e["loc"][1:]) for e in r.json()["detail"]}  # type: ignore[attr-defined]


def test_the_api_refuses_each_at_its_field_and_stores_nothing(api: Api, runner: EmbeddedRunner,
                                                              hotline: ApiContainer) -> None:
    idn = id_number("44182319850312001")
    cases = {
        "location.address": report_body(location={"region_code": "441823",
                                                  "address": f"金坑村委会旁边{idn} 三楼"}),
        "reporter.phone": report_body(reporter={"relation": "neighbour", "phone": "1380013800"}),
        "occurred_at": report_body(occurred_at=(datetime.now(UTC) + timedelta(days=2)).isoformat()),
    }
    for field, body in cases.items():
        r = api.submit(body, key=f"mistake-{field}")
        assert r.status_code == 422, (field, r.text)
        assert field in refused_fields(r), (field, r.text)
    wide = idn.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    fullwidth = report_body(location={"region_code": "441823", "address": "金坑村" + wide})
    assert api.submit(fullwidth, key="mistake-fullwidth").status_code == 422
    assert runner.pump() == 0  # nothing was stored, nothing sent on
    # What is right still goes: a phone with spaces (kept without), a landline, a house number.
    ok = api.submit(report_body(reporter={"relation": "neighbour", "phone": "139 2233 4455"},
                                location={"region_code": "441823", "address": "金坑村12号"},
                                occurred_at=(datetime.now(UTC) - timedelta(hours=1)).isoformat()), key="fine")
    assert ok.status_code == 201, ok.text
    report = hotline.intake.get_report(ok.json()["report_id"])
    assert hotline.intake.personal_data(report)["reporter"]["phone"] == "13922334455"  # type: ignore[index]
    assert api.submit(report_body(reporter={"relation": "neighbour", "phone": "0763-6622110"}),
                      key="landline").status_code == 201


def test_the_form_says_each_in_chinese_beside_its_field_and_keeps_what_was_typed(api: Api) -> None:
    login(api.client)
    page = api.client.get("/report").text
    idn = id_number("44182319850312001")
    future = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    r = api.client.post("/report", data={**GOOD, **form_fields(page), "location.address": f"金坑村{idn}",
                                         "reporter.phone": "1380013800", "occurred_at": future})
    assert r.status_code == 422
    summary = re.search(r'id="error-summary">(.*?)</div>', r.text, re.S).group(1)  # type: ignore[union-attr]
    said = " ".join(re.findall(r"<a [^>]*>([^<]+)</a>", summary))
    assert "详细地址中有一串像身份证号的数字" in said, said
    assert "手机号码须为11位" in said and "发生时间不能晚于现在" in said, said
    assert f"金坑村{idn}" in r.text  # kept, to be mended
