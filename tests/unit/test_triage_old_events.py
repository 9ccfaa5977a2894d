"""Triage's own events as earlier releases stored them (#27): each state dict as that release
wrote it (its topics under services.triage.domain, no class_version), encoded, compressed and
encrypted by the real application's mapper into its real SQLite store, then read back through
TriageApplication: the upcasters fill what those releases did not write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent, Tracking

from services.bootstrap import Wiring
from services.common.messages import REPORT_SUPPLEMENTED, Message
from services.common.settings import Settings
from services.triage.application import TriageApplication
from services.triage.case import case_id_for
from services.triage.indexes import link_id_for
from services.triage.translate import triage_translator

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
OLD = "services.triage.domain:"  # where every release before #27 kept the aggregates
CASE_ID, LINK_ID = case_id_for("r-old"), link_id_for("r-old")
ASSESSED = {"region_code": "441823100", "rule_version": "risk-rules/v1"}

# 289ee84 (repeat reports, reassessment): no inputs on joins or supplements, no submitter or
# sentinel anywhere, no categories on a reassessment; 1ccd644 had not yet kept index ids.
OPENED = {"originator_topic": OLD + "Case", "report_id": "r-old", "risk_level": "yellow",
          "concerns": ["neglect"], "needs_review": False, "rationale": "yellow: neglect",
          "child_keys": ["k1"], "opened_at": T0, "inputs": {"concerns": ["neglect"]},
          "channel": "hotline_12345", **ASSESSED}
JOINED = {"report_id": "r-two", "at": T0 + timedelta(days=2), "added_concerns": ["physical_harm"],
          "concerns": ["neglect", "physical_harm"], "previous_risk_level": "yellow",
          "risk_level": "orange", "needs_review": False, "burst": False,
          "rationale": "orange: physical_harm", "child_keys": ["k1"], "channel": "web_form",
          **ASSESSED}
SUPPLEMENTED = {"report_id": "r-old", "supplement_id": "s-old", "added_concerns": [],
                "concerns": ["neglect", "physical_harm"], "immediate_danger": False,
                "previous_risk_level": "orange", "risk_level": "orange",
                "rationale": "orange: kept (supplement assessed yellow)", **ASSESSED}
REASSESSED = {"added_concerns": [], "concerns": ["neglect", "physical_harm"],
              "region_code": "441823100", "previous_risk_level": "orange", "risk_level": "red",
              "needs_review": False, "reason": "核实后上调", "by": "supervisor1"}
LINKED = {"originator_topic": OLD + "ReportLink", "report_id": "r-old", "case_id": str(CASE_ID)}


def release(tmp_path: Path) -> TriageApplication:
    """The triage application as the product wires it: SQLite file, cipher and compressor."""
    wiring = Wiring.of(Settings(var_dir=tmp_path, database_url="", environment="development"))
    return wiring.triage(wiring.keystore())


def stored(app: TriageApplication, originator: UUID, version: int, topic: str,
           state: dict[str, Any], at: datetime) -> StoredEvent:
    """One event as an earlier release's mapper stored it (no class_version: version 1)."""
    mapper = app.mapper
    assert mapper.compressor is not None and mapper.cipher is not None
    data = mapper.cipher.encrypt(mapper.compressor.compress(
        mapper.transcoder.encode({"timestamp": at, **state})))
    return StoredEvent(originator_id=originator, originator_version=version, topic=topic, state=data)


def write_previous_release(app: TriageApplication) -> None:
    case = [(OPENED, "Case.Opened"), (JOINED, "Case.ReportJoined"),
            (SUPPLEMENTED, "Case.Supplemented"), (REASSESSED, "Case.Reassessed")]
    app.recorder.insert_events(
        [stored(app, CASE_ID, n + 1, OLD + topic, state, T0 + timedelta(days=n))
         for n, (state, topic) in enumerate(case)]
        + [stored(app, LINK_ID, 1, OLD + "ReportLink.Linked", LINKED, T0)])


