"""GET /v1/stats over 100,000 reports (issue #14): seeds the desk view of each wiring (a private
PostgreSQL, and an SQLite file) with a year of synthetic reports, cases, referrals, follow-ups and
sentinel reports, then times the statistics the API answers with (the same code path, in
process: the figures, not HTTP), for the whole year, a month and a month in one county (windows
that end at the time now: grouped from the rows), 30 whole days (summed from the daily counts),
and the whole year grouped from the rows for comparison.

    make bench-stats [ARGS="--reports 100000"]     → var/bench/stats.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from projections.desk.schema import backfill
from services.bootstrap import Wiring
from services.common.settings import Settings
from services.common.vocabulary import BEIJING

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "var" / "bench"
PG_PORT = "25484"
NOW = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)
REGIONS = ["441823100201", "441823100", "441823200", "441823", "441802001", "441802", "441881300"]
CHANNELS = ["hotline_12345", "hotline_12345", "hotline_12349", "hotline_12355", "sentinel", "web_form"]
LEVELS = {"red": 900, "orange": 7200, "yellow": 86400, "blue": 259200}
CONCERNS = ["domestic_violence", "neglect", "school_bullying", "wandering_begging", "sexual_abuse",
            "guardian_unable", "school_dropout", "online_harm", "serious_injury", "special_hardship"]
KINDS = ["police", "civil_affairs", "education", "hospital"]
SENTINELS = 40


def say(text: str) -> None:
    sys.stderr.write(f"[bench-stats] {text}\n")
    sys.stderr.flush()


def rows(n: int, seed: int = 14) -> dict[str, list[tuple[Any, ...]]]:
    """The view's rows for n reports, one case each (a year back from NOW), deterministic."""
    rng = random.Random(seed)
    out: dict[str, list[tuple[Any, ...]]] = {t: [] for t in (
        "view_cases", "view_case_concerns", "view_case_reports", "view_referrals", "view_followups",
        "view_visits", "view_sentinel_reports")}
    for i in range(n):
        at = NOW - timedelta(seconds=rng.uniform(0, 365 * 86400))
        ts, iso, case = at.timestamp(), at.isoformat(), f"case-{i:06d}"
        level, region, channel = rng.choice(list(LEVELS)), rng.choice(REGIONS), rng.choice(CHANNELS)
        concerns = sorted(set(rng.sample(CONCERNS, rng.randint(1, 2))))
        out["view_cases"].append((case, level, level, json.dumps(concerns), region, 0, "v1", iso, ts))
        out["view_case_concerns"] += [(case, c) for c in concerns]
        out["view_case_reports"].append((f"report-{i:06d}", case, channel, iso, ts, region))
        for j, kind in enumerate(rng.sample(KINDS, rng.randint(1, 2))):
            due = ts + LEVELS[level]
            ack = ts + rng.expovariate(1 / (LEVELS[level] / 3)) if rng.random() < 0.8 else None
            status = "acknowledged" if ack else ("escalated" if due < NOW.timestamp() else "dispatched")
            out["view_referrals"].append((
                f"ref-{i:06d}-{j}", case, f"{kind}-441823", kind, status, level, json.dumps(concerns), iso,
                datetime.fromtimestamp(due, UTC).isoformat(),
                datetime.fromtimestamp(ack, UTC).isoformat() if ack else None, None, None, ts, due, ack,
                region, ts))
        next_due = ts + rng.uniform(1, 120) * 86400
        active = rng.random() < 0.7
        out["view_followups"].append((
            case, f"plan-{i:06d}", "civil-441823", region, level, None, 0, "active" if active else "closed",
            iso, ts, datetime.fromtimestamp(next_due, UTC).isoformat(), next_due, None,
            None if active else iso, None if active else ts + 30 * 86400))
        if rng.random() < 0.2:
            visited = ts + rng.uniform(0, 30) * 86400
            out["view_visits"].append((f"visit-{i:06d}", case,
                                       datetime.fromtimestamp(visited, UTC).isoformat(), visited,
                                       "王主任", 1, "[]", None, region))
        if channel == "sentinel":
            point = f"sentinel-{rng.randrange(SENTINELS)}"
            out["view_sentinel_reports"].append((f"report-{i:06d}", point, ts))
    return out


COLUMNS = {
    "view_cases": "case_id, risk_level, initial_risk_level, concerns, region_code, needs_review,"
                  " rule_version, opened_at, opened_ts",
    "view_case_concerns": "case_id, concern",
    "view_case_reports": "report_id, case_id, channel, received_at, received_ts, region_code",
    "view_referrals": "referral_id, case_id, agency_id, agency_kind, status, risk_level, concerns,"
                      " dispatched_at, due_at, acknowledged_at, escalated_at, closed_at, dispatched_ts,"
                      " due_ts, acknowledged_ts, region_code, case_opened_ts",
    "view_followups": "case_id, plan_id, lead_agency_id, region_code, risk_level, helper, helper_missing,"
                      " status, opened_at, opened_ts, next_due, next_due_ts, overdue_due_ts, closed_at,"
                      " closed_ts",
    "view_visits": "visit_id, case_id, visited_at, visited_ts, visitor, child_seen, measures,"
                   " suggested_level, region_code",
    "view_sentinel_reports": "report_id, sentinel_id, received_ts",
}


