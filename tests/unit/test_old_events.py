"""The product's own events as earlier releases stored them (#27): each written in its old shape
(its old state, no class_version) through the application's own mapper, so it is compressed and
sealed with the event key as in production, then read back through the real applications of a
SQLite store. Upcasters fill what an event gained since; what an aggregate learned to keep is
rebuilt from the events it already had."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pyotp
import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import StoredEvent

from services.accounts.domain import user_id_for
from services.accounts.totp import Check, SecondFactor
from services.bootstrap import TRANSLATORS, ApiContainer, edges_of
from services.common.embedded import EmbeddedRunner
from services.common.settings import Settings
from services.dispatch.domain import referral_id_for
from services.dispatch.followup import plan_id_for
from services.intake.domain import ReceiptIndex, receipt_index_id, report_id_for
from services.notify.domain import delivery_id, watch_id
from tests.helpers import build

AT = datetime(2026, 11, 29, 6, 30, tzinfo=UTC)


def store_old(app: Application[Any], originator_id: UUID, history: list[tuple[str, dict[str, Any]]]) -> None:
    """One aggregate's events as an older release stored them: each state dict under its topic,
    transcoded, compressed and sealed by the application's mapper, inserted by its recorder."""
    mapper = app.mapper
    stored = []
    for version, (topic, state) in enumerate(history, start=1):
        raw = mapper.transcoder.encode(state)
        assert mapper.compressor is not None and mapper.cipher is not None  # as every store runs
        stored.append(StoredEvent(originator_id=originator_id, originator_version=version, topic=topic,
                                  state=mapper.cipher.encrypt(mapper.compressor.compress(raw))))
    app.recorder.insert_events(stored)


@pytest.fixture
def hotline(tmp_path: Path) -> Iterator[ApiContainer]:
    """The embedded wiring's stores: one SQLite file per application under var/."""
    h = build(Settings(var_dir=tmp_path / "var", database_url="", environment="development"), store="sqlite")
    yield h
    h.close()


def old_report(h: ApiContainer) -> UUID:
    """A report filed on 29 November before the submitter's pseudonym was kept (Received v1),
    then put through to 110 (TransferConfirmed, whose shape has not changed)."""
    report_id = report_id_for("operator1", "before-pseudonyms")
    key = h.keys.key_for(str(report_id), create=True)
    assert key is not None
    pii = key.seal({"reporter": {"name": "王女士", "phone": "13800000000"},
                    "children": [{"name": "小明", "id_number": None}],
                    "address": "三江镇", "narrative": "孩子被锁在家中两天"})
    receipt_no = "20261129-ABCDEFGHJK"
    store_old(h.intake, report_id, [
        ("services.intake.domain:Report.Received", {
            "timestamp": AT, "originator_topic": "services.intake.domain:Report",
            "receipt_no": receipt_no, "received_at": AT, "submitted_by": "operator1",
            "request_hash": "0" * 64, "channel": "hotline_12345",
            "reporter": {"relation": "neighbour", "anonymous": False},
            "children": [{"gender": "male", "age": 6}], "region_code": "441823100",
            "concerns": ["neglect"], "immediate_danger": True, "occurred_at": None,
            "pii": pii, "sentinel_id": None}),
        ("services.intake.domain:Report.TransferConfirmed", {
            "timestamp": AT, "to": "110", "by": "operator1", "at": AT}),
    ])
    h.intake.save(ReceiptIndex(id=receipt_index_id(receipt_no), report_id=report_id))
    return report_id


def test_an_old_report_loads_with_its_new_field_filled_and_reaches_triage(hotline: ApiContainer) -> None:
    report_id = old_report(hotline)
    report = hotline.intake.get_report(report_id)
    assert report.submitter_ref is None and report.filing_unit is None and report.version == 2
    assert report.transfers == [{"to": "110", "by": "operator1", "at": AT.isoformat()}]
    assert report.transferred_to("110") and not report.transferred_to("120")
    code = hotline.intake.hasher.lookup_code(report.receipt_no)
    found = hotline.intake.lookup(report.receipt_no, code)
    assert found is not None and found.id == report_id

    (note, _) = hotline.intake.recorder.select_notifications(start=1, limit=2)
    received = hotline.intake.mapper.to_domain_event(note)
    assert received.submitter_ref is None  # type: ignore[attr-defined]
    message = TRANSLATORS["intake"](received)
    assert message is not None and message.data["submitter_ref"] is None
    assert message.id == f"intake/{report_id}/1" and "class_version" not in message.data

    EmbeddedRunner(edges_of(hotline)).pump()  # the old message through triage and dispatch
    case_id = hotline.triage.case_for_report(str(report_id))
    assert case_id is not None
    assert hotline.triage.get_case(case_id).risk_level == "red"


