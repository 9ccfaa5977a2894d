"""Static assets: the favicon (a small shield, as SVG under both names browsers ask for) and the
vendored chart library, checked against its pinned digest before it is served."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from fastapi import APIRouter
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


ECHARTS = Path(__file__).parents[2] / "common" / "web" / "static" / "echarts" / "echarts.common.min.js"
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
