"""Digits as people type them (contract §10, issue #26 finding 4): fullwidth digits are folded
(NFKC) before validation, matching and storage; what NFKC leaves non-ASCII is a 422."""

from __future__ import annotations

import unicodedata

import pytest
from pydantic import BaseModel, ValidationError

from services.api.guard import typed_value
from services.bootstrap import ApiContainer
from services.common.embedded import EmbeddedRunner
from services.common.numbers import IdNumber, RegionCode, TypedCode, check_phone, fold
from services.intake.domain import spoken
from tests.conftest import Api
from tests.helpers import CHILD_ID, report_body
from tests.unit.test_desk_pages import referral_on_page

FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９ｘ")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def test_nfkc_folds_fullwidth_but_not_arabic_indic_digits() -> None:
    # What the rule rests on: NFKC maps fullwidth forms to ASCII, and leaves other scripts' digits.
    assert unicodedata.normalize("NFKC", "４４１８２３") == "441823"
    assert unicodedata.normalize("NFKC", "٤٤١٨٢٣") == "٤٤١٨٢٣"
    assert "٤٤١٨٢٣".isdigit()  # why str.isdigit() and `\d` were not enough


class _Fields(BaseModel):
    region_code: RegionCode
    id_number: IdNumber = None
    receipt_no: TypedCode = "x"


@pytest.mark.parametrize("typed", ["４４１８２３", "441823", "４４１８２３００１"])
def test_region_codes_are_folded(typed: str) -> None:
    assert _Fields(region_code=typed).region_code == fold(typed)


