"""The bench's busy-against-waiting judgement per stage and its step search (#31)."""

from __future__ import annotations

from typing import Any

from tests.bench import openloop
from tests.bench.judge import judge, judge_window, machine_line, stage_of
from tests.bench.sampler import Sampler, state


def test_stage_names() -> None:
    assert stage_of("hotline_projection_desk") == "projection-desk"
    assert stage_of("hotline_relay_intake") == "relay-intake"
    assert stage_of("triage-2") == "triage"
    assert stage_of("api") == "api"


def test_cpu_light_stage_that_keeps_up() -> None:
    line = judge("triage", 0.35, lag={"max": 3, "last": 0})
    assert line == "triage: 35 % busy, lag ≤ 3 → 0 → CPU-light, keeps up"


def test_cpu_bound_stage() -> None:
    assert judge("notify", 0.92, lag={"max": 400, "last": 380}).endswith("→ CPU-bound")
    assert "of 2 cores" in judge("api", 1.7, cores=2)
    assert judge("api", 1.7, cores=2).endswith("CPU-bound")
    assert judge("api", 0.9, cores=2).endswith("→ CPU-light")


def test_behind_while_not_busy_names_the_waits() -> None:
    sessions = {"share_pct": {"idle": 50.0, "waits:Lock/transactionid": 30.0, "cpu": 20.0}}
    line = judge("dispatch", 0.2, lag={"max": 300, "last": 120}, sessions=sessions)
    assert "behind while not busy" in line
    assert line.endswith("its database sessions: waits:Lock/transactionid 30 %, cpu 20 %")


def test_drained_backlog() -> None:
    assert judge("desk", 0.5, lag={"max": 200, "last": 0}).endswith("CPU-light, queued work but drained it")


def test_window_sums_members_and_judges_the_machine() -> None:
    sampled: dict[str, Any] = {"lag": {"triage": {"max": 5, "last": 0}},
                               "pg_sessions": {"triage": {"share_pct": {"cpu": 10.0, "idle": 90.0}}}}
    lines = judge_window({"triage": 0.5, "triage-2": 0.45, "api": 0.3}, sampled, 2, {"api": 2.0})
    assert lines[0].startswith("triage: 95 % busy (of 2 cores), lag ≤ 5 → 0")
    assert lines[0].endswith("its database sessions: cpu 10 %")
    assert lines[1] == "api: 30 % busy (of 2 cores) → CPU-light"
    assert lines[-1] == "machine: 1.25 of 2 cores busy"
    assert machine_line({"a": 1.0, "b": 0.9}, 2).endswith("the cores are full: every stage waits on them")


def test_rates_of() -> None:
    assert openloop.rates_of("10:50:10") == [10, 20, 30, 40, 50]
    assert openloop.rates_of("5,15") == [5, 15]
    assert openloop.rates_of("") == []


def step(rate: float, drain: float | None, errors: int = 0, visible: int = 10) -> dict[str, Any]:
    return {"offered_per_s": rate, "drain_s": drain, "errors": errors, "sent": 10, "visible": visible}


def test_sustained_needs_every_report_no_error_and_a_drain_within_5_s() -> None:
    assert openloop.sustained(step(10, 4.9))
    assert not openloop.sustained(step(10, 5.1))
    assert not openloop.sustained(step(10, None))
    assert not openloop.sustained(step(10, 1.0, errors=1))
    assert not openloop.sustained(step(10, 1.0, visible=9))


def test_step_search_stops_at_the_first_rate_not_sustained() -> None:
    drains = {10.0: 0.5, 20.0: 2.0, 30.0: 9.0, 40.0: 0.1}
    asked: list[tuple[float, float]] = []

    def run(rate: float, give_up: float) -> dict[str, Any]:
        asked.append((rate, give_up))
        return step(rate, drains[rate])

    found = openloop.step_search(run, [10, 20, 30, 40], lambda: 0)
    assert found["rate_per_s"] == 20
    assert [s["sustained"] for s in found["steps"]] == [True, True, False]
    assert asked == [(10, 6.0), (20, 6.0), (30, 6.0)]
    assert openloop.step_search(lambda r, g: step(r, None), [10, 20], lambda: 0)["rate_per_s"] == 0


def test_embedded_edges_and_a_thread_near_a_core() -> None:
    sampled: dict[str, Any] = {"lag": {"triage": {"max": 5, "last": 0},
                                       "dispatch": {"max": 384, "last": 234}},
                               "thread_states": {"hotline/17248": {"R": 80.0, "S:futex_wait_queue": 20.0}}}
    lines = judge_window({"hotline run": 0.6}, sampled, 2, {"hotline run": 2.0},
                         {"hotline/17248": 0.85, "main": 0.1, "hotline/17254": 0.55})
    assert lines[0] == "hotline run: 60 % busy (of 2 cores) → CPU-light"
    assert "dispatch: in the process, lag ≤ 384 → 234 → behind (a serial point" in lines[1]
    assert lines[2] == "triage: in the process, lag ≤ 5 → 0 → keeps up"
    assert lines[3] == ("thread hotline/17248: 85 % of a core → CPU-bound: a serial point; sampled: "
                        "R 80 %, S:futex_wait_queue 20 %")
    assert lines[4] == "thread hotline/17254: 55 % of a core → the busiest thread"
    assert lines[5] == "machine: 0.60 of 2 cores busy"


