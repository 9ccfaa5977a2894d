"""The desk stream's look at an inbox (`inbox_marks`): one query answering what the inbox and its
cases' reports say, open referrals only, waiting ones first by level, each case's reports counted
(the stream rang on one more report with two queries a look until stop 56). Shared with the
PostgreSQL test."""

from __future__ import annotations

from typing import Any

import pytest
from eventsourcing.persistence import Tracking

from projections.desk.reader import DeskReader
from services.bootstrap import ApiContainer
from services.common.vocabulary import RISK_RANK, level_now

REFERRAL = ("INSERT INTO view_referrals (referral_id, case_id, agency_id, agency_kind, status, risk_level,"
            " concerns, dispatched_at, due_at, dispatched_ts, due_ts) VALUES (?,?,?,?,?,?,?,?,?,?,?)")
REPORT = "INSERT INTO view_case_reports (report_id, case_id, received_at, received_ts) VALUES (?,?,?,?)"
CASE = ("INSERT INTO view_cases (case_id, risk_level, initial_risk_level, concerns, region_code,"
        " needs_review, rule_version, opened_at) VALUES (?,?,?,?,?,?,?,?)")
TIMELINE = "INSERT INTO view_timeline (event_id, case_id, at, type, by_whom, detail) VALUES (?,?,?,?,?,?)"
UNIT = "police-441823"


def seed(view: Any, prefix: str) -> None:
    """Five referrals of one unit (one closed, one declined), one of another unit, on three cases
    holding one, two and three reports."""
    at = "2026-12-06T01:00:00+00:00"
    rows = [("r1", "c1", UNIT, "acknowledged", "red", "2026-12-06T01:15:00+00:00"),
            ("r2", "c2", UNIT, "dispatched", "orange", "2026-12-06T03:00:00+00:00"),
            ("r3", "c3", UNIT, "escalated", "red", "2026-12-06T01:10:00+00:00"),
            ("r4", "c1", UNIT, "closed", "red", "2026-12-06T01:15:00+00:00"),
            ("r5", "c2", UNIT, "declined", "orange", "2026-12-06T03:00:00+00:00"),
            ("r6", "c3", "civil-441823", "dispatched", "red", "2026-12-06T01:15:00+00:00")]
    statements = [(REFERRAL, (f"{prefix}{r}-{'0' * 8}", f"{prefix}{c}-case", unit, "police", status, level,
                              "[]", at, due, 1.0, 2.0)) for r, c, unit, status, level, due in rows]
    statements += [(CASE, (f"{prefix}c{c}-case", "red", "red", "[]", "441823", 0, "t", at))
                   for c in (1, 2, 3)]
    statements += [(REPORT, (f"{prefix}p{c}{n}", f"{prefix}c{c}-case", at, 1.0))
                   for c in (1, 2, 3) for n in range(c)]
    statements += [(TIMELINE, (f"{prefix}s{n}", f"{prefix}c2-case", at, kind, "triage", "{}"))
                   for n, kind in enumerate(("case_supplement", "case_supplement", "case_review"))]
    statements += [(TIMELINE, (f"{prefix}d0", f"{prefix}c1-case", at, "referral_progressed", "unit",
                               "{}"))]
    view.apply(statements, Tracking(f"seed.{prefix}", 1))


def derived(view: DeskReader, unit: str) -> list[list[Any]]:
    """What the inbox and its cases' facts say, read the long way."""
    rows = view.desk_referrals(unit, ended=0)
    facts = view.case_facts(sorted({r["case_id"] for r in rows}))
    return [[r["referral_id"], level_now(r["risk_level"], facts[r["case_id"]].level), r["status"],
             r["case_id"][:8], facts[r["case_id"]].reports, facts[r["case_id"]].supplements] for r in rows]


def check(view: DeskReader, prefix: str) -> None:
    marks = view.inbox_marks(UNIT)
    assert sorted(m[:6] for m in marks) == sorted(derived(view, UNIT))
    ours = [m for m in marks if m[0].startswith(prefix)]
    assert [m[0][len(prefix):len(prefix) + 2] for m in ours] == ["r3", "r2", "r1"]  # waiting, by level
    assert {m[0][len(prefix):len(prefix) + 2]: m[4] for m in ours} == {"r3": 3, "r2": 2, "r1": 1}
    assert {m[0][len(prefix):len(prefix) + 2]: m[5] for m in ours} == {"r3": 0, "r2": 2, "r1": 0}  # 补充
    assert {m[0][len(prefix):len(prefix) + 2]: m[6] for m in ours} == {"r3": 0, "r2": 0, "r1": 1}  # done
    assert all(m[2] not in ("closed", "declined") for m in marks)
    assert [m[3] for m in ours] == [f"{prefix}c3-case"[:8], f"{prefix}c2-case"[:8], f"{prefix}c1-case"[:8]]
    waiting = [m for m in marks if m[2] in ("dispatched", "escalated")]
    assert waiting == sorted(waiting, key=lambda m: RISK_RANK[m[1]])


def test_the_streams_look_is_one_query_that_says_what_the_inbox_says(
        hotline: ApiContainer, monkeypatch: pytest.MonkeyPatch) -> None:
    seed(hotline.view, "u")
    check(hotline.view, "u")
    statements: list[Any] = []
    rows = hotline.view.sql.rows

    def counted(*args: Any) -> Any:
        statements.append(args)
        return rows(*args)

    monkeypatch.setattr(hotline.view.sql, "rows", counted)
    hotline.view.inbox_marks(UNIT)
    assert len(statements) == 1


def test_ended_referrals_are_newest_first_whatever_their_level(hotline: ApiContainer) -> None:
    """Stop 56's police desk: the newest 20 ended were chosen by time and shown by level, so the
    short list and the whole one sorted apart."""
    rows = [("e1", "closed", "red", "2026-12-06T01:00:00+00:00"),
            ("e2", "declined", "blue", "2026-12-06T03:00:00+00:00"),
            ("e3", "closed", "orange", "2026-12-06T02:00:00+00:00"),
            ("e4", "acknowledged", "blue", "2026-12-06T00:30:00+00:00")]
    hotline.view.apply([(REFERRAL, (r, "ce-case", "edu-441823", "education", status, level, "[]", at, at,
                                    1.0, 2.0)) for r, status, level, at in rows], Tracking("seed.ended", 1))
    listed = hotline.view.desk_referrals
    assert [r["referral_id"] for r in listed("edu-441823")] == ["e4", "e2", "e3", "e1"]
    assert [r["referral_id"] for r in listed("edu-441823", ended=2)] == ["e4", "e2", "e3"]
