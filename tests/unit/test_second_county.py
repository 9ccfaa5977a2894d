"""The demo directory's second county (清城区, 441802, directory demo-v5): its places are found by
name, its reports go to its own units by the longest prefix, never to 连南's (441823)."""

from __future__ import annotations

from services.common.embedded import EmbeddedRunner
from services.dispatch.routing import Directory, ReferralMatrix
from tests.conftest import Api
from tests.helpers import report_body

DIRECTORY = Directory.load()
VILLAGE = "441802100201"  # 清城区 源潭镇 青龙村


def test_every_receiving_kind_of_a_qingcheng_village_is_a_qingcheng_unit() -> None:
    for kind in ReferralMatrix.load().receiving_kinds:
        unit = DIRECTORY.resolve(kind, VILLAGE)
        assert unit is not None and unit.regions == ("441802",), kind
    assert DIRECTORY.resolve("police", "441823100201").agency_id == "police-441823100"  # type: ignore[union-attr]
    assert DIRECTORY.place_name(VILLAGE) == "清远市 清城区 源潭镇 青龙村"
    assert [c for c, _ in DIRECTORY.find_places("源潭 青龙")] == [VILLAGE]
    assert DIRECTORY.find_places("飞来峡镇")[0] == ("441802103", "清远市 清城区 飞来峡镇")


def test_the_regions_above_the_counties_are_named_but_not_places() -> None:
    assert DIRECTORY.region_name("44") == "广东省" and DIRECTORY.region_name("4418") == "清远市"
    assert DIRECTORY.region_name("441802") == "清城区" and DIRECTORY.region_name("441802002") == "东城街道"
    assert DIRECTORY.region_name("441899") == ""
    assert "4418" not in dict(DIRECTORY.places) and "44" not in dict(DIRECTORY.places)
    assert DIRECTORY.subregions(None, 2) == ["44"]
    assert DIRECTORY.subregions("4418", 6) == ["441802", "441823"]
    assert len(DIRECTORY.subregions("441802", 9)) == 8


def test_a_qingcheng_village_report_goes_to_the_qingcheng_desks(api: Api, runner: EmbeddedRunner) -> None:
    body = report_body(location={"region_code": VILLAGE, "address": "某村三巷"})
    assert api.submit(body).status_code == 201
    runner.pump()
    for desk, unit in (("police-qingcheng", "police-441802"), ("hospital-qingcheng", "hospital-441802")):
        (row,) = api.client.get("/v1/desk/referrals", headers=api.auth(desk)).json()
        detail = api.client.get(f"/v1/referrals/{row['referral_id']}", headers=api.auth(desk)).json()
        assert detail["agency_id"] == unit and detail["reports"][0]["region_code"] == VILLAGE
    for desk in ("police-desk", "hospital-desk", "police-sanjiang"):  # 连南's units: nothing
        assert api.client.get("/v1/desk/referrals", headers=api.auth(desk)).json() == []
