"""What the desk view answers about one unit's inbox: its referrals in the order a desk works
them, and the marks its live stream compares (one query, twice a second per open inbox)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from projections.desk.rows import ENDED, REFERRAL_COLUMNS, ReferralRow, referral_row
from services.common.store import Sql
from services.common.vocabulary import RISK_RANK, level_now

WAITING = ("dispatched", "escalated")

# The level of a referral's case now (stop 58's child director: a case raised after 接收 stayed
# yellow in the inbox, below a yellow one).
CASE_LEVEL = "(SELECT c.risk_level FROM view_cases c WHERE c.case_id = f.case_id) AS case_level"
# Each open referral's id, level, status and case, with its case's reports counted (the stream
# rings for one more report on a case taken on: stop 55's police desk).
MARKS = (
    f"SELECT f.referral_id, f.risk_level, f.status, f.case_id, f.due_at, {CASE_LEVEL},"
    " (SELECT COUNT(*) FROM view_case_reports r WHERE r.case_id = f.case_id) AS n,"
    " (SELECT COUNT(*) FROM view_timeline t WHERE t.case_id = f.case_id AND t.type = 'case_supplement') AS s,"
    # What was done since (progress, a supervisor's 督办, a visit): the open inbox shows it at once
    # (stop 62's police desk: progress saved on the phone stayed 尚未记录 on the PC a minute on).
    " (SELECT COUNT(*) FROM view_timeline t WHERE t.case_id = f.case_id AND t.type IN"
    " ('referral_progressed', 'referral_phoned', 'followup_visited')) AS d,"
    # Another unit of the case past its time (stop 63's hospital desk: seen only on the referral's page).
    " (SELECT COUNT(*) FROM view_referrals o WHERE o.case_id = f.case_id AND o.status = 'escalated'"
    "  AND o.agency_id <> f.agency_id) AS e"
    f" FROM view_referrals f WHERE f.agency_id = ? AND f.status NOT IN {ENDED}"
)


class InboxQueries:
    """Mixed into the desk view's reader."""

    sql: Sql

    def desk_referrals(self, agency_id: str, status: str | None = None,
                       ended: int | None = None) -> list[ReferralRow]:
        """One unit's inbox: those waiting to be taken on first, by level, past their due time
        first, then the soonest due (the police desk's review, stop 54: a red one taken on sat
        above a red one with ten minutes left); then those taken on by level, newest first; then
        those ended, newest first whatever their level, as the newest so many are chosen with
        `ended` (the same review: a phone's inbox grew on; stop 56's: the short list and the whole
        one sorted apart)."""
        sql = f"SELECT {REFERRAL_COLUMNS}, {CASE_LEVEL} FROM view_referrals f WHERE agency_id = ?"
        by = self.sql.rows
        parts: list[tuple[str, list[Any]]] = (
            [(" AND status = ?", [status])] if status else [("", [])] if ended is None else
            [(f" AND status NOT IN {ENDED}", []),
             (f" AND status IN {ENDED} ORDER BY dispatched_at DESC LIMIT ?", [ended])])
        found = [(referral_row(r), r["case_level"])
                 for part, more in parts for r in by(sql + part, [agency_id, *more])]
        rank = {r["referral_id"]: RISK_RANK.get(level_now(r["risk_level"], case), 9) for r, case in found}
        rows = [r for r, _ in found]
        now = datetime.now(UTC)

        def late(r: ReferralRow) -> bool:
            return r["status"] == "escalated" or (
                r["status"] == "dispatched" and datetime.fromisoformat(r["due_at"]) <= now)

        def waiting(r: ReferralRow) -> bool:
            return r["status"] in WAITING

        rows.sort(key=lambda r: r["dispatched_at"], reverse=True)
        def over(r: ReferralRow) -> bool:
            return r["status"] in ("declined", "closed")

        rows.sort(key=lambda r: (over(r), not waiting(r),
                                 0 if over(r) else rank[r["referral_id"]],
                                 not late(r), r["due_at"] if waiting(r) else ""))
        return rows

    def inbox_marks(self, agency_id: str) -> list[list[Any]]:
        """The unit's open referrals as `[referral_id, level, status, case_id[:8], reports,
        supplements, done, others late]` (a call-back's 补充 rings too: stop 56's police desk), those
        waiting first by level and due time, in one query (the stream's look, twice a second)."""
        found = [(r, level_now(r["risk_level"], r["case_level"])) for r in self.sql.rows(MARKS, (agency_id,))]
        found.sort(key=lambda x: (x[0]["status"] not in WAITING, RISK_RANK.get(x[1], 9), x[0]["due_at"] or "",
                                  x[0]["referral_id"]))
        return [[r["referral_id"], level, r["status"], r["case_id"][:8], int(r["n"]), int(r["s"]),
                 int(r["d"]), int(r["e"])] for r, level in found]

    def late_elsewhere(self, case_ids: list[str], agency_id: str) -> dict[str, list[str]]:
        """Per case, the other units whose referral is past its time to 接收 (escalated)."""
        if not case_ids:
            return {}
        out: dict[str, list[str]] = {}
        for r in self.sql.rows("SELECT case_id, agency_id FROM view_referrals WHERE status = 'escalated'"
                               f" AND agency_id <> ? AND case_id IN ({','.join('?' * len(case_ids))})"
                               " ORDER BY case_id, agency_id", (agency_id, *case_ids)):
            out.setdefault(str(r["case_id"]), []).append(str(r["agency_id"]))
        return out
