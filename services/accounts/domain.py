"""Accounts aggregates: users of every role, sentinel points and their registry."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.common.auditnote import Principal

USER_NS = uuid5(NAMESPACE_URL, "urn:hotline:user")
USERNAME = re.compile(r"^[a-zA-Z0-9_.\-]{3,64}$")
EARLIER_KEPT = 4  # with the current one, 5


class AccountDisabled(Exception):
    """The right password of an account an admin disabled: refused, and the page says why."""


class User(Aggregate):
    # Class defaults, so that an account saved before each came reads as having none: sessions
    # ended one by one (token's session id, expiry); a password someone else issued, which its
    # owner replaces at the next page login (stop 60), and by whom; who stopped it, when, and the
    # last passwords before this one, not taken again (stop 61).
    ended_sessions: tuple[tuple[str, float], ...] = ()
    must_change_password: bool = False
    password_issued_by: str | None = None
    disabled_by: str | None = None
    disabled_at: datetime | None = None
    earlier_hashes: tuple[str, ...] = ()

    class Registered(Aggregate.Created):
        """An account; version 2 carries an operator's hotline line, version 3 a supervisor's or
        auditor's region (contract §12)."""

        class_version = 3
        username: str
        password_hash: str
        role: str
        agency_id: str | None
        sentinel_id: str | None
        channel: str | None
        region: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Registered before operators had a line of their own (or since, before the class
            # had a version: those carry it already).
            state.setdefault("channel", None)

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            # Registered before jurisdictions nested: every account saw everywhere.
            state.setdefault("region", None)

    @event(Registered)
    def __init__(
        self,
        id: UUID,  # noqa: A002
        *,
        username: str,
        password_hash: str,
        role: str,
        agency_id: str | None,
        sentinel_id: str | None,
        channel: str | None = None,
        region: str | None = None,
    ):
        self.username = username
        self.password_hash = password_hash
        self.role = role
        self.agency_id = agency_id
        self.sentinel_id = sentinel_id
        self.channel = channel  # an operator's hotline line (hotline_12345, …): the console's preset
        self.region = region  # a supervisor's or auditor's code prefix (2, 4 or 6 digits); None: all
        self.disabled = False
        self.token_version = 0  # tokens carry the one they were issued under; a change ends each
        # The second factor, once enrolled (services/accounts/totp.py).
        self.totp_secret: str | None = None
        self.totp_key: str | None = None
        self.totp_step = 0

    @event("BoundToSentinel")
    def bind_sentinel(self, sentinel_id: str) -> None:
        self.sentinel_id = sentinel_id
        # Tokens carry the binding: the next one must be issued under it.
        self.token_version += 1

    @event("UnboundFromSentinel")
    def unbind_sentinel(self, *, sentinel_id: str, at: datetime) -> None:
        """The sentinel point was deactivated or handed to another first reporter."""
        self.sentinel_id = None
        self.token_version += 1

    def disable(self, *, by: str, at: datetime) -> bool:
        """Refuse the account's logins and tokens. True if this call changed anything."""
        if self.disabled:
            return False
        self._disabled(by=by, at=at)
        return True

    @event("Disabled")
    def _disabled(self, *, by: str, at: datetime) -> None:
        self.disabled = True
        self.token_version += 1
        self.disabled_by, self.disabled_at = by, at

    def enable(self, *, by: str, at: datetime) -> bool:
        if not self.disabled:
            return False
        self._enabled(by=by, at=at)
        return True

    @event("Enabled")
    def _enabled(self, *, by: str, at: datetime) -> None:
        self.disabled = False
        self.disabled_by, self.disabled_at = None, None

    @event("PasswordChanged")
    def change_password(self, *, password_hash: str, by: str, at: datetime) -> None:
        """A new password; tokens issued before it are refused."""
        self.earlier_hashes = (*self.earlier_hashes, self.password_hash)[-EARLIER_KEPT:]
        self.password_hash = password_hash
        self.token_version += 1
        self.must_change_password = False

    def issue_password(self, *, password_hash: str, by: str, at: datetime) -> None:
        """A password `by` made for the owner (a reset): it works once, to choose her own."""
        self.change_password(password_hash=password_hash, by=by, at=at)
        self.require_password_change(by=by, at=at)

    @event("PasswordToChange")
    def require_password_change(self, *, by: str, at: datetime) -> None:
        """The password was issued by `by`, who knows it: its owner replaces it before any page."""
        self.must_change_password = True
        self.password_issued_by = by

    @event("SessionsEnded")
    def end_sessions(self, *, at: datetime) -> None:
        """Logout: every token issued so far is refused."""
        self.token_version += 1

    @event("SessionEnded")
    def end_session(self, *, session: str, until: float, at: datetime) -> None:
        """Logout on one device: that token is refused until it would have expired anyway (stop
        58's child director: 退出 on her phone ended the office PC's inbox, its red alerts too).
        Ended sessions past their expiry are forgotten."""
        now = at.timestamp()
        self.ended_sessions = (*((s, u) for s, u in self.ended_sessions if u > now), (session, until))

    class TotpEnrolled(Aggregate.Event):
        """Version 2 names the data key the secret is sealed under (a new one per enrolment)."""

        class_version = 2
        sealed_secret: str
        key_owner: str
        by: str
        at: datetime

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # The first release sealed every enrolment under the account's own key. (Version 1 is
            # also every enrolment since, until the class had a version: those name their key.)
            state.setdefault("key_owner", f"totp-{state['originator_id']}")

    @event(TotpEnrolled)
    def enrol_totp(self, *, sealed_secret: str, key_owner: str, by: str, at: datetime) -> None:
        """A new second-factor secret, sealed under a data key of its own (services/accounts/
        totp.py); sessions end, so a lost phone's replacement shuts out its finder."""
        self.totp_secret = sealed_secret
        self.totp_key = key_owner
        self.totp_step = 0
        self.token_version += 1

    @event("TotpUsed")
    def use_totp(self, *, step: int, at: datetime) -> None:
        """A code of this time step logged in: it and every earlier one are refused from now on."""
        self.totp_step = step

    def principal(self) -> Principal:
        return Principal(self.username, self.role, self.agency_id, self.sentinel_id, self.region)

    def public(self) -> dict[str, object]:
        return {"username": self.username, "role": self.role, "agency_id": self.agency_id,
                "sentinel_id": self.sentinel_id, "channel": self.channel,
                "region": self.region, "disabled": self.disabled}


def user_id_for(username: str) -> UUID:
    return uuid5(USER_NS, username.lower())


SENTINEL_NS = uuid5(NAMESPACE_URL, "urn:hotline:sentinel")


def sentinel_id_for(region_code: str, name: str) -> UUID:
    """One sentinel point per name within a region: registering it twice is refused."""
    return uuid5(SENTINEL_NS, f"{region_code}\x1f{name}")


class Sentinel(Aggregate):
    """A monitoring post (监测哨点) with its designated first reporter (第一报告人)."""

    @event("Registered")
    def __init__(
        self,
        id: UUID,  # noqa: A002
        *,
        name: str,
        kind: str,
        region_code: str,
        first_reporter: str,
    ):
        self.name = name
        self.kind = kind
        self.region_code = region_code
        self.first_reporter = first_reporter
        self.active = True

    @event("FirstReporterChanged")
    def change_first_reporter(self, *, first_reporter: str, previous: str, by: str, at: datetime) -> None:
        self.first_reporter = first_reporter

    @event("Deactivated")
    def deactivate(self, *, reason: str, by: str, at: datetime) -> None:
        """Closed: its reporters can no longer report in its name; its history stays."""
        self.active = False

    def public(self) -> dict[str, str | bool]:
        return {"sentinel_id": str(self.id), "name": self.name, "kind": self.kind,
                "region_code": self.region_code, "first_reporter": self.first_reporter,
                "active": self.active}


REGISTRY_ID = uuid5(SENTINEL_NS, "registry")


class SentinelRegistry(Aggregate):
    """The list of sentinel points, so they can be listed without a query store."""

    @event("Started")
    def __init__(self, id: UUID):  # noqa: A002
        self.sentinel_ids: list[str] = []

    @event("SentinelAdded")
    def add(self, sentinel_id: str) -> None:
        self.sentinel_ids.append(sentinel_id)
