"""Logins and logouts: throttled failures, audited attempts, every session of an account ended."""

from __future__ import annotations

from fastapi import Request

from services.accounts.domain import AccountDisabled
from services.api import second_factor
from services.api.deps import audit_log
from services.api.guards import client_address
from services.bootstrap import ApiContainer
from services.common.auditnote import Principal
from services.common.throttle import login_limits


def login(request: Request, username: str, password: str, totp: str | None = None) -> str | None:
    """A token for the right password of an enabled account (and the right code, for a role with
    a second factor: else SecondFactorRefused); failures are counted per account and per address
    (429 once either has too many) and recorded on the audit trail."""
    container: ApiContainer = request.app.state.container
    address = client_address(request)
    limits = login_limits(username, address)
    for limit, key in limits:
        container.throttle.check(limit, key)
    try:
        found, disabled = container.accounts.check_login(username, password), False
    except AccountDisabled:  # a failure like a wrong password, counted and audited, then said
        found, disabled = None, True
    if found is None:
        container.throttle.fail(*limits)
        known = container.accounts.find(username) is not None
        # Unauthenticated, so a public actor; a disabled account's right password is its own
        # action, so the trail says why (the auditor's review, stop 50).
        audit_log(request)(Principal(username if known else "unknown", "public"),
                           "auth.login_disabled" if disabled else "auth.login_failed", "account",
                           username if known else None)
        if disabled:
            raise AccountDisabled(username)
        return None
    principal, version = found
    second_factor.require(request, principal, totp)
    audit_log(request)(principal, "auth.login", "account", principal.subject)
    return request.app.state.tokens.issue(principal, version)  # type: ignore[no-any-return]


def logout_here(request: Request, principal: Principal, token: str) -> None:
    """This device's session ends; the account's others stand (a token without a session id, from
    before, ends them all)."""
    found = request.app.state.tokens.session(token)
    if found is None:
        logout(request, principal)
        return
    audit = audit_log(request)
    request.app.state.container.accounts.end_session(principal.subject, *found, actor=audit.actor(principal))


def logout(request: Request, principal: Principal) -> None:
    audit = audit_log(request)
    request.app.state.container.accounts.end_sessions(principal.subject, actor=audit.actor(principal))
