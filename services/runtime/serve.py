"""The API's server: uvicorn, with `HOTLINE_API_WORKERS` worker processes (default half the
cores, at least one) on one socket in the distributed wiring, each building its own app
(`apps.py`). With two or more, the supervising process loads no app itself (#31: it held the
whole web app for nothing); with one, this process is the worker."""

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

from services.common.settings import Settings

FACTORY = "services.runtime.apps:app_from_env"


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


def worker_count(settings: Settings, cores: int | None = None) -> int:
    """HOTLINE_API_WORKERS, or half the cores (at least one): the API spends about a quarter of a
    report's CPU and the pipeline beside it the rest. On two cores (three alternating pairs, 10
    clients) one worker took 86–103 reports/s at 19.7–23.3 ms of the stack's CPU each, two took
    72–84 at 23.6–27.8, and the stack's PSS was about 110 MiB less (#31)."""
    return settings.api_workers or max(1, (cores or os.cpu_count() or 1) // 2)


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
        from services.runtime.apps import app_from_env

        serve(app_from_env(), settings)
    return 0
