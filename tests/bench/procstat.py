"""What /proc says of the processes under measure: CPU ticks (per process group of a `make up`
service, PostgreSQL's and Kafka's process trees, the embedded process's threads) and PSS."""

from __future__ import annotations

import os
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _stat(path: Path) -> list[str]:
    """The fields of a stat file after the command name (field 3, the state, first)."""
    return path.read_text().rsplit(")", 1)[1].split()


def ticks(pid: int, *, reaped: bool = False) -> int:
    """User + system ticks of one process; with `reaped`, also those of its exited children
    (PostgreSQL's short-lived backends, e.g. a connection opened every second)."""
    f = _stat(Path(f"/proc/{pid}/stat"))
    return int(f[11]) + int(f[12]) + (int(f[13]) + int(f[14]) if reaped else 0)


def children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


def tree(pid: int) -> list[int]:
    """A process and its descendants (those alive now)."""
    return [pid, *(p for c in children(pid) for p in tree(c))]


def _pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def stack_members(var: Path) -> dict[str, list[int]]:
    """Every live process of a `make up` stack by name: each service's process group (its
    restart loop, the service, an API's workers), PostgreSQL's postmaster tree, Kafka's."""
    leaders = {p.stem: _pid(p) for p in (var / "run").glob("*.pid")}
    groups = {name: pid for name, pid in leaders.items() if pid and not name.startswith("kafka")}
    out: dict[str, list[int]] = {name: [] for name in groups}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            group = int(_stat(Path(f"/proc/{entry}/stat"))[2])
        except OSError:
            continue
        for name, leader in groups.items():
            if group == leader:
                out[name].append(int(entry))
    postmaster = _pid(var / "pg" / "data" / "postmaster.pid")
    out["postgres"] = tree(postmaster) if postmaster and Path(f"/proc/{postmaster}").exists() else []
    out["kafka"] = [p for name, pid in leaders.items() if pid and name.startswith("kafka")
                    and Path(f"/proc/{pid}").exists() for p in tree(pid)]
    return out


def group_ticks(members: dict[str, list[int]], reaped: frozenset[int] = frozenset()) -> dict[str, int]:
    """Ticks per name; `reaped` pids count their exited children too."""
    out = {}
    for name, pids in members.items():
        total = 0
        for pid in pids:
            try:
                total += ticks(pid, reaped=pid in reaped)
            except OSError:  # gone meanwhile
                continue
        out[name] = total
    return out


def stack_ticks(var: Path, bench: frozenset[int] = frozenset()) -> dict[str, int]:
    """Ticks per service, PostgreSQL (exited backends included) and Kafka, now; the `bench`
    backends (the bench's own reads: the desk view polled, the lag) under a name of their own."""
    postmaster = _pid(var / "pg" / "data" / "postmaster.pid")
    members = stack_members(var)
    members["postgres (the bench's reads)"] = [p for p in members["postgres"] if p in bench]
    members["postgres"] = [p for p in members["postgres"] if p not in bench]
    return group_ticks(members, frozenset([postmaster] if postmaster else []))


def thread_ticks(pid: int) -> dict[str, int]:
    """Ticks per thread of one process and of its children, named `comm/tid` ("main" for the
    main thread): Python 3.11 leaves its threads' OS names as the process's, so the tid and the
    order of start (tids grow) are what tells them apart."""
    out = {}
    for p in tree(pid):
        for tid, comm, ticks in tasks(p):
            name = "main" if tid == p else f"{comm}/{tid}"
            out[name if p == pid else f"child {p} {name}"] = ticks
    return out


def tasks(pid: int) -> list[tuple[int, str, int]]:
    """Each thread of a process (those alive now): its id, its name and its ticks."""
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            comm = (task / "comm").read_text().strip()
            f = _stat(task / "stat")
        except OSError:
            continue
        out.append((int(task.name), comm, int(f[11]) + int(f[12])))
    return out


def queued_ns(pids: list[int]) -> int:
    """Nanoseconds the threads of these processes have spent runnable but waiting for a CPU
    (the second field of each task's schedstat)."""
    total = 0
    for pid in pids:
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                total += int((task / "schedstat").read_text().split()[1])
            except (OSError, IndexError, ValueError):
                continue
    return total


def stack_queued_ns(var: Path) -> dict[str, int]:
    return {name: queued_ns(pids) for name, pids in stack_members(var).items()}


def machine_busy_ticks() -> int:
    """Ticks every CPU of the machine spent on anything but idle and I/O wait, every process's."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(fields) - fields[3] - fields[4]


def thread_states(pid: int) -> dict[str, str]:
    """What each thread of one process is doing now, named as `thread_ticks` names them: `R`
    (running or runnable), or its state and kernel wait (`D:…` in the disk's wait, `S:futex…`
    waiting on a lock: the GIL, a queue, a condition; `S:do_epoll_wait…` on the network)."""
    out = {}
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            state = _stat(task / "stat")[0]
            wchan = (task / "wchan").read_text().strip()
            comm = (task / "comm").read_text().strip()
        except OSError:
            continue
        name = "main" if int(task.name) == pid else f"{comm}/{task.name}"
        out[name] = "R" if state == "R" else f"{state}:{wchan}"
    return out


def pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def stack_pss_mib(var: Path) -> dict[str, float]:
    """Proportional set size per name of the stack (every process of it counted once)."""
    return {name: round(sum(pss_kib(p) for p in pids) / 1024, 1) for name, pids in stack_members(var).items()}


def broker_thread_ticks(var: Path) -> dict[str, int]:
    """Ticks of the Kafka broker's threads by kind (the JIT's compilers, the collector, the
    request handlers and network threads...), its threads' names without their numbers: a fresh
    broker compiles for minutes, a cost a broker that has run for a day no longer pays."""
    out: dict[str, int] = {}
    for pid in stack_members(var)["kafka"]:
        for _, comm, ticks in tasks(pid):
            kind = comm.rstrip("0123456789-").strip() or comm
            out[kind] = out.get(kind, 0) + ticks
    return out


def ms_per_report(before: dict[str, int], after: dict[str, int], reports: int) -> dict[str, float]:
    """CPU milliseconds per report of each name, largest first."""
    per = {k: round((after[k] - before.get(k, 0)) / TICK * 1000 / max(reports, 1), 2) for k in after}
    return dict(sorted(per.items(), key=lambda kv: -kv[1]))


def utilisation(before: dict[str, int], after: dict[str, int], wall_s: float) -> dict[str, float]:
    """Each name's CPU time over the wall time (1.0: one core busy the whole while)."""
    return {k: round((after[k] - before.get(k, 0)) / TICK / max(wall_s, 1e-9), 3) for k in after}
