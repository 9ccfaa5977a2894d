"""The process kinds of both wirings: embedded `run`, and the distributed API, relays,
consumers and scheduler that `make up` starts (its list comes from `hotline processes`)."""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

import structlog

from services.bootstrap.topology import CONSUMERS, RELAYS
from services.common.settings import Settings

log = structlog.get_logger("cli")




def _run_until_signalled(worker: Any) -> None:
    def handle(signum: int, _: Any) -> None:
        log.info("stopping", signal=signum)
        worker.stop()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    worker.run()


def _run_worker(service: str, container: Any, worker: Any, settings: Settings,
                alive: Callable[[], bool] = lambda: True, behind: bool = False) -> int:
    """Run one worker until SIGTERM/SIGINT, with its logs bound to the service name and, given
    HOTLINE_METRICS_PORT, its own /healthz and /metrics; a worker `behind` the API (the pipeline)
    at HOTLINE_PIPELINE_NICE."""
    from services.runtime.probe import ProbeServer

    structlog.contextvars.bind_contextvars(service=service)
    if behind and settings.pipeline_nice:
        os.nice(settings.pipeline_nice)
    port = settings.metrics_port
    probe = ProbeServer(settings.host, port, alive, settings.release).start() if port else None
    try:
        _run_until_signalled(worker)
    finally:
        if probe is not None:
            probe.stop()
        container.close()
    return 0


# The composition root is imported by the command that runs, not by the parser: the API's
# supervisor and `hotline processes` load none of the rooms (#31).
def cmd_relay(settings: Settings, args: argparse.Namespace) -> int:
    from services.bootstrap import Wiring, bootstrap_relay

    container = bootstrap_relay(Wiring.of(settings), *args.app)
    name = "-".join(("relay", *args.app))
    return _run_worker(name, container, container.runner, settings, behind=True)


def cmd_consume(settings: Settings, args: argparse.Namespace) -> int:
    from services.bootstrap import Wiring, bootstrap_consumer

    container = bootstrap_consumer(Wiring.of(settings), args.service)
    companion = container.companion
    if companion is not None:
        companion.start()
    return _run_worker(args.service, container, container.loop, settings,
                       alive=lambda: companion is None or companion.is_alive(), behind=True)


def cmd_scheduler(settings: Settings, _: argparse.Namespace) -> int:
    """The SLA scheduler process of the distributed wiring."""
    from services.bootstrap import Wiring, bootstrap_scheduler

    container = bootstrap_scheduler(Wiring.of(settings))
    return _run_worker("scheduler", container, container.scheduler, settings)


class _Sequencing:
    """The audit process's work: its rounds run on threads until asked to stop."""

    def __init__(self, container: Any):
        self.container = container
        self._stopped = threading.Event()

    def run(self) -> None:
        self.container.start()
        log.info("audit sequencer started")
        self._stopped.wait()
        self.container.stop()

    def stop(self) -> None:
        self._stopped.set()


def cmd_sequence(settings: Settings, _: argparse.Namespace) -> int:
    """The audit trail's single writer (distributed wiring): chains, checkpoints."""
    from services.bootstrap import Wiring, bootstrap_sequencer
    from services.runtime.status import watch_checkpoints

    container = bootstrap_sequencer(Wiring.of(settings))
    watch_checkpoints(container.checkpointer)
    return _run_worker("audit", container, _Sequencing(container), settings, behind=True)


def cmd_keys_env(settings: Settings, args: argparse.Namespace) -> int:
    """For infra/stack.sh: each service's environment gets only its own keys."""
    from services.runtime.processlist import by_name, own_environment

    try:
        process = by_name(settings.consumers, settings.relays).get(args.process)
    except ValueError as exc:
        sys.stderr.write(f"hotline: {exc}\n")
        return 2
    if process is None:
        sys.stderr.write(f"hotline: no process {args.process!r} (see `hotline processes`)\n")
        return 2
    sys.stdout.write("".join(f"{line}\n" for line in own_environment(settings, process)))
    return 0


def cmd_processes(settings: Settings, _: argparse.Namespace) -> int:
    """`name:arguments` per line, for infra/stack.sh."""
    from services.runtime.processlist import processes

    try:
        listed = processes(settings.consumers, settings.relays)
    except ValueError as exc:
        sys.stderr.write(f"hotline: {exc}\n")
        return 2
    sys.stdout.write("".join(f"{p.name}:{p.args}\n" for p in listed))
    return 0


def later(module: str, name: str) -> Callable[[Settings, argparse.Namespace], int]:
    """A command whose module is imported only when it runs: a consumer, relay or scheduler
    never loads the web app (about 30 MiB of each process, #31)."""
    def command(settings: Settings, args: argparse.Namespace) -> int:
        return int(getattr(importlib.import_module(module), name)(settings, args))
    return command


def add_commands(sub: Any) -> None:
    sub.add_parser("run", help="embedded wiring in one process").set_defaults(
        fn=later("services.runtime.apps", "cmd_run"))
    sub.add_parser("serve", help="API process of the distributed wiring").set_defaults(
        fn=later("services.runtime.serve", "cmd_serve"))
    relay = sub.add_parser("relay", help="the outbox relays: every application's, or those named")
    relay.add_argument("--app", choices=sorted(RELAYS), action="append", default=[])
    relay.set_defaults(fn=cmd_relay)
    consume = sub.add_parser("consume", help="Kafka consumer of one service")
    consume.add_argument("service", choices=sorted(CONSUMERS))
    consume.set_defaults(fn=cmd_consume)
    sub.add_parser("scheduler", help="SLA escalation scheduler").set_defaults(fn=cmd_scheduler)
    sub.add_parser("audit-sequence", help="the audit trail's sequencer (distributed wiring)"
                   ).set_defaults(fn=cmd_sequence)
    sub.add_parser("processes", help="the distributed wiring's processes (name:arguments)"
                   ).set_defaults(fn=cmd_processes)
