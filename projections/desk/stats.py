"""GET /v1/stats computed by SQL aggregation over the desk view (no table is loaded whole)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.common.sqlstore import Sql
from services.common.vocabulary import UNACKNOWLEDGED_STATUSES

PERCENTILES = {"p50": 0.5, "p90": 0.9, "p95": 0.95}


def _counts(sql: Sql, statement: str, params: list[Any]) -> dict[str, int]:
    return {str(r["k"]): int(r["n"]) for r in sorted(sql.rows(statement, params), key=lambda r: str(r["k"]))}


def stats(sql: Sql, since: datetime | None, until: datetime | None, now: datetime) -> dict[str, Any]:
    """Counts and acknowledgement times for reports received in [since, until)."""
    conditions, bounds = ["1 = 1"], []
    if since is not None:
        conditions.append("received_ts >= ?")
        bounds.append(since.timestamp())
    if until is not None:
        conditions.append("received_ts < ?")
        bounds.append(until.timestamp())
    where = " AND ".join(conditions)
    in_range = f"case_id IN (SELECT case_id FROM view_case_reports WHERE {where})"

    by_channel = _counts(sql, "SELECT COALESCE(channel, 'unknown') AS k, COUNT(*) AS n FROM"
                              f" view_case_reports WHERE {where} GROUP BY COALESCE(channel, 'unknown')",
                         bounds)
    by_risk = _counts(sql, f"SELECT risk_level AS k, COUNT(*) AS n FROM view_cases WHERE {in_range}"
                           " GROUP BY risk_level", bounds)
    open_marks = ",".join("?" for _ in UNACKNOWLEDGED_STATUSES)
    overdue = sql.one(f"SELECT COUNT(*) AS n FROM view_referrals WHERE {in_range}"
                      f" AND status IN ({open_marks}) AND due_ts <= ?",
                      [*bounds, *UNACKNOWLEDGED_STATUSES, now.timestamp()])
    return {
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "reports": sum(by_channel.values()),
        "cases": sum(by_risk.values()),
        "by_channel": by_channel,
        "by_concern": _counts(sql, "SELECT concern AS k, COUNT(*) AS n FROM view_case_concerns"
                                   f" WHERE {in_range} GROUP BY concern", bounds),
        "by_risk_level": by_risk,
        "by_agency_kind": _counts(sql, "SELECT agency_kind AS k, COUNT(*) AS n FROM view_referrals"
                                       f" WHERE {in_range} GROUP BY agency_kind", bounds),
        "by_referral_status": _counts(sql, "SELECT status AS k, COUNT(*) AS n FROM view_referrals"
                                           f" WHERE {in_range} GROUP BY status", bounds),
        "ack_seconds_by_risk_level": ack_percentiles(sql, in_range, bounds),
        "overdue": int(overdue["n"]) if overdue else 0,
    }


def ack_percentiles(sql: Sql, in_range: str, bounds: list[Any]) -> dict[str, dict[str, float]]:
    """Nearest-rank percentiles of acknowledgement time per level, picked by window functions."""
    ranks = " OR ".join(f"rn = CAST(ROUND({p} * (n - 1)) AS INTEGER)" for p in PERCENTILES.values())
    rows = sql.rows(
        "SELECT risk_level, seconds, rn, n FROM ("
        " SELECT risk_level,"
        "  CASE WHEN acknowledged_ts > dispatched_ts THEN acknowledged_ts - dispatched_ts ELSE 0 END"
        "   AS seconds,"
        "  ROW_NUMBER() OVER (PARTITION BY risk_level ORDER BY acknowledged_ts - dispatched_ts) - 1 AS rn,"
        "  COUNT(*) OVER (PARTITION BY risk_level) AS n"
        f" FROM view_referrals WHERE acknowledged_ts IS NOT NULL AND {in_range}) ranked"
        f" WHERE {ranks}", bounds)
    out: dict[str, dict[str, float]] = {}
    for r in rows:
        level = out.setdefault(r["risk_level"], {"n": int(r["n"])})
        for name, p in PERCENTILES.items():
            if int(r["rn"]) == int(_round_half_up(p * (int(r["n"]) - 1))):
                level[name] = round(float(r["seconds"]), 1)
    return dict(sorted(out.items()))


def _round_half_up(x: float) -> int:
    return int(x + 0.5)