def test_a_new_event_appends_to_an_old_history_and_both_read_back(hotline: ApiContainer) -> None:
    report_id = old_report(hotline)
    report = hotline.intake.get_report(report_id)
    report.confirm_transfer(to="120", by="operator1", at=AT + timedelta(minutes=3))
    hotline.intake.save(report)
    again = hotline.intake.get_report(report_id)
    assert [t["to"] for t in again.transfers] == ["110", "120"] and again.version == 3


def test_an_account_registered_before_operators_had_a_line(hotline: ApiContainer) -> None:
    """User.Registered v1 (before the console's preset line): channel None, no second factor."""
    password_hash = hotline.accounts.hasher.hash("an old password 1")
    store_old(hotline.accounts, user_id_for("oldop"), [
        ("services.accounts.domain:User.Registered", {
            "timestamp": AT, "originator_topic": "services.accounts.domain:User",
            "username": "oldop", "password_hash": password_hash, "role": "operator",
            "agency_id": None, "sentinel_id": None}),
        ("services.accounts.domain:User.SessionsEnded", {"timestamp": AT, "at": AT}),
    ])
    user = hotline.accounts.find("oldop")
    assert user is not None and user.channel is None and user.token_version == 1
    assert user.totp_secret is None and user.totp_key is None and user.totp_step == 0
    assert user.public()["channel"] is None
    registered = hotline.accounts.repository.event_store.get(user_id_for("oldop"))
    assert next(iter(registered)).channel is None  # type: ignore[attr-defined]
    logged_in = hotline.accounts.check_login("oldop", "an old password 1")
    assert logged_in is not None and logged_in[0].role == "operator" and logged_in[1] == 1


def test_a_second_factor_enrolled_by_the_first_release_still_logs_in(hotline: ApiContainer) -> None:
    """TotpEnrolled v1 sealed the secret under the account's own key (`totp-<account id>`) and did
    not name it: read as that key, the enrolment works, and a new one destroys it."""
    user_id, secret, now = user_id_for("oldsup"), pyotp.random_base32(), AT.timestamp()
    key = hotline.keys.key_for(f"totp-{user_id}", create=True)
    assert key is not None
    store_old(hotline.accounts, user_id, [
        ("services.accounts.domain:User.Registered", {
            "timestamp": AT, "originator_topic": "services.accounts.domain:User",
            "username": "oldsup", "password_hash": hotline.accounts.hasher.hash("an old password 1"),
            "role": "supervisor", "agency_id": None, "sentinel_id": None, "channel": None}),
        ("services.accounts.domain:User.TotpEnrolled", {
            "timestamp": AT, "sealed_secret": key.seal(secret), "by": "system", "at": AT}),
    ])
    user = hotline.accounts.find("oldsup")
    assert user is not None and user.totp_key == f"totp-{user_id}"
    factor = SecondFactor(hotline.accounts, hotline.keys, frozenset({"supervisor"}), clock=lambda: now)
    assert factor.check("oldsup", pyotp.TOTP(secret).at(now)) is Check.ok
    factor.enrol("oldsup", reset=True)
    assert hotline.keys.key_for(f"totp-{user_id}") is None  # the old secret opens nowhere now


