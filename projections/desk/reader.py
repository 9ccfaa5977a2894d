"""What the desk view answers: the reader interface and its SQL queries (rows in rows.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from projections.desk.board_order import board_order
from projections.desk.case_facts import CaseFactQueries, CaseFacts
from projections.desk.case_states import case_status, visits_go_on, waiting
from projections.desk.followup_queries import FollowUpQueries, FollowUpRow, LedgerRow
from projections.desk.inbox_queries import InboxQueries
from projections.desk.incidents import IncidentQueries, IncidentRow
from projections.desk.rows import (
    REFERRAL_COLUMNS,
    CaseLink,
    CaseRow,
    ReferralRow,
    SubmissionRow,
    TimelineRow,
    referral_row,
)
from projections.desk.units import UnitFigures, UnitQueries
from services.common.store import Sql

__all__ = ["REVIEWS", "CaseLink", "CaseRow", "DeskQueries", "DeskReader", "ReferralRow",
           "SubmissionRow", "TimelineRow", "case_status", "referral_row"]


class DeskReader(Protocol):
    """The read side every page, route and the scheduler use; SQLite and PostgreSQL alike."""

    def ping(self) -> int | None: ...
    def case_for_report(self, report_id: str) -> CaseLink | None: ...
    def due_referrals(self, now: datetime) -> list[ReferralRow]: ...
    def get_case(self, case_id: str) -> CaseRow | None: ...
    def list_cases(self, risk_level: str | None = None, status: str | None = None,
                   region: str | None = None) -> list[CaseRow]: ...
    def cases_by_id(self, case_ids: list[str]) -> list[CaseRow]: ...
    def case_facts(self, case_ids: list[str]) -> dict[str, CaseFacts]: ...
    def submissions(self, submitter_ref: str, since: datetime) -> list[SubmissionRow]: ...
    def cases_filed_by(self, submitter_ref: str) -> set[str]: ...
    def cases_of_records(self, prefix: str) -> list[tuple[str, str]]: ...
    def desk_referrals(self, agency_id: str, status: str | None = None,
                       ended: int | None = None) -> list[ReferralRow]: ...
    def inbox_marks(self, agency_id: str) -> list[list[Any]]: ...
    def late_elsewhere(self, case_ids: list[str], agency_id: str) -> dict[str, list[str]]: ...
    def stats(self, since: datetime | None, until: datetime | None, now: datetime, *,
              region: str | None = None, sla: Mapping[str, int] | None = None,
              sentinels: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]: ...
    def followups(self, now: datetime, *, unit: str | None = None, overdue: bool | None = None,
                  region: str | None = None) -> list[FollowUpRow]: ...
    def due_followups(self, now: datetime) -> list[str]: ...
    def helperless_followups(self, now: datetime, within_seconds: float) -> list[str]: ...
    def ledger(self, start: datetime, end: datetime, region: str | None = None) -> list[LedgerRow]: ...
    def major_incidents(self, since: datetime | None = None,
                        until: datetime | None = None) -> list[IncidentRow]: ...
    def unit_figures(self, since: datetime | None, until: datetime | None, now: datetime,
                     region: str | None = None) -> list[UnitFigures]: ...


# The timeline's entries by which a supervisor settled a case's flags (重办 too).
REVIEWS = ("case_reassessment", "case_review", "case_reworked")
ASSESSED = ("case_opened", "case_report_joined", "case_supplement")  # triage set the level, with a reason

# Why a case wants the supervisor: a decline, a routing gap, a visit suggesting another level,
# each after the case's last review (a reassessment, a manual referral).
OPEN_FLAGS = (
    "SELECT f.case_id, f.kind FROM view_case_flags f WHERE f.case_id IN ({chosen})"
    " AND f.kind <> 'reviewed' AND f.at_ts > COALESCE((SELECT MAX(r.at_ts) FROM view_case_flags r"
    " WHERE r.case_id = f.case_id AND r.kind = 'reviewed'), 0)"
)


class DeskQueries(CaseFactQueries, FollowUpQueries, IncidentQueries, InboxQueries, UnitQueries):
    """The reader's queries; a case list costs eight queries however many cases it holds."""

    sql: Sql

    def case_for_report(self, report_id: str) -> CaseLink | None:
        """The report's case id and the case status, once triage has linked them."""
        row = self.sql.one("SELECT case_id FROM view_case_reports WHERE report_id = ?", (report_id,))
        if row is None:
            return None
        referrals = [referral_row(r) for r in self.sql.rows(
            f"SELECT {REFERRAL_COLUMNS} FROM view_referrals WHERE case_id = ?", (row["case_id"],))]
        plan = self.sql.one("SELECT status FROM view_followups WHERE case_id = ?", (row["case_id"],))
        return CaseLink(case_id=row["case_id"], status=case_status(referrals, plan is not None
                                                                   and plan["status"] == "closed"),
                        visits_go_on=plan is not None and plan["status"] == "active")

    def due_referrals(self, now: datetime) -> list[ReferralRow]:
        """Dispatched, unacknowledged referrals whose due time has passed (for the scheduler)."""
        return [referral_row(r) for r in self.sql.rows(
            f"SELECT {REFERRAL_COLUMNS} FROM view_referrals WHERE status = 'dispatched'"
            " AND due_ts <= ?", (now.timestamp(),))]

    def get_case(self, case_id: str) -> CaseRow | None:
        found = self._cases("case_id = ?", (case_id,))
        return found[0] if found else None

    def list_cases(self, risk_level: str | None = None, status: str | None = None,
                   region: str | None = None) -> list[CaseRow]:
        """The board: escalated and needs-review first, then by risk, newest first within a level;
        `region`: only cases whose region code starts with it (a supervisor's jurisdiction)."""
        where, params = ("risk_level = ?", (risk_level,)) if risk_level else ("1 = 1", ())
        if region:
            # The prefix's % in the parameter: a literal % in the statement breaks psycopg's placeholders.
            where, params = f"{where} AND region_code LIKE ?", (*params, region + "%")
        return board_order([c for c in self._cases(where, params) if not status or c["status"] == status])

    def cases_by_id(self, case_ids: list[str]) -> list[CaseRow]:
        """These cases (those the view knows), in the order asked."""
        if not case_ids:
            return []
        found = {c["case_id"]: c for c in self._cases(
            f"case_id IN ({','.join('?' * len(case_ids))})", tuple(case_ids))}
        return [found[i] for i in case_ids if i in found]

    def submissions(self, submitter_ref: str, since: datetime) -> list[SubmissionRow]:
        """The reports one account filed since then (once triaged), newest first, with their
        case's level and status."""
        rows = self.sql.rows(
            "SELECT s.report_id, r.case_id, r.received_at, r.channel, c.risk_level"
            " FROM view_submissions s JOIN view_case_reports r ON r.report_id = s.report_id"
            " JOIN view_cases c ON c.case_id = r.case_id"
            " WHERE s.submitter_ref = ? AND s.received_ts >= ? ORDER BY s.received_ts DESC LIMIT 200",
            (submitter_ref, since.timestamp()))
        cases = {c["case_id"]: c for c in self.cases_by_id(sorted({r["case_id"] for r in rows}))}
        return [SubmissionRow(report_id=r["report_id"], case_id=r["case_id"],
                              received_at=r["received_at"], channel=r["channel"], risk_level=r["risk_level"],
                              status=cases[r["case_id"]]["status"] if r["case_id"] in cases else "triaged",
                              visits_go_on=visits_go_on(cases.get(r["case_id"])),
                              waiting=waiting(cases.get(r["case_id"])))
                for r in rows]

    def cases_filed_by(self, submitter_ref: str) -> set[str]:
        """The cases holding a report this account filed (an operator's own, contract §10)."""
        return {str(r["case_id"]) for r in self.sql.rows(
            "SELECT DISTINCT r.case_id FROM view_submissions s JOIN view_case_reports r"
            " ON r.report_id = s.report_id WHERE s.submitter_ref = ?", (submitter_ref,))}

    def cases_of_records(self, prefix: str) -> list[tuple[str, str]]:
        """(case | report | referral, case id) of each case, report and referral whose id starts
        with `prefix` (hex digits and dashes): the short ids the pages and the trail show."""
        if not re.fullmatch(r"[0-9a-f-]{8,36}", prefix):
            return []
        like = (f"{prefix}%",)
        return [(str(r["what"]), str(r["case_id"])) for r in self.sql.rows(
            "SELECT 'case' AS what, case_id FROM view_cases WHERE case_id LIKE ?"
            " UNION SELECT 'report' AS what, case_id FROM view_case_reports WHERE report_id LIKE ?"
            " UNION SELECT 'referral' AS what, case_id FROM view_referrals WHERE referral_id LIKE ?"
            " ORDER BY what, case_id LIMIT 20", like * 3)]

    def _cases(self, where: str, params: tuple[Any, ...]) -> list[CaseRow]:
        chosen = f"SELECT case_id FROM view_cases WHERE {where}"
        rows = self.sql.rows(f"SELECT c.* FROM view_cases c WHERE {where}", params)
        flags: dict[str, set[str]] = {}
        for f in self.sql.rows(OPEN_FLAGS.format(chosen=chosen), params):
            flags.setdefault(f["case_id"], set()).add(f["kind"])
        referrals: dict[str, list[ReferralRow]] = {}
        for r in self.sql.rows(f"SELECT {REFERRAL_COLUMNS} FROM view_referrals WHERE case_id IN"
                               f" ({chosen}) ORDER BY agency_kind, agency_id", params):
            referrals.setdefault(r["case_id"], []).append(referral_row(r))
        timeline: dict[str, list[TimelineRow]] = {}
        for t in self.sql.rows(f"SELECT case_id, at, type, by_whom, detail FROM view_timeline WHERE"
                               f" case_id IN ({chosen}) ORDER BY at, event_id", params):
            event = TimelineRow(at=t["at"], type=t["type"], by=t["by_whom"])
            if t["type"].startswith("referral_"):
                detail = json.loads(t["detail"])
                event["agency_id"] = detail.get("agency_id") or ""
                if detail.get("referral_id"):
                    event["referral_id"] = detail["referral_id"]
                if t["type"] == "referral_raised":
                    event["risk_level"], event["previous"] = detail["risk_level"], detail["previous"]
                    event["due_at"] = detail["due_at"]
                elif t["type"] == "referral_phoned":
                    event["reached"], event["way"] = bool(detail["reached"]), detail.get("way", "phone")
            elif t["type"] in REVIEWS:
                detail = json.loads(t["detail"])
                if "risk_level" in detail:  # 重办 keeps the level
                    event["risk_level"], event["previous"] = detail["risk_level"], detail["previous"]
            elif t["type"] == "followup_lead_changed":  # from which unit to which (stop 58)
                detail = json.loads(t["detail"])
                event["agency_id"], event["from_unit"] = detail["agency_id"], detail["previous"]
            elif t["type"] == "case_major_incident":
                event["incident"] = json.loads(t["detail"])["reason"]
            elif t["type"] in ASSESSED:
                detail = json.loads(t["detail"])
                event["risk_level"], event["rationale"] = detail["risk_level"], detail.get("rationale") or ""
                if detail.get("complaint"):
                    event["complaint"] = True  # the caller complained or pressed for action (stop 59)
            timeline.setdefault(t["case_id"], []).append(event)
        reports: dict[str, list[str]] = {}
        for r in self.sql.rows(f"SELECT report_id, case_id FROM view_case_reports WHERE case_id IN"
                               f" ({chosen}) ORDER BY report_id", params):
            reports.setdefault(r["case_id"], []).append(r["report_id"])
        plans = self.case_followups(chosen, params, datetime.now(UTC))
        categories = self.case_categories(chosen, params)
        out = []
        for row in rows:
            case_id, refs = row["case_id"], referrals.get(row["case_id"], [])
            plan = plans.get(case_id)
            chosen_categories, suggested = categories.get(case_id, ([], []))
            out.append(CaseRow(
                case_id=case_id, status=case_status(refs, plan is not None and plan["status"] == "closed"),
                escalated=any(r["status"] == "escalated" for r in refs),
                risk_level=row["risk_level"], initial_risk_level=row["initial_risk_level"],
                concerns=json.loads(row["concerns"]),
                needs_review=bool(row["needs_review"]) or case_id in flags,
                review_reasons=sorted(flags.get(case_id, ())),
                opened_at=row["opened_at"], report_ids=reports.get(case_id, []), referrals=refs,
                timeline=timeline.get(case_id, []), categories=chosen_categories,
                suggested_categories=suggested, followup=plan, region_code=row["region_code"],
            ))
        return out
