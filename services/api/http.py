"""The HTTP API: one FastAPI app mounting every router; domain errors mapped to HTTP once."""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import psycopg
import structlog
from eventsourcing.persistence import InterfaceError, OperationalError
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from services.api.activity import ACTIVITY_COOKIE, activity_cookie, renews_activity
from services.api.auth import TokenIssuer
from services.api.deps import audit_log
from services.api.exposure import guarded, refusal
from services.api.limits import BodyLimits
from services.api.ops import HTTP_LATENCY, HTTP_REQUESTS, ReadinessCheck, build_info
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
from services.api.pages import followups as followups_page
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
    notifications,
    oversight,
    referrals,
    reports,
    sentinels,
    users,
)
from services.api.sessions import TokenVersions
from services.api.web import refuse, session_of
from services.bootstrap import ApiContainer
from services.common.errors import Conflict, FieldError, NotFound
from services.common.networks import parse_networks

log = structlog.get_logger("http")
MAX_BODY_BYTES = 256 * 1024  # a full report is far below this
ROUTERS = (ops_router, auth.router, reports.router, reports.receipts_router, sentinels.sentinels_router,
           sentinels.agencies_router, cases.router, cases.children_router, referrals.desk_router,
           referrals.router, followups.router, followups.case_router, followups.ledger_router,
           oversight.stats_router, oversight.audit_router, notifications.oncall_router,
           notifications.router, login.router, report.router,
           desk.router, board.router, followups_page.router, stats_page.router, oncall_page.router,
           intake.router, intake_case.router, lookup_page.router, users.router, account_requests.router,
           accounts.router, rosters.router, security_page.router, audit.router, assets.router)


def store_check(container: ApiContainer) -> ReadinessCheck:
    def check() -> tuple[str, bool, str]:
        position = container.intake.recorder.max_notification_id()
        container.view.ping()
        return "store", True, f"{container.store}, last notification {position}"

    return check


def field_error_body(exc: FieldError) -> dict[str, object]:
    """FastAPI's own 422 shape, so clients handle one kind of validation error."""
    # A field inside a list (`contacts.1.webhook_url`) gets the path FastAPI would give it.
    path = [int(part) if part.isdigit() else part for part in exc.field.split(".")]
    return {"detail": [{"loc": [exc.where, *path], "msg": exc.message, "type": "value_error"}]}


RETRY_AFTER_SECONDS = 5
# The store cannot be reached (a restart, a failover): nothing half-done was kept, since every
# write is one transaction. The client retries with the same Idempotency-Key.
UNAVAILABLE = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)

UNICODE_MESSAGE = ("contains a character that is not valid text (often half of an emoji cut off); "
                   "remove it and send again")


def validation_errors(errors: Any) -> list[dict[str, Any]]:
    """FastAPI's 422 items without `input` and `ctx`: what was sent is not echoed (or logged)."""
    return [{"loc": list(e.get("loc", ())), "type": e.get("type", "value_error"),
             "msg": UNICODE_MESSAGE if e.get("type") == "string_unicode" else e.get("msg", "")}
            for e in errors]


# Answered without the store, so they keep working while it is away.
WORKER = os.getpid()  # which API worker answered (HOTLINE_API_WORKERS), in each request's log line
WITHOUT_STORE = ("/healthz", "/readyz", "/metrics", "/favicon.ico", "/favicon.svg")


def store_unavailable(request: Request) -> Response:
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if not request.url.path.startswith("/v1/") and "text/html" in request.headers.get("accept", ""):
        response = refuse(request, None, "系统暂时无法访问数据库，请稍候几秒再试；"
                          "已提交成功的报告不受影响。", 503, "暂时无法服务")
        response.headers.update(headers)
        return response
    return JSONResponse({"detail": "The data store is unavailable right now; nothing was stored "
                         "by this request. Retry in a few seconds (with the same Idempotency-Key)."},
                        503, headers=headers)


def page_above(request: Request) -> str:
    """The nearest address above this one that a browser may open (GET), else the home page."""
    parts = request.url.path.rstrip("/").split("/")
    while len(parts) > 1:
        parts.pop()
        path = "/".join(parts) or "/"
        scope = {"type": "http", "path": path, "method": "GET"}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            return path
    return "/"


def add_error_handlers(app: FastAPI) -> None:
    def not_found(request: Request, exc: Exception) -> Response:
        principal = getattr(request.state, "principal", None)
        if principal is not None:  # a refusal in disguise: who looked for what outside their scope
            route = getattr(request.scope.get("route"), "path", "unmatched")
            audit_log(request)(principal, "access.not_found", route, request.url.path)
        return JSONResponse({"detail": str(getattr(exc, "message", exc))}, 404)

    async def conflict(_: Request, exc: Exception) -> Response:
        return JSONResponse({"detail": str(getattr(exc, "message", exc))}, 409)

    async def invalid(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, FieldError)
        return JSONResponse(field_error_body(exc), 422)

    async def request_invalid(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return JSONResponse({"detail": validation_errors(exc.errors())}, 422)

    def unavailable(request: Request, exc: Exception) -> Response:
        log.warning("store unavailable", error=type(exc).__name__, path=request.url.path)
        return store_unavailable(request)

    async def http_error(request: Request, exc: Exception) -> Response:
        """Pages get a page in Chinese; the API keeps FastAPI's JSON."""
        assert isinstance(exc, StarletteHTTPException)
        wants_page = (not request.url.path.startswith("/v1/")
                      and "text/html" in request.headers.get("accept", ""))
        if (exc.status_code == 401 and request.method == "GET"
                and "text/html" in request.headers.get("accept", "")):
            # A download link followed after the page's session ended: log in again, not JSON.
            return RedirectResponse("/login", status_code=303)
        if wants_page and exc.status_code == 405 and request.method == "GET":
            # A form's result reloaded, restored or shared: back to the page the form is on.
            return RedirectResponse(page_above(request), status_code=303)
        if wants_page and exc.status_code in (403, 404):
            session = session_of(request)
            principal = session[1] if session else None
            if exc.status_code == 404:
                return refuse(request, principal, "您要打开的页面不存在，可能是链接有误或已被移除。",
                              404, "页面不存在")
            return refuse(request, principal, "您的账号不能打开此页面。")
        return JSONResponse({"detail": exc.detail}, exc.status_code, headers=exc.headers)

    app.add_exception_handler(StarletteHTTPException, http_error)
    for kind in UNAVAILABLE:
        app.add_exception_handler(kind, unavailable)
    app.add_exception_handler(RequestValidationError, request_invalid)
    app.add_exception_handler(NotFound, not_found)
    app.add_exception_handler(Conflict, conflict)
    app.add_exception_handler(FieldError, invalid)


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
