"""Read model of cases, referrals and timelines: the desk inbox and the case view."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder
from psycopg.sql import SQL

from services.common.messages import (
    CASE_OPENED,
    CASE_UPDATED,
    REFERRAL_ACKNOWLEDGED,
    REFERRAL_CLOSED,
    REFERRAL_DECLINED,
    REFERRAL_DISPATCHED,
    REFERRAL_ESCALATED,
    ROUTING_GAP,
    Message,
)

# Portable DDL (SQLite and PostgreSQL). No personal data is kept in these tables.
DDL = (
    "CREATE TABLE IF NOT EXISTS view_cases ("
    " case_id TEXT PRIMARY KEY, risk_level TEXT NOT NULL, initial_risk_level TEXT NOT NULL,"
    " concerns TEXT NOT NULL, region_code TEXT NOT NULL, needs_review INTEGER NOT NULL,"
    " rule_version TEXT NOT NULL, opened_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS view_case_reports ("
    " report_id TEXT PRIMARY KEY, case_id TEXT NOT NULL, channel TEXT, received_at TEXT)",
    "CREATE INDEX IF NOT EXISTS view_case_reports_case ON view_case_reports (case_id)",
    "CREATE TABLE IF NOT EXISTS view_referrals ("
    " referral_id TEXT PRIMARY KEY, case_id TEXT NOT NULL, agency_id TEXT NOT NULL,"
    " agency_kind TEXT NOT NULL, status TEXT NOT NULL, risk_level TEXT NOT NULL,"
    " concerns TEXT NOT NULL, dispatched_at TEXT NOT NULL, due_at TEXT NOT NULL,"
    " acknowledged_at TEXT, escalated_at TEXT, closed_at TEXT)",
    "CREATE INDEX IF NOT EXISTS view_referrals_agency ON view_referrals (agency_id, status)",
    "CREATE INDEX IF NOT EXISTS view_referrals_case ON view_referrals (case_id)",
    "CREATE TABLE IF NOT EXISTS view_timeline ("
    " event_id TEXT PRIMARY KEY, case_id TEXT NOT NULL, at TEXT NOT NULL,"
    " type TEXT NOT NULL, by_whom TEXT NOT NULL, detail TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS view_timeline_case ON view_timeline (case_id, at)",
)

RISK_RANK = {"red": 0, "orange": 1, "yellow": 2, "blue": 3}


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))], 1)


def case_status(referrals: list[dict[str, Any]]) -> str:
    """A case's status follows from its referrals."""
    if not referrals:
        return "triaged"
    if all(r["status"] == "closed" for r in referrals):
        return "closed"
    return "dispatched"


