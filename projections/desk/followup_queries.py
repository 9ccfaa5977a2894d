"""What the desk view answers about follow-up plans (contract §6): the lead unit's list, what
the scheduler should look at, each case's plan, and the monthly ledger's rows."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, NotRequired, TypedDict

from projections.desk.schema import HELPERLESS
from services.common.store import Sql

# Orange and red plans without a helper that long after they opened, not yet flagged.
HELPERLESS_PLANS = f"SELECT case_id FROM view_followups WHERE {HELPERLESS} AND opened_ts <= ?"


class VisitRow(TypedDict):
    visit_id: str
    visited_at: str
    visitor: str
    child_seen: bool
    measures: list[str]


class FollowUpRow(TypedDict):
    case_id: str
    lead_agency_id: str | None
    risk_level: str
    helper: str | None
    next_visit_due: str
    overdue: bool
    visits_done: int
    status: str
    region_code: str
    opened_at: str
    last_visit: str | None
    helper_missing: bool


class CaseFollowUp(TypedDict):
    lead_agency_id: str | None
    helper: str | None
    next_visit_due: str
    overdue: bool
    status: str
    helper_missing: bool
    visits: list[VisitRow]
    suggested_level: str | None  # the last level a visit suggested (a later visit suggesting none keeps it)
    suggested_visit: NotRequired[str]  # the visit that suggested it


class LedgerRow(TypedDict):
    case_id: str
    region_code: str
    categories: list[str]
    suggested_categories: list[str]
    risk_level: str
    lead_agency_id: str | None
    helper: str | None
    visits_in_month: int
    last_visit: str | None
    next_visit_due: str
    status: str
    report_ids: list[str]


PLAN = ("SELECT f.*, (SELECT COUNT(*) FROM view_visits v WHERE v.case_id = f.case_id) AS visits_done,"
        " (SELECT MAX(v.visited_at) FROM view_visits v WHERE v.case_id = f.case_id) AS last_visit"
        " FROM view_followups f")


def _overdue(row: dict[str, Any], now: datetime) -> bool:
    """Due and not done (a visit at the due moment itself is in time), or already noted late by
    the scheduler for this due date."""
    noted = row["overdue_due_ts"] is not None and abs(row["overdue_due_ts"] - row["next_due_ts"]) < 0.0005
    return row["status"] == "active" and (noted or now.timestamp() > float(row["next_due_ts"]))


def followup_row(row: dict[str, Any], now: datetime) -> FollowUpRow:
    return FollowUpRow(
        case_id=row["case_id"], lead_agency_id=row["lead_agency_id"], risk_level=row["risk_level"],
        helper=row["helper"], next_visit_due=row["next_due"], overdue=_overdue(row, now),
        visits_done=int(row["visits_done"]), status=row["status"], region_code=row["region_code"],
        opened_at=row["opened_at"], last_visit=row["last_visit"],
        helper_missing=bool(row["helper_missing"]))


class FollowUpQueries:
    """Mixed into the desk view's reader."""

    sql: Sql

    def followups(self, now: datetime, *, unit: str | None = None, overdue: bool | None = None,
                  region: str | None = None) -> list[FollowUpRow]:
        """Active plans first, the most overdue first (earliest due), then the closed ones."""
        where, params = ["1 = 1"], []
        if unit is not None:
            where.append("f.lead_agency_id = ?")
            params.append(unit)
        if region:
            where.append("f.region_code LIKE ?")
            params.append(region + "%")
        rows = [followup_row(r, now) for r in self.sql.rows(
            f"{PLAN} WHERE {' AND '.join(where)} ORDER BY f.next_due_ts, f.case_id", params)]
        if overdue is not None:
            rows = [r for r in rows if r["overdue"] == overdue]
        rows.sort(key=lambda r: r["status"] != "active")  # stable: due order within each
        return rows

    def due_followups(self, now: datetime) -> list[str]:
        """Cases whose visit looks overdue and not yet noted for this due date (the scheduler's
        round: the plan itself decides, so a lagging view repeats nothing)."""
        return [r["case_id"] for r in self.sql.rows(
            "SELECT case_id FROM view_followups WHERE status = 'active' AND next_due_ts < ?"
            " AND (overdue_due_ts IS NULL OR ABS(overdue_due_ts - next_due_ts) > 0.0005)",
            (now.timestamp(),))]

    def overdue_followup_count(self, now: datetime) -> int:
        """Active plans whose visit is past due (the gauge `hotline_followups_overdue`)."""
        row = self.sql.one("SELECT COUNT(*) AS n FROM view_followups WHERE status = 'active'"
                           " AND next_due_ts < ?", (now.timestamp(),))
        return int(row["n"]) if row else 0

    def helperless_followups(self, now: datetime, within_seconds: float) -> list[str]:
        """Orange and red cases without a helper that long after they opened, not yet flagged."""
        return [r["case_id"] for r in self.sql.rows(
            HELPERLESS_PLANS,
            (now.timestamp() - within_seconds,))]

    def case_followups(self, chosen: str, params: tuple[Any, ...], now: datetime
                       ) -> dict[str, CaseFollowUp]:
        """The plans (with their visits) of the cases `chosen` selects."""
        visits: dict[str, list[VisitRow]] = {}
        latest_suggestion: dict[str, tuple[str, str]] = {}
        for v in self.sql.rows(f"SELECT * FROM view_visits WHERE case_id IN ({chosen})"
                               " ORDER BY visited_ts, child_seen, visit_id", params):  # in_visit_order's
            if v["suggested_level"]:  # in visit order, the last made wins: a later visit suggesting
                # nothing hid it from the card while it waited (stop 62's child director)
                latest_suggestion[v["case_id"]] = (v["suggested_level"], v["visit_id"])
            visits.setdefault(v["case_id"], []).append(VisitRow(
                visit_id=v["visit_id"], visited_at=v["visited_at"], visitor=v["visitor"],
                child_seen=bool(v["child_seen"]), measures=json.loads(v["measures"])))
        out: dict[str, CaseFollowUp] = {}
        for r in self.sql.rows(f"SELECT * FROM view_followups WHERE case_id IN ({chosen})", params):
            plan = out[r["case_id"]] = CaseFollowUp(
                lead_agency_id=r["lead_agency_id"], helper=r["helper"], next_visit_due=r["next_due"],
                overdue=_overdue(r, now), status=r["status"], helper_missing=bool(r["helper_missing"]),
                visits=visits.get(r["case_id"], []), suggested_level=None)
            if r["case_id"] in latest_suggestion:
                plan["suggested_level"], plan["suggested_visit"] = latest_suggestion[r["case_id"]]
        return out

    def case_categories(self, chosen: str, params: tuple[Any, ...]) -> dict[str, tuple[list[str], list[str]]]:
        """Each case's (categories, suggested categories)."""
        return {r["case_id"]: (json.loads(r["categories"] or "[]"), json.loads(r["suggested"]))
                for r in self.sql.rows(
                    f"SELECT * FROM view_case_categories WHERE case_id IN ({chosen})", params)}

    def ledger(self, start: datetime, end: datetime, region: str | None = None) -> list[LedgerRow]:
        """Cases open at some time in [start, end) with their plan: the monthly ledger (台账)."""
        where = ["f.opened_ts < ?", "(f.closed_ts IS NULL OR f.closed_ts >= ?)"]
        params: list[Any] = [end.timestamp(), start.timestamp()]
        if region:
            where.append("f.region_code LIKE ?")
            params.append(region + "%")
        rows = self.sql.rows(
            f"SELECT f.*, (SELECT COUNT(*) FROM view_visits v WHERE v.case_id = f.case_id"
            f"  AND v.visited_ts >= ? AND v.visited_ts < ?) AS visits_in_month,"
            f" (SELECT MAX(v.visited_at) FROM view_visits v WHERE v.case_id = f.case_id"
            f"  AND v.visited_ts < ?) AS last_visit, k.categories, k.suggested"
            f" FROM view_followups f LEFT JOIN view_case_categories k ON k.case_id = f.case_id"
            f" WHERE {' AND '.join(where)} ORDER BY f.region_code, f.opened_ts, f.case_id",
            [start.timestamp(), end.timestamp(), end.timestamp(), *params])
        reports: dict[str, list[str]] = {}
        if rows:
            ids = [r["case_id"] for r in rows]
            for r in self.sql.rows("SELECT case_id, report_id FROM view_case_reports WHERE case_id IN"
                                   f" ({','.join('?' * len(ids))}) ORDER BY received_ts, report_id", ids):
                reports.setdefault(r["case_id"], []).append(r["report_id"])
        return [LedgerRow(
            case_id=r["case_id"], region_code=r["region_code"],
            categories=json.loads(r["categories"] or "[]"),
            suggested_categories=json.loads(r["suggested"] or "[]"), risk_level=r["risk_level"],
            lead_agency_id=r["lead_agency_id"], helper=r["helper"],
            visits_in_month=int(r["visits_in_month"]), last_visit=r["last_visit"],
            next_visit_due=r["next_due"], status=r["status"], report_ids=reports.get(r["case_id"], []))
            for r in rows]
