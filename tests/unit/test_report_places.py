"""The places a reporter chooses from by name: the demo directory's every village, found by part
of a name, posted as a name without JavaScript, stored as its 12-digit code and routed by the
longest prefix."""

import re
from dataclasses import replace

import pytest

from services.common.embedded import EmbeddedRunner
from services.common.vocabulary import AGENCY_KINDS
from services.dispatch.routing import Directory
from tests.conftest import Api
from tests.unit.test_pages import GOOD, form_fields, login

DIRECTORY = Directory.load()
SANJIANG_VILLAGES = [c for c, _ in DIRECTORY.places if len(c) == 12 and c.startswith("441823100")]
TOWNS = ["三江镇", "寨岗镇", "大麦山镇", "香坪镇", "大坪镇", "涡水镇", "三排镇"]


def test_the_demo_directory_lists_every_village_of_the_county_under_its_town() -> None:
    assert DIRECTORY.version == "directory/demo-v6"
    places = dict(DIRECTORY.places)
    assert places["441823"] == "连南瑶族自治县" and places["441802"] == "清远市 清城区"
    towns = {code: name for code, name in places.items() if len(code) == 9 and code.startswith("441823")}
    assert [name.split(" ")[-1] for name in towns.values()] == TOWNS
    for town_code, town in towns.items():
        villages = [n for c, n in places.items() if len(c) == 12 and c.startswith(town_code)]
        assert 8 <= len(villages) <= 15, town
        assert all(v.startswith(town + " ") for v in villages)
    streets = [c for c in places if len(c) == 9 and c.startswith("441802")]
    assert len(streets) == 8
    for street in streets:  # the second county's towns and streets have theirs too (v5)
        assert 3 <= len([c for c in places if len(c) == 12 and c.startswith(street)]) <= 15, street
    for code, name in places.items():  # each name is its parent's name and its own
        parent = code[:-3] if len(code) > 6 else None
        if parent:
            assert name.rsplit(" ", 1)[0] == places[parent]


def test_the_agencies_are_v2s_and_the_notifying_units() -> None:
    older = Directory.load("directory.demo.v2.json").agencies
    assert [replace(a, phone="") for a in DIRECTORY.agencies[:len(older)]] == list(older)
    assert [(a.agency_id, a.kind) for a in DIRECTORY.agencies[len(older):]] == [
        ("procuratorate-441823", "procuratorate"), ("court-441823", "court"), ("justice-441823", "justice"),
        ("procuratorate-441802", "procuratorate"), ("court-441802", "court"), ("justice-441802", "justice")]
    for county in ("441823", "441802"):  # every kind, receiving or notifying, in each county
        assert {a.kind for a in DIRECTORY.agencies if county in a.regions} == set(AGENCY_KINDS)
    assert Directory.load("directory.demo.v3.json").version == "directory/demo-v3"  # still loadable
    assert Directory.load("directory.demo.v4.json").version == "directory/demo-v4"  # decisions name it
    assert Directory.load("directory.demo.v5.json").agencies == tuple(
        replace(a, phone="") for a in DIRECTORY.agencies)  # v6 adds only the phones


def test_every_unit_has_a_duty_phone_as_people_dial_it() -> None:
    # v6: whom a supervisor calls when no one on a unit's roster can be told (stop 52's review).
    phones = [a.phone for a in DIRECTORY.agencies]
    assert all(re.fullmatch(r"0\d{2,3}-\d{7,8}", p) for p in phones), phones
    assert len(set(phones)) == len(phones)
    assert DIRECTORY.get("hospital-441823").public()["phone"] == "0763-6625120"
    assert Directory.load("directory.demo.v5.json").get("hospital-441823").public()["phone"] is None


