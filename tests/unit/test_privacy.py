"""Least privilege per recipient, and crypto-shredding of one report's personal data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from services.bootstrap import ApiContainer, edges_of
from services.cli.main import main
from services.common.embedded import EmbeddedRunner
from services.common.settings import Settings
from services.intake.schemas import IntakeTranslator, ReportIn
from tests.conftest import Api
from tests.helpers import FAST_HASHER, PII_VALUES, audit_entries, build, report_body
from tests.unit.test_board_page import visible
from tests.unit.test_pages import login


def referral_detail(api: Api, user: str, kind: str, case_id: str) -> dict:  # type: ignore[type-arg]
    case = api.client.get(f"/v1/cases/{case_id}", headers=api.auth("supervisor1")).json()
    referral_id = next(r["referral_id"] for r in case["referrals"] if r["agency_kind"] == kind)
    r = api.client.get(f"/v1/referrals/{referral_id}", headers=api.auth(user))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def filed(api: Api, runner: EmbeddedRunner, **overrides) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    report = api.submit(report_body(**overrides), key="privacy").json()
    runner.pump()
    case_id = api.client.get(f"/v1/reports/{report['report_id']}",
                             headers=api.auth("operator1")).json()["case_id"]
    return report["report_id"], case_id


def test_each_agency_kind_sees_only_what_it_needs(api: Api, runner: EmbeddedRunner) -> None:
    _, case_id = filed(api, runner, concerns=["domestic_violence", "serious_injury",
                                              "school_dropout"])
    police = referral_detail(api, "police-desk", "police", case_id)["reports"][0]
    assert police["children"][0]["id_number"] == "441823201501011237"
    assert police["reporter"]["name"] == "李女士" and police["reporter"]["phone"] == "13800000000"
    assert police["narrative"] == "孩子被打流血" and police["address"] == "某村三巷"

    hospital = referral_detail(api, "hospital-desk", "hospital", case_id)["reports"][0]
    assert hospital["children"][0] == {"name": "王小明", "gender": "male", "age": 9}
    assert hospital["reporter"] == {"anonymous": False}  # not who reported, only whether anyone can be asked
    assert hospital["concerns"] == ["domestic_violence", "serious_injury", "school_dropout"]

    education = referral_detail(api, "edu-desk", "education", case_id)["reports"][0]
    assert "address" not in education and "id_number" not in education["children"][0]
    assert education["reporter"] == {"relation": "neighbour", "anonymous": False}

    civil = referral_detail(api, "civil-desk", "civil_affairs", case_id)["reports"][0]
    assert "name" not in civil["reporter"] and civil["disclosure_version"] == "disclosure/v4"

    full = referral_detail(api, "supervisor1", "hospital", case_id)["reports"][0]
    assert full["reporter"]["name"] == "李女士"


def test_anonymous_reporter_is_anonymous_to_police_too(api: Api, runner: EmbeddedRunner) -> None:
    _, case_id = filed(api, runner, reporter={"name": "李女士", "phone": "13800000000",
                                              "relation": "public", "anonymous": True})
    police = referral_detail(api, "police-desk", "police", case_id)["reports"][0]
    assert police["reporter"] == {"relation": "public", "anonymous": True, "name": None,
                                  "phone": None}
    # Every unit is told that nobody can be asked (stop 64's civil desk: an anonymous red report read
    # "其他公众（联系方式不向本单位提供）" and "督办人员…可代为核实"), and nothing more (disclosure/v4).
    hospital = referral_detail(api, "hospital-desk", "hospital", case_id)
    assert hospital["reports"][0]["reporter"] == {"anonymous": True}
    login(api.client, "hospital-desk")
    page = visible(api.client.get(f"/desk/referrals/{hospital['referral_id']}").text)
    assert "匿名报告（未留姓名和电话）" in page and "看不到报告人的联系方式" not in page


def test_erasure_shreds_personal_data_and_keeps_the_facts(
    api: Api, runner: EmbeddedRunner, hotline: ApiContainer
) -> None:
    report_id, case_id = filed(api, runner)
    assert hotline.intake is not None and hotline.keys is not None
    sealed_on_the_wire = IntakeTranslator()(
        hotline.intake.mapper.to_domain_event(
            hotline.intake.recorder.select_notifications(start=1, limit=1)[0]))
    assert sealed_on_the_wire is not None
    assert hotline.keys.open(report_id, sealed_on_the_wire.data["pii"]) is not None

    with pytest.raises(ValueError, match="reason"):
        hotline.intake.erase(UUID(report_id), reason=" ", by="admin1")
    hotline.intake.erase(UUID(report_id), reason="监护人依法申请删除", by="admin1")
    hotline.intake.erase(UUID(report_id), reason="again", by="admin1")  # harmless

    report = hotline.intake.get_report(UUID(report_id))
    assert report.erased_at is not None and hotline.intake.personal_data(report) is None
    assert hotline.keys.open(report_id, sealed_on_the_wire.data["pii"]) is None  # Kafka history
    police = referral_detail(api, "police-desk", "police", case_id)["reports"][0]
    assert police["erased"] and police["children"][0]["name"] is None
    assert police["narrative"] is None and police["reporter"]["name"] is None
    body = json.dumps(police, ensure_ascii=False)
    assert not [v for v in PII_VALUES if v in body]

    # The non-personal history stays for accountability.
    case = api.client.get(f"/v1/cases/{case_id}", headers=api.auth("supervisor1")).json()
    assert case["risk_level"] == "red" and len(case["referrals"]) == 2
    assert api.client.get(f"/v1/reports/{report_id}", headers=api.auth("operator1")
                          ).json()["status"] == "dispatched"
    r = api.client.post(f"/v1/reports/{report_id}/supplements", json={"narrative": "补充"},
                        headers=api.auth("operator1"))
    assert r.status_code == 409


def test_hotline_erase_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HOTLINE_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("HOTLINE_DATABASE_URL", raising=False)
    h = build(Settings(var_dir=tmp_path), password_hasher=FAST_HASHER)
    assert h.intake is not None
    receipt = h.intake.submit_report(ReportIn.model_validate(report_body()), submitted_by="op",
                                     role="operator", idempotency_key="k")
    EmbeddedRunner(edges_of(h)).pump()
    h.close()
    capsys.readouterr()
    assert main(["erase", "--report", str(receipt.report_id), "--reason", "依法删除"]) == 0
    assert json.loads(capsys.readouterr().out)["erased_at"]
    assert main(["erase", "--report", "not-a-uuid", "--reason", "x"]) == 2
    h = build(Settings(var_dir=tmp_path))
    assert h.intake is not None
    assert h.intake.personal_data(h.intake.get_report(receipt.report_id)) is None
    h.close()
    for f in tmp_path.glob("*.sqlite*"):
        assert not [v for v in PII_VALUES if v.encode() in f.read_bytes()], f.name


def stored_events(app: Any) -> list[Any]:
    """Every event an application stored, decoded (decrypted) as the application reads it."""
    return [app.mapper.to_domain_event(n)
            for n in app.recorder.select_notifications(start=1, limit=10_000)]


def test_every_personal_field_is_sealed_under_the_reports_own_key(
    api: Api, runner: EmbeddedRunner, hotline: ApiContainer
) -> None:
    """Inside the event store's own encryption, personal data is sealed again per report."""
    report_id, _ = filed(api, runner)
    api.client.post(f"/v1/reports/{report_id}/supplements", json={"narrative": "又见孩子被打流血"},
                    headers=api.auth("operator1"))
    other = api.submit(report_body(children=[{"name": "李小红", "age": 7}]), key="other").json()
    runner.pump()
    own, foreign = hotline.keys.key_for(report_id), hotline.keys.key_for(other["report_id"])
    assert own is not None and foreign is not None

    sealed = [e for e in stored_events(hotline.intake)
              if str(e.originator_id) == report_id and hasattr(e, "pii")]
    assert [type(e).__name__ for e in sealed] == ["Received", "Supplemented"]
    received, supplemented = (own.open(e.pii) for e in sealed)
    assert received["children"] == [{"name": "王小明", "id_number": "441823201501011237"}]
    assert received["reporter"] == {"name": "李女士", "phone": "13800000000"}
    assert received["address"] == "某村三巷" and received["narrative"] == "孩子被打流血"
    assert supplemented == {"narrative": "又见孩子被打流血"}
    for e in sealed:  # another report's key opens none of it
        with pytest.raises(ValueError):
            foreign.open(e.pii)

    # Outside `pii`, no stored event of any application holds a personal value in clear.
    for app in (hotline.intake, hotline.triage, hotline.dispatch, hotline.accounts):
        for e in stored_events(app):
            clear = {k: v for k, v in vars(e).items() if k != "pii"}
            text = json.dumps(clear, ensure_ascii=False, default=str)
            assert not [v for v in (*PII_VALUES, "又见孩子") if v in text], (app.name, type(e))
    trail = json.dumps(audit_entries(hotline), ensure_ascii=False)
    assert not [v for v in (*PII_VALUES, "又见孩子") if v in trail]