def test_sampler_window_summarises_only_its_window() -> None:
    s = Sampler(lambda: {})
    s.lag_samples = [(9.0, {"triage": 50}), (10.5, {"triage": 7}), (11.0, {"triage": 0}),
                     (20.0, {"triage": 9})]
    s.pg_samples = [(10.1, [("triage", "cpu", ""), ("triage", "idle", "")]),
                    (10.2, [("triage", "waits", "IO/WALSync"), ("triage", "idle", "")])]
    s.task_samples = [(10.1, {"main": "R"}), (10.2, {"main": "S:futex_wait_queue"}), (30.0, {"main": "R"})]
    w = s.window(10.0, 12.0)
    assert w["lag"] == {"triage": {"max": 7, "last": 0, "series": [[0.5, 7], [1.0, 0]]}}
    assert w["pg_samples"] == 2
    assert w["pg_sessions"]["triage"] == {"sessions": 2.0, "share_pct": {
        "idle": 50.0, "cpu": 25.0, "waits:IO/WALSync": 25.0}}
    assert w["thread_states"] == {"main": {"R": 50.0, "S:futex_wait_queue": 50.0}}


def test_session_states() -> None:
    assert state("active", None, None) == ("cpu", "")
    assert state("active", "Lock", "transactionid") == ("waits", "Lock/transactionid")
    assert state("idle in transaction", "Client", "ClientRead") == ("idle in transaction", "")
    assert state("idle", "Client", "ClientRead") == ("idle", "")


def test_a_stage_starved_of_cpu_and_the_machine_full_of_others() -> None:
    line = judge("hotline run", 0.21, cores=2, queued=0.9)
    assert line == ("hotline run: 21 % busy (of 2 cores), waited for a CPU 90 % → starved: it waits for a "
                    "CPU more than it runs (the machine's cores are taken)")
    assert judge("triage", 0.3, queued=0.005) == "triage: 30 % busy → CPU-light"
    lines = judge_window({"triage": 0.2, "triage-2": 0.1}, {"queued": {"triage": 0.3, "triage-2": 0.2},
                                                            "machine": 1.9}, 2, {})
    assert lines[0].startswith("triage: 30 % busy (of 2 cores), waited for a CPU 50 % → starved")
    assert lines[1] == ("machine: 0.30 of 2 cores busy (everything on the machine: 1.90) → the cores are "
                        "full: every stage waits on them")


def test_waiting_for_a_cpu_on_a_machine_with_cores_to_spare_is_not_starvation() -> None:
    lines = judge_window({"notify": 0.14, "kafka": 0.3}, {"queued": {"notify": 0.22}, "machine": 1.0}, 2, {})
    assert lines[1] == "notify: 14 % busy, waited for a CPU 22 % → CPU-light"


def test_the_drain_counts_from_the_load_s_scheduled_end_not_the_generator_s_exit() -> None:
    """A load of 20 s whose answers came back half a minute late has not been kept up with,
    though the pipeline's lag was 0 a moment after the last answer."""
    sent = {f"r{i}": 1_000.0 + i / 10 for i in range(200)}  # 10/s from 1,000 s, for 20 s
    assert openloop.drain_seconds(1_021.5, sent, 20) == 1.5
    assert openloop.drain_seconds(1_050.0, sent, 20) == 30.0  # the generator ended at 1,049.8
    assert not openloop.sustained(step(10, openloop.drain_seconds(1_050.0, sent, 20)))
    assert openloop.drain_seconds(1_019.0, sent, 20) == 0.0
    assert openloop.drain_seconds(None, sent, 20) is None and openloop.drain_seconds(1.0, {}, 20) is None


def test_cpu_is_judged_on_the_probes_phase_with_every_phase_beside_it() -> None:
    from tests.bench.bench_pipeline import CPU_CLIENTS, judged_cpu

    def phase(reports: int, api: float, kafka: float) -> dict[str, Any]:
        return {"reports": reports, "total_ms": api + kafka, "per_process_ms": {"api": api, "kafka": kafka}}

    phases = {1: phase(600, 9.0, 6.0), CPU_CLIENTS: phase(600, 4.0, 3.0), 50: phase(1200, 3.0, 2.0)}
    cpu = judged_cpu(phases)
    assert (cpu["clients"], cpu["total_ms"]) == (CPU_CLIENTS, 7.0)
    # Every phase together weighs each by its reports: (15×600 + 7×600 + 5×1200) / 2400.
    assert cpu["all_phases"]["total_ms"] == 8.0
    assert cpu["all_phases"]["per_process_ms"] == {"api": 4.75, "kafka": 3.25}
    without = judged_cpu({1: phases[1], 50: phases[50]})
    assert "all_phases" not in without and without["clients"] == [1, 50]
    assert without["total_ms"] == round((15 * 600 + 5 * 1200) / 1800, 1)
