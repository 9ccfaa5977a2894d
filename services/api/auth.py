"""Who is calling: bearer tokens and their current versions; the pages' session cookie, which opens
the API only with its CSRF token and ends when idle (contract §10: the session's last activity is
kept in a cookie signed for its token and renewed by what the person does, so a session nobody
uses ends after HOTLINE_SESSION_IDLE_MINUTES even while its page keeps a stream open); the calling
principal and the role checks shared by every router."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any

import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer

from services.common.auditnote import Principal
from services.common.vocabulary import ROLES

if TYPE_CHECKING:
    from services.accounts.application import AccountsApplication

ISSUER = "hotline"
SESSION_COOKIE = "hotline_session"
CSRF_HEADER = "X-CSRF-Token"

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/v1/auth/token", auto_error=False)


class TokenIssuer:
    """HS256 tokens carrying role and scope; expiry and signature checked on every use."""

    def __init__(self, key_b64: str, ttl_seconds: int,
                 is_current: Callable[[str, int, str], bool] = lambda subject, version, session: True):
        self._key = base64.b64decode(key_b64)
        self.ttl_seconds = ttl_seconds
        # Whether a token of this version still stands (not logged out, disabled or re-passworded).
        self.is_current = is_current

    def issue(self, principal: Principal, version: int = 0) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "sub": principal.subject,
            "role": principal.role,
            "ver": version,
            "iat": now,
            "exp": now + self.ttl_seconds,
            "sid": secrets.token_hex(8),  # this session, ended alone by a logout on its device
        }
        if principal.agency_id:
            claims["agency_id"] = principal.agency_id
        if principal.sentinel_id:
            claims["sentinel_id"] = principal.sentinel_id
        if principal.region:
            # An account's region is fixed when it is made: a token from before regions existed
            # belongs to an account without one, and reads everywhere as that account does.
            claims["region"] = principal.region
        return jwt.encode(claims, self._key, algorithm="HS256")

    def session(self, token: str) -> tuple[str, float] | None:
        """A valid token's session id and expiry (a logout on its device ends that session)."""
        try:
            claims = jwt.decode(token, self._key, algorithms=["HS256"], issuer=ISSUER)
        except jwt.PyJWTError:
            return None
        return (str(claims["sid"]), float(claims["exp"])) if claims.get("sid") else None

    def verify(self, token: str) -> Principal | None:
        try:
            claims = jwt.decode(
                token, self._key, algorithms=["HS256"], issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "iss"]},
            )
        except jwt.PyJWTError:
            return None
        if claims.get("role") not in ROLES or not isinstance(claims.get("ver"), int):
            return None
        if not self.is_current(claims["sub"], claims["ver"], str(claims.get("sid", ""))):
            return None
        return Principal(
            subject=claims["sub"],
            role=claims["role"],
            agency_id=claims.get("agency_id"),
            sentinel_id=claims.get("sentinel_id"),
            region=claims.get("region"),
        )


class TokenVersions:
    """Each account's current token version and its sessions ended one by one, read again at most
    every `ttl` seconds per process: a logout, password change or disable takes effect everywhere
    within a second."""

    def __init__(self, accounts: AccountsApplication, ttl: float = 0.5,
                 clock: Callable[[], float] = time.monotonic):
        self.accounts = accounts
        self.ttl = ttl
        self.clock = clock
        self._seen: dict[str, tuple[float, tuple[int, frozenset[str]] | None]] = {}
        self._lock = threading.Lock()

    def is_current(self, subject: str, version: int, session: str = "") -> bool:
        now = self.clock()
        with self._lock:
            seen = self._seen.get(subject)
        # A version newer than the one read is a login since: read again at once, or a logout
        # followed by a login within the ttl would refuse the new session's own token.
        if seen is None or now - seen[0] > self.ttl or (seen[1] is not None and version > seen[1][0]):
            seen = (now, self.accounts.session_state(subject))
            with self._lock:
                self._seen[subject] = seen
        state = seen[1]
        return state is not None and state[0] == version and session not in state[1]


def _unauthorized() -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="Not authenticated: send a valid bearer token from POST /v1/auth/token",
        headers={"WWW-Authenticate": "Bearer"},
    )


def _session_token(request: Request) -> str | None:
    """The pages' session cookie also opens the API, for the consoles' own calls, but only with
    the session's CSRF token in a header (which another site's form or script cannot send)."""
    session = request.cookies.get(SESSION_COOKIE)
    if session and check_csrf(request, session, request.headers.get(CSRF_HEADER)):
        if is_idle(request, session):  # the page's session has ended; its cookie opens nothing
            return None
        request.state.active_session = session
        return session
    return None


def current_principal(
    request: Request, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> Principal:
    token = token or _session_token(request)
    if not token:
        raise _unauthorized()
    principal = request.app.state.tokens.verify(token)
    if principal is None:
        raise _unauthorized()
    request.state.principal = principal  # for the audit of refusals (out-of-scope 404s)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def role_check(principal: Principal, roles: tuple[str, ...]) -> Principal:
    """The caller, if it holds one of these roles; 403 otherwise."""
    if principal.role not in roles:
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN,
            detail=f"Role '{principal.role}' may not do this; allowed: {', '.join(roles)}",
        )
    return principal


def require_roles(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    """Dependency: the caller must hold one of these roles, or gets 403 (async: no thread)."""

    async def check(principal: CurrentPrincipal) -> Principal:
        return role_check(principal, roles)

    return check


def csrf_for(request: Request, session: str) -> str:
    key = request.app.state.csrf_key
    return hmac.new(key, f"csrf\x1f{session}".encode(), hashlib.sha256).hexdigest()


def check_csrf(request: Request, session: str, submitted: Any) -> bool:
    return hmac.compare_digest(csrf_for(request, session), str(submitted or ""))


def session_of(request: Request) -> tuple[str, Principal] | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    principal = request.app.state.tokens.verify(token)
    if principal is None:
        return None
    if is_idle(request, token):
        request.state.idle = True
        return None
    request.state.active_session = token  # renewed on the way out (api/http.py)
    return token, principal


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
