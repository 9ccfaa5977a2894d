"""Major incidents (重大事项, contract §12) in the desk view: one row per case and reason, written
from `hotline.case.major_incident`, read by the supervisors' list, the board and the monthly
report. A supervisor's summary is kept only as the sealed blob it travelled as."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, TypedDict

from projections.desk.writes import Write, epoch, timeline
from services.common.messages import CASE_MAJOR_INCIDENT, Message
from services.common.store import Sql

DDL = (
    "CREATE TABLE IF NOT EXISTS view_incidents ("
    " case_id TEXT NOT NULL, reason TEXT NOT NULL, region_code TEXT NOT NULL,"
    " risk_level TEXT NOT NULL, concerns TEXT NOT NULL, summary TEXT, sealed_summary TEXT,"
    " rule_version TEXT NOT NULL, reported_at TEXT NOT NULL, reported_ts DOUBLE PRECISION NOT NULL,"
    " PRIMARY KEY (case_id, reason))",
    "CREATE INDEX IF NOT EXISTS view_incidents_time ON view_incidents (reported_ts)",
)


class IncidentRow(TypedDict):
    case_id: str
    reason: str
    region_code: str
    risk_level: str
    concerns: list[str]
    summary: str | None  # an automatic one's fixed text; None for a mark (sealed_summary)
    sealed_summary: str | None
    reported_at: str


def reported(m: Message) -> list[Write]:
    d = m.data
    return [
        ("INSERT INTO view_incidents (case_id, reason, region_code, risk_level, concerns, summary,"
         " sealed_summary, rule_version, reported_at, reported_ts) VALUES (?,?,?,?,?,?,?,?,?,?)"
         " ON CONFLICT (case_id, reason) DO NOTHING",
         (d["case_id"], d["reason"], d["region_code"], d["risk_level"], json.dumps(d["concerns"]),
          d["summary"], d["pii"], d["rule_version"], d["reported_at"], epoch(d["reported_at"]))),
        timeline(m, d["case_id"], "case_major_incident", "triage", {"reason": d["reason"]}),
    ]


INCIDENT_WRITERS = {CASE_MAJOR_INCIDENT: reported}


def incident_row(row: dict[str, Any]) -> IncidentRow:
    return IncidentRow(case_id=row["case_id"], reason=row["reason"], region_code=row["region_code"],
                       risk_level=row["risk_level"], concerns=json.loads(row["concerns"]),
                       summary=row["summary"], sealed_summary=row["sealed_summary"],
                       reported_at=row["reported_at"])


class IncidentQueries:
    """Mixed into the desk view's reader."""

    sql: Sql

    def major_incidents(self, since: datetime | None = None,
                        until: datetime | None = None) -> list[IncidentRow]:
        """Newest first, within [since, until) when given (the caller keeps those of its region)."""
        where, params = ["1 = 1"], []
        if since is not None:
            where.append("reported_ts >= ?")
            params.append(since.timestamp())
        if until is not None:
            where.append("reported_ts < ?")
            params.append(until.timestamp())
        return [incident_row(r) for r in self.sql.rows(
            f"SELECT * FROM view_incidents WHERE {' AND '.join(where)}"
            " ORDER BY reported_ts DESC, case_id", tuple(params))]
