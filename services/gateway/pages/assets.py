"""The favicon: a small shield, served as SVG under both names browsers ask for."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

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
