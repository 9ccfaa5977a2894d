"""The privacy rules of the oversight room, called as plain functions (no HTTP): the auditor's
window (contract §7), the desk's scope (§10, least privilege), the sealing of visit findings
under the case's data key and the 30 days a lead unit may read them after closure (§10)."""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.common.auditnote import Principal
from services.common.errors import FieldError
from services.common.keystore import FileKeys, KeyStore, case_key_owner
from services.common.settings import Settings
from services.common.vocabulary import BEIJING
from services.dispatch.followup import FollowUpPlan
from services.dispatch.followups import VisitClock
from services.oversight.followups import may_read_findings, seal_findings
from services.oversight.scope import desk_scope
from services.oversight.statistics import check_window

AUDITOR = Principal("auditor1", "auditor")
SUPERVISOR = Principal("supervisor1", "supervisor")
DESK = Principal("civil-desk", "desk", agency_id="civil-affairs-441823")
NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
MIDNIGHT = datetime(2026, 11, 1, tzinfo=BEIJING)


def test_an_auditor_reads_whole_beijing_days_only() -> None:
    check_window(AUDITOR, MIDNIGHT, MIDNIGHT + timedelta(days=1), NOW)  # one whole day: allowed
    for since, until, field in (
            (MIDNIGHT, MIDNIGHT + timedelta(hours=23), "until"),  # shorter than a day
            (MIDNIGHT + timedelta(seconds=1), MIDNIGHT + timedelta(days=2), "since"),  # not at 0:00
            (MIDNIGHT.astimezone(UTC).replace(hour=0), MIDNIGHT + timedelta(days=2), "since"),  # UTC midnight
            (None, MIDNIGHT, "since")):  # open-ended
        with pytest.raises(FieldError) as refused:
            check_window(AUDITOR, since, until, NOW)
        assert refused.value.field == field and "整日" in refused.value.message


def test_a_supervisor_picks_any_window_but_never_a_naive_or_reversed_one() -> None:
    check_window(SUPERVISOR, MIDNIGHT + timedelta(minutes=7), MIDNIGHT + timedelta(minutes=9), NOW)
    check_window(SUPERVISOR, None, None, NOW)
    with pytest.raises(FieldError, match="时区"):
        check_window(SUPERVISOR, datetime(2026, 11, 1), None, NOW)
    with pytest.raises(FieldError, match="晚于"):
        check_window(SUPERVISOR, MIDNIGHT, MIDNIGHT, NOW)


def test_a_desk_is_scoped_to_its_unit_and_a_supervisor_to_none() -> None:
    assert desk_scope(DESK) == "civil-affairs-441823"
    assert desk_scope(Principal("odd-desk", "desk")) == ""  # a desk without a unit sees nothing
    assert desk_scope(SUPERVISOR) is None


def test_findings_are_sealed_under_the_case_key_and_gone_with_it(tmp_path: Path) -> None:
    keys = KeyStore(FileKeys(tmp_path / "keys"), base64.b64encode(os.urandom(32)).decode())
    sealed = seal_findings(keys, "case-1", "visit-1", "孩子独自在家，家中无食物")
    assert "孩子" not in sealed
    key = keys.key_for(case_key_owner("case-1"))
    assert key is not None and key.open(sealed, context="visit:visit-1") == "孩子独自在家，家中无食物"
    with pytest.raises(ValueError):  # sealed for one visit, it opens for no other
        key.open(sealed, context="visit:visit-2")
    assert seal_findings(keys, "case-1", "visit-2", "再访") != sealed  # the same key, kept
    assert keys.destroy(case_key_owner("case-1")) and keys.key_for(case_key_owner("case-1")) is None


def test_the_lead_unit_reads_findings_until_30_days_after_closure_a_supervisor_always() -> None:
    clock = VisitClock(*Settings(var_dir="v").visit_clock)
    plan = FollowUpPlan.open(case_id="case-1", lead_agency_id="civil-affairs-441823", risk_level="orange",
                             opened_at=NOW - timedelta(days=90), clock=clock)
    assert may_read_findings(DESK, plan, NOW)
    closed = NOW - timedelta(days=40)
    plan.close(reason="已妥善安置", by="supervisor1", at=closed)
    assert may_read_findings(DESK, plan, closed + timedelta(days=30))
    assert not may_read_findings(DESK, plan, closed + timedelta(days=30, seconds=1))
    assert may_read_findings(SUPERVISOR, plan, NOW)
