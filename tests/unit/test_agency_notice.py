"""Agency notices (contract §12): a unit's desk files what it learned; civil affairs gets the referral."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.common.embedded import EmbeddedRunner
from services.common.vocabulary import AGENCY_KINDS, Concern
from services.dispatch.routing import Directory, ReferralMatrix
from tests.conftest import Api
from tests.helpers import report_body

NOTIFYING = ("procuratorate", "court", "justice")
MATRIX = ReferralMatrix.load()
DIRECTORY = Directory.load()


def notice(**overrides: object) -> dict[str, object]:
    """A police station's notice: a mother detained, her son left alone in a 三江镇 village."""
    fields: dict[str, object] = {
        "channel": "agency_notice", "concerns": ["parents_detained_or_rehab"], "immediate_danger": False,
        "narrative": "母亲因涉嫌犯罪被刑事拘留，9岁儿子独自在家无人照料。",
        "reporter": {"name": "张警官", "phone": "0763-1234567", "relation": "other", "anonymous": False},
        "location": {"region_code": "441823100201", "address": "金坑村"}}
    return report_body(**{**fields, **overrides})


def test_a_police_desk_notice_reaches_the_towns_civil_affairs_desk(api: Api, runner: EmbeddedRunner) -> None:
    r = api.submit(notice(), as_user="police-sanjiang", key="notice-1")
    assert r.status_code == 201, r.text
    runner.pump()
    status = api.client.get(f"/v1/reports/{r.json()['report_id']}", headers=api.auth("supervisor1")).json()
    inbox = api.client.get("/v1/desk/referrals", headers=api.auth("civil-sanjiang")).json()
    assert [x["case_id"] for x in inbox] == [status["case_id"]]
    assert status["filing_unit"] == "police-441823100"
    referral = api.client.get(f"/v1/referrals/{inbox[0]['referral_id']}",
                              headers=api.auth("civil-sanjiang")).json()
    (filed,) = referral["reports"]
    assert filed["channel"] == "agency_notice" and filed["filing_unit"] == "police-441823100"
    assert api.client.get("/v1/desk/referrals", headers=api.auth("police-sanjiang")).json() == []
    # The officer who filed it, to be called back (disclosure/v3; the police desk's review, stop 54:
    # civil affairs read "联系方式不向本单位提供"); a private reporter's contact stays withheld.
    assert filed["reporter"] == {"relation": "other", "anonymous": False, "name": "张警官",
                                 "phone": "0763-1234567"}
    assert filed["disclosure_version"] == "disclosure/v4"


@pytest.mark.parametrize("user", ["procuratorate-desk", "court-desk", "justice-desk"])
def test_the_notifying_units_file_notices_and_receive_nothing(api: Api, runner: EmbeddedRunner,
                                                               user: str) -> None:
    r = api.submit(notice(concerns=["domestic_violence", "parents_detained_or_rehab"]), as_user=user,
                   key=f"notice-{user}")
    assert r.status_code == 201, r.text
    runner.pump()
    assert api.client.get("/v1/desk/referrals", headers=api.auth(user)).json() == []
    assert len(api.client.get("/v1/desk/referrals", headers=api.auth("civil-sanjiang")).json()) == 1


@pytest.mark.parametrize(("user", "channel"), [
    ("operator1", "agency_notice"), ("teacher1", "agency_notice"),
    ("police-desk", "web_form"), ("police-desk", "hotline_12345")])
def test_only_a_desk_uses_the_channel_and_a_desk_no_other(api: Api, user: str, channel: str) -> None:
    r = api.submit(notice(channel=channel), as_user=user, key=f"wrong-{user}-{channel}")
    assert r.status_code == 422, r.text
    assert "channel" in r.text


def test_the_routing_data_names_the_receiving_kinds() -> None:
    assert MATRIX.version == "referral-matrix/v2"
    assert MATRIX.receiving_kinds == ("police", "civil_affairs", "education", "hospital")
    assert not any(MATRIX.receives(kind) for kind in NOTIFYING)
    assert set(AGENCY_KINDS) - set(MATRIX.receiving_kinds) == set(NOTIFYING)
    # The version decisions made before it recorded still loads, receiving what it routed to.
    old = ReferralMatrix.load("referral_matrix.v1.json")
    assert old.version == "referral-matrix/v1" and old.receiving_kinds == MATRIX.receiving_kinds
    assert {a.kind for a in DIRECTORY.agencies if a.regions == ("441823",)} >= set(NOTIFYING)


@given(st.lists(st.sampled_from(list(Concern)), max_size=6),
       st.sampled_from(["441823", "441823100", "441823100201", "441823104", "441802"]))
def test_no_concern_routes_to_a_notifying_kind(concerns: list[str], region: str) -> None:
    kinds = MATRIX.kinds_for(concerns)
    assert kinds and not set(kinds) & set(NOTIFYING)
    units = [DIRECTORY.resolve(kind, region) for kind in kinds]
    assert all(u is None or u.kind not in NOTIFYING for u in units)


def test_a_supervisor_cannot_refer_to_a_notifying_unit(api: Api, runner: EmbeddedRunner) -> None:
    api.submit(report_body(), key="manual")
    runner.pump()
    (case,) = api.client.get("/v1/cases", headers=api.auth("supervisor1")).json()
    r = api.client.post(f"/v1/cases/{case['case_id']}/referrals", headers=api.auth("supervisor1"),
                        json={"agency_id": "court-441823", "reason": "试试"})
    assert r.status_code == 422 and "agency_id" in r.text


def test_the_on_call_health_leaves_out_the_units_never_referred_to(api: Api) -> None:
    rows = api.client.get("/v1/notifications/health", headers=api.auth("supervisor1"))
    assert rows.status_code == 200, rows.text
    units = {r["agency_id"] for r in rows.json()}
    assert "police-441823" in units and not units & {"procuratorate-441823", "court-441823", "justice-441823"}
