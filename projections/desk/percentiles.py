"""Acknowledgement-time percentiles per level (contract §7), nearest-rank, read in the order of
an index that covers the statistics' window; and the referrals not taken on in time."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from services.common.store import Sql
from services.common.vocabulary import UNACKNOWLEDGED_STATUSES

PERCENTILES = {"p50": 0.5, "p90": 0.9, "p95": 0.95}
Rows = Callable[..., list[dict[str, Any]]]
UNACKNOWLEDGED = ", ".join(f"'{status}'" for status in UNACKNOWLEDGED_STATUSES)  # fixed words


def late_referrals(rows: Rows, where: str, bounds: list[Any], now: float) -> dict[str, int]:
    """`overdue`: waiting past their time now; `late_ended`: never taken on in time and ended since
    (withdrawn, returned), which the units' table counts as not on time too (the province
    supervisor's review, stop 61: a county read 按时 2/2 with a withdrawn overdue referral)."""
    found = rows(f"SELECT SUM(CASE WHEN status IN ({UNACKNOWLEDGED}) AND due_ts <= ? THEN 1 ELSE 0 END)"
                 " AS overdue, SUM(CASE WHEN acknowledged_ts IS NULL AND escalated_at IS NOT NULL AND"
                 f" status NOT IN ({UNACKNOWLEDGED}) THEN 1 ELSE 0 END) AS late_ended"
                 f" FROM view_referrals WHERE case_opened_ts IS NOT NULL AND {where}", [now, *bounds])
    return {"overdue": int(found[0]["overdue"] or 0), "late_ended": int(found[0]["late_ended"] or 0)} \
        if found else {"overdue": 0, "late_ended": 0}


def ack_percentiles(sql: Sql, rows: Rows, where: str, bounds: list[Any]) -> dict[str, dict[str, float]]:
    """Nearest-rank percentiles of acknowledgement time per level (the value at rank ⌈p × n⌉,
    PostgreSQL's percentile_disc), read in the order of an index that covers the window."""
    acknowledged = f"ack_seconds IS NOT NULL AND case_opened_ts IS NOT NULL AND {where}"
    out: dict[str, dict[str, float]] = {}
    if sql.postgres:  # one aggregate per level over the index's order
        fractions = ", ".join(str(p) for p in PERCENTILES.values())
        for r in rows(f"SELECT risk_level, COUNT(*) AS n, PERCENTILE_DISC(ARRAY[{fractions}]) WITHIN GROUP"
                      f" (ORDER BY ack_seconds) AS picks FROM view_referrals WHERE {acknowledged}"
                      " GROUP BY risk_level", bounds):
            out[r["risk_level"]] = {"n": int(r["n"]), **{
                name: round(float(v), 1) for name, v in zip(PERCENTILES, r["picks"], strict=True)}}
        return dict(sorted(out.items()))
    ranks: dict[tuple[str, int], list[str]] = {}
    for r in rows(f"SELECT risk_level, COUNT(*) AS n FROM view_referrals WHERE {acknowledged}"
                  " GROUP BY risk_level", bounds):
        out[r["risk_level"]] = {"n": int(r["n"])}
        for name, p in PERCENTILES.items():
            ranks.setdefault((r["risk_level"], max(math.ceil(p * int(r["n"])), 1)), []).append(name)
    if ranks and where == "1 = 1":  # every row counts: the index walked to each rank
        for (level, rank), names in ranks.items():
            picked = rows(f"SELECT ack_seconds FROM view_referrals WHERE risk_level = ? AND {acknowledged}"
                          " ORDER BY ack_seconds LIMIT 1 OFFSET ?", [level, *bounds, rank - 1])
            out[level].update({name: round(float(picked[0]["ack_seconds"]), 1) for name in names})
    elif ranks:  # the window's rows numbered in the index's order: no sort
        wanted = ", ".join(str(rank) for rank in sorted({rank for _, rank in ranks}))
        for r in rows(f"SELECT risk_level, ack_seconds, rn FROM (SELECT risk_level, ack_seconds, ROW_NUMBER()"
                      f" OVER (PARTITION BY risk_level ORDER BY ack_seconds) AS rn FROM view_referrals"
                      f" WHERE {acknowledged}) ranked WHERE rn IN ({wanted})", bounds):
            for name in ranks.get((r["risk_level"], int(r["rn"])), []):
                out[r["risk_level"]][name] = round(float(r["ack_seconds"]), 1)
    return dict(sorted(out.items()))