@pytest.mark.parametrize(("text", "codes"), [
    ("金坑", ["441823100201"]),                             # part of a village's name
    ("三江镇", ["441823100", *SANJIANG_VILLAGES]),          # a town's own name: it and its villages
    ("三江镇龙", ["441823100202", "441823100208"]),           # a town run on into part of a village's name
    ("三江龙", ["441823100202", "441823100208"]),             # the town without its 镇
    ("三江 龙", ["441823100202", "441823100208"]),            # 大龙村, 龙湾村
    ("连南瑶族自治县 三江镇 金坑村", ["441823100201"]),        # the full name, as the list shows it
    ("三江镇金坑村", ["441823100201"]),                      # spaces do not matter
    ("三排 新寨", ["441823106206"]),                         # words narrowing down
    ("新寨村", ["441823100203", "441823106206"]),            # two villages of that name
    ("月球", []),
])
def test_places_are_found_by_part_of_their_name(text: str, codes: list[str]) -> None:
    assert [code for code, _ in DIRECTORY.find_places(text)] == codes


def test_a_village_routes_to_its_towns_unit_or_else_the_countys() -> None:
    police = DIRECTORY.resolve("police", "441823100201")  # 三江镇 金坑村: the town's police station
    assert police is not None and police.agency_id == "police-441823100"
    police = DIRECTORY.resolve("police", "441823106201")  # 三排镇 油岭村: no unit of its own
    assert police is not None and police.agency_id == "police-441823"
    assert DIRECTORY.place_name("441823106201") == "连南瑶族自治县 三排镇 油岭村"


def test_the_form_offers_the_places_by_name(api: Api) -> None:
    login(api.client)
    page = api.client.get("/report").text
    assert re.search(r'<input type="text" id="f-location-region_code" name="location.region_code"'
                     r' value="" list="f-location-region_code-names"', page)
    assert '<option value="连南瑶族自治县 三江镇 金坑村" data-code="441823100201">' in page
    assert page.count('data-code="') == len(DIRECTORY.places)


def county_police_referral(api: Api, runner: EmbeddedRunner) -> dict:  # type: ignore[type-arg]
    runner.pump()
    (row,) = api.client.get("/v1/desk/referrals", headers=api.auth("police-desk")).json()
    r = api.client.get(f"/v1/referrals/{row['referral_id']}", headers=api.auth("police-desk"))
    assert r.status_code == 200
    return r.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize(("typed", "code"), [("油岭", "441823106201"),
                                              ("连南瑶族自治县 三排镇 油岭村", "441823106201"),
                                              ("441823106", "441823106"),
                                              ("三排镇", "441823106")])  # the town, listed with its villages
def test_a_name_posted_without_javascript_is_stored_as_its_code(
    api: Api, runner: EmbeddedRunner, typed: str, code: str
) -> None:
    login(api.client)
    fields = form_fields(api.client.get("/report").text)
    r = api.client.post("/report", data={**GOOD, **fields, "location.region_code": typed})
    assert r.url.path.startswith("/report/receipt/"), re.findall(r'class="error"[^>]*>([^<]+)<', r.text)
    detail = county_police_referral(api, runner)
    assert detail["reports"][0]["region_code"] == code


@pytest.mark.parametrize(("typed", "message"), [
    ("新寨村", "有2个地点与“新寨村”相符（如连南瑶族自治县 三江镇 新寨村、连南瑶族自治县 三排镇 新寨村）"),
    ("月球村", "没有找到“月球村”"),
    ("", "请填写发生地点"),
    ("4418", "行政区划代码须为6位"),
])
def test_a_place_that_is_not_one_is_named_next_to_the_field(
    api: Api, runner: EmbeddedRunner, typed: str, message: str
) -> None:
    login(api.client)
    fields = form_fields(api.client.get("/report").text)
    r = api.client.post("/report", data={**GOOD, **fields, "location.region_code": typed})
    assert r.status_code == 422
    shown = re.search(r'<p class="error" id="error-location-region_code">([^<]+)</p>', r.text)
    assert shown and message in shown.group(1)
    assert f'value="{typed}" list="f-location-region_code-names"' in r.text  # what was typed is kept
    assert "有 1 处需要修改" in r.text
    assert runner.pump() == 0