def test_a_desk_reads_no_personal_data_once_it_declined(api: Api, runner: EmbeddedRunner) -> None:
    _, case_id = filed(api, runner)
    police = referral_detail(api, "police-desk", "police", case_id)
    assert police["reports"][0]["children"][0]["name"] == "王小明"
    r = api.client.post(f"/v1/referrals/{police['referral_id']}/decline", json={"reason": "非本辖区"},
                        headers=api.auth("police-desk"))
    assert r.status_code == 200
    after = referral_detail(api, "police-desk", "police", case_id)
    report = after["reports"][0]
    assert report["children"] == [{"gender": "male", "age": 9}] and report["reporter"] == {}
    assert "narrative" not in report and "address" not in report
    assert not [v for v in PII_VALUES if v in json.dumps(after, ensure_ascii=False)]
    # The supervisor, who must re-route it, still reads everything.
    assert referral_detail(api, "supervisor1", "police", case_id)["reports"][0]["narrative"]


def test_a_closed_referral_shares_personal_data_for_30_days_only() -> None:
    from datetime import UTC, datetime, timedelta
    from uuid import uuid4

    from services.dispatch.domain import Referral

    now = datetime.now(UTC)
    referral = Referral(id=uuid4(), case_id="c", agency_id="police-441823", agency_kind="police",
                        risk_level="red", concerns=[], dispatched_at=now, due_at=now,
                        matrix_version="m", directory_version="d")
    assert referral.shares_personal_data(now)
    referral.acknowledge(by="desk", at=now)
    referral.record_outcome(outcome="已处置", note="", by="desk", at=now)
    assert referral.shares_personal_data(now + timedelta(days=30))
    assert not referral.shares_personal_data(now + timedelta(days=31))
