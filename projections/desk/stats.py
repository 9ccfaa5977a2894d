"""GET /v1/stats (contract §7) computed by SQL aggregation over the desk view: no table is loaded
whole, each figure is one grouped query over the reports received in [since, until) and, with a
region, the cases whose region code starts with it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from services.common.sqlstore import Sql
from services.common.vocabulary import UNACKNOWLEDGED_STATUSES

PERCENTILES = {"p50": 0.5, "p90": 0.9, "p95": 0.95}
DAY = 86400.0
BEIJING_OFFSET = 8 * 3600  # days are counted in China's time (UTC+8)
BEIJING = timezone(timedelta(hours=8))


def _counts(sql: Sql, statement: str, params: list[Any]) -> dict[str, int]:
    return {str(r["k"]): int(r["n"]) for r in sorted(sql.rows(statement, params), key=lambda r: str(r["k"]))}


def _window(since: datetime | None, until: datetime | None, region: str | None) -> tuple[str, list[Any]]:
    """The reports counted: received in the window, about a case in the region."""
    conditions: list[str] = ["1 = 1"]
    bounds: list[Any] = []
    if since is not None:
        conditions.append("received_ts >= ?")
        bounds.append(since.timestamp())
    if until is not None:
        conditions.append("received_ts < ?")
        bounds.append(until.timestamp())
    if region:
        conditions.append("case_id IN (SELECT case_id FROM view_cases WHERE region_code LIKE ?)")
        bounds.append(region + "%")
    return " AND ".join(conditions), bounds


def stats(sql: Sql, since: datetime | None, until: datetime | None, now: datetime, *,
          region: str | None = None, sla: Mapping[str, int] | None = None,
          sentinels: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """Counts and times for reports received in [since, until), in the region if one is given."""
    where, bounds = _window(since, until, region)
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
    ack = ack_percentiles(sql, in_range, bounds)
    in_time = within_sla(sql, in_range, bounds) if sla else {}
    return {
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "region": region,
        "reports": sum(by_channel.values()),
        "cases": sum(by_risk.values()),
        "by_channel": by_channel,
        "by_concern": _counts(sql, "SELECT concern AS k, COUNT(*) AS n FROM view_case_concerns"
                                   f" WHERE {in_range} GROUP BY concern", bounds),
        "by_risk_level": by_risk,
        "by_region": by_region(sql, in_range, bounds, region),
        "by_day": by_day(sql, where, bounds),
        "by_agency_kind": _counts(sql, "SELECT agency_kind AS k, COUNT(*) AS n FROM view_referrals"
                                       f" WHERE {in_range} GROUP BY agency_kind", bounds),
        "by_referral_status": _counts(sql, "SELECT status AS k, COUNT(*) AS n FROM view_referrals"
                                           f" WHERE {in_range} GROUP BY status", bounds),
        "ack_seconds_by_risk_level": ack,
        "ack_seconds": {level: {**ack.get(level, {"n": 0}), "sla_seconds": seconds,
                                "within_sla": in_time.get(level, 0)}
                        for level, seconds in (sla or {}).items()},
        "overdue": int(overdue["n"]) if overdue else 0,
        "followups": followups(sql, in_range, bounds, since, until, now),
        "sentinels": sentinel_activity(sql, sentinels, since, until, now, region),
    }


def by_region(sql: Sql, in_range: str, bounds: list[Any], region: str | None) -> dict[str, int]:
    """Cases per region one level below the one asked for (counties, then townships, villages)."""
    digits = min(len(region) + 3, 12) if region else 6
    return _counts(sql, f"SELECT SUBSTR(region_code, 1, {digits}) AS k, COUNT(*) AS n FROM view_cases"
                        f" WHERE {in_range} GROUP BY SUBSTR(region_code, 1, {digits})", bounds)


def by_day(sql: Sql, where: str, bounds: list[Any]) -> list[dict[str, Any]]:
    """Reports per day (Beijing time) and channel, oldest first."""
    day = sql.floor(f"(received_ts + {BEIJING_OFFSET}) / {DAY}")
    rows = sql.rows(f"SELECT {day} AS d, COALESCE(channel, 'unknown') AS channel, COUNT(*) AS n"
                    f" FROM view_case_reports WHERE {where} AND received_ts IS NOT NULL"
                    f" GROUP BY {day}, COALESCE(channel, 'unknown')", bounds)
    days: dict[int, dict[str, int]] = {}
    for r in rows:
        days.setdefault(int(r["d"]), {})[str(r["channel"])] = int(r["n"])
    return [{"day": datetime.fromtimestamp(d * DAY - BEIJING_OFFSET, BEIJING).strftime("%Y-%m-%d"),
             "by_channel": dict(sorted(days[d].items())), "reports": sum(days[d].values())}
            for d in sorted(days)]


def within_sla(sql: Sql, in_range: str, bounds: list[Any]) -> dict[str, int]:
    """Referrals acknowledged by their due time, per level."""
    return _counts(sql, "SELECT risk_level AS k, COUNT(*) AS n FROM view_referrals WHERE"
                        f" acknowledged_ts IS NOT NULL AND acknowledged_ts <= due_ts AND {in_range}"
                        " GROUP BY risk_level", bounds)


def followups(sql: Sql, in_range: str, bounds: list[Any], since: datetime | None,
              until: datetime | None, now: datetime) -> dict[str, int]:
    """The plans of the cases counted: active now, overdue now, due within a week, and the
    visits done in the window."""
    t = now.timestamp()
    plans = sql.one(
        "SELECT COALESCE(SUM(CASE WHEN status = 'active' THEN 1 ELSE 0 END), 0) AS active,"
        " COALESCE(SUM(CASE WHEN status = 'active' AND (next_due_ts < ? OR (overdue_due_ts IS NOT NULL"
        "  AND ABS(overdue_due_ts - next_due_ts) < 0.0005)) THEN 1 ELSE 0 END), 0) AS overdue,"
        " COALESCE(SUM(CASE WHEN status = 'active' AND next_due_ts >= ? AND next_due_ts < ?"
        "  THEN 1 ELSE 0 END), 0) AS due_7d,"
        " COALESCE(SUM(CASE WHEN status = 'closed' THEN 1 ELSE 0 END), 0) AS closed"
        f" FROM view_followups WHERE {in_range}", [t, t, t + 7 * DAY, *bounds]) or {}
    visit_window, visit_bounds = ["1 = 1"], []
    if since is not None:
        visit_window.append("visited_ts >= ?")
        visit_bounds.append(since.timestamp())
    if until is not None:
        visit_window.append("visited_ts < ?")
        visit_bounds.append(until.timestamp())
    visits = sql.one(f"SELECT COUNT(*) AS n FROM view_visits WHERE {' AND '.join(visit_window)}"
                     f" AND {in_range}", [*visit_bounds, *bounds])
    return {"active": int(plans.get("active") or 0), "overdue": int(plans.get("overdue") or 0),
            "due_within_7_days": int(plans.get("due_7d") or 0), "closed": int(plans.get("closed") or 0),
            "visits_done": int(visits["n"]) if visits else 0}


def sentinel_activity(sql: Sql, sentinels: Sequence[Mapping[str, Any]], since: datetime | None,
                      until: datetime | None, now: datetime, region: str | None) -> list[dict[str, Any]]:
    """Each active sentinel point in the region: its reports in the window, its last report ever,
    and the days since (or since it was registered): the most silent first."""
    chosen = [s for s in sentinels if not region or str(s["region_code"]).startswith(region)]
    if not chosen:
        return []
    marks = ",".join("?" * len(chosen))
    ids = [str(s["sentinel_id"]) for s in chosen]
    last = {r["sentinel_id"]: float(r["last"]) for r in sql.rows(
        "SELECT sentinel_id, MAX(received_ts) AS last FROM view_sentinel_reports"
        f" WHERE sentinel_id IN ({marks}) GROUP BY sentinel_id", ids)}
    conditions, bounds = [f"sentinel_id IN ({marks})"], list[Any](ids)
    if since is not None:
        conditions.append("received_ts >= ?")
        bounds.append(since.timestamp())
    if until is not None:
        conditions.append("received_ts < ?")
        bounds.append(until.timestamp())
    counts = _counts(sql, "SELECT sentinel_id AS k, COUNT(*) AS n FROM view_sentinel_reports"
                          f" WHERE {' AND '.join(conditions)} GROUP BY sentinel_id", bounds)
    out = []
    for s in chosen:
        sid = str(s["sentinel_id"])
        heard = last.get(sid)
        since_ts = heard if heard is not None else s["registered_at"].timestamp()
        out.append({"sentinel_id": sid, "name": s["name"], "kind": s["kind"],
                    "region_code": s["region_code"], "reports": counts.get(sid, 0),
                    "last_report_at": datetime.fromtimestamp(heard, BEIJING).isoformat() if heard else None,
                    "silent_days": max(0, int((now.timestamp() - since_ts) // DAY))})
    out.sort(key=lambda x: (-x["silent_days"], x["name"]))
    return out


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
