"""Daily counts for the statistics (contract §7), kept by the desk writers in the transaction of
the rows they count: reports per channel by the day they were received, cases per level and
concern, referrals per agency kind, status and acknowledged in time, by the day the case opened;
per township and Beijing day. Each change is a delta guarded like the row write it goes with
(a new row, or a newer version), so a duplicate or replay counts nothing twice, and the counts
are those the rows give (`refill` computes them from the rows; a test compares the two)."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime

from projections.desk.writes import Write

TOWNSHIP = 9  # digits of the region code kept: by_region can go one level below a county
DAY = 86400
BEIJING_OFFSET = 8 * 3600

DDL = (
    "CREATE TABLE IF NOT EXISTS view_stats_daily ("
    " figure TEXT NOT NULL, day INTEGER NOT NULL, township TEXT NOT NULL, key TEXT NOT NULL,"
    " n INTEGER NOT NULL, PRIMARY KEY (figure, day, township, key))",
)
REFERRAL_FIGURES = (("kind", "r.agency_kind", ""), ("status", "r.status", ""),
                    ("in_time", "r.risk_level", " AND r.acknowledged_ts <= r.due_ts"))
UPSERT = ("INSERT INTO view_stats_daily (figure, day, township, key, n) {select}"
          " ON CONFLICT (figure, day, township, key) DO UPDATE SET n = view_stats_daily.n + excluded.n")


def day_of(ts: float) -> int:
    """The Beijing day number (days since 1970-01-01 in UTC+8) of a moment."""
    return math.floor((ts + BEIJING_OFFSET) / DAY)


def day_start(day: int) -> float:
    return float(day * DAY - BEIJING_OFFSET)


def is_midnight(at: datetime | None) -> bool:
    """Whether a window's bound falls on a Beijing day's start (or is open)."""
    return at is None or (at.timestamp() + BEIJING_OFFSET) % DAY == 0


def township(region_code: str | None) -> str:
    return (region_code or "")[:TOWNSHIP]


Part = tuple[str, str, tuple[object, ...]]  # a figure, a SELECT of (day, township, key, n), its parameters


def count(parts: list[Part]) -> list[Write]:
    """One statement that adds what each part's SELECT yields to its figure (before the row
    writes it counts, whose absence or version its parts check). The parts of one message have
    distinct keys: one statement may not touch a row twice."""
    if not parts:
        return []
    union = " UNION ALL ".join(f"SELECT '{figure}' AS figure, {select}" for figure, select, _ in parts)
    # SQLite needs a WHERE clause before ON CONFLICT to read it as the upsert's. In key order, so
    # one statement of each of two desk members takes its row locks in one order; the statements
    # of a batch can still cross (`make chaos` saw it), and a deadlock is applied again
    # (consumer.py).
    return [(UPSERT.format(select=f"SELECT figure, day, township, key, n FROM ({union}) delta WHERE 1 = 1"
                                  " ORDER BY figure, day, township, key"),
             tuple(p for _, _, ps in parts for p in ps))]


def guarded(parts: list[Part], guard: Write) -> list[Part]:
    """Parts that count only if the versioned update they go with will be applied."""
    condition, params = guard
    return [(figure, select + condition, (*ps, *params)) for figure, select, ps in parts]


def report(report_id: str, channel: str | None, received_ts: float | None, region: str | None) -> list[Part]:
    """A report not yet in the view."""
    if received_ts is None:
        return []
    return [("channel", "? AS day, ? AS township, ? AS key, 1 AS n WHERE NOT EXISTS"
             " (SELECT 1 FROM view_case_reports WHERE report_id = ?)",
             (day_of(received_ts), township(region), channel or "unknown", report_id))]


def case(case_id: str, level: str, concerns: list[str], opened_ts: float | None, region: str) -> list[Part]:
    """A case not yet in the view with its concerns, and the referrals of it that arrived first
    (before they are given its region)."""
    if opened_ts is None:
        return []
    day, place = day_of(opened_ts), township(region)
    new = "WHERE NOT EXISTS (SELECT 1 FROM view_cases WHERE case_id = ?)"
    return [
        ("level", f"? AS day, ? AS township, ? AS key, 1 AS n {new}", (day, place, level, case_id)),
        *(("concern", f"?, ?, ?, 1 {new}", (day, place, concern, case_id)) for concern in concerns),
        *((figure, f"?, ?, {key}, COUNT(*) FROM view_referrals r WHERE r.case_id = ?"
                   f" AND r.region_code IS NULL{where} GROUP BY {key}", (day, place, case_id))
          for figure, key, where in REFERRAL_FIGURES),
    ]


CASE_OF_REFERRAL = "FROM view_referrals r JOIN view_cases c ON c.case_id = r.case_id WHERE r.referral_id = ?"
CASE_BUCKET = "c.opened_day AS day, SUBSTR(c.region_code, 1, 9) AS township"


def concerns(case_id: str, concerns: list[str]) -> list[Part]:
    """Concerns new to a case in the view."""
    return [("concern", f"{CASE_BUCKET}, ? AS key, 1 AS n FROM view_cases c WHERE c.case_id = ?"
             " AND NOT EXISTS (SELECT 1 FROM view_case_concerns WHERE case_id = ? AND concern = ?)",
             (concern, case_id, case_id, concern)) for concern in concerns]


def level_change(case_id: str, level: str) -> list[Part]:
    """The case's level moves (to be guarded like the update that moves it)."""
    changed = "FROM view_cases c WHERE c.case_id = ? AND c.risk_level <> ?"
    return [("level", f"{CASE_BUCKET}, c.risk_level AS key, -1 AS n {changed}", (case_id, level)),
            ("level", f"{CASE_BUCKET}, ?, 1 {changed}", (level, case_id, level))]


