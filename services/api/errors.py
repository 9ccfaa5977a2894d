"""Errors as HTTP, once: domain errors to 404, 409 and 422 (FastAPI's shape), an unreachable
store to 503 with Retry-After, and refusals of pages as pages in Chinese."""

from __future__ import annotations

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

from services.api.auth import session_of
from services.api.deps import audit_log
from services.api.guard import Refused
from services.api.guards import store_unavailable
from services.api.pages.outside import case_named
from services.api.web import refuse
from services.common.errors import Conflict, FieldError, NotFound

log = structlog.get_logger("http")


def field_error_body(exc: FieldError) -> dict[str, object]:
    """FastAPI's own 422 shape, so clients handle one kind of validation error."""
    # A field inside a list (`contacts.1.webhook_url`) gets the path FastAPI would give it.
    path = [int(part) if part.isdigit() else part for part in exc.field.split(".")]
    return {"detail": [{"loc": [exc.where, *path], "msg": exc.message, "type": exc.kind}]}


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


def note_denied(request: Request) -> None:
    """A refusal of the caller's role on the trail (the auditor's review, stop 61), with the route."""
    principal = getattr(request.state, "principal", None)
    if principal is None and (session := session_of(request)) is not None:
        principal = session[1]
    if principal is not None:
        route = getattr(request.scope.get("route"), "path", "unmatched")
        audit_log(request)(principal, "access.denied", route, request.url.path, case_named(request))


def add_error_handlers(app: FastAPI) -> None:
    def not_found(request: Request, exc: Exception) -> Response:
        principal = getattr(request.state, "principal", None)
        if principal is not None:  # a refusal in disguise: who looked for what outside their scope
            route = getattr(request.scope.get("route"), "path", "unmatched")
            audit_log(request)(principal, "access.not_found", route, request.url.path, case_named(request))
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
        if exc.status_code == 403:
            await run_in_threadpool(note_denied, request)
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
    app.add_exception_handler(Refused, lambda _, exc: exc.response)  # type: ignore[attr-defined]
