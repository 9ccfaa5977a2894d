"""The second factor (contract §10): TOTP codes (RFC 6238: 6 digits, 30 s, SHA-1). Each secret is
sealed under a data key of its own (the key store, as a report's personal data), which
re-enrolment destroys: the old secret, still in older events, no longer opens."""

from __future__ import annotations

import hmac
import time
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from uuid import uuid4

import pyotp
from eventsourcing.persistence import IntegrityError

from services.accounts.application import AccountsApplication
from services.accounts.domain import User
from services.common.auditnote import Actor
from services.common.auditnote import note as audit_note
from services.common.errors import Conflict, NotFound
from services.common.keystore import KeyStore

ISSUER = "未成年人保护热线"
STEP_SECONDS, DIGITS = 30, 6
# The step before and after the current one are accepted too: a phone's clock drifts.
WINDOW = 1


class Check(StrEnum):
    """What became of a login's code."""

    ok = "ok"
    missing = "missing"
    wrong = "wrong"
    replayed = "replayed"  # right, but its step (or a later one) logged in already
    unenrolled = "unenrolled"  # no secret: the account cannot log in until IT enrols it


def normalised(code: str | None) -> str:
    """Digits as typed (fullwidth, with spaces, as some apps show '123 456')."""
    return "".join(unicodedata.normalize("NFKC", code or "").split())


def uri(secret: str, username: str) -> str:
    """The `otpauth://` URI an authenticator app scans (or takes typed)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=username, issuer_name=ISSUER)


class SecondFactor:
    """Enrolment (the server CLI) and the login's check of a code."""

    def __init__(self, accounts: AccountsApplication, keys: KeyStore, roles: frozenset[str],
                 clock: Callable[[], float] = time.time):
        self.accounts = accounts
        self.keys = keys
        self.roles = roles
        self.clock = clock

    def required(self, role: str) -> bool:
        return role in self.roles

    def _user(self, username: str) -> User:
        user = self.accounts.find(username)
        if user is None:
            raise NotFound(f"no user named {username!r}")
        return user

    def enrol(self, username: str, *, reset: bool = False, actor: Actor | None = None) -> str:
        """A new secret for the account; its `otpauth://` URI, to be shown to its owner only."""
        user = self._user(username)
        if user.totp_secret and not reset:
            raise Conflict(f"{username} has a second factor already; --reset replaces it "
                           "(the old one stops working and the account's sessions end)")
        previous = user.totp_key
        owner = f"totp-{uuid4()}"
        key = self.keys.key_for(owner, create=True)
        assert key is not None  # made just now
        secret = pyotp.random_base32()  # 160 bits, as RFC 4226 recommends
        user.enrol_totp(sealed_secret=key.seal(secret), key_owner=owner,
                        by=actor.subject if actor else "system", at=datetime.now(UTC))
        try:
            self.accounts.save(user, *audit_note(
                actor, "account.totp-reset" if reset else "account.totp-enrol", "account", user.username))
        except IntegrityError:
            self.keys.destroy(owner)
            raise Conflict(f"{username} changed meanwhile; run the command again") from None
        if previous:
            self.keys.destroy(previous)  # crypto-shredded: the old secret opens nowhere
        return uri(secret, user.username)

    def _secret(self, user: User) -> str | None:
        sealed, owner = user.totp_secret, user.totp_key
        secret: Any = self.keys.open(owner, sealed) if sealed and owner else None
        return str(secret) if secret else None

    def check(self, username: str, code: str | None) -> Check:
        """Whether the code logs the account in; a code that does is spent (its step recorded,
        one writer wins on a race between two workers)."""
        user = self._user(username)
        secret = self._secret(user)
        if secret is None:
            return Check.unenrolled
        given = normalised(code)
        if not given:
            return Check.missing
        if len(given) != DIGITS or not (given.isascii() and given.isdigit()):
            return Check.wrong
        totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
        now = int(self.clock()) // STEP_SECONDS
        steps = [s for s in range(now - WINDOW, now + WINDOW + 1)
                 if hmac.compare_digest(totp.generate_otp(s).encode(), given.encode())]
        if not steps:
            return Check.wrong
        fresh = [s for s in steps if s > user.totp_step]
        if not fresh:
            return Check.replayed
        user.use_totp(step=max(fresh), at=datetime.now(UTC))
        try:
            self.accounts.save(user)
        except IntegrityError:  # the same account logged in at this moment elsewhere
            return Check.replayed
        return Check.ok
