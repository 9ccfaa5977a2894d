"""The distributed wiring's API: `HOTLINE_API_WORKERS` uvicorn worker processes (default one
per core), each building its own container from the environment. Nothing a request relies on
lives in one worker only: failures throttled in the database, token versions read again within
a second, audit entries queued in the database, caches of facts that never change."""

from __future__ import annotations

import argparse
import ctypes
import os
import shutil
import signal
import socket
import sys
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from services.api.http import create_app
from services.api.storewatch import StoreWatch
from services.bootstrap import Wiring, bootstrap_api
from services.common.kafka.topics import broker_count
from services.common.logging import configure_logging
from services.common.settings import Settings
from services.runtime.processlist import processes
from services.runtime.status import PipelineCollector

FACTORY = "services.runtime.serve:app_from_env"


def serve(app: Any, settings: Settings, workers: int = 1) -> None:
    import uvicorn

    # Forwarded headers are judged by HOTLINE_TRUSTED_PROXIES in the app, not by uvicorn
    # (whose default believes any X-Forwarded-For from loopback).
    options: dict[str, Any] = {"host": settings.host, "port": settings.port, "log_config": None,
                               "access_log": False, "proxy_headers": False}
    if workers > 1:
        from uvicorn.supervisors import Multiprocess

        Multiprocess(uvicorn.Config(FACTORY, factory=True, workers=workers, **options),
                     sockets=[listening_socket(settings.host, settings.port)]).run()
    else:
        uvicorn.run(app, **options)


def listening_socket(host: str, port: int) -> socket.socket:
    """The workers' shared socket, made as TCP explicitly: asyncio sets TCP_NODELAY only on
    sockets whose protocol says TCP, and uvicorn's own (protocol 0) left Nagle's algorithm on,
    so every answer waited for a delayed ACK: 57 ms instead of 22 for one report."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def _pid_alive(path: Path) -> bool:
    try:
        os.kill(int(path.read_text().strip()), 0)
    except (OSError, ValueError):
        return False
    return True


SUPERVISOR = "HOTLINE_API_SUPERVISOR_PID"


def follow_supervisor() -> None:
    """A worker ends with its supervisor: killed (-9) alone, it would leave its workers holding
    the port, and the restarted API could not bind it. Linux delivers SIGTERM on the parent's
    death (prctl PR_SET_PDEATHSIG); one already orphaned stops at once."""
    supervisor = os.environ.get(SUPERVISOR)
    if not supervisor:
        return
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    if os.getppid() != int(supervisor):
        os.kill(os.getpid(), signal.SIGTERM)


def app_from_env() -> FastAPI:
    """One API worker: its container, readiness checks, lag gauges and store watch."""
    follow_supervisor()
    settings = Settings()
    configure_logging(settings.log_level)
    api = bootstrap_api(Wiring.of(settings))
    run_dir = Path(settings.var_dir) / "run"
    workers = tuple(p.name for p in processes(settings.consumers) if p.name != "api")

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
    app.state.store_watch = StoreWatch(settings.database_url)
    app.state.store_watch.start()
    app.state.closers = [api.close, app.state.store_watch.stop]
    return app


def worker_count(settings: Settings) -> int:
    return settings.api_workers or os.cpu_count() or 1


def cmd_serve(settings: Settings, _: argparse.Namespace) -> int:
    """Distributed wiring: the API (workers, relays, consumers run as their own processes)."""
    workers = worker_count(settings)
    if workers > 1:
        # Request counters and latencies summed over the workers (prometheus multiprocess mode):
        # set before a worker imports prometheus_client; emptied, as its documentation asks.
        metrics = Path(settings.var_dir) / "run" / "api-metrics"
        shutil.rmtree(metrics, ignore_errors=True)
        metrics.mkdir(parents=True, mode=0o700)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
        os.environ[SUPERVISOR] = str(os.getpid())
        serve(None, settings, workers)
    else:
        serve(app_from_env(), settings)
    return 0
