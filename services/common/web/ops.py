"""Health, readiness and metrics endpoints."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

router = APIRouter(tags=["operations"])

HTTP_REQUESTS = Counter(
    "hotline_http_requests_total", "HTTP requests", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram("hotline_http_request_seconds", "HTTP request latency", ["route"])

# A readiness check answers (name, ok, detail).
ReadinessCheck = Callable[[], tuple[str, bool, str]]


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "alive"}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    checks: list[ReadinessCheck] = request.app.state.readiness_checks
    results = {}
    ready = True
    for check in checks:
        try:
            name, ok, detail = check()
        except Exception as exc:  # a failing probe means not ready, never a 500
            name, ok, detail = getattr(check, "__name__", "check"), False, type(exc).__name__
        results[name] = {"ok": ok, "detail": detail}
        ready = ready and ok
    return JSONResponse({"ready": ready, "checks": results}, status_code=200 if ready else 503)


@router.get("/metrics")
def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
