"""Idle page sessions (contract §10): the page session's last activity, kept in a cookie signed
for its token and renewed by what the person does, so a session nobody uses ends after
HOTLINE_SESSION_IDLE_MINUTES even while its page keeps a stream open."""

from __future__ import annotations

import hashlib
import hmac
import time

import jwt
from fastapi import Request

ACTIVITY_COOKIE = "hotline_active"
# Requests a page makes by itself (the desk's stream and polling, the board's refresh): they are
# not the person's activity and keep no session alive.
BACKGROUND_PATHS = frozenset({"/desk/events", "/desk/inbox", "/board/cases"})
# Sent by a page's script on the requests it makes by itself (the offline form's retries).
BACKGROUND_HEADER = "x-hotline-background"
IDLE_MESSAGE = "长时间未操作，请重新登录。"


def wall_clock(request: Request) -> float:
    """Seconds since the epoch; the app's `wall_clock` seam lets tests move time."""
    return float(getattr(request.app.state, "wall_clock", time.time)())


def _activity_mac(request: Request, token: str, at: int) -> str:
    key = request.app.state.csrf_key
    return hmac.new(key, f"active\x1f{token}\x1f{at}".encode(), hashlib.sha256).hexdigest()


def activity_cookie(request: Request, token: str) -> str:
    """The activity cookie's value for this session, stamped now."""
    at = int(wall_clock(request))
    return f"{at}.{_activity_mac(request, token, at)}"


def last_activity(request: Request, token: str) -> float:
    """When the person last did something in this session: the activity cookie when it is this
    session's, else the login itself (the token's issue time)."""
    at, _, mac = request.cookies.get(ACTIVITY_COOKIE, "").partition(".")
    if at.isdigit() and hmac.compare_digest(_activity_mac(request, token, int(at)), mac):
        return float(at)
    try:
        return float(jwt.decode(token, options={"verify_signature": False}).get("iat", 0))
    except jwt.PyJWTError:
        return 0.0


def is_idle(request: Request, token: str) -> bool:
    limit = getattr(request.app.state, "idle_seconds", None)
    return limit is not None and wall_clock(request) - last_activity(request, token) > limit


def renews_activity(request: Request) -> bool:
    """A page the person opened or a change they made; not a background read of the API."""
    path = request.url.path
    return (path not in BACKGROUND_PATHS and BACKGROUND_HEADER not in request.headers
            and (not path.startswith("/v1/") or request.method != "GET"))
