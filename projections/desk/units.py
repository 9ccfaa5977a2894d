"""How each unit answered its referrals (stop 58's city supervisor: /stats said 超时未接收 1 件 by
county and kind, never which unit): of the cases opened in a window and region, per unit, how
many referrals, taken on in time or late, never taken on in time (still waiting, or withdrawn or
declined after it passed: stop 58's second round, a withdrawal hid the lateness), declined or
withdrawn, and the mean time to take one on."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from projections.desk.percentiles import UNACKNOWLEDGED
from projections.desk.stats import _window
from services.common.store import Sql


class UnitFigures(TypedDict):
    agency_id: str
    referrals: int
    on_time: int
    late: int
    missed: int  # never taken on in its time: still waiting past it, or escalated and ended since
    waiting_late: int  # of those, still waiting now
    declined: int
    mean_ack_seconds: float | None


class UnitQueries:
    """Mixed into the desk view's reader."""

    sql: Sql

    def unit_figures(self, since: datetime | None, until: datetime | None, now: datetime,
                     region: str | None = None) -> list[UnitFigures]:
        """The units latest first: most still waiting past their time, then most taken on late."""
        where, bounds = _window(since, until, region, "case_opened_ts")
        rows = self.sql.rows(
            "SELECT agency_id, COUNT(*) AS n,"
            " SUM(CASE WHEN acknowledged_ts IS NOT NULL AND acknowledged_ts <= due_ts THEN 1 ELSE 0 END)"
            " AS on_time,"
            " SUM(CASE WHEN acknowledged_ts > due_ts THEN 1 ELSE 0 END) AS late,"
            " SUM(CASE WHEN acknowledged_ts IS NULL AND (escalated_at IS NOT NULL"
            f" OR (status IN ({UNACKNOWLEDGED}) AND due_ts <= ?)) THEN 1 ELSE 0 END) AS missed,"
            f" SUM(CASE WHEN status IN ({UNACKNOWLEDGED}) AND due_ts <= ? THEN 1 ELSE 0 END) AS waiting_late,"
            " SUM(CASE WHEN status = 'declined' THEN 1 ELSE 0 END) AS declined,"
            " AVG(CASE WHEN acknowledged_ts IS NOT NULL THEN ack_seconds END) AS mean_ack"
            f" FROM view_referrals WHERE case_opened_ts IS NOT NULL AND {where} GROUP BY agency_id",
            [now.timestamp(), now.timestamp(), *bounds])
        out = [UnitFigures(agency_id=str(r["agency_id"]), referrals=int(r["n"]),
                           on_time=int(r["on_time"] or 0), late=int(r["late"] or 0),
                           missed=int(r["missed"] or 0),
                           waiting_late=int(r["waiting_late"] or 0), declined=int(r["declined"] or 0),
                           mean_ack_seconds=None if r["mean_ack"] is None else round(float(r["mean_ack"]), 1))
               for r in rows]
        return sorted(out, key=lambda u: (-u["waiting_late"], -u["missed"], -u["late"], u["agency_id"]))
