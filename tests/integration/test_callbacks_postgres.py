"""A callback's result recorded at once by two API processes on the real PostgreSQL (a double
click spread over two workers, `make up`): one result stored, the other refused as a second
record (409), never an IntegrityError (500)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from services.common.settings import Settings
from services.intake.callback import Callback, CallbackDone
from tests.helpers import build


def test_two_api_processes_record_one_callback_once(pg_url: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(database_url=pg_url, var_dir=tmp_path)
    build(settings, create_tables=True).close()
    workers = [build(settings) for _ in range(2)]  # two processes' pools
    try:
        now = datetime.now(UTC)
        callback = Callback(id=uuid4(), report_id=str(uuid4()), case_id=str(uuid4()), receipt_no="20261201-X",
                            region_code="441823", opened_at=now, due_at=now + timedelta(days=3))
        workers[0].callbacks.save(callback)
        both_loaded = threading.Barrier(2, timeout=10)
        for w in workers:
            save = w.callbacks.save

            def save_after_both(*args: Any, _save: Any = save, **kwargs: Any) -> Any:
                both_loaded.wait()
                return _save(*args, **kwargs)

            monkeypatch.setattr(w.callbacks, "save", save_after_both)

        def record(n: int) -> str:
            try:
                workers[n].callbacks.record(callback.id, reached=True, satisfaction="satisfied", note=None,
                                            by=f"operator{n}")
            except CallbackDone:
                return "409"
            return "200"

        with ThreadPoolExecutor(max_workers=2) as pool:
            assert sorted(pool.map(record, range(2))) == ["200", "409"]
        stored = workers[1].callbacks.get_callback(callback.id)
        assert stored.version == 2 and stored.status == "done"
        assert [r.status for r in workers[0].callbacks.book.read()] == ["done"]
    finally:
        for w in workers:
            w.close()
