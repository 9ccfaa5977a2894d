"""The bench's readings of /proc (#31): ticks per process group, thread and window; PSS."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from tests.bench import procstat


def burn(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_own_ticks_grow_with_work() -> None:
    before = procstat.ticks(os.getpid())
    burn(0.3)
    assert procstat.ticks(os.getpid()) - before >= 0.2 * procstat.TICK


def test_a_busy_thread_is_told_apart() -> None:
    busy, stop = threading.Event(), threading.Event()

    def work() -> None:
        while time.thread_time() < 0.3:
            pass
        busy.set()
        stop.wait()

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    assert busy.wait(60)
    try:
        comm = (Path("/proc/self/task") / str(worker.native_id) / "comm").read_text().strip()
        threads = procstat.thread_ticks(os.getpid())
        queued = procstat.queued_ns([os.getpid()])
    finally:
        stop.set()
        worker.join()
    assert "main" in threads
    assert threads[f"{comm}/{worker.native_id}"] >= 0.2 * procstat.TICK
    assert queued >= 0


def test_machine_ticks_grow() -> None:
    before = procstat.machine_busy_ticks()
    burn(0.2)
    assert procstat.machine_busy_ticks() - before >= 0.1 * procstat.TICK


def test_stack_members_by_process_group(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "bench.pid").write_text(f"{os.getpgrp()}\n")
    (tmp_path / "run" / "gone.pid").write_text("999999999\n")
    members = procstat.stack_members(tmp_path)
    assert os.getpid() in members["bench"]
    assert members["gone"] == [] and members["postgres"] == [] and members["kafka"] == []
    ticks = procstat.stack_ticks(tmp_path)
    assert ticks["bench"] >= procstat.ticks(os.getpid()) and ticks["postgres"] == 0
    assert procstat.stack_pss_mib(tmp_path)["bench"] > 1


def test_per_report_and_utilisation() -> None:
    t = procstat.TICK
    per = procstat.ms_per_report({"a": 0, "b": 0}, {"a": t, "b": 2 * t}, 100)
    assert per == {"b": 20.0, "a": 10.0} and list(per) == ["b", "a"]
    assert procstat.utilisation({"a": 0}, {"a": t}, 2.0) == {"a": 0.5}


def test_pss_of_a_process_gone_is_0() -> None:
    assert procstat.pss_kib(999999999) == 0
    assert procstat.pss_kib(os.getpid()) > 1000


def test_thread_states_name_the_wait() -> None:
    gate = threading.Event()
    waiter = threading.Thread(target=gate.wait, daemon=True)
    waiter.start()
    time.sleep(0.1)
    try:
        states = procstat.thread_states(os.getpid())
    finally:
        gate.set()
        waiter.join()
    assert states["main"] == "R"
    waiting = next(v for k, v in states.items() if k.endswith(f"/{waiter.native_id}"))
    assert waiting.startswith("S:") and "futex" in waiting
