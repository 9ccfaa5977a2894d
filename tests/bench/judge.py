"""One line per stage of what bounds it in an open-loop window: its CPU against the wall, its
consumer lag, and what its PostgreSQL sessions were doing."""

from __future__ import annotations

from typing import Any

BUSY = 0.8  # of the cores a stage can use: above it, CPU is what bounds the stage
BACKLOG = 20  # a lag above this, even one that drains, means the stage queued work


def waits_text(share_pct: dict[str, float]) -> str:
    """The sessions' states other than idle, largest first: `cpu 20 %, waits:IO/WALSync 8 %`."""
    busy = [(k, v) for k, v in share_pct.items() if k != "idle"]
    return ", ".join(f"{k} {v:g} %" for k, v in busy[:3]) if busy else "idle"


def judge(stage: str, busy: float | None, *, cores: float = 1.0, lag: dict[str, Any] | None = None,
          sessions: dict[str, Any] | None = None, queued: float | None = None, crowded: bool = True) -> str:
    """`triage: 35 % busy, lag ≤ 12 → 0 → CPU-light, keeps up; PostgreSQL sessions: …`.
    `busy` is CPU seconds per wall second (None: a stage with no process of its own, an edge of
    the embedded process); `cores` what the stage can use (one per process); `queued` the seconds
    per wall second its threads were runnable but waited for a CPU (judged only when the machine is
    `crowded`: many threads waking together wait a little on an idle machine too)."""
    line = f"{stage}: " + ("in the process" if busy is None else f"{busy * 100:.0f} % busy")
    if cores > 1 and busy is not None:
        line += f" (of {cores:g} cores)"
    if queued is not None and queued >= 0.01:
        line += f", waited for a CPU {queued * 100:.0f} %"
    if lag is not None:
        line += f", lag ≤ {lag['max']} → {lag['last']}"
    light = "" if busy is None else "CPU-light, "
    if busy is not None and busy >= BUSY * cores:
        verdict = "CPU-bound"
    elif crowded and busy is not None and queued is not None and queued >= max(busy, 0.2):
        verdict = "starved: it waits for a CPU more than it runs (the machine's cores are taken)"
    elif lag is not None and lag["last"] > 0:
        verdict = ("behind" if busy is None else "behind while not busy: waits") + (
            " (a serial point, a poll, a lock or the machine)")
    elif lag is None:
        verdict = "CPU-light"
    elif lag["max"] > BACKLOG:
        verdict = f"{light}queued work but drained it"
    else:
        verdict = f"{light}keeps up"
    line += f" → {verdict}"
    if sessions:
        line += f"; its database sessions: {waits_text(sessions['share_pct'])}"
    return line


def machine_line(utilisation: dict[str, float], nproc: int, everything: float | None = None) -> str:
    """The stack's CPU (and the whole machine's, other processes included) against the cores."""
    total = sum(utilisation.values())
    busiest = max(total, everything or 0.0)
    full_text = " → the cores are full: every stage waits on them" if busiest >= 0.9 * nproc else ""
    others = "" if everything is None else f" (everything on the machine: {everything:.2f})"
    return f"machine: {total:.2f} of {nproc} cores busy{others}{full_text}"


def states_text(share_pct: dict[str, float]) -> str:
    """A thread's sampled states: `R 40 %, S:futex_wait_queue 35 %` (R: on a CPU or queued for
    one; S:futex…: waiting on a lock, often the GIL; D: the disk)."""
    return ", ".join(f"{k} {v:g} %" for k, v in list(share_pct.items())[:3])


def stage_of(who: str) -> str:
    """A process, a member (`triage-2`) or a role (`hotline_projection_desk`) as its stage."""
    name = who.removeprefix("hotline_").replace("_", "-")
    base, _, n = name.rpartition("-")
    return base if n.isdigit() and base else name


def judge_window(utilisation: dict[str, float], sampled: dict[str, Any], nproc: int,
                 cores: dict[str, float], threads: dict[str, float] | None = None) -> list[str]:
    """Every stage with CPU or lag in the window (a group's members summed, one core each unless
    `cores` says more), largest CPU first; then any thread near a core (one thread is a serial
    point whatever the process's cores), then the machine."""
    lag, sessions = sampled.get("lag", {}), sampled.get("pg_sessions", {})
    by_stage: dict[str, float] = {}
    members: dict[str, int] = {}
    for name, busy in utilisation.items():
        stage = stage_of(name)
        by_stage[stage] = by_stage.get(stage, 0.0) + busy
        members[stage] = members.get(stage, 0) + 1
    names = sorted(set(by_stage) | set(lag), key=lambda n: (-by_stage.get(n, 0.0), n))
    queued: dict[str, float] = {}
    for name, waited in sampled.get("queued", {}).items():
        queued[stage_of(name)] = queued.get(stage_of(name), 0.0) + waited
    crowded = max(sum(utilisation.values()), sampled.get("machine") or 0.0) >= 0.75 * nproc
    lines = [judge(n, by_stage.get(n), cores=cores.get(n, float(members.get(n, 1))), lag=lag.get(n),
                   sessions=sessions.get(n), queued=queued.get(n), crowded=crowded) for n in names]
    states = sampled.get("thread_states", {})
    lines += [f"thread {name}: {busy * 100:.0f} % of a core → "
              + ("CPU-bound: a serial point" if busy >= BUSY else "the busiest thread")
              + (f"; sampled: {states_text(states[name])}" if name in states else "")
              for name, busy in sorted((threads or {}).items(), key=lambda kv: -kv[1])[:2] if busy >= 0.3]
    return [*lines, machine_line(utilisation, nproc, sampled.get("machine"))]
