"""The FastAPI application: every router, request logging, readiness checks."""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Awaitable, Callable

import structlog
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from services.common.auth import TokenIssuer
from services.common.bootstrap import Hotline
from services.common.ops import HTTP_LATENCY, HTTP_REQUESTS, ReadinessCheck
from services.common.ops import router as ops_router
from services.common.ratelimit import RateLimiter
from services.dispatch.pages import router as desk_pages
from services.dispatch.routes import agencies_router, audit_router, desk_router, referrals_router
from services.intake.pages import router as pages_router
from services.intake.routes import auth_router, receipts_router, reports_router, sentinels_router
from services.triage.pages import router as board_pages
from services.triage.routes import router as cases_router
from services.triage.routes import stats_router

log = structlog.get_logger("http")
MAX_BODY_BYTES = 256 * 1024  # a full report is far below this


def store_check(hotline: Hotline) -> ReadinessCheck:
    def check() -> tuple[str, bool, str]:
        assert hotline.intake is not None and hotline.view is not None
        position = hotline.intake.recorder.max_notification_id()
        hotline.view.max_tracking_id("intake")
        return "store", True, f"{hotline.store}, last notification {position}"

    return check


def create_app(hotline: Hotline, readiness_checks: list[ReadinessCheck] | None = None) -> FastAPI:
    app = FastAPI(
        title="Minor-protection hotline API",
        version="1",
        description="Reports about children at risk: intake, triage, referral to agencies.",
    )
    app.state.hotline = hotline
    app.state.tokens = TokenIssuer(hotline.settings.token_key, hotline.settings.token_ttl_seconds)
    app.state.csrf_key = hashlib.sha256(b"csrf" + hotline.settings.token_key.encode()).digest()
    app.state.login_limiter = RateLimiter(limit=20, window=60)
    app.state.lookup_limiter = RateLimiter(limit=10, window=60)
    app.state.readiness_checks = [store_check(hotline), *(readiness_checks or [])]
    for router in (
        ops_router, auth_router, reports_router, receipts_router, sentinels_router, cases_router,
        desk_router, referrals_router, agencies_router, audit_router, stats_router, pages_router,
        desk_pages,
        board_pages,
    ):
        app.include_router(router)

    @app.middleware("http")
    async def limit_body(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        length = request.headers.get("content-length")
        if length and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            return JSONResponse({"detail": f"Request body larger than {MAX_BODY_BYTES} bytes"}, 413)
        return await call_next(request)

    @app.middleware("http")
    async def log_requests(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=uuid.uuid4().hex[:16])
        started = time.perf_counter()
        try:
            response = await call_next(request)
        except Exception:
            log.exception("unhandled error", method=request.method, path=request.url.path)
            response = JSONResponse({"detail": "Internal error; it has been logged"}, 500)
        elapsed = time.perf_counter() - started
        route = getattr(request.scope.get("route"), "path", "unmatched")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        HTTP_REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        HTTP_LATENCY.labels(route).observe(elapsed)
        log.info(
            "request",
            method=request.method,
            route=route,
            status=response.status_code,
            ms=round(elapsed * 1000, 1),
        )
        return response

    return app
