"""Tables of the desk read model (portable SQL for SQLite and PostgreSQL; no personal data).
Times are kept twice: ISO text for people, epoch seconds (`*_ts`) for comparisons."""

from __future__ import annotations

from collections.abc import Callable

from projections.desk import incidents, rollup

DDL = (
    "CREATE TABLE IF NOT EXISTS view_cases ("
    " case_id TEXT PRIMARY KEY, risk_level TEXT NOT NULL, initial_risk_level TEXT NOT NULL,"
    " concerns TEXT NOT NULL, region_code TEXT NOT NULL, needs_review INTEGER NOT NULL,"
    " rule_version TEXT NOT NULL, opened_at TEXT NOT NULL, opened_ts DOUBLE PRECISION)",
    "CREATE INDEX IF NOT EXISTS view_cases_level ON view_cases (risk_level)",
    "CREATE TABLE IF NOT EXISTS view_case_concerns ("
    " case_id TEXT NOT NULL, concern TEXT NOT NULL, PRIMARY KEY (case_id, concern))",
    "CREATE TABLE IF NOT EXISTS view_case_reports ("
    " report_id TEXT PRIMARY KEY, case_id TEXT NOT NULL, channel TEXT, received_at TEXT,"
    " received_ts DOUBLE PRECISION, region_code TEXT)",
    "CREATE INDEX IF NOT EXISTS view_case_reports_case ON view_case_reports (case_id)",
    "CREATE INDEX IF NOT EXISTS view_case_reports_received ON view_case_reports (received_ts)",
    # Who filed which report (a keyed pseudonym of the account): an operator's recent calls.
    "CREATE TABLE IF NOT EXISTS view_submissions ("
    " report_id TEXT PRIMARY KEY, submitter_ref TEXT NOT NULL, received_ts DOUBLE PRECISION)",
    "CREATE INDEX IF NOT EXISTS view_submissions_by ON view_submissions (submitter_ref, received_ts)",
    "CREATE TABLE IF NOT EXISTS view_referrals ("
    " referral_id TEXT PRIMARY KEY, case_id TEXT NOT NULL, agency_id TEXT NOT NULL,"
    " agency_kind TEXT NOT NULL, status TEXT NOT NULL, risk_level TEXT NOT NULL,"
    " concerns TEXT NOT NULL, dispatched_at TEXT NOT NULL, due_at TEXT NOT NULL,"
    " acknowledged_at TEXT, escalated_at TEXT, closed_at TEXT,"
    " dispatched_ts DOUBLE PRECISION NOT NULL, due_ts DOUBLE PRECISION NOT NULL,"
    " acknowledged_ts DOUBLE PRECISION, region_code TEXT, case_opened_ts DOUBLE PRECISION)",
    "CREATE INDEX IF NOT EXISTS view_referrals_agency ON view_referrals (agency_id, status)",
    "CREATE INDEX IF NOT EXISTS view_referrals_case ON view_referrals (case_id)",
    "CREATE INDEX IF NOT EXISTS view_referrals_due ON view_referrals (status, due_ts)",
    # Flags for the supervisor that come from the referrals topic (a decline, a routing gap) and
    # the reviews that settle them (a reassessment, a manual referral): rows of their own, so they
    # count whichever topic's message arrives first.
    "CREATE TABLE IF NOT EXISTS view_case_flags ("
    " event_id TEXT PRIMARY KEY, case_id TEXT NOT NULL, kind TEXT NOT NULL,"
    " at_ts DOUBLE PRECISION NOT NULL)",
    "CREATE INDEX IF NOT EXISTS view_case_flags_case ON view_case_flags (case_id, kind)",
    # The version of the event each updated row shows: an older or repeated one changes nothing.
    "CREATE TABLE IF NOT EXISTS view_versions (row_id TEXT PRIMARY KEY, version INTEGER NOT NULL)",
    # Raised by each rebuild: the projection then resumes from the positions the rebuild set.
    "CREATE TABLE IF NOT EXISTS view_generation (id INTEGER PRIMARY KEY, generation INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS view_timeline ("
    " event_id TEXT PRIMARY KEY, case_id TEXT NOT NULL, at TEXT NOT NULL,"
    " type TEXT NOT NULL, by_whom TEXT NOT NULL, detail TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS view_timeline_case ON view_timeline (case_id, at)",
    # Follow-up plans (contract §6): one row per case, its visits, and its ledger categories.
    "CREATE TABLE IF NOT EXISTS view_followups ("
    " case_id TEXT PRIMARY KEY, plan_id TEXT NOT NULL, lead_agency_id TEXT, region_code TEXT NOT NULL,"
    " risk_level TEXT NOT NULL, helper TEXT, helper_missing INTEGER NOT NULL, status TEXT NOT NULL,"
    " opened_at TEXT NOT NULL, opened_ts DOUBLE PRECISION NOT NULL, next_due TEXT NOT NULL,"
    " next_due_ts DOUBLE PRECISION NOT NULL, overdue_due_ts DOUBLE PRECISION, closed_at TEXT,"
    " closed_ts DOUBLE PRECISION)",
    "CREATE INDEX IF NOT EXISTS view_followups_due ON view_followups (status, next_due_ts)",
    "CREATE INDEX IF NOT EXISTS view_followups_lead ON view_followups (lead_agency_id)",
    "CREATE TABLE IF NOT EXISTS view_visits ("
    " visit_id TEXT PRIMARY KEY, case_id TEXT NOT NULL, visited_at TEXT NOT NULL,"
    " visited_ts DOUBLE PRECISION NOT NULL, visitor TEXT NOT NULL, child_seen INTEGER NOT NULL,"
    " measures TEXT NOT NULL, suggested_level TEXT, region_code TEXT)",
    "CREATE INDEX IF NOT EXISTS view_visits_case ON view_visits (case_id, visited_ts)",
    "CREATE TABLE IF NOT EXISTS view_case_categories ("
    " case_id TEXT PRIMARY KEY, categories TEXT, suggested TEXT NOT NULL)",
    # Statistics (contract §7): reports by sentinel point, and cases by region.
    "CREATE TABLE IF NOT EXISTS view_sentinel_reports ("
    " report_id TEXT PRIMARY KEY, sentinel_id TEXT NOT NULL, received_ts DOUBLE PRECISION)",
    "CREATE INDEX IF NOT EXISTS view_sentinel_reports_by ON view_sentinel_reports (sentinel_id, received_ts)",
    "CREATE INDEX IF NOT EXISTS view_cases_region ON view_cases (region_code)",
    "CREATE INDEX IF NOT EXISTS view_visits_time ON view_visits (visited_ts)",
    *rollup.DDL,
    *incidents.DDL,  # major incidents (§12)
)

