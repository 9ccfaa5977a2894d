"""The HTTP API: one FastAPI app mounting every router; domain errors mapped to HTTP once."""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import structlog
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from services.api.activity import ACTIVITY_COOKIE, activity_cookie, renews_activity
from services.api.auth import TokenIssuer
from services.api.errors import add_error_handlers, store_unavailable
from services.api.exposure import guarded, refusal
from services.api.limits import BodyLimits
from services.api.ops import HTTP_LATENCY, HTTP_REQUESTS, ReadinessCheck
from services.api.ops import router as ops_router
from services.api.pages import (
    accounts,
    assets,
    audit,
    board,
    desk,
    intake,
    intake_case,
    login,
    report,
    rosters,
)
from services.api.pages import board_callbacks as board_callbacks_page
from services.api.pages import followups as followups_page
from services.api.pages import incidents as incidents_page
from services.api.pages import lookup as lookup_page
from services.api.pages import oncall as oncall_page
from services.api.pages import security as security_page
from services.api.pages import stats as stats_page
from services.api.proxies import Proxies, is_https
from services.api.routes import (
    account_requests,
    auth,
    cases,
    followups,
    incidents,
    notices,
    notifications,
    oversight,
    referrals,
    reports,
    sentinels,
    users,
)
from services.api.routes import callbacks as callback_routes
from services.api.routes import callers as caller_history
from services.api.routes import knowledge as knowledge_routes
from services.api.sessions import TokenVersions
from services.bootstrap import ApiContainer
from services.common.build_info import build_info
from services.common.networks import parse_networks

log = structlog.get_logger("http")
MAX_BODY_BYTES = 256 * 1024  # a full report is far below this
ROUTERS: tuple[APIRouter, ...]  # the later sections add theirs below, one line each
ROUTERS = (ops_router, auth.router, reports.router, reports.receipts_router, sentinels.sentinels_router,
           sentinels.agencies_router, cases.router, cases.children_router, referrals.desk_router,
           referrals.router, followups.router, followups.case_router, followups.ledger_router,
           oversight.stats_router, oversight.audit_router, notifications.oncall_router,
           notifications.router, login.router, report.router, notices.router,
           desk.router, board.router, followups_page.router, stats_page.router, oncall_page.router,
           intake.router, intake_case.router, lookup_page.router, users.router, account_requests.router,
           accounts.router, rosters.router, security_page.router, audit.router, assets.router,
           incidents.router, incidents.list_router, incidents_page.router)  # major incidents (§12)
ROUTERS = (*ROUTERS, caller_history.router)  # the caller history (来电弹屏, §13)
ROUTERS = (*ROUTERS, callback_routes.router)  # callbacks (回访, §13)
ROUTERS = (*ROUTERS, board_callbacks_page.router)  # the supervisor's callbacks (回访, §13)
ROUTERS = (*ROUTERS, knowledge_routes.router)  # the knowledge base (知识库, §13)


def store_check(container: ApiContainer) -> ReadinessCheck:
    def check() -> tuple[str, bool, str]:
        position = container.intake.recorder.max_notification_id()
        container.view.ping()
        return "store", True, f"{container.store}, last notification {position}"

    return check


# Answered without the store, so they keep working while it is away.
WORKER = os.getpid()  # which API worker answered (HOTLINE_API_WORKERS), in each request's log line
WITHOUT_STORE = ("/healthz", "/readyz", "/metrics", "/favicon.ico", "/favicon.svg")


def renew_activity(request: Request, response: Response) -> None:
    """A page session the person used is stamped active now (not by its page's own polling)."""
    token = getattr(request.state, "active_session", None)
    if token and renews_activity(request):
        response.set_cookie(ACTIVITY_COOKIE, activity_cookie(request, token), httponly=True,
                            samesite="strict", secure=is_https(request))


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    for close in reversed(getattr(app.state, "closers", [])):  # what the process opened for it
        close()


def create_app(container: ApiContainer, readiness_checks: list[ReadinessCheck] | None = None) -> FastAPI:
    app = FastAPI(
        title="Minor-protection hotline API",
        version="1",
        description="Reports about children at risk: intake, triage, referral to agencies.",
        lifespan=_lifespan,
        docs_url=None, redoc_url=None,  # /docs from our own Swagger UI copy (pages/assets.py)
    )
    settings = container.settings
    app.state.container = container
    token_key = settings.ensure_secret("token")
    app.state.tokens = TokenIssuer(token_key, settings.token_ttl_seconds,
                                   is_current=TokenVersions(container.accounts).is_current)
    app.state.csrf_key = hashlib.sha256(b"csrf" + token_key.encode()).digest()
    app.state.proxies = Proxies(parse_networks(settings.trusted_proxies))
    app.state.idle_seconds = settings.session_idle_minutes * 60
    app.state.metrics_networks = parse_networks(settings.metrics_allowed_networks)
    app.state.readiness_checks = [store_check(container), *(readiness_checks or [])]
    app.state.release = settings.release
    app.state.metric_registries = [build_info(settings.release)]
    for router in ROUTERS:
        app.include_router(router)
    add_error_handlers(app)
    # Added first, so it runs inside the request log below and before anything reads the body.
    app.add_middleware(BodyLimits, max_bytes=MAX_BODY_BYTES)

    @app.middleware("http")
    async def log_requests(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=uuid.uuid4().hex[:16])
        started = time.perf_counter()
        watch = getattr(request.app.state, "store_watch", None)
        try:
            if watch is not None and watch.down and request.url.path not in WITHOUT_STORE:
                response = store_unavailable(request)
            elif guarded(request.url.path) and (refused := await run_in_threadpool(refusal, request)):
                response = refused
            else:
                response = await call_next(request)
        except Exception:
            log.exception("unhandled error", method=request.method, path=request.url.path)
            response = JSONResponse({"detail": "Internal error; it has been logged"}, 500)
        elapsed = time.perf_counter() - started
        route = getattr(request.scope.get("route"), "path", "unmatched")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        # Answers may hold personal data: no browser or proxy keeps a copy.
        response.headers.setdefault("Cache-Control", "no-store")
        if is_https(request):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        renew_activity(request, response)
        HTTP_REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        HTTP_LATENCY.labels(route).observe(elapsed)
        log.info("request", method=request.method, route=route, status=response.status_code,
                 worker=WORKER,
                 ms=round(elapsed * 1000, 1))
        return response

    return app
