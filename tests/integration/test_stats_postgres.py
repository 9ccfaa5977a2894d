"""The statistics of a known seeded set on PostgreSQL: the same figures as on SQLite (its
grouping, day arithmetic and window functions differ from SQLite's)."""

from __future__ import annotations

from services.bootstrap import ApiContainer
from tests.unit.test_stats_figures import check_known_set


def test_the_figures_of_a_known_set_on_postgres(dist: ApiContainer) -> None:
    check_known_set(dist.view)