# Columns added after a table was first made, so statistics filter each table on its own rows (the
# case's opening time and region copied where they are counted): added where missing at setup.
ADDED_COLUMNS = (
    ("view_cases", "opened_ts", "DOUBLE PRECISION"),
    ("view_case_reports", "region_code", "TEXT"),
    ("view_referrals", "region_code", "TEXT"),
    ("view_referrals", "case_opened_ts", "DOUBLE PRECISION"),
    ("view_visits", "region_code", "TEXT"),
    ("view_cases", "opened_day", "INTEGER"),  # the Beijing day, for the daily counts
    ("view_referrals", "ack_seconds", "DOUBLE PRECISION"),  # for percentiles read in index order
)
# The plans that may want a helper flagged: the scheduler's query and its partial index say it alike
# (PostgreSQL and SQLite use a partial index only for a query whose WHERE holds the index's terms).
HELPERLESS = "status = 'active' AND helper IS NULL AND helper_missing = 0 AND risk_level IN ('orange', 'red')"
# Indexes on those columns, made after the columns are there.
LATER_INDEXES = (
    "CREATE INDEX IF NOT EXISTS view_cases_opened ON view_cases (opened_ts)",
    "CREATE INDEX IF NOT EXISTS view_referrals_opened ON view_referrals (case_opened_ts)",
    "CREATE INDEX IF NOT EXISTS view_followups_opened ON view_followups (opened_ts)",
    # The scheduler's look each second for orange and red plans still without a helper: only
    # those rows (it read every active plan, 55 rows a report after 3,000 reports).
    "CREATE INDEX IF NOT EXISTS view_followups_helperless ON view_followups (status, opened_ts)"
    f" WHERE {HELPERLESS}",
    # Covering: percentiles and late referrals answered from the index alone, window included.
    "CREATE INDEX IF NOT EXISTS view_referrals_ack ON view_referrals"
    " (risk_level, ack_seconds, case_opened_ts, region_code) WHERE ack_seconds IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS view_referrals_late ON view_referrals"
    " (status, due_ts, case_opened_ts, region_code)",
)


def backfill(floor: Callable[[str], str]) -> tuple[str, ...]:
    """The added columns and the daily counts filled in for rows written before they were kept
    (each a no-op once done); `floor` is the dialect's."""
    return (
        f"UPDATE view_cases SET opened_day = {floor(f'(opened_ts + {rollup.BEIJING_OFFSET}) / 86400.0')}"
        " WHERE opened_day IS NULL AND opened_ts IS NOT NULL",
        "UPDATE view_referrals SET ack_seconds = CASE WHEN acknowledged_ts > dispatched_ts"
        " THEN acknowledged_ts - dispatched_ts ELSE 0 END"
        " WHERE acknowledged_ts IS NOT NULL AND ack_seconds IS NULL",
        rollup.refill(floor),
    )
