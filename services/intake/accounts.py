"""User accounts: staff of the hotline, mandated reporters, agency desks, supervisors."""

from __future__ import annotations

import re
from uuid import NAMESPACE_URL, UUID, uuid5

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError

from services.common.auth import ROLES, Principal

USER_NS = uuid5(NAMESPACE_URL, "urn:hotline:user")
_USERNAME = re.compile(r"^[a-zA-Z0-9_.\-]{3,64}$")


class AccountError(ValueError):
    """A user cannot be created as asked."""


class User(Aggregate):
    @event("Registered")
    def __init__(
        self,
        id: UUID,  # noqa: A002
        *,
        username: str,
        password_hash: str,
        role: str,
        agency_id: str | None,
        sentinel_id: str | None,
    ):
        self.username = username
        self.password_hash = password_hash
        self.role = role
        self.agency_id = agency_id
        self.sentinel_id = sentinel_id

    @event("PasswordChanged")
    def change_password(self, password_hash: str) -> None:
        self.password_hash = password_hash

    def principal(self) -> Principal:
        return Principal(self.username, self.role, self.agency_id, self.sentinel_id)


def user_id_for(username: str) -> UUID:
    return uuid5(USER_NS, username.lower())


class AccountsApplication(Application[UUID]):
    """Registers users and checks passwords (argon2id)."""

    name = "accounts"

    def __init__(  # type: ignore[no-untyped-def]
        self,
        env=None,
        *,
        known_agencies: set[str] | None = None,
        password_hasher: PasswordHasher | None = None,
    ):
        super().__init__(env)
        self.hasher = password_hasher or PasswordHasher()
        self.known_agencies = known_agencies
        # Verifying against a dummy hash keeps unknown usernames as slow as wrong passwords.
        self._dummy_hash = self.hasher.hash("not-a-real-password")

    def add_user(
        self,
        username: str,
        password: str,
        role: str,
        agency_id: str | None = None,
        sentinel_id: str | None = None,
    ) -> Principal:
        if not _USERNAME.match(username):
            raise AccountError("username: 3-64 letters, digits, '.', '_' or '-'")
        if len(password) < 8:
            raise AccountError("password: at least 8 characters")
        if role not in ROLES:
            raise AccountError(f"role must be one of {', '.join(ROLES)}")
        if role == "desk" and not agency_id:
            raise AccountError("a desk user needs --agency (the agency unit they work for)")
        if agency_id and self.known_agencies is not None and agency_id not in self.known_agencies:
            raise AccountError(f"unknown agency {agency_id!r}; see `hotline agencies list`")
        if sentinel_id and role != "reporter":
            raise AccountError("only a reporter can be bound to a sentinel point")
        user = User(
            id=user_id_for(username),
            username=username,
            password_hash=self.hasher.hash(password),
            role=role,
            agency_id=agency_id,
            sentinel_id=sentinel_id,
        )
        try:
            self.save(user)
        except IntegrityError:
            raise AccountError(f"user {username!r} exists already") from None
        return user.principal()

    def find(self, username: str) -> User | None:
        try:
            return self.repository.get(user_id_for(username))
        except AggregateNotFoundError:
            return None

    def authenticate(self, username: str, password: str) -> Principal | None:
        user = self.find(username) if _USERNAME.match(username or "") else None
        try:
            self.hasher.verify(user.password_hash if user else self._dummy_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        return user.principal() if user else None
