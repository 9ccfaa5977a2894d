"""Every answer's way out: 503 while the store is away, the guarded pages' refusal, 500 for what
escaped, the security headers, the session's activity stamp, the metrics and one log line."""

from __future__ import annotations

import time
import uuid

import structlog
from fastapi import Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.api.errors import store_unavailable
from services.api.guards import guarded, is_https, refusal
from services.api.ops import HTTP_LATENCY, HTTP_REQUESTS
from services.api.web import ACTIVITY_COOKIE, activity_cookie, renews_activity

log = structlog.get_logger("http")
# Answered without the store, so they keep working while it is away.
WITHOUT_STORE = ("/healthz", "/readyz", "/metrics", "/favicon.ico", "/favicon.svg")
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),  # answers may hold personal data: no browser or proxy keeps a copy
)
HSTS = (b"strict-transport-security", b"max-age=31536000")


class RequestLog:
    """Pure ASGI (#31): Starlette's `BaseHTTPMiddleware` ran each request as a task with streams
    between them, about two thirds of `/healthz`'s CPU (2.7 → 1.0 ms in the embedded process)."""

    def __init__(self, app: ASGIApp, worker: int):
        self.app, self.worker = app, worker

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=uuid.uuid4().hex[:16])
        started, request, status = time.perf_counter(), Request(scope), [0]

        async def answer(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message["headers"] = self._headers(request, list(message.get("headers") or []))
                self._measure(request, status[0], time.perf_counter() - started)
            await send(message)

        watch = getattr(request.app.state, "store_watch", None)
        try:
            if watch is not None and watch.down and request.url.path not in WITHOUT_STORE:
                await store_unavailable(request)(scope, receive, answer)
            elif guarded(request.url.path) and (refused := await run_in_threadpool(refusal, request)):
                await refused(scope, receive, answer)
            else:
                await self.app(scope, receive, answer)
        except Exception:
            log.exception("unhandled error", method=request.method, path=request.url.path)
            if status[0]:
                raise  # the answer has begun: nothing else can be sent
            await JSONResponse({"detail": "Internal error; it has been logged"}, 500)(scope, receive, answer)

    def _headers(self, request: Request, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        """The security headers an answer did not set itself; a page session's activity stamp."""
        present = {name.lower() for name, _ in headers}
        extra = [*SECURITY_HEADERS, *([HSTS] if is_https(request) else [])]
        headers += [(name, value) for name, value in extra if name not in present]
        token = getattr(request.state, "active_session", None)
        if token and renews_activity(request):  # a session the person used, not its page's polling
            stamp = Response()
            stamp.set_cookie(ACTIVITY_COOKIE, activity_cookie(request, token), httponly=True,
                             samesite="strict", secure=is_https(request))
            headers += [h for h in stamp.raw_headers if h[0] == b"set-cookie"]
        return headers

    def _measure(self, request: Request, status: int, elapsed: float) -> None:
        route = getattr(request.scope.get("route"), "path", "unmatched")
        HTTP_REQUESTS.labels(request.method, route, str(status)).inc()
        HTTP_LATENCY.labels(route).observe(elapsed)
        log.info("request", method=request.method, route=route, status=status, worker=self.worker,
                 ms=round(elapsed * 1000, 1))
