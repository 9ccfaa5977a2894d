"""The repeat check's allowance in the real PostgreSQL (contract §10): migration 4 makes its
table, the API's own role may count and forget but not rewrite, and two API processes checking
at once for one operator never let more distinct children through than allowed."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg

from services.bootstrap import Wiring
from services.bootstrap.migrations import MIGRATIONS
from services.bootstrap.roles import ensure_roles, url_for
from services.common.settings import Settings
from services.oversight.allowance import AllowanceSpent, RepeatAllowance


def denied(url: str, statement: str) -> bool:
    with psycopg.connect(url, autocommit=True) as conn:
        try:
            conn.execute(statement)
        except psycopg.errors.InsufficientPrivilege:
            return True
    return False


def test_two_api_processes_share_one_allowance(pg_url: str, tmp_path: Path) -> None:
    admin = Wiring.of(Settings(var_dir=tmp_path, database_url=pg_url), create_tables=False)
    admin.throttle().close()  # nothing made by a running service: the table is the migration's
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT to_regclass('repeat_checks')").fetchone() == (None,)
    next(m for m in MIGRATIONS if m.version == 4).apply(admin)
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT to_regclass('repeat_checks')").fetchone() == ("repeat_checks",)
    ensure_roles(pg_url, tmp_path / "secrets")
    api = url_for(pg_url, tmp_path / "secrets", "api")
    assert not denied(api, "INSERT INTO repeat_checks (subject, fingerprint, at) VALUES ('s', 'fp-x', 1)")
    assert not denied(api, "DELETE FROM repeat_checks WHERE at < 2")
    assert denied(api, "UPDATE repeat_checks SET at = 0")

    as_api = Settings(var_dir=tmp_path, database_url=api)
    workers = [Wiring.of(as_api).throttle() for _ in range(2)]  # two processes' pools
    try:
        allowances = [RepeatAllowance(w.sql, 5) for w in workers]

        def check(n: int) -> bool:
            try:
                allowances[n % 2].spend("operator1", [f"fp-{n}"])
                return True
            except AllowanceSpent as spent:
                assert 1 <= spent.retry_after <= 3600
                return False
        with ThreadPoolExecutor(max_workers=8) as pool:
            passed = list(pool.map(check, range(16)))
        assert sum(passed) == 5
        assert allowances[0].spend("operator1", [f"fp-{n}" for n, ok in enumerate(passed) if ok]) == 0
    finally:
        for w in workers:
            w.close()
