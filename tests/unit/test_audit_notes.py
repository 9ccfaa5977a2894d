"""An action and its audit entry commit together: the note is saved with the action, and the
trail takes it in exactly once, even when the acting process died before it could."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from services.audit.follower import AuditFollower
from services.common.auditnote import NOTE_TOPIC, Actor
from services.common.settings import Settings
from services.intake.application import IdempotencyConflict
from services.intake.schemas import ReportIn
from tests.helpers import build, report_body, sequence

ACTOR = Actor("operator1", "operator", None, "203.0.113.7")


def test_the_note_is_stored_with_the_action_and_taken_in_once(tmp_path: Path) -> None:
    first = build(Settings(var_dir=tmp_path))  # the process that acts, then dies before flushing
    receipt = first.intake.submit_report(ReportIn.model_validate(report_body()), submitted_by="op",
                                         role="operator", idempotency_key="k", actor=ACTOR)
    notes = first.intake.recorder.select_notifications(start=1, limit=10, topics=[NOTE_TOPIC])
    assert len(notes) == 1  # in the action's own store, the same transaction
    assert first.audit.entries() == []
    with pytest.raises(IdempotencyConflict):  # a refused action leaves no note
        first.intake.submit_report(ReportIn.model_validate(report_body(narrative="另一份")),
                                   submitted_by="op", role="operator", idempotency_key="k", actor=ACTOR)
    first.intake.close()

    second = build(Settings(var_dir=tmp_path))  # another process (or the restarted one)
    followers = [AuditFollower(second.audit, {"intake": second.intake}) for _ in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda f: f.pump(), followers))
    AuditFollower(second.audit, {"intake": second.intake}).pump()  # again: nothing new
    entries = second.audit.entries()
    assert [(e["action"], e["actor"], e["client"], e["resource_id"]) for e in entries] == [
        ("report.submit", "operator1", "203.0.113.7", str(receipt.report_id))]
    assert second.audit.verify() == (True, 1, "")
    second.close()


def test_actions_through_the_api_are_chained_by_the_sequencer(api, hotline) -> None:  # type: ignore[no-untyped-def]
    r = api.submit(report_body(), key="now")
    assert r.status_code == 201
    assert "report.submit" not in [e["action"] for e in hotline.audit.entries()]  # noted, not chained
    sequence(hotline)
    assert [e["action"] for e in hotline.audit.entries()][-1] == "report.submit"
    assert hotline.audit.position("intake") == hotline.intake.recorder.max_notification_id()


def test_the_position_passes_a_logs_other_events_so_no_round_reads_them_again(tmp_path: Path) -> None:
    """A log whose last events are not notes (reports filed without an actor, as triage's log is
    mostly cases): the position moves to its head, so later rounds read nothing of it (#31)."""
    app = build(Settings(var_dir=tmp_path))
    app.intake.submit_report(ReportIn.model_validate(report_body()), submitted_by="op",
                             role="operator", idempotency_key="noted", actor=ACTOR)
    for n in range(3):
        app.intake.submit_report(ReportIn.model_validate(report_body(narrative=f"第{n}份")),
                                 submitted_by="op", role="operator", idempotency_key=f"quiet-{n}")
    follower = AuditFollower(app.audit, {"intake": app.intake})
    assert follower.pump() == 1
    head = app.intake.recorder.max_notification_id()
    assert app.audit.position("intake") == head  # past the last note, to the log's head
    assert follower.round() == (0, False)
    assert len(app.audit.entries()) == 1
    app.intake.close()
