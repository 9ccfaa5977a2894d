"""The statistics of a known seeded set on PostgreSQL: the same figures as on SQLite (its
grouping, day arithmetic and window functions differ from SQLite's)."""

from __future__ import annotations

from pathlib import Path

from services.bootstrap import ApiContainer
from services.common.settings import Settings
from tests.helpers import build
from tests.unit.test_stats_figures import check_known_set


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