def referral(referral_id: str, case_id: str, kind: str) -> list[Part]:
    """A referral not yet in the view, counted now if its case is."""
    new = ("FROM view_cases c WHERE c.case_id = ? AND NOT EXISTS"
           " (SELECT 1 FROM view_referrals WHERE referral_id = ?)")
    return [("kind", f"{CASE_BUCKET}, ? AS key, 1 AS n {new}", (kind, case_id, referral_id)),
            ("status", f"{CASE_BUCKET}, 'dispatched', 1 {new}", (case_id, referral_id))]


def status_change(referral_id: str, status: str, acknowledged_ts: float | None) -> list[Part]:
    """The referral's status moves, and an acknowledgement may count it in time (acknowledged
    again after a re-routing: by the last); to be guarded like the update that makes them."""
    moved = f"{CASE_OF_REFERRAL} AND r.status <> ?"
    parts: list[Part] = [
        ("status", f"{CASE_BUCKET}, r.status AS key, -1 AS n {moved}", (referral_id, status)),
        ("status", f"{CASE_BUCKET}, ?, 1 {moved}", (status, referral_id, status))]
    if acknowledged_ts is not None:
        parts.append(("in_time", f"{CASE_BUCKET}, r.risk_level AS key,"
                      " CASE WHEN ? <= r.due_ts THEN 1 ELSE 0 END"
                      " - CASE WHEN r.acknowledged_ts <= r.due_ts THEN 1 ELSE 0 END AS n"
                      f" {CASE_OF_REFERRAL}", (acknowledged_ts, referral_id)))
    return parts


def refill(floor: Callable[[str], str]) -> str:
    """One statement that computes every count from the rows, if there are none yet (a view
    made before the counts were kept); `floor` is the dialect's."""
    received = floor(f"(received_ts + {BEIJING_OFFSET}) / {DAY}.0")
    return UPSERT.format(select=(
        "SELECT figure, day, township, key, n FROM ("
        f" SELECT 'channel' AS figure, {received} AS day, SUBSTR(COALESCE(region_code, ''), 1, 9)"
        " AS township, COALESCE(channel, 'unknown') AS key, COUNT(*) AS n FROM view_case_reports"
        f" WHERE received_ts IS NOT NULL GROUP BY {received}, SUBSTR(COALESCE(region_code, ''), 1, 9),"
        " COALESCE(channel, 'unknown')"
        " UNION ALL SELECT 'level', c.opened_day, SUBSTR(c.region_code, 1, 9), c.risk_level, COUNT(*)"
        " FROM view_cases c WHERE c.opened_day IS NOT NULL GROUP BY 1, 2, 3, 4"
        " UNION ALL SELECT 'concern', c.opened_day, SUBSTR(c.region_code, 1, 9), k.concern, COUNT(*)"
        " FROM view_case_concerns k JOIN view_cases c ON c.case_id = k.case_id"
        " WHERE c.opened_day IS NOT NULL GROUP BY 1, 2, 3, 4"
        + "".join(
            f" UNION ALL SELECT '{figure}', c.opened_day, SUBSTR(c.region_code, 1, 9), {key}, COUNT(*)"
            f" FROM view_referrals r JOIN view_cases c ON c.case_id = r.case_id"
            f" WHERE c.opened_day IS NOT NULL{where} GROUP BY 1, 2, 3, 4"
            for figure, key, where in REFERRAL_FIGURES)
        + ") counted WHERE NOT EXISTS (SELECT 1 FROM view_stats_daily)"))
