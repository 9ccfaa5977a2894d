"""`hotline migrate` on PostgreSQL from three hosts at once: the runs take turns on an advisory
lock, so each migration is applied and recorded once; a third run applies nothing."""

from __future__ import annotations

import threading
from pathlib import Path

from services.bootstrap import Wiring
from services.bootstrap.migrations import MIGRATIONS, applied, migrate
from services.common.settings import Settings


def test_migrate_runs_at_once_apply_each_migration_once(pg_url: str, tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path, database_url=pg_url)
    done: list[list[int]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            done.append(migrate(Wiring.of(settings, create_tables=True)))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    runs = [threading.Thread(target=run) for _ in range(3)]
    for t in runs:
        t.start()
    for t in runs:
        t.join(timeout=120)
    assert errors == [] and len(done) == 3
    assert sorted(v for d in done for v in d) == [m.version for m in MIGRATIONS]  # once each
    assert migrate(Wiring.of(settings, create_tables=True)) == []
    assert [r["version"] for r in applied(Wiring.of(settings))] == [m.version for m in MIGRATIONS]
