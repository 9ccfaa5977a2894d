"""What every request passes around its route: the request log (503 while the store is away, 500
for what escaped, security headers, the session's activity stamp, metrics, one log line); who the
client is and whether it came over HTTPS (forwarded headers only from HOTLINE_TRUSTED_PROXIES);
the pages that describe the system (`/metrics` for HOTLINE_METRICS_ALLOWED_NETWORKS, loopback by
default, or an admin's or security's bearer; `/docs`, `/openapi.json` for any signed-in account);
bodies at most a fixed size however sent, and JSON that is valid UTF-8."""

from __future__ import annotations

import ipaddress
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import structlog
from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.api.auth import ACTIVITY_COOKIE, activity_cookie, renews_activity, session_of
from services.api.ops import HTTP_LATENCY, HTTP_REQUESTS
from services.api.web import refuse
from services.common.auditnote import Principal
from services.common.networks import Network

METRICS_PATH = "/metrics"
DOCS_PATHS = frozenset({"/docs", "/openapi.json"})
METRICS_ROLES = frozenset({"admin", "security"})
RETRY_AFTER_SECONDS = 5
log = structlog.get_logger("http")


def guarded(path: str) -> bool:
    return path == METRICS_PATH or path in DOCS_PATHS


def _caller(request: Request) -> Principal | None:
    """A bearer token's account, else the page session's."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token:
        return request.app.state.tokens.verify(token)  # type: ignore[no-any-return]
    session = session_of(request)
    return session[1] if session else None


def _from_allowed_network(request: Request) -> bool:
    networks: tuple[Network, ...] = getattr(request.app.state, "metrics_networks", ())
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return False
    return any(address in network for network in networks)


def refusal(request: Request) -> Response | None:
    """None when the caller may read this guarded path; otherwise the answer that says no."""
    if request.url.path == METRICS_PATH:
        if _from_allowed_network(request):
            return None
        caller = _caller(request)
        if caller is not None and caller.role in METRICS_ROLES:
            return None
        return Response("Forbidden: /metrics answers the monitoring network or an admin's token\n",
                        status_code=403, media_type="text/plain")
    if _caller(request) is not None:
        return None
    if request.url.path == "/docs" and "text/html" in request.headers.get("accept", ""):
        return RedirectResponse("/login", status_code=303)
    return JSONResponse({"detail": "Not authenticated: send a valid bearer token from POST /v1/auth/token"},
                        401, headers={"WWW-Authenticate": "Bearer"})


async def _answer(send: Any, status: int, body: dict[str, Any]) -> None:
    payload = json.dumps(body, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})


class BodyLimits:
    """ASGI middleware: reads the body (at most `max_bytes`, with or without Content-Length)
    before the app sees it; too large → 413, JSON that is not UTF-8 → 422 naming the body."""

    def __init__(self, app: Any, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        too_large = {"detail": f"Request body larger than {self.max_bytes} bytes"}
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await _answer(send, 413, too_large)
            return
        chunks, size, more = [], 0, True
        while more:
            message: Message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _answer(send, 413, too_large)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if body and b"json" in headers.get(b"content-type", b""):
            try:
                body.decode("utf-8")
            except UnicodeDecodeError as exc:
                await _answer(send, 422, {"detail": [{
                    "loc": ["body"], "type": "value_error",
                    "msg": f"the body is not valid UTF-8 (byte {exc.start}); send UTF-8 JSON"}]})
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # type: ignore[no-any-return]

        await self.app(scope, replay, send)


@dataclass(frozen=True)
class Proxies:
    trusted: tuple[Network, ...] = ()

    def _is_trusted(self, host: str | None) -> bool:
        try:
            address = ipaddress.ip_address(host or "")
        except ValueError:
            return False
        return any(address in net for net in self.trusted)

    def client(self, request: Any) -> str:
        """The nearest address not ours: walk X-Forwarded-For from the right past trusted hops."""
        peer = request.client.host if request.client else "unknown"
        if not self._is_trusted(peer):
            return peer  # type: ignore[no-any-return]
        hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
        for hop in reversed(hops):
            if not self._is_trusted(hop):
                return hop
        return hops[0] if hops else peer  # type: ignore[no-any-return]

    def https(self, request: Any) -> bool:
        peer = request.client.host if request.client else None
        proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
        if proto and self._is_trusted(peer):
            return proto == "https"
        return bool(request.url.scheme == "https")


def proxies_of(request: Any) -> Proxies:
    return getattr(request.app.state, "proxies", Proxies())  # type: ignore[no-any-return]


def client_address(request: Any) -> str:
    return proxies_of(request).client(request)


def is_https(request: Any) -> bool:
    return proxies_of(request).https(request)


# Answered without the store, so they keep working while it is away.
WITHOUT_STORE = ("/healthz", "/readyz", "/metrics", "/favicon.ico", "/favicon.svg")
# Answers may hold personal data: no browser or proxy keeps a copy (no-store).
SECURITY_HEADERS = ((b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer"), (b"cache-control", b"no-store"))
HSTS = (b"strict-transport-security", b"max-age=31536000")


def store_unavailable(request: Request) -> Response:
    """503 with Retry-After: a page in Chinese for a browser, else JSON."""
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if not request.url.path.startswith("/v1/") and "text/html" in request.headers.get("accept", ""):
        response = refuse(request, None, "系统暂时无法访问数据库，请稍候几秒再试；"
                          "已提交成功的报告不受影响。", 503, "暂时无法服务")
        response.headers.update(headers)
        return response
    return JSONResponse({"detail": "The data store is unavailable right now; nothing was stored "
                         "by this request. Retry in a few seconds (with the same Idempotency-Key)."},
                        503, headers=headers)


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