def test_a_previous_releases_case_loads_with_what_it_did_not_write_filled(tmp_path: Path) -> None:
    old = release(tmp_path)
    write_previous_release(old)
    old.close()

    app = release(tmp_path)  # the new release, on the same files
    case = app.get_case(CASE_ID)
    assert (case.risk_level, case.initial_risk_level, case.version) == ("red", "yellow", 4)
    assert case.report_ids == ["r-old", "r-two"] and case.supplement_ids == ["s-old"]
    assert case.submitter_refs == [] and case.categories == []
    assert app.repository.get(LINK_ID).index_ids == []
    assert app.reasons(CASE_ID) == [{"at": (T0 + timedelta(days=3)).isoformat(), "by": "supervisor1",
                                     "kind": "Reassessed", "previous": "orange",
                                     "risk_level": "red", "text": "核实后上调"}]

    events: list[Any] = list(app.repository.event_store.get(CASE_ID))
    assert [e.submitter_ref for e in events[:2]] == [None, None]
    assert [e.sentinel_id for e in events[:2]] == [None, None]
    assert events[1].inputs is None and events[2].inputs is None and events[3].categories is None
    messages = [triage_translator(e) for e in events]
    assert all(m is not None for m in messages)
    opened, joined, supplemented, reassessed = (m.data for m in messages if m)
    assert (opened["submitter_ref"], opened["sentinel_id"]) == (None, None)
    assert opened["channel"] == "hotline_12345"
    assert (joined["reason"], joined["channel"], joined["at"]) == (
        "report_joined", "web_form", (T0 + timedelta(days=2)).isoformat())
    assert (supplemented["reason"], supplemented["needs_review"]) == ("supplement", False)
    assert supplemented["by"] == "triage"
    assert (reassessed["categories"], reassessed["by"], reassessed["rationale"]) == (
        None, "supervisor1", "reassessed by a supervisor")
    app.close()


def test_new_decisions_continue_a_previous_releases_case(tmp_path: Path) -> None:
    old = release(tmp_path)
    write_previous_release(old)
    old.close()

    app = release(tmp_path)
    data = {"report_id": "r-old", "supplement_id": "s-new", "concerns": ["sexual_abuse"],
            "immediate_danger": False, "pii": ""}
    message = Message(id="intake/r-old/9", source="/hotline/intake", type=REPORT_SUPPLEMENTED,
                      time=T0, key="r-old", data=data)
    app.process_event(message, Tracking("reports:0", 1))  # type: ignore[arg-type]
    app.reassess(CASE_ID, risk_level="orange", concerns=[], reason="复核", by="supervisor1",
                 categories=["留守儿童"])
    app.close()

    restarted = release(tmp_path)  # old and new events together, in a later process
    case = restarted.get_case(CASE_ID)
    assert case.version == 6 and case.supplement_ids == ["s-old", "s-new"]
    assert case.concerns == ["neglect", "physical_harm", "sexual_abuse"]
    assert (case.risk_level, case.categories) == ("orange", ["留守儿童"])
    restarted.close()


def snapshot(report_id: str, **kept: Any) -> dict[str, Any]:
    """A Case snapshot's state as a release before #27 took it (no class_version)."""
    state = {"_created_on": T0, "_modified_on": T0, "report_ids": [report_id], "report_times": [T0],
             "risk_level": "yellow", "initial_risk_level": "yellow", "concerns": ["neglect"],
             "region_code": "441823100", "needs_review": False, "rule_version": "risk-rules/v1",
             "rationale": "yellow: neglect", "child_keys": [], "opened_at": T0,
             "supplement_ids": [], "burst_flagged": False, **kept}
    return {"topic": OLD + "Case", "state": state}


def test_previous_releases_snapshots_load_with_submitters_and_categories(tmp_path: Path) -> None:
    old = release(tmp_path)
    shapes = {"r-1677c8c": snapshot("r-1677c8c"),  # before submitters and categories were kept
              "r-7d717c9": snapshot("r-7d717c9", submitter_refs=["s1"], _categories=["留守儿童"])}
    old.snapshots.recorder.insert_events(  # type: ignore[union-attr]
        [stored(old, case_id_for(r), 1, "eventsourcing.domain:Snapshot", state, T0)
         for r, state in shapes.items()])
    old.close()

    app = release(tmp_path)
    first, later = (app.get_case(case_id_for(r)) for r in shapes)
    assert (first.submitter_refs, first.categories) == ([], [])
    assert (later.submitter_refs, later.categories) == (["s1"], ["留守儿童"])
    assert not hasattr(later, "_categories")
    app.close()
