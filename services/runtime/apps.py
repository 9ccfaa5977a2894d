"""The web app of each API process: a distributed worker's, built from the environment (nothing a
request relies on lives in one worker only: failures throttled in the database, token versions
read again within a second, audit entries queued in the database, caches of facts that never
change), and the embedded `run`'s, the whole product in one process."""

from __future__ import annotations

import argparse
import os
import sys
import threading
from pathlib import Path

from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from services.api.http import create_app
from services.api.storewatch import StoreWatch
from services.bootstrap import Wiring, bootstrap_api, bootstrap_embedded
from services.common.kafka.topics import broker_count
from services.common.logging import configure_logging
from services.common.settings import Settings
from services.runtime.demo import create_demo_users, print_demo_users
from services.runtime.processlist import processes
from services.runtime.serve import follow_supervisor, serve
from services.runtime.status import PipelineCollector


def _pid_alive(path: Path) -> bool:
    try:
        os.kill(int(path.read_text().strip()), 0)
    except (OSError, ValueError):
        return False
    return True


def app_from_env() -> FastAPI:
    """One API worker: its container, readiness checks, lag gauges and store watch."""
    follow_supervisor()
    settings = Settings()
    configure_logging(settings.log_level)
    api = bootstrap_api(Wiring.of(settings))
    run_dir = Path(settings.var_dir) / "run"
    workers = tuple(p.name for p in processes(settings.consumers, settings.relays) if p.name != "api")

    def broker_check() -> tuple[str, bool, str]:
        n = broker_count(settings.kafka_bootstrap_servers.split(","), timeout_ms=2000,
                         security=settings.kafka_security())
        return "broker", n >= 1, f"{n} broker(s)"

    def workers_check() -> tuple[str, bool, str]:
        down = [name for name in workers if not _pid_alive(run_dir / f"{name}.pid")]
        return "workers", not down, "all running" if not down else f"not running: {', '.join(down)}"

    pipeline = PipelineCollector(settings, api.view.sql, api.view)

    def lag_check() -> tuple[str, bool, str]:
        lag = pipeline.status().max_lag
        return "lag", lag > settings.lag_threshold, (
            f"largest backlog or consumer lag {lag} (degraded above {settings.lag_threshold})")

    app = create_app(api, [broker_check, workers_check])
    registry = CollectorRegistry(auto_describe=False)
    registry.register(pipeline)  # type: ignore[arg-type]
    app.state.metric_registries.append(registry)
    app.state.degradation_checks = [lag_check]
    app.state.pipeline = pipeline  # its backlogs and dead letters on /admin/health
    app.state.store_watch = StoreWatch(settings.database_url)
    app.state.store_watch.start()
    app.state.closers = [api.close, app.state.store_watch.stop]
    return app


def cmd_run(settings: Settings, _: argparse.Namespace) -> int:
    """Embedded wiring: SQLite files, in-process runner, API; one foreground process."""
    if settings.distributed:
        sys.stderr.write("hotline run is the embedded wiring; unset HOTLINE_DATABASE_URL\n")
        return 2
    embedded = bootstrap_embedded(Wiring.of(settings))
    if settings.environment != "production":
        print_demo_users(create_demo_users(embedded.api.accounts, settings.var_dir), settings.var_dir)
    embedded.runner.start()
    embedded.sequencer.start()
    embedded.notifier.start()
    scheduler_thread = threading.Thread(target=embedded.scheduler.run, name="scheduler", daemon=True)
    scheduler_thread.start()

    def runner_check() -> tuple[str, bool, str]:
        runner = embedded.runner
        ok = (runner.is_alive() and runner.error is None and scheduler_thread.is_alive()
              and embedded.notifier.is_alive())
        return "workers", ok, "embedded runner, scheduler and notifier " + (
            "running" if ok else f"failed: {runner.error!r}")

    app = create_app(embedded.api, [runner_check])
    sys.stdout.write(f"Hotline API on http://{settings.host}:{settings.port} (docs at /docs)\n")
    sys.stdout.flush()
    try:
        serve(app, settings)
    finally:
        embedded.close()
    return 0
