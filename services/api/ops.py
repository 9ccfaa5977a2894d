"""Health, readiness and metrics endpoints."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

router = APIRouter(tags=["operations"])

HTTP_REQUESTS = Counter(
    "hotline_http_requests_total", "HTTP requests", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram("hotline_http_request_seconds", "HTTP request latency", ["route"])

# A readiness check answers (name, ok, detail); a degradation check (name, degraded, detail):
# degraded is still ready (the API takes reports), but an operator should look.
ReadinessCheck = Callable[[], tuple[str, bool, str]]
DegradationCheck = Callable[[], tuple[str, bool, str]]


@router.get("/healthz")
def healthz(request: Request) -> dict[str, str]:
    return {"status": "alive", "release": getattr(request.app.state, "release", "unknown")}


def run_checks(state: Any) -> tuple[bool, bool, dict[str, dict[str, Any]]]:
    """Every readiness and degradation check of the app: (ready, degraded, {name: {ok, detail}});
    /readyz answers with them, and the IT office's page shows them (pages/health.py)."""
    results = {}
    ready = True
    for check in state.readiness_checks:
        try:
            name, ok, detail = check()
        except Exception as exc:  # a failing probe means not ready, never a 500
            name, ok, detail = getattr(check, "__name__", "check"), False, type(exc).__name__
        results[name] = {"ok": ok, "detail": detail}
        ready = ready and ok
    degraded = False
    for degradation in getattr(state, "degradation_checks", []):
        try:
            name, bad, detail = degradation()
        except Exception as exc:
            name, bad, detail = getattr(degradation, "__name__", "check"), True, type(exc).__name__
        results[name] = {"ok": not bad, "detail": detail}
        degraded = degraded or bad
    return ready, degraded, results


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    ready, degraded, results = run_checks(request.app.state)
    return JSONResponse({"ready": ready, "degraded": degraded, "checks": results},
                        status_code=200 if ready else 503)


@router.get("/metrics")
def metrics(request: Request) -> Response:
    extra = b"".join(generate_latest(r) for r in getattr(request.app.state, "metric_registries", []))
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:  # several API workers: their sum
        summed = CollectorRegistry()
        multiprocess.MultiProcessCollector(summed)  # type: ignore[no-untyped-call]
        return Response(generate_latest(summed) + extra, media_type=CONTENT_TYPE_LATEST)
    return Response(generate_latest() + extra, media_type=CONTENT_TYPE_LATEST)
