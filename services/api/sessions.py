"""Logins and the tokens they give: throttled failures, audited attempts, revocable sessions."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from fastapi import Request

from services.accounts.application import AccountsApplication
from services.api import second_factor
from services.api.deps import audit_log
from services.api.guards import client_address
from services.bootstrap import ApiContainer
from services.common.principal import Principal
from services.common.throttle import LOGIN_PER_ACCOUNT, LOGIN_PER_ADDRESS


class TokenVersions:
    """Each account's current token version, read again at most every `ttl` seconds per
    process: a logout, password change or disable takes effect everywhere within a second."""

    def __init__(self, accounts: AccountsApplication, ttl: float = 0.5,
                 clock: Callable[[], float] = time.monotonic):
        self.accounts = accounts
        self.ttl = ttl
        self.clock = clock
        self._seen: dict[str, tuple[float, int | None]] = {}
        self._lock = threading.Lock()

    def is_current(self, subject: str, version: int) -> bool:
        now = self.clock()
        with self._lock:
            seen = self._seen.get(subject)
        if seen is None or now - seen[0] > self.ttl:
            seen = (now, self.accounts.token_version(subject))
            with self._lock:
                self._seen[subject] = seen
        return seen[1] is not None and seen[1] == version


def login(request: Request, username: str, password: str, totp: str | None = None) -> str | None:
    """A token for the right password of an enabled account (and the right code, for a role with
    a second factor: else SecondFactorRefused); failures are counted per account and per address
    (429 once either has too many) and recorded on the audit trail."""
    container: ApiContainer = request.app.state.container
    address = client_address(request)
    container.throttle.check(LOGIN_PER_ADDRESS, address)
    container.throttle.check(LOGIN_PER_ACCOUNT, username)
    found = container.accounts.check_login(username, password)
    if found is None:
        container.throttle.fail((LOGIN_PER_ADDRESS, address), (LOGIN_PER_ACCOUNT, username))
        known = container.accounts.find(username) is not None
        audit_log(request)(Principal(username if known else "unknown", "public"),
                           "auth.login_failed", "account", username if known else None)
        return None
    principal, version = found
    second_factor.require(request, principal, totp)
    audit_log(request)(principal, "auth.login", "account", principal.subject)
    return request.app.state.tokens.issue(principal, version)  # type: ignore[no-any-return]


def logout(request: Request, principal: Principal) -> None:
    audit = audit_log(request)
    request.app.state.container.accounts.end_sessions(principal.subject, actor=audit.actor(principal))