def test_old_referral_and_plan_histories_load_with_what_dispatch_learned_to_keep(
        hotline: ApiContainer) -> None:
    """Dispatch's events kept their shape since they were first stored (Referral.Dispatched and
    its status changes of the backbone, the plan's events of #13); what grew is the state they
    fill: a referral's routing reason (RoutedByHand) and a plan's closing time (findings close
    30 days after it)."""
    case_id, agency_id = str(uuid4()), "police-441823"
    referral_id = referral_id_for(case_id, agency_id)
    store_old(hotline.dispatch, referral_id, [
        ("services.dispatch.domain:Referral.Dispatched", {
            "timestamp": AT, "originator_topic": "services.dispatch.domain:Referral",
            "case_id": case_id, "agency_id": agency_id, "agency_kind": "police",
            "risk_level": "red", "concerns": ["neglect"], "dispatched_at": AT,
            "due_at": AT + timedelta(minutes=30), "matrix_version": "v1", "directory_version": "v1"}),
        ("services.dispatch.domain:Referral.Acknowledged", {
            "timestamp": AT, "by": "police-desk", "at": AT + timedelta(minutes=5),
            "case_id": case_id, "agency_id": agency_id}),
    ])
    closed_at = AT + timedelta(days=2)
    store_old(hotline.dispatch, plan_id_for(case_id), [
        ("services.dispatch.followup:FollowUpPlan.Opened", {
            "timestamp": AT, "originator_topic": "services.dispatch.followup:FollowUpPlan",
            "case_id": case_id, "lead_agency_id": "civil-441823", "risk_level": "red",
            "opened_at": AT, "next_due": AT + timedelta(hours=24), "region_code": "441823100",
            "referral_ids": [str(referral_id)]}),
        ("services.dispatch.followup:FollowUpPlan.Closed", {
            "timestamp": closed_at, "case_id": case_id, "reason": "已妥善安置", "by": "supervisor1",
            "at": closed_at}),
    ])
    referral = hotline.dispatch.get_referral(referral_id, unit=agency_id)
    assert (referral.status, referral.routing_reason, referral.acknowledged_at) == (
        "acknowledged", "", AT + timedelta(minutes=5))
    plan = hotline.dispatch.followup_plan(case_id)
    assert plan is not None and plan.status == "closed" and plan.closed_at == closed_at
    assert plan.findings_open(closed_at + timedelta(days=30))
    assert not plan.findings_open(closed_at + timedelta(days=31))
    published = [TRANSLATORS["dispatch"](hotline.dispatch.mapper.to_domain_event(n))
                 for n in hotline.dispatch.recorder.select_notifications(start=1, limit=10)]
    assert [(m.type, m.data.get("by")) for m in published if m] == [
        ("hotline.referral.dispatched", None), ("hotline.referral.acknowledged", "police-desk"),
        ("hotline.followup.opened", None), ("hotline.followup.closed", "supervisor1")]


def test_a_delivery_planned_before_deliveries_named_their_case(hotline: ApiContainer) -> None:
    """Delivery.Planned v1 (the first notify release) had no case: read with case_id None, its
    attempts and its watch as they were."""
    referral_id, agency_id = str(uuid4()), "police-441823"
    planned = delivery_id(referral_id, "referral.dispatched", "值班员")
    store_old(hotline.notify, watch_id(referral_id), [
        ("services.notify.domain:Watch.Opened", {
            "timestamp": AT, "originator_topic": "services.notify.domain:Watch",
            "referral_id": referral_id, "case_id": str(uuid4()), "agency_id": agency_id,
            "agency_kind": "police", "risk_level": "red", "dispatched_at": AT,
            "due_at": AT + timedelta(minutes=30), "on_duty": 1}),
        ("services.notify.domain:Watch.Contacted", {
            "timestamp": AT, "contact": "值班员", "delivery_id": str(planned)}),
    ])
    store_old(hotline.notify, planned, [
        ("services.notify.domain:Delivery.Planned", {
            "timestamp": AT, "originator_topic": "services.notify.domain:Delivery",
            "referral_id": referral_id, "agency_id": agency_id, "agency_kind": "police",
            "event_name": "referral.dispatched", "contact": "值班员",
            "webhook_url": "https://oncall.example.invalid/hook", "format": "json",
            "payload": {"event": "referral.dispatched", "referral_id": referral_id}, "planned_at": AT}),
        ("services.notify.domain:Delivery.Attempted", {
            "timestamp": AT, "error": None, "at": AT + timedelta(seconds=1),
            "next_at": AT + timedelta(seconds=3), "last": False}),
    ])
    (delivery,) = hotline.notify.deliveries(referral_id)
    assert (delivery.case_id, delivery.contact, delivery.attempts) == (None, "值班员", 1)
    assert delivery.delivered_at == AT + timedelta(seconds=1) and not delivery.pending


def test_old_events_are_sealed_at_rest(hotline: ApiContainer, tmp_path: Path) -> None:
    """What the test wrote is what production writes: nothing of the report readable in the file."""
    old_report(hotline)
    with sqlite3.connect(tmp_path / "var" / "intake.sqlite") as db:
        states = b"".join(row[0] for row in db.execute("SELECT state FROM stored_events"))
    assert states and b"hotline_12345" not in states and "王女士".encode() not in states
    assert b"441823100" not in states
