"""Major incidents (重大事项, contract §12): the rule on the Case alone (red, a grave concern, a
child under 14; a death; a supervisor's mark), the upward delivery with a fake transport (once,
signed, no names), and the routes (roles, region, the summary's checks)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import Tracking
from structlog.testing import capture_logs

from services.bootstrap.topology import NEEDS
from services.common.auditnote import Principal
from services.common.crypto import Sealer
from services.common.errors import Conflict
from services.common.keystore import KeyStore, case_key_owner
from services.common.messages import CASE_MAJOR_INCIDENT, REPORT_SUPPLEMENTED, Message
from services.notify import upward, webhook
from services.notify.application import SupervisorHook
from services.notify.notifier import Notifier
from services.oversight import incidents
from services.triage.assessment import IncidentRules, ReportFacts, RiskRules, SupplementFacts
from services.triage.case import Case, TriageError
from services.triage.translate import triage_translator
from tests.conftest import Api
from tests.helpers import CHILD_ID, PII_VALUES, id_number, report_body
from tests.unit.test_triage_old_events import CASE_ID, T0, release, write_previous_release

RULES, INCIDENTS = RiskRules.load(), IncidentRules.load()
UPWARD_URL, UPWARD_SECRET = "https://upward.example.invalid/hook", "upward-secret-for-tests-01"


def opened(concerns: list[str], age: int | None, *, died: bool = False, danger: bool = False) -> Case:
    report = ReportFacts(report_id="r-1", at=datetime.now(UTC), concerns=concerns, immediate_danger=danger,
                         region_code="441823", youngest_age=age, child_died=died)
    return Case.open(report, RULES, [], INCIDENTS)


def went_upward(case: Case) -> list[Any]:
    return [e for e in case.collect_events() if isinstance(e, Case.MajorIncident)]


def test_red_sexual_abuse_of_a_nine_year_old_is_a_major_incident() -> None:
    case = opened(["sexual_abuse"], 9)
    (event,) = went_upward(case)
    assert case.risk_level == "red" and case.major_incident == "auto"
    assert event.reason == "auto" and event.rule_version == "major-incidents/v1"
    assert event.summary == "红色风险：性侵害或疑似性侵害；涉及14岁以下儿童。"
    assert event.sealed_summary is None


@pytest.mark.parametrize(("concerns", "age"), [
    (["sexual_abuse"], 14),  # not under 14
    (["trafficking_abduction"], None),  # no age known
    (["domestic_violence"], 9),  # orange
    (["serious_injury"], 5),  # red, but not one of the rule's concerns
])
def test_the_rule_holds_only_for_red_grave_concerns_under_fourteen(concerns: list[str],
                                                                   age: int | None) -> None:
    case = opened(concerns, age)
    assert went_upward(case) == [] and case.major_incident is None


def test_a_death_on_a_supplement_goes_upward_once_and_after_the_rule_too() -> None:
    case = opened(["neglect"], 15)
    case.collect_events()
    died = SupplementFacts(report_id="r-1", supplement_id="s-1", concerns=[], immediate_danger=False,
                           child_died=True)
    assert case.add_supplement(died, RULES, INCIDENTS)
    (event,) = went_upward(case)
    assert event.reason == "death" and "儿童死亡" in str(event.summary)
    assert not case.add_supplement(died, RULES, INCIDENTS)  # the same supplement again: nothing
    again = SupplementFacts(report_id="r-1", supplement_id="s-2", concerns=["sexual_abuse"],
                            immediate_danger=True, child_died=True)
    assert case.add_supplement(again, RULES, INCIDENTS)
    assert went_upward(case) == []  # a major incident already, and its death already reported
    ruled = opened(["sexual_abuse"], 9)
    ruled.collect_events()
    ruled.add_supplement(died, RULES, INCIDENTS)
    assert [e.reason for e in went_upward(ruled)] == ["death"]  # the death is reported on top


def test_a_supervisors_mark_is_checked_then_sealed_once() -> None:
    case = opened(["domestic_violence"], 9)
    case.collect_events()
    names = ["王小明", "李女士"]

    def seal(text: str) -> str:
        return "sealed:" + text[::-1]

    for bad in ("", "   ", "字" * 501, f"身份证 {CHILD_ID} 的孩子", "王小明被打", "报告人李女士说"):
        with pytest.raises(TriageError) as refused:
            case.mark_major_incident(summary=bad, names=names, seal=seal, by="supervisor1")
        assert refused.value.field == "summary"
    assert went_upward(case) == []
    case.mark_major_incident(summary="某镇一名儿童多次遭受家庭暴力，已报警。", names=names, seal=seal,
                             by="supervisor1")
    (event,) = went_upward(case)
    assert event.reason == "mark" and event.summary is None and event.sealed_summary.startswith("sealed:")
    message = triage_translator(event)
    assert message is not None and message.type == CASE_MAJOR_INCIDENT
    assert "家庭暴力" not in json.dumps(message.data, ensure_ascii=False)  # only sealed on the wire
    with pytest.raises(Conflict):
        case.mark_major_incident(summary="再次标记", names=names, seal=seal, by="supervisor1")


def upward_body(api: Api, runner: Any, hotline: Any, body: dict[str, Any], key: str) -> tuple[str, list[Any]]:
    hotline.notify.upward = SupervisorHook(UPWARD_URL, UPWARD_SECRET)
    report = api.submit(body, key=key)
    assert report.status_code == 201, report.text
    runner.pump()
    sent: list[webhook.Request] = []
    notifier = Notifier(hotline.notify, post=lambda r: sent.append(r) or None)
    notifier.tick()
    notifier.tick()
    return hotline.triage.case_for_report(report.json()["report_id"]), sent


def test_the_upward_report_goes_once_signed_and_without_names(api: Api, runner: Any, hotline: Any) -> None:
    case_id, sent = upward_body(api, runner, hotline, report_body(
        concerns=["sexual_abuse"], immediate_danger=False, narrative="孩子被性侵"), "mi-1")
    upward = [r for r in sent if r.url == UPWARD_URL]
    assert len(upward) == 1
    request = upward[0]
    assert request.headers[webhook.SIGNATURE_HEADER] == webhook.sign(UPWARD_SECRET, request.body)
    body = json.loads(request.body)
    assert set(body) == {"event", "case_id", "region_code", "risk_level", "concerns", "summary",
                         "reported_at", "reason"}
    assert body["event"] == "major_incident.reported" and body["case_id"] == str(case_id)
    assert body["risk_level"] == "red" and body["reason"] == "auto" and body["region_code"] == "441823"
    assert not any(v in request.body.decode() for v in PII_VALUES)
    runner.pump()  # nothing new to deliver: one delivery per incident
    assert hotline.notify.upward is not None
    rows = incidents.incidents_of(hotline, Principal("supervisor1", "supervisor"))
    assert [(r["case_id"], r["upward"], r["county"]) for r in rows] == [(str(case_id), "delivered", "441823")]


def test_the_mark_route_roles_region_and_summary(api: Api, runner: Any, hotline: Any) -> None:
    report = api.submit(report_body(concerns=["domestic_violence"], immediate_danger=False,
                                    narrative="经常挨打"), key="mi-2")
    runner.pump()
    case_id = str(hotline.triage.case_for_report(report.json()["report_id"]))
    url = f"/v1/cases/{case_id}/major-incident"
    good = {"summary": "一名儿童长期遭受家庭暴力，已报警处理。"}
    assert api.client.post(url, json=good, headers=api.auth("operator1")).status_code == 403
    outside = api.client.post(url, json=good, headers=api.auth("supervisor-qingcheng"))
    assert outside.status_code == 404  # a 441823 case for a 441802 supervisor
    for bad in ({"summary": ""}, {"summary": f"儿童身份证号 {id_number('44182320150101123')}"},
                {"summary": "王小明长期被打"}, {"summary": "字" * 501}):
        refused = api.client.post(url, json=bad, headers=api.auth("supervisor1"))
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"][0]["loc"] == ["body", "summary"]
    assert api.client.post(url, json=good, headers=api.auth("supervisor1")).status_code == 202
    again = api.client.post(url, json=good, headers=api.auth("supervisor1"))
    assert again.status_code == 409 and "重大事项" in again.json()["detail"]
    runner.pump()
    listed = api.client.get("/v1/major-incidents", headers=api.auth("supervisor1")).json()
    assert [(i["case_id"], i["reason"], i["summary"]) for i in listed] == [(case_id, "mark", good["summary"])]
    assert api.client.get("/v1/major-incidents", headers=api.auth("supervisor-qingcheng")).json() == []
    assert api.client.get("/v1/major-incidents", headers=api.auth("operator1")).status_code == 403


def test_a_previous_releases_case_gains_no_incident_until_a_death_is_reported(tmp_path: Any) -> None:
    old = release(tmp_path)
    write_previous_release(old)
    old.close()
    app = release(tmp_path)
    case = app.get_case(CASE_ID)
    assert (case.youngest_age, case.major_incident, case.death_reported) == (None, None, False)
    assert [e.youngest_age for e in list(app.repository.event_store.get(CASE_ID))[:2]] == [None, None]
    data = {"report_id": "r-old", "supplement_id": "s-died", "concerns": [], "immediate_danger": False,
            "child_died": True, "pii": ""}
    app.process_event(Message(id="intake/r-old/9", source="/hotline/intake", type=REPORT_SUPPLEMENTED,  # type: ignore[arg-type]
                              time=T0, key="r-old", data=data), Tracking("reports:0", 1))
    case = app.get_case(CASE_ID)
    assert (case.major_incident, case.death_reported) == ("death", True)
    app.close()


def test_the_upward_receiver_has_a_row_of_its_own_in_the_health(api: Api, runner: Any, hotline: Any) -> None:
    upward_body(api, runner, hotline, report_body(concerns=["trafficking_abduction"], immediate_danger=False,
                                                  narrative="孩子被陌生人带走"), "mi-3")
    hotline.notify.upward = None  # as the API process of `make up` is: the setting is notify's
    rows = api.client.get("/v1/notifications/health", headers=api.auth("supervisor1")).json()
    (row,) = [r for r in rows if r["agency_id"] == "upward"]
    assert row["receivers"][0]["consecutive_failures"] == 0 and row["last_delivery_at"]


def test_a_death_said_on_a_report_or_by_receipt_goes_upward(api: Api, runner: Any, hotline: Any) -> None:
    died = api.submit(report_body(concerns=["neglect"], immediate_danger=False, narrative="孩子无人照料",
                                  child_died=True), key="mi-died").json()
    other = api.submit(report_body(concerns=["neglect"], immediate_danger=False, narrative="独自在家",
                                   children=[{"name": "赵小兰", "age": 15}]), key="mi-later").json()
    runner.pump()
    by_receipt = api.client.post("/v1/receipts/supplements", headers=api.auth("operator1"), json={
        "receipt_no": other["receipt_no"], "lookup_code": other["lookup_code"],
        "narrative": "来电人说孩子已经去世", "child_died": True})
    assert by_receipt.status_code == 202, by_receipt.text
    runner.pump()
    listed = api.client.get("/v1/major-incidents", headers=api.auth("supervisor1")).json()
    cases = {str(hotline.triage.case_for_report(r["report_id"])) for r in (died, other)}
    assert {(i["case_id"], i["reason"]) for i in listed} == {(c, "death") for c in cases}
    assert all("儿童死亡" in i["summary"] for i in listed)


def marked(api: Api, runner: Any, hotline: Any, summary: str, key: str) -> tuple[str, list[Any]]:
    """A supervisor's mark through the API, relayed, and its upward delivery tried once."""
    hotline.notify.upward = SupervisorHook(UPWARD_URL, UPWARD_SECRET)
    report = api.submit(report_body(concerns=["domestic_violence"], immediate_danger=False,
                                    narrative="经常挨打"), key=key)
    runner.pump()
    case_id = str(hotline.triage.case_for_report(report.json()["report_id"]))
    assert api.client.post(f"/v1/cases/{case_id}/major-incident", json={"summary": summary},
                           headers=api.auth("supervisor1")).status_code == 202
    sent: list[webhook.Request] = []
    with capture_logs() as logged:
        runner.pump()
        Notifier(hotline.notify, post=lambda r: sent.append(r) or None).tick()
    assert summary not in json.dumps(logged, ensure_ascii=False, default=str)  # never in notify's logs
    return case_id, [r for r in sent if r.url == UPWARD_URL]


