"""Static assets: the favicon (a small shield, as SVG under both names browsers ask for), the
vendored chart library and Swagger UI, each checked against its pinned digest before it is
served, and the API docs page (`/docs`) drawn from them, so it works with no outside network."""

from __future__ import annotations

import hashlib
import secrets
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import Response

from services.common.errors import NotFound

router = APIRouter(tags=["pages"], include_in_schema=False)

FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
    '<path d="M32 3 8 12v18c0 15 10 26 24 31 14-5 24-16 24-31V12z" fill="#12365f"/>'
    '<circle cx="32" cy="24" r="7" fill="#fff"/>'
    '<path d="M19 46c2-9 7-13 13-13s11 4 13 13z" fill="#fff"/></svg>'
)


@router.get("/favicon.svg")
@router.get("/favicon.ico")
def favicon() -> Response:
    return Response(FAVICON, media_type="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=86400"})


STATIC = Path(__file__).parents[1] / "static"
ECHARTS = STATIC / "echarts" / "echarts.common.min.js"
ECHARTS_SHA256 = "61f13280aba3161f77fc801bf5f9c786f55f10432153a0683fc5cc0700b013d5"


@cache
def echarts() -> bytes:
    source = ECHARTS.read_bytes()
    if hashlib.sha256(source).hexdigest() != ECHARTS_SHA256:
        raise RuntimeError(f"{ECHARTS} is not the vendored ECharts 6.1.0 (see its README.md)")
    return source


@router.get("/static/echarts/{name}")
def static_echarts(name: str) -> Response:
    if name != ECHARTS.name:
        raise NotFound("No such file")
    return Response(echarts(), media_type="text/javascript; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=604800, immutable"})


# Swagger UI 5.35.0 (see static/swagger-ui/README.md): the files /docs needs, and their digests.
SWAGGER_UI = {
    "swagger-ui-bundle.js": ("e6a898692f2d768e807c3ba4626068a69a2c5dd960dd6c76f3e4d3a3de180af2",
                             "text/javascript; charset=utf-8"),
    "swagger-ui.css": ("5ed08757e53da3e026d6cbecc61fe5d43585c9560b302d534ad56692519a273d",
                       "text/css; charset=utf-8"),
}


@cache
def swagger_ui(name: str) -> bytes:
    source = (STATIC / "swagger-ui" / name).read_bytes()
    if hashlib.sha256(source).hexdigest() != SWAGGER_UI[name][0]:
        raise RuntimeError(f"{name} is not the vendored Swagger UI 5.35.0 (see its README.md)")
    return source


@router.get("/static/swagger-ui/{name}")
def static_swagger_ui(name: str) -> Response:
    if name not in SWAGGER_UI:
        raise NotFound("No such file")
    return Response(swagger_ui(name), media_type=SWAGGER_UI[name][1],
                    headers={"Cache-Control": "public, max-age=604800, immutable"})


@router.get("/docs")
def api_docs(request: Request) -> Response:
    """Swagger UI from the application's own copy, under a CSP that lets nothing else in."""
    nonce = secrets.token_urlsafe(16)
    page = get_swagger_ui_html(
        openapi_url=request.app.openapi_url or "/openapi.json", title=f"{request.app.title} — docs",
        swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url="/static/swagger-ui/swagger-ui.css", swagger_favicon_url="/favicon.svg",
        swagger_ui_parameters={"validatorUrl": None})  # no badge fetched from the validator's site
    html = bytes(page.body).decode().replace("<script", f'<script nonce="{nonce}"')
    return Response(html, media_type="text/html; charset=utf-8", headers={
        "Content-Security-Policy": f"default-src 'self'; script-src 'nonce-{nonce}'; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"})
