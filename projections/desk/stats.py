"""GET /v1/stats (contract §7) computed by SQL aggregation over the desk view: no table is loaded
whole. Reports count by when they were received; cases, their referrals and follow-ups by when
the case opened; visits by when they were made; each table filtered on its own columns (the
case's region and opening time are copied onto the rows that are counted by them). Whole days
over a county or more are summed from the daily counts the writers keep (`rollup`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from projections.desk import rollup
from projections.desk.percentiles import ack_percentiles, late_referrals
from services.common.store import Sql
from services.common.vocabulary import BEIJING

DAY = float(rollup.DAY)
BEIJING_OFFSET = rollup.BEIJING_OFFSET  # days are counted in China's time (UTC+8)


Rows = Callable[..., list[dict[str, Any]]]


def _window(since: datetime | None, until: datetime | None, region: str | None,
            time_column: str, shallower: int | None = None) -> tuple[str, list[Any]]:
    """One table's rows in the window (by its own time column) and the region (by its own copy
    of the case's region code), its code shorter than `shallower` digits if given: no join, so
    an index or one scan answers."""
    conditions: list[str] = ["1 = 1"]
    bounds: list[Any] = []
    if since is not None:
        conditions.append(f"{time_column} >= ?")
        bounds.append(since.timestamp())
    if until is not None:
        conditions.append(f"{time_column} < ?")
        bounds.append(until.timestamp())
    if region:
        conditions.append("region_code LIKE ?")
        bounds.append(region + "%")
    if shallower is not None:
        conditions.append("LENGTH(region_code) < ?")
        bounds.append(shallower)
    return " AND ".join(conditions), bounds


def _tally(rows: list[dict[str, Any]], key: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in rows:
        out[str(r[key])] = out.get(str(r[key]), 0) + int(r["n"])
    return dict(sorted(out.items()))


def stats(sql: Sql, since: datetime | None, until: datetime | None, now: datetime, *,
          region: str | None = None, sla: Mapping[str, int] | None = None,
          sentinels: Sequence[Mapping[str, Any]] = (), daily: bool = True,
          shallower: int | None = None) -> dict[str, Any]:
    """Reports received in [since, until), and the cases opened then with their referrals and
    follow-ups, in the region if one is given (placed with fewer than `shallower` digits if
    given: those a roll-up's sub-regions leave out), in one snapshot: the counts from the daily
    rollup when the window is whole Beijing days and the region a county or wider (unless
    `daily` is false), otherwise grouped from the rows; what depends on the time now always
    from the rows."""
    def window(time_column: str) -> tuple[str, list[Any]]:
        return _window(since, until, region, time_column, shallower)

    with sql.reading() as rows:
        if daily and rollup.is_midnight(since) and rollup.is_midnight(until) and (
                not region or len(region) + 3 <= rollup.TOWNSHIP):
            counted = counts_from_rollup(rows, since, until, region, shallower)
        else:
            counted = counts_from_rows(sql, rows, window, region)
        where, bounds = window("case_opened_ts")
        late = late_referrals(rows, where, bounds, now.timestamp())
        ack = ack_percentiles(sql, rows, where, bounds)
        plans = followups(rows, window("opened_ts"), window("visited_ts"), now)
        points = sentinel_activity(rows, [s for s in sentinels if shallower is None
                                          or len(str(s["region_code"])) < shallower],
                                   since, until, now, region)
    days, in_time = counted["by_day"], counted["in_time"]
    by_channel: dict[str, int] = {}
    for d in days:
        for channel, n in d["by_channel"].items():
            by_channel[channel] = by_channel.get(channel, 0) + n
    return {
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "region": region,
        "reports": sum(by_channel.values()),
        "cases": sum(counted["by_risk_level"].values()),
        "by_channel": dict(sorted(by_channel.items())),
        "by_concern": counted["by_concern"],
        "by_risk_level": counted["by_risk_level"],
        "by_region": counted["by_region"],
        "by_day": days,
        "by_agency_kind": counted["by_agency_kind"],
        "by_referral_status": counted["by_referral_status"],
        "ack_seconds_by_risk_level": ack,
        "ack_seconds": {level: {**ack.get(level, {"n": 0}), "sla_seconds": seconds,
                                "within_sla": in_time.get(level, 0)}
                        for level, seconds in (sla or {}).items()},
        **late,
        "followups": plans,
        "sentinels": points,
    }


def counts_from_rows(sql: Sql, rows: Rows, window: Callable[[str], tuple[str, list[Any]]],
                     region: str | None) -> dict[str, Any]:
    """The counts grouped from the rows, each table filtered on its own columns."""
    days = by_day(sql, rows, *window("received_ts"))
    where, bounds = window("opened_ts")
    digits = _region_digits(region)
    # Concerns from the case row's list (it only grows, like view_case_concerns): one scan.
    cases = rows(f"SELECT risk_level, SUBSTR(region_code, 1, {digits}) AS region, concerns, COUNT(*) AS n"
                 f" FROM view_cases WHERE {where} GROUP BY risk_level, SUBSTR(region_code, 1, {digits}),"
                 " concerns", bounds)
    where, bounds = window("case_opened_ts")
    referrals = rows(
        "SELECT agency_kind, status, risk_level, SUM(CASE WHEN acknowledged_ts <= due_ts THEN 1 ELSE 0 END)"
        f" AS in_time, COUNT(*) AS n FROM view_referrals WHERE case_opened_ts IS NOT NULL AND {where}"
        " GROUP BY agency_kind, status, risk_level", bounds)
    concerns: dict[str, int] = {}
    for r in cases:
        for concern in json.loads(r["concerns"]):
            concerns[concern] = concerns.get(concern, 0) + int(r["n"])
    return {"by_day": days, "by_concern": dict(sorted(concerns.items())),
            "by_risk_level": _tally(cases, "risk_level"), "by_region": _tally(cases, "region"),
            "by_agency_kind": _tally(referrals, "agency_kind"),
            "by_referral_status": _tally(referrals, "status"),
            "in_time": _tally([{**r, "n": r["in_time"]} for r in referrals], "risk_level")}


def counts_from_rollup(rows: Rows, since: datetime | None, until: datetime | None,
                       region: str | None, shallower: int | None = None) -> dict[str, Any]:
    """The same counts summed from the daily rollup (whole Beijing days; townships)."""
    conditions, bounds = ["1 = 1"], list[Any]()
    if since is not None:
        conditions.append("day >= ?")
        bounds.append(rollup.day_of(since.timestamp()))
    if until is not None:
        conditions.append("day < ?")
        bounds.append(rollup.day_of(until.timestamp()))
    if region:
        conditions.append("township LIKE ?")
        bounds.append(region + "%")
    if shallower is not None:  # a township keeps 9 digits: enough below a county or wider
        conditions.append("LENGTH(township) < ?")
        bounds.append(shallower)
    where, digits = " AND ".join(conditions), _region_digits(region)
    found: dict[int, dict[str, int]] = {}
    for r in rows(f"SELECT day, key, SUM(n) AS n FROM view_stats_daily WHERE figure = 'channel' AND {where}"
                  " GROUP BY day, key", bounds):
        if int(r["n"]):
            found.setdefault(int(r["day"]), {})[str(r["key"])] = int(r["n"])
    figures: dict[str, list[dict[str, Any]]] = {}
    for r in rows(f"SELECT figure, SUBSTR(township, 1, {digits}) AS region, key, SUM(n) AS n"
                  f" FROM view_stats_daily WHERE figure <> 'channel' AND {where}"
                  f" GROUP BY figure, SUBSTR(township, 1, {digits}), key", bounds):
        if int(r["n"]):
            figures.setdefault(str(r["figure"]), []).append(r)
    return {"by_day": _days(found), "by_concern": _tally(figures.get("concern", []), "key"),
            "by_risk_level": _tally(figures.get("level", []), "key"),
            "by_region": _tally(figures.get("level", []), "region"),
            "by_agency_kind": _tally(figures.get("kind", []), "key"),
            "by_referral_status": _tally(figures.get("status", []), "key"),
            "in_time": _tally(figures.get("in_time", []), "key")}


def _region_digits(region: str | None) -> int:
    """Cases per region one level below the one asked for (counties, then townships, villages)."""
    return min(len(region) + 3, 12) if region else 6


def by_day(sql: Sql, rows: Rows, where: str, bounds: list[Any]) -> list[dict[str, Any]]:
    """Reports per day (Beijing time) and channel, oldest first."""
    day = sql.floor(f"(received_ts + {BEIJING_OFFSET}) / {DAY}")
    found = rows(f"SELECT {day} AS d, COALESCE(channel, 'unknown') AS channel, COUNT(*) AS n"
                 f" FROM view_case_reports WHERE {where} AND received_ts IS NOT NULL"
                 f" GROUP BY {day}, COALESCE(channel, 'unknown')", bounds)
    days: dict[int, dict[str, int]] = {}
    for r in found:
        days.setdefault(int(r["d"]), {})[str(r["channel"])] = int(r["n"])
    return _days(days)


def _days(days: dict[int, dict[str, int]]) -> list[dict[str, Any]]:
    return [{"day": datetime.fromtimestamp(rollup.day_start(d), BEIJING).strftime("%Y-%m-%d"),
             "by_channel": dict(sorted(days[d].items())), "reports": sum(days[d].values())}
            for d in sorted(days)]


def followups(rows: Rows, plans_in: tuple[str, list[Any]], visits_in: tuple[str, list[Any]],
              now: datetime) -> dict[str, int]:
    """The plans of the cases counted: active now, overdue now, due within a week; and the
    visits done in the window."""
    t = now.timestamp()
    (where, bounds), (visit_where, visit_bounds) = plans_in, visits_in
    plans = (rows(
        "SELECT COALESCE(SUM(CASE WHEN status = 'active' THEN 1 ELSE 0 END), 0) AS active,"
        " COALESCE(SUM(CASE WHEN status = 'active' AND (next_due_ts < ? OR (overdue_due_ts IS NOT NULL"
        "  AND ABS(overdue_due_ts - next_due_ts) < 0.0005)) THEN 1 ELSE 0 END), 0) AS overdue,"
        " COALESCE(SUM(CASE WHEN status = 'active' AND next_due_ts >= ? AND next_due_ts < ?"
        "  THEN 1 ELSE 0 END), 0) AS due_7d,"
        " COALESCE(SUM(CASE WHEN status = 'closed' THEN 1 ELSE 0 END), 0) AS closed"
        f" FROM view_followups WHERE {where}", [t, t, t + 7 * DAY, *bounds]) or [{}])[0]
    visits = rows(f"SELECT COUNT(*) AS n FROM view_visits WHERE {visit_where}", visit_bounds)
    return {"active": int(plans.get("active") or 0), "overdue": int(plans.get("overdue") or 0),
            "due_within_7_days": int(plans.get("due_7d") or 0), "closed": int(plans.get("closed") or 0),
            "visits_done": int(visits[0]["n"]) if visits else 0}


def sentinel_activity(rows: Rows, sentinels: Sequence[Mapping[str, Any]], since: datetime | None,
                      until: datetime | None, now: datetime, region: str | None) -> list[dict[str, Any]]:
    """Each active sentinel point in the region: its reports in the window, its last report ever,
    and the days since (or since it was registered): the most silent first."""
    chosen = [s for s in sentinels if not region or str(s["region_code"]).startswith(region)]
    if not chosen:
        return []
    marks = ",".join("?" * len(chosen))
    ids = [str(s["sentinel_id"]) for s in chosen]
    last = {r["sentinel_id"]: float(r["last"]) for r in rows(
        "SELECT sentinel_id, MAX(received_ts) AS last FROM view_sentinel_reports"
        f" WHERE sentinel_id IN ({marks}) GROUP BY sentinel_id", ids)}
    conditions, bounds = [f"sentinel_id IN ({marks})"], list[Any](ids)
    if since is not None:
        conditions.append("received_ts >= ?")
        bounds.append(since.timestamp())
    if until is not None:
        conditions.append("received_ts < ?")
        bounds.append(until.timestamp())
    counts = _tally(rows("SELECT sentinel_id, COUNT(*) AS n FROM view_sentinel_reports"
                         f" WHERE {' AND '.join(conditions)} GROUP BY sentinel_id", bounds), "sentinel_id")
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