@pytest.mark.parametrize("typed", ["44182a", "٤٤١٨٢٣", "４４１８２", "44١823", "४४१८२३"])
def test_region_codes_that_stay_non_ascii_or_wrong_are_refused(typed: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _Fields(region_code=typed)
    assert caught.value.errors()[0]["loc"] == ("region_code",)


def test_id_numbers_are_folded_and_their_x_upper_cased() -> None:
    x_id = "44182320150101004X"
    assert _Fields(region_code="441823", id_number=CHILD_ID.translate(FULLWIDTH)).id_number == CHILD_ID
    assert _Fields(region_code="441823", id_number=x_id.translate(FULLWIDTH).lower()).id_number == x_id
    with pytest.raises(ValidationError) as caught:
        _Fields(region_code="441823", id_number=CHILD_ID.translate(ARABIC_INDIC))
    assert caught.value.errors()[0]["loc"] == ("id_number",)


def test_receipts_are_folded_and_non_ascii_refused() -> None:
    assert _Fields(region_code="441823", receipt_no="２０２６１２０１－ＡＢ").receipt_no == "20261201-AB"
    assert spoken("２０２６１２０１－ａｂｃｄｅｆｇｈｊｋ") == "20261201-ABCDEFGHJK"
    with pytest.raises(ValidationError) as caught:
        _Fields(region_code="441823", receipt_no="二〇二六")
    assert caught.value.errors()[0]["loc"] == ("receipt_no",)


def _case_of(api: Api, report_id: str) -> str:
    status = api.client.get(f"/v1/reports/{report_id}", headers=api.auth("operator1")).json()
    assert status["status"] == "dispatched", status
    return str(status["case_id"])


def test_a_red_report_typed_in_fullwidth_digits_reaches_the_police_and_joins_the_childs_case(
        api: Api, runner: EmbeddedRunner, hotline: ApiContainer) -> None:
    first = api.submit(report_body(concerns=["neglect"], immediate_danger=False), key="ascii")
    assert first.status_code == 201, first.text
    runner.pump()
    case_id = _case_of(api, first.json()["report_id"])

    body = report_body(concerns=["sexual_abuse"], immediate_danger=True,
                       location={"region_code": "４４１８２３", "address": "某村三巷"},
                       reporter={"name": "李女士", "phone": "１３８－００００－００００",
                                 "relation": "neighbour"})
    body["children"][0]["id_number"] = CHILD_ID.translate(FULLWIDTH)
    red = api.submit(body, key="fullwidth")
    assert red.status_code == 201, red.text
    runner.pump()

    assert _case_of(api, red.json()["report_id"]) == case_id  # matched like ASCII digits
    case = api.client.get(f"/v1/cases/{case_id}", headers=api.auth("supervisor1")).json()
    assert case["risk_level"] == "red"
    assert "police" in {r["agency_kind"] for r in case["referrals"]}
    assert not [t for t in case["timeline"] if "routing_gap" in t["type"]], case["timeline"]
    police = api.client.get("/v1/desk/referrals", headers=api.auth("police-desk")).json()
    assert case_id in {x["case_id"] for x in police}
    # Stored folded: the sealed data holds the ASCII forms.
    report = hotline.intake.get_report(red.json()["report_id"])
    data = hotline.intake.personal_data(report) or {}
    assert data["children"][0]["id_number"] == CHILD_ID
    assert data["reporter"]["phone"] == "13800000000"  # a mobile number kept as its digits


@pytest.mark.parametrize("typed", ["44182a", "٤٤١٨٢٣"])
def test_a_region_code_not_in_ascii_digits_is_422_naming_it(api: Api, typed: str) -> None:
    r = api.submit(report_body(location={"region_code": typed}), key=f"bad-{typed.encode().hex()}")
    assert r.status_code == 422, r.text
    assert ["body", "location", "region_code"] in [d["loc"] for d in r.json()["detail"]]


def test_other_schemas_fold_too(api: Api) -> None:
    check = api.client.post("/v1/children/repeat-check", headers=api.auth("operator1"), json={
        "children": [{"id_number": CHILD_ID.translate(FULLWIDTH)}], "region_code": "４４１８２３"})
    assert check.status_code == 200, check.text
    bad = api.client.post("/v1/children/repeat-check", headers=api.auth("operator1"), json={
        "children": [{"id_number": CHILD_ID}], "region_code": "٤٤١٨٢٣"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "region_code"
    sentinel = api.client.post("/v1/sentinels", headers=api.auth("admin1"), json={
        "name": "三江小学", "kind": "school", "region_code": "٤٤١٨٢٣", "first_reporter": "teacher1"})
    assert sentinel.status_code == 422 and sentinel.json()["detail"][0]["loc"][-1] == "region_code"
    stats = api.client.get("/v1/stats", params={"region": "٤٤"}, headers=api.auth("supervisor1"))
    assert stats.status_code == 422
    lookup = api.client.post("/v1/receipts/lookup", json={"receipt_no": "二〇二六", "lookup_code": "码"})
    assert lookup.status_code == 422
    assert {d["loc"][-1] for d in lookup.json()["detail"]} == {"receipt_no", "lookup_code"}


def test_the_lookup_page_says_why_next_to_the_field(api: Api) -> None:
    page = api.client.get("/lookup")
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    r = api.client.post("/lookup", data={"csrf": csrf, "receipt_no": "二〇二六一二〇一",
                                         "lookup_code": "ＡＢＣ"})
    assert r.status_code == 422
    assert "只能填写数字和英文字母" in r.text


def test_the_admin_page_registers_a_sentinel_by_a_fullwidth_code(api: Api, hotline: ApiContainer) -> None:
    from tests.unit.test_admin_sentinel_places import admin, post_sentinel
    r = post_sentinel(api, admin(api), "４４１８２３１０６")
    assert r.status_code == 303, r.text
    (sentinel,) = hotline.accounts.list_sentinels()
    assert sentinel.region_code == "441823106"
    refused = post_sentinel(api, admin(api), "٤٤١٨٢٣١٠٦", name="另一个哨点")
    assert refused.status_code == 422 and "error-region_code" in refused.text


def test_a_desk_outcome_typed_in_fullwidth_digits_is_kept_in_ascii(api: Api, runner: EmbeddedRunner,
                                                                  hotline: ApiContainer) -> None:
    """The police desk's review (stop 54): "１２月６日已出警…由１２０送县人民医院" was kept fullwidth,
    and no search for "120" found it. Every page's form folds fullwidth digits; a password is
    taken exactly as typed."""
    referral_id, csrf = referral_on_page(api, runner)
    base = f"/desk/referrals/{referral_id}"
    api.client.post(f"{base}/acknowledge", data={"csrf": csrf, "back": "detail"})
    typed = "１２月６日已出警，由１２０送县人民医院"
    r = api.client.post(f"{base}/outcome", data={"csrf": csrf, "outcome": typed, "confirmed": "yes"},
                        follow_redirects=False)
    assert r.status_code == 303, r.text
    assert hotline.dispatch.get_referral(referral_id).outcome == "12月6日已出警，由120送县人民医院"
    assert typed_value("password", "ａ１２") == "ａ１２" and typed_value("note", "ａ１２") == "ａ12"


@pytest.mark.parametrize("typed,kept", [
    ("138 2233-4455", "13822334455"), ("１３８-２２３３-４４５５", "13822334455"),
    ("0763-6621360", "0763-6621360"), ("+86 139 1111 2222", "+8613911112222")])
def test_a_mobile_number_is_kept_as_its_digits_a_landline_with_its_dash(typed: str, kept: str) -> None:
    """Stop 59's operator: "138 2233-4455" reached the police desk as "1382233-4455"."""
    assert check_phone(fold(typed)) == kept