def seed(cursor: Any, data: dict[str, list[tuple[Any, ...]]], mark: str, floor: Callable[[str], str]) -> None:
    """The rows, then the columns and daily counts derived from them, as setup fills them in for
    a view made before they were kept (the projection keeps them as it writes)."""
    for table, values in data.items():
        if values:
            marks = ",".join([mark] * len(values[0]))
            cursor.executemany(f"INSERT INTO {table} ({COLUMNS[table]}) VALUES ({marks})", values)
    for statement in backfill(floor):
        cursor.execute(statement)


def sentinels() -> list[dict[str, Any]]:
    return [{"sentinel_id": f"sentinel-{k}", "name": f"哨点{k}", "kind": "school",
             "region_code": REGIONS[k % len(REGIONS)], "registered_at": NOW - timedelta(days=400)}
            for k in range(SENTINELS)]


def timed(fn: Callable[[], Any], runs: int) -> dict[str, float]:
    fn()  # warm: plans cached, pages in memory, as on a server that has been up
    took = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        took.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(statistics.median(took), 1), "max_ms": round(max(took), 1)}


def measure(view: Any, runs: int) -> dict[str, Any]:
    sla, points = LEVELS, sentinels()
    month = NOW - timedelta(days=30)
    midnight = NOW.astimezone(BEIJING).replace(hour=0, minute=0, second=0, microsecond=0)
    days = midnight - timedelta(days=30)
    queries = {
        "year": lambda: view.stats(None, None, NOW, sla=sla, sentinels=points),
        "month": lambda: view.stats(month, NOW, NOW, sla=sla, sentinels=points),
        "month_county": lambda: view.stats(month, NOW, NOW, region="441823", sla=sla, sentinels=points),
        "days_30": lambda: view.stats(days, midnight, NOW, sla=sla, sentinels=points),
        "year_rows": lambda: view.stats(None, None, NOW, sla=sla, sentinels=points, daily=False),
    }
    figures = view.stats(None, None, NOW, sla=sla, sentinels=points)
    if figures != queries["year_rows"]():  # the daily counts filled in from the rows say what they say
        raise SystemExit("the daily counts and the rows disagree")
    return {"reports_in_view": figures["reports"],
            **{name: timed(q, runs) for name, q in queries.items()}}


def postgres(n: int, runs: int) -> dict[str, Any]:
    var = OUT / "stats-pg"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")},
           "HOTLINE_VAR_DIR": str(var), "HOTLINE_PG_PORT": PG_PORT}
    subprocess.run(["bash", "infra/postgres.sh", "stop"], cwd=ROOT, env=env, capture_output=True)
    shutil.rmtree(var, ignore_errors=True)
    subprocess.run(["bash", "infra/postgres.sh", "start"], cwd=ROOT, env=env, check=True, capture_output=True)
    try:
        url = subprocess.run(["bash", "infra/postgres.sh", "url"], cwd=ROOT, env=env, check=True,
                             capture_output=True, text=True).stdout.strip()
        settings = Settings(var_dir=var, database_url=url)
        view = Wiring.of(settings, create_tables=True).view()
        say(f"PostgreSQL: seeding {n} reports …")
        started = time.perf_counter()
        with psycopg.connect(url) as conn:
            with conn.cursor() as cursor:
                seed(cursor, rows(n), "%s", view.sql.floor)
        with psycopg.connect(url, autocommit=True) as conn:
            # What autovacuum does after a bulk load: statistics, and the visibility map that
            # lets the covering indexes answer without reading the table.
            conn.execute("VACUUM ANALYZE")
        seeded = round(time.perf_counter() - started, 1)
        try:
            return {"seed_s": seeded, **measure(view, runs)}
        finally:
            view.datastore.close()
    finally:
        subprocess.run(["bash", "infra/postgres.sh", "stop"], cwd=ROOT, env=env, capture_output=True)


def sqlite(n: int, runs: int) -> dict[str, Any]:
    var = OUT / "stats-sqlite"
    shutil.rmtree(var, ignore_errors=True)
    settings = Settings(var_dir=var, database_url="")
    view = Wiring.of(settings, create_tables=True).view()
    say(f"SQLite: seeding {n} reports …")
    started = time.perf_counter()
    with sqlite3.connect(var / "desk.sqlite") as conn:
        seed(conn.cursor(), rows(n), "?", view.sql.floor)
        conn.execute("ANALYZE")
    seeded = round(time.perf_counter() - started, 1)
    try:
        return {"seed_s": seeded, **measure(view, runs)}
    finally:
        view.datastore.close()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--reports", type=int, default=100_000)
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--wiring", choices=["both", "distributed", "embedded"], default="both")
    args = p.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"command": "make bench-stats ARGS=\"" + " ".join(sys.argv[1:]) + "\"",
                              "machine": {"cores": os.cpu_count()}, "reports": args.reports,
                              "limit_ms": 200}
    if args.wiring in ("both", "distributed"):
        result["postgres"] = postgres(args.reports, args.runs)
    if args.wiring in ("both", "embedded"):
        result["sqlite"] = sqlite(args.reports, args.runs)
    (OUT / "stats.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    sys.stdout.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
