"""How many API worker processes `hotline serve` starts when HOTLINE_API_WORKERS is not set."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.common.settings import Settings
from services.runtime.serve import worker_count


@pytest.mark.parametrize(("cores", "workers"), [(1, 1), (2, 1), (3, 1), (4, 2), (8, 4), (16, 8)])
def test_half_the_cores_and_at_least_one(tmp_path: Path, cores: int, workers: int) -> None:
    assert worker_count(Settings(var_dir=tmp_path), cores) == workers


def test_the_setting_wins(tmp_path: Path) -> None:
    assert worker_count(Settings(var_dir=tmp_path, api_workers=3), 2) == 3
    assert worker_count(Settings(var_dir=tmp_path, api_workers=1), 16) == 1
