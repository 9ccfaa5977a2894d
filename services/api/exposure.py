"""Pages that describe the system rather than serve its users: `/metrics` answers the networks in
HOTLINE_METRICS_ALLOWED_NETWORKS (the scraper; loopback by default) or a bearer of an admin or
security account; the API's docs (`/docs`, `/openapi.json`; there is no `/redoc`) any signed-in account."""

from __future__ import annotations

import ipaddress

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from services.api.proxies import client_address
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
