"""What the API checks of a request before any route. Who the client is and whether it came over
HTTPS: forwarded headers count only when they come from a proxy listed in HOTLINE_TRUSTED_PROXIES
(default: none). Pages that describe the system rather than serve its users: `/metrics` answers
the networks in HOTLINE_METRICS_ALLOWED_NETWORKS (the scraper; loopback by default) or a bearer of
an admin or security account; the API's docs (`/docs`, `/openapi.json`; there is no `/redoc`) any
signed-in account. Request bodies: at most a fixed size however they are sent, and JSON that is
valid UTF-8."""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from services.api.web import session_of
from services.common.networks import Network
from services.common.principal import Principal

METRICS_PATH = "/metrics"
DOCS_PATHS = frozenset({"/docs", "/openapi.json"})
METRICS_ROLES = frozenset({"admin", "security"})


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


Scope = dict[str, Any]
Message = dict[str, Any]


async def _answer(send: Any, status: int, body: dict[str, Any]) -> None:
    payload = json.dumps(body, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})


class BodyLimits:
    """ASGI middleware: reads the body (at most `max_bytes`, with or without Content-Length)
    before the app sees it; too large → 413, JSON that is not UTF-8 → 422 naming the body."""

    def __init__(self, app: Any, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

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
        if self._is_trusted(peer):
            proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
            if proto:
                return proto == "https"
        return bool(request.url.scheme == "https")


def proxies_of(request: Any) -> Proxies:
    return getattr(request.app.state, "proxies", Proxies())  # type: ignore[no-any-return]


def client_address(request: Any) -> str:
    return proxies_of(request).client(request)


def is_https(request: Any) -> bool:
    return proxies_of(request).https(request)
