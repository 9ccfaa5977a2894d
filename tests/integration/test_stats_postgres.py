"""The statistics of a known seeded set on PostgreSQL: the same figures as on SQLite (its
grouping, day arithmetic and window functions differ from SQLite's)."""

from __future__ import annotations

from pathlib import Path

import pytest
from eventsourcing.persistence import ProgrammingError, Tracking

from services.bootstrap import ApiContainer
from services.common.settings import Settings
from tests.helpers import build
from tests.unit.test_followups import helperless_plans_read_by_their_index
from tests.unit.test_inbox_marks import check, seed
from tests.unit.test_stats_figures import check_known_set
from tests.unit.test_unit_figures import check_seeded_units


def test_the_figures_of_a_known_set_on_postgres(dist: ApiContainer) -> None:
    check_known_set(dist.view)


def test_a_regions_board_on_postgres(pg_url: str, tmp_path: Path) -> None:
    """The board's list by region prefix (contract §12) on PostgreSQL: its LIKE pattern is a
    parameter (a literal % in the statement once broke psycopg's placeholders: a 500)."""
    settings = Settings(database_url=pg_url, var_dir=tmp_path)
    build(settings, create_tables=True).close()
    h = build(settings)
    try:
        check_known_set(h.view)
        assert {c["region_code"][:6] for c in h.view.list_cases(region="441802")} == {"441802"}
        assert len(h.view.list_cases(region="4418")) == 7 and h.view.list_cases(region="4419") == []
    finally:
        h.close()


def test_a_desk_write_is_whole_or_nothing_through_the_pipeline(dist: ApiContainer) -> None:
    """The desk view's statements go to PostgreSQL pipelined (#31): each one's rows are there
    after the commit, and a failing one in the middle leaves none of them, nor the position."""
    view = dist.view
    flags = "INSERT INTO view_case_flags (event_id, case_id, kind, at_ts) VALUES (?,?,?,?)"
    view.apply([(flags, ("e1", "case-p", "reviewed", 1.0)), (flags, ("e2", "case-p", "declined", 2.0))],
               Tracking("it.pipeline:0", 1))
    missing = ("INSERT INTO no_such_table VALUES (?)", (1,))
    with pytest.raises(ProgrammingError, match="no_such_table"):  # raised as the pipeline ends
        view.apply([(flags, ("e3", "case-q", "reviewed", 3.0)), missing,
                    (flags, ("e4", "case-q", "reviewed", 4.0))], Tracking("it.pipeline:0", 2))
    rows = view.sql.rows("SELECT event_id FROM view_case_flags WHERE case_id IN ('case-p', 'case-q')"
                         " ORDER BY event_id")
    assert [r["event_id"] for r in rows] == ["e1", "e2"]
    assert view.max_tracking_id("it.pipeline:0") == 1


def test_the_scheduler_reads_only_the_plans_that_may_want_a_helper_on_postgres(dist: ApiContainer) -> None:
    helperless_plans_read_by_their_index(dist.view)


def test_the_desk_streams_look_on_postgres(dist: ApiContainer) -> None:
    """The desk stream's one query (its correlated count) on PostgreSQL, as on SQLite."""
    seed(dist.view, "p")
    check(dist.view, "p")


def test_each_units_figures_on_postgres(dist: ApiContainer) -> None:
    """/stats' table of units (stop 58): its sums and mean on PostgreSQL, as on SQLite."""
    check_seeded_units(dist.view, "pg")