def test_a_marks_summary_goes_upward_from_a_notify_without_the_data_key(api: Api, runner: Any,
                                                                         hotline: Any) -> None:
    assert not any(isinstance(v, KeyStore) for v in vars(hotline.notify).values())
    assert NEEDS["notify"] == ("event",)
    summary = "一名儿童长期遭受家庭暴力，已报警处理。"
    case_id, (request,) = marked(api, runner, hotline, summary, "mi-sub")
    body = json.loads(request.body)
    assert (body["case_id"], body["reason"], body["summary"]) == (case_id, "mark", summary)


def test_the_sealed_summary_opens_only_under_its_subkey_and_its_case(api: Api, runner: Any,
                                                                     hotline: Any) -> None:
    summary = "某镇一名儿童多次遭受家庭暴力。"
    case_id, _ = marked(api, runner, hotline, summary, "mi-seal")
    event = list(hotline.triage.repository.event_store.get(UUID(case_id)))[-1]
    message = triage_translator(event)
    assert message is not None and message.type == CASE_MAJOR_INCIDENT
    sealed = message.data["pii"]
    assert hotline.notify.summaries.open(sealed, context=case_id) == summary
    event_key = hotline.settings.ensure_secret("event")
    with pytest.raises(ValueError):
        Sealer(event_key).open(sealed, context=case_id)  # the raw event key does not open it
    with pytest.raises(ValueError):
        hotline.notify.summaries.open(sealed, context=str(uuid4()))  # nor under another case's id
    assert upward.open_summary(sealed, str(uuid4()), hotline.notify.summaries) is None


def test_a_summary_sealed_the_old_way_goes_up_unreadable_and_the_api_still_opens_it(hotline: Any) -> None:
    case_id, summary = str(uuid4()), "旧版本封存的摘要"
    key = hotline.keys.key_for(case_key_owner(case_id), create=True)
    data = {"case_id": case_id, "reason": "mark", "region_code": "441823", "risk_level": "red",
            "concerns": ["domestic_violence"], "summary": None, "rule_version": "v1",
            "pii": key.seal(summary, context=f"major-incident:{case_id}"), "reported_at": T0.isoformat()}
    with capture_logs() as logged:
        delivery = upward.plan(data, UPWARD_URL, "json", hotline.notify.summaries)
    assert delivery.payload["summary"] == upward.UNREADABLE_SUMMARY
    (warning,) = [e for e in logged if e["log_level"] == "warning"]
    assert set(warning) == {"event", "log_level", "case_id", "reason"} and warning["case_id"] == case_id
    row = {"case_id": case_id, "summary": None, "sealed_summary": data["pii"]}
    assert incidents.summary_of(hotline, row) == summary  # type: ignore[arg-type]  # the API holds the data key
