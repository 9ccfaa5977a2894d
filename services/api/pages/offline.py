"""The files that make /report work offline (contract §13): the service worker, at the root so
its scope may be the whole site (a link it cannot fetch offline gets its small page), and the
form's own files (scripts, web app manifest, icons, that offline page)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

from services.common.errors import NotFound

router = APIRouter(tags=["pages"], include_in_schema=False)

FILES = Path(__file__).parents[1] / "static" / "report"
MEDIA_TYPES = {
    "offline.js": "text/javascript; charset=utf-8",
    "checks.js": "text/javascript; charset=utf-8",
    "queue.js": "text/javascript; charset=utf-8",
    "home.js": "text/javascript; charset=utf-8",
    "routes.js": "text/javascript; charset=utf-8",
    "draft.js": "text/javascript; charset=utf-8",
    "offline-page.js": "text/javascript; charset=utf-8",
    "offline.html": "text/html; charset=utf-8",
    "manifest.webmanifest": "application/manifest+json; charset=utf-8",
    "icon.svg": "image/svg+xml",
    "icon-192.png": "image/png",
    "icon-512.png": "image/png",
}
# Asked again each time (the service worker keeps the copies the form needs offline), so a new
# release's files reach the phones at their next visit with a network.
REVALIDATE = "no-cache"
# The offline page is a file (no nonce to give): its one script is a file of this site.
STATIC_PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                   "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


@cache
def _read(name: str) -> bytes:
    return (FILES / name).read_bytes()


@router.api_route("/report-sw.js", methods=["GET", "HEAD"])
def service_worker() -> Response:
    """Also a HEAD: the form asks it before sending, to see whether the server can be reached."""
    return Response(_read("sw.js"), media_type="text/javascript; charset=utf-8",
                    headers={"Cache-Control": REVALIDATE, "Service-Worker-Allowed": "/"})


@router.get("/static/report/{name}")
def report_file(name: str) -> Response:
    if name not in MEDIA_TYPES:
        raise NotFound("No such file")
    headers = {"Cache-Control": REVALIDATE}
    if name.endswith(".html"):
        headers["Content-Security-Policy"] = STATIC_PAGE_CSP
    return Response(_read(name), media_type=MEDIA_TYPES[name], headers=headers)
