"""What an inbox says of each referral's case, one query for all of them: its place, concerns, how
many reports and ring-backs came and when, its level now and its newest report."""

from __future__ import annotations

import json
from typing import NamedTuple

from services.common.store import Sql


class CaseFacts(NamedTuple):
    place: str  # the region code of the newest report (the case's when none says)
    concerns: list[str]
    reports: int
    latest: str  # when the newest report came
    supplements: int  # callers ringing back with more (补充)
    latest_supplement: str
    level: str  # the case's level now (a referral taken on keeps the one it came with)
    newest: str = ""  # the newest report's id (whether it said danger now, untransferred: the inbox)


CASE_FACTS = (
    "SELECT c.case_id, c.region_code, c.concerns, c.risk_level,"
    " (SELECT COUNT(*) FROM view_case_reports r WHERE r.case_id = c.case_id) AS n,"
    " (SELECT MAX(r.received_at) FROM view_case_reports r WHERE r.case_id = c.case_id) AS latest,"
    " (SELECT r.region_code FROM view_case_reports r WHERE r.case_id = c.case_id"
    "  ORDER BY r.received_ts DESC LIMIT 1) AS place,"
    " (SELECT r.report_id FROM view_case_reports r WHERE r.case_id = c.case_id"
    "  ORDER BY r.received_ts DESC LIMIT 1) AS newest,"
    " (SELECT COUNT(*) FROM view_timeline t WHERE t.case_id = c.case_id AND t.type = 'case_supplement') AS s,"
    " (SELECT MAX(t.at) FROM view_timeline t WHERE t.case_id = c.case_id AND t.type = 'case_supplement')"
    " AS latest_s FROM view_cases c WHERE c.case_id IN ({chosen})"
)


class CaseFactQueries:
    sql: Sql

    def case_facts(self, case_ids: list[str]) -> dict[str, CaseFacts]:
        """Each case's place (its newest report's), concerns, reports and supplements and when
        the last came, one query (an inbox names its cases' places, what later reports added and
        that more came, on every refresh; stop 56's police desk: a call-back's 补充 and a child
        moved elsewhere changed nothing in the inbox)."""
        if not case_ids:
            return {}
        rows = self.sql.rows(CASE_FACTS.format(chosen=",".join("?" * len(case_ids))), tuple(case_ids))
        return {str(r["case_id"]): CaseFacts(
            str(r["place"] or r["region_code"]), json.loads(r["concerns"]), int(r["n"]),
            str(r["latest"] or ""), int(r["s"]), str(r["latest_s"] or ""), str(r["risk_level"]),
            str(r["newest"] or ""))
            for r in rows}