class DeskViewMixin:
    """Writes rows and the tracking position in one transaction; idempotent per event id."""

    placeholder = "?"
    datastore: Any
    max_tracking_id: Callable[[str], int | None]
    _insert_tracking: Callable[[Any, Tracking], None]

    def _q(self, sql: str) -> str:
        return sql if self.placeholder == "?" else sql.replace("?", self.placeholder)

    def _exec(self, c: Any, sql: str, params: tuple[Any, ...] = ()) -> None:
        c.execute(self._q(sql), params)

    def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(self._q(sql), params)
            return [{k: row[k] for k in row.keys()} for row in c.fetchall()]

    # -- writing -------------------------------------------------------------------------

    def apply(self, message: Message | None, tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as c:
            if message is not None:
                writer = self._writers.get(message.type)
                if writer is not None:
                    writer(self, c, message)
            self._insert_tracking(c, tracking)

    def _case_opened(self, c: Any, m: Message) -> None:
        d = m.data
        self._exec(
            c,
            "INSERT INTO view_cases (case_id, risk_level, initial_risk_level, concerns,"
            " region_code, needs_review, rule_version, opened_at) VALUES (?,?,?,?,?,?,?,?)"
            " ON CONFLICT (case_id) DO NOTHING",
            (d["case_id"], d["risk_level"], d["initial_risk_level"], json.dumps(d["concerns"]),
             d["region_code"], int(d["needs_review"]), d["rule_version"], d["opened_at"]),
        )
        self._exec(
            c,
            "INSERT INTO view_case_reports (report_id, case_id, channel, received_at)"
            " VALUES (?,?,?,?) ON CONFLICT (report_id) DO NOTHING",
            (d["report_id"], d["case_id"], d.get("channel"), d["opened_at"]),
        )
        self._timeline(c, m, d["case_id"], "case_opened", "triage",
                       {"risk_level": d["risk_level"], "rationale": d["rationale"],
                        "rule_version": d["rule_version"]})

    def _case_updated(self, c: Any, m: Message) -> None:
        d = m.data
        self._exec(
            c,
            "UPDATE view_cases SET risk_level = ?, concerns = ?, needs_review = ? WHERE case_id = ?",
            (d["risk_level"], json.dumps(d["concerns"]), int(d["needs_review"]), d["case_id"]),
        )
        if d["reason"] == "report_joined":
            self._exec(
                c,
                "INSERT INTO view_case_reports (report_id, case_id, channel, received_at)"
                " VALUES (?,?,?,?) ON CONFLICT (report_id) DO NOTHING",
                (d["report_id"], d["case_id"], d.get("channel"), d.get("at")),
            )
        self._timeline(c, m, d["case_id"], f"case_{d['reason']}", d.get("by") or "triage",
                       {"risk_level": d["risk_level"], "previous": d["previous_risk_level"],
                        "added_concerns": d["added_concerns"], "rationale": d["rationale"]})

    def _referral_dispatched(self, c: Any, m: Message) -> None:
        d = m.data
        self._exec(
            c,
            "INSERT INTO view_referrals (referral_id, case_id, agency_id, agency_kind, status,"
            " risk_level, concerns, dispatched_at, due_at) VALUES (?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT (referral_id) DO NOTHING",
            (d["referral_id"], d["case_id"], d["agency_id"], d["agency_kind"], "dispatched",
             d["risk_level"], json.dumps(d["concerns"]), d["dispatched_at"], d["due_at"]),
        )
        self._timeline(c, m, d["case_id"], "referral_dispatched", "dispatch",
                       {"agency_id": d["agency_id"], "referral_id": d["referral_id"]})

    def _referral_status(self, c: Any, m: Message) -> None:
        d = m.data
        column = {"acknowledged": "acknowledged_at", "escalated": "escalated_at"}.get(
            d["status"], "closed_at")
        self._exec(c, f"UPDATE view_referrals SET status = ?, {column} = ? WHERE referral_id = ?",
                   (d["status"], d["at"], d["referral_id"]))
        if d["status"] == "declined":  # back to the supervisor board for re-routing
            self._exec(c, "UPDATE view_cases SET needs_review = 1 WHERE case_id = ?", (d["case_id"],))
        self._timeline(c, m, d["case_id"], f"referral_{d['status']}", d["by"],
                       {"agency_id": d["agency_id"], "referral_id": d["referral_id"]})

    def _routing_gap(self, c: Any, m: Message) -> None:
        d = m.data
        self._exec(c, "UPDATE view_cases SET needs_review = 1 WHERE case_id = ?", (d["case_id"],))
        self._timeline(c, m, d["case_id"], "routing_gap", "dispatch",
                       {"agency_kind": d["agency_kind"]})

    def _timeline(self, c: Any, m: Message, case_id: str, kind: str, by: str,
                  detail: dict[str, Any]) -> None:
        self._exec(
            c,
            "INSERT INTO view_timeline (event_id, case_id, at, type, by_whom, detail)"
            " VALUES (?,?,?,?,?,?) ON CONFLICT (event_id) DO NOTHING",
            (m.id, case_id, m.time.isoformat(), kind, by, json.dumps(detail, ensure_ascii=False)),
        )

    _writers = {
        CASE_OPENED: _case_opened,
        CASE_UPDATED: _case_updated,
        REFERRAL_DISPATCHED: _referral_dispatched,
        ROUTING_GAP: _routing_gap,
        REFERRAL_ACKNOWLEDGED: _referral_status,
        REFERRAL_DECLINED: _referral_status,
        REFERRAL_CLOSED: _referral_status,
        REFERRAL_ESCALATED: _referral_status,
    }

    # -- reading -------------------------------------------------------------------------

    def case_for_report(self, report_id: str) -> dict[str, Any] | None:
        """The report's case id and the case status, once triage has linked them."""
        rows = self._rows("SELECT case_id FROM view_case_reports WHERE report_id = ?", (report_id,))
        if not rows:
            return None
        case_id = rows[0]["case_id"]
        return {"case_id": case_id, "status": case_status(self.referrals_for_case(case_id))}

    def due_referrals(self, now: datetime) -> list[dict[str, Any]]:
        """Dispatched, unacknowledged referrals whose due time has passed (for the scheduler)."""
        rows = self._rows("SELECT * FROM view_referrals WHERE status = 'dispatched'")
        return [self._referral(r) for r in rows if datetime.fromisoformat(r["due_at"]) <= now]

    def get_case(self, case_id: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM view_cases WHERE case_id = ?", (case_id,))
        if not rows:
            return None
        return self._case(rows[0])

    def list_cases(self, risk_level: str | None, status: str | None) -> list[dict[str, Any]]:
        sql, params = "SELECT * FROM view_cases", []
        if risk_level:
            sql += " WHERE risk_level = ?"
            params.append(risk_level)
        cases = [self._case(row) for row in self._rows(sql, tuple(params))]
        if status:
            cases = [c for c in cases if c["status"] == status]
        # The board: escalated and needs-review first, then by risk, newest first within a level.
        cases.sort(key=lambda c: c["opened_at"], reverse=True)
        cases.sort(key=lambda c: (not c["escalated"], not c["needs_review"],
                                  RISK_RANK.get(c["risk_level"], 9)))
        return cases

    def _case(self, row: dict[str, Any]) -> dict[str, Any]:
        case_id = row["case_id"]
        referrals = self.referrals_for_case(case_id)
        timeline = self._rows(
            "SELECT at, type, by_whom FROM view_timeline WHERE case_id = ? ORDER BY at, event_id",
            (case_id,),
        )
        reports = self._rows(
            "SELECT report_id FROM view_case_reports WHERE case_id = ? ORDER BY report_id",
            (case_id,),
        )
        return {
            "case_id": case_id,
            "status": case_status(referrals),
            "escalated": any(r["status"] == "escalated" for r in referrals),
            "risk_level": row["risk_level"],
            "initial_risk_level": row["initial_risk_level"],
            "concerns": json.loads(row["concerns"]),
            "needs_review": bool(row["needs_review"]),
            "opened_at": row["opened_at"],
            "report_ids": [r["report_id"] for r in reports],
            "referrals": referrals,
            "timeline": [{"at": t["at"], "type": t["type"], "by": t["by_whom"]} for t in timeline],
        }

    def stats(self, since: datetime | None, until: datetime | None, now: datetime) -> dict[str, Any]:
        """Counts and acknowledgement times for reports received in [since, until)."""

        def within(iso: str | None) -> bool:
            if not iso:
                return False
            t = datetime.fromisoformat(iso)
            return (since is None or t >= since) and (until is None or t < until)

        reports = [r for r in self._rows("SELECT * FROM view_case_reports") if within(r["received_at"])]
        case_ids = {r["case_id"] for r in reports}
        cases = [r for r in self._rows("SELECT * FROM view_cases") if r["case_id"] in case_ids]
        referrals = [r for r in self._rows("SELECT * FROM view_referrals") if r["case_id"] in case_ids]

        def count(values: Any) -> dict[str, int]:
            out: dict[str, int] = {}
            for v in values:
                out[v] = out.get(v, 0) + 1
            return dict(sorted(out.items()))

        ack: dict[str, list[float]] = {}
        for r in referrals:
            if r["acknowledged_at"]:
                seconds = (datetime.fromisoformat(r["acknowledged_at"])
                           - datetime.fromisoformat(r["dispatched_at"])).total_seconds()
                ack.setdefault(r["risk_level"], []).append(max(seconds, 0.0))
        overdue = [r for r in referrals if r["status"] in ("dispatched", "escalated")
                   and datetime.fromisoformat(r["due_at"]) <= now]
        return {
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
            "reports": len(reports),
            "cases": len(cases),
            "by_channel": count(r["channel"] or "unknown" for r in reports),
            "by_concern": count(c for case in cases for c in json.loads(case["concerns"])),
            "by_risk_level": count(c["risk_level"] for c in cases),
            "by_agency_kind": count(r["agency_kind"] for r in referrals),
            "by_referral_status": count(r["status"] for r in referrals),
            "ack_seconds_by_risk_level": {
                level: {"n": len(v), "p50": _pct(v, 50), "p90": _pct(v, 90), "p95": _pct(v, 95)}
                for level, v in sorted(ack.items())
            },
            "overdue": len(overdue),
        }

    def referrals_for_case(self, case_id: str) -> list[dict[str, Any]]:
        return [
            self._referral(r)
            for r in self._rows(
                "SELECT * FROM view_referrals WHERE case_id = ? ORDER BY agency_kind, agency_id",
                (case_id,),
            )
        ]

    def desk_referrals(self, agency_id: str, status: str | None = None) -> list[dict[str, Any]]:
        sql, params = "SELECT * FROM view_referrals WHERE agency_id = ?", [agency_id]
        if status:
            sql += " AND status = ?"
            params.append(status)
        rows = [self._referral(r) for r in self._rows(sql, tuple(params))]
        # Most urgent first, then newest.
        rows.sort(key=lambda r: r["dispatched_at"], reverse=True)
        rows.sort(key=lambda r: RISK_RANK.get(r["risk_level"], 9))
        return rows

    @staticmethod
    def _referral(row: dict[str, Any]) -> dict[str, Any]:
        return {
            "referral_id": row["referral_id"],
            "case_id": row["case_id"],
            "agency_id": row["agency_id"],
            "agency_kind": row["agency_kind"],
            "status": row["status"],
            "risk_level": row["risk_level"],
            "concerns": json.loads(row["concerns"]),
            "dispatched_at": row["dispatched_at"],
            "due_at": row["due_at"],
            "acknowledged_at": row["acknowledged_at"],
            "escalated_at": row["escalated_at"],
        }


class SQLiteDeskView(DeskViewMixin, SQLiteTrackingRecorder):
    """The read model in its own SQLite file (embedded wiring)."""

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *DDL]


class PostgresDeskView(DeskViewMixin, PostgresTrackingRecorder):
    """The read model in PostgreSQL (distributed wiring)."""

    placeholder = "%s"

    def __init__(self, datastore: Any, **kwargs: Any):
        super().__init__(datastore, **kwargs)
        self.sql_create_statements.extend(SQL(stmt) for stmt in DDL)  # type: ignore[misc]


class DeskProjection:
    """Applies case and referral messages to the desk view."""

    name = "desk"

    def __init__(self, view: DeskViewMixin):
        self.view = view

    def process_event(self, message: Message | None, tracking: Tracking) -> None:
        self.view.apply(message, tracking)
