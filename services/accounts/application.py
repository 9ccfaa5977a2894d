"""User accounts: staff of the hotline, mandated reporters, agency desks, supervisors."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from services.accounts.approvals import DualControl
from services.accounts.domain import (
    USERNAME,
    AccountDisabled,
    User,
    user_id_for,
)
from services.accounts.passwords import weakness
from services.accounts.regions import clean_region
from services.accounts.requests import AccountRequest, held
from services.accounts.sentinel_points import SentinelPoints
from services.common import store
from services.common.auditnote import Actor, Principal
from services.common.auditnote import note as audit_note
from services.common.errors import Conflict, FieldError, NotFound


class AccountsApplication(SentinelPoints, DualControl):
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

    @staticmethod
    def check_password(password: str) -> None:
        """A password a person chose (the CLI) or the system made: weak ones are refused."""
        if problem := weakness(password):
            raise FieldError("password", problem)

    def add_user(
        self,
        username: str,
        password: str,
        role: str,
        agency_id: str | None = None,
        sentinel_id: str | None = None,
        *,
        channel: str | None = None,
        region: str | None = None,
        actor: Actor | None = None,
        hasher: PasswordHasher | None = None,
    ) -> Principal:
        self.check_password(password)
        region = clean_region(region, role)
        self.check_new_account(username, role, agency_id, sentinel_id, channel, region)
        user = User(
            id=user_id_for(username),
            username=username,
            password_hash=(hasher or self.hasher).hash(password),
            role=role,
            agency_id=agency_id,
            sentinel_id=sentinel_id,
            channel=channel,
            region=region,
        )
        try:
            self.save(user, *audit_note(actor, "account.add", "account", username, detail=held(user)))
        except IntegrityError:
            raise Conflict(f"user {username!r} exists already") from None
        return user.principal()

    def list_users(self) -> list[User]:
        """Every account, in the order they were added (read from the notification log: a
        registry aggregate would make concurrent additions conflict)."""
        ids = self.originators(get_topic(User.Registered))  # type: ignore[attr-defined]
        return [self.repository.get(i) for i in ids]

    def find(self, username: str) -> User | None:
        return store.find(self.repository, user_id_for(username), User)

    def check_login(self, username: str, password: str) -> tuple[Principal, int] | None:
        """The principal and its token version, if the password is right and the account enabled;
        the right password of a disabled account raises AccountDisabled (who knows it may be told)."""
        user = self.find(username) if USERNAME.match(username or "") else None
        try:
            self.hasher.verify(user.password_hash if user else self._dummy_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        if user is None:
            return None
        if user.disabled:
            raise AccountDisabled(user.username)
        return user.principal(), user.token_version

    def authenticate(self, username: str, password: str) -> Principal | None:
        try:
            found = self.check_login(username, password)
        except AccountDisabled:
            return None
        return found[0] if found else None

    def token_version(self, username: str) -> int | None:
        """The version a token must carry to be honoured; None for unknown or disabled accounts."""
        return (self.session_state(username) or (None, ()))[0]

    def session_state(self, username: str) -> tuple[int, frozenset[str]] | None:
        """That version and the sessions ended one by one; None for unknown or disabled accounts."""
        user = self.find(username)
        return None if user is None or user.disabled else (
            user.token_version, frozenset(s for s, _ in user.ended_sessions))

    def _user(self, username: str) -> User:
        user = self.find(username) if USERNAME.match(username or "") else None
        if user is None:
            raise NotFound(f"no user named {username!r}")
        return user

    def disable(self, username: str, *, by: str, actor: Actor | None = None) -> User:
        user = self._user(username)
        if user.disable(by=by, at=datetime.now(UTC)):
            self.save(user, *audit_note(actor, "account.disable", "account", user.username,
                                        detail=held(user)))
        return user

    def enable(self, username: str, *, by: str, actor: Actor | None = None) -> User:
        user = self._user(username)
        if user.enable(by=by, at=datetime.now(UTC)):
            self.save(user, *audit_note(actor, "account.enable", "account", user.username,
                                        detail=held(user)))
        return user

    def set_password(self, username: str, password: str, *, by: str,
                     actor: Actor | None = None) -> User:
        """A new password (the user's sessions end)."""
        self.check_password(password)
        user = self._user(username)
        user.change_password(password_hash=self.hasher.hash(password), by=by, at=datetime.now(UTC))
        self.save(user, *audit_note(actor, "account.set-password", "account", user.username,
                                    detail=held(user)))
        return user

    def change_own_password(self, username: str, current: str, new: str, *,
                            actor: Actor | None = None) -> User:
        """The owner's own new password, given the current one; every session ends (the caller
        starts the one it is in again)."""
        user = self._user(username)
        try:
            self.hasher.verify(user.password_hash, current)
        except (VerificationError, InvalidHashError):
            raise FieldError("current", "the current password is not right") from None
        if new == current:
            raise FieldError("password", "the new password is the one issued")
        if user.username.lower() in new.lower():
            raise FieldError("password", "the new password holds the username")
        for earlier in user.earlier_hashes:
            try:
                self.hasher.verify(earlier, new)
            except (VerificationError, InvalidHashError):
                continue
            raise FieldError("password", "the new password was used before")
        self.check_password(new)
        user.change_password(password_hash=self.hasher.hash(new), by=user.username, at=datetime.now(UTC))
        self.save(user, *audit_note(actor, "account.change-own-password", "account", user.username))
        return user

    def must_change_password(self, username: str) -> bool:
        user = self.find(username)
        return bool(user is not None and user.must_change_password)

    def withdraw_request(self, request_id: str | UUID, *, actor: Actor) -> AccountRequest:
        """The asking admin withdraws a pending request (audited); no one else, and not once decided."""
        request = self.get_request(request_id)
        request.withdraw(by=actor.subject, at=datetime.now(UTC))
        try:
            self.save(request, *audit_note(actor, "account.withdraw", "account", request.username))
        except IntegrityError:
            raise Conflict("this request was decided by someone else at the same moment") from None
        return request

    def end_session(self, username: str, session: str, until: float, actor: Actor | None = None) -> None:
        """Logout on this device: this session's token is refused from now on, the others stand."""
        user = self.find(username)
        if user is not None and session:
            user.end_session(session=session, until=until, at=datetime.now(UTC))
            self.save(user, *audit_note(actor, "auth.logout_device", "account", user.username))

    def end_sessions(self, username: str, actor: Actor | None = None) -> None:
        """Logout: the user's tokens issued so far are refused from now on."""
        user = self.find(username)
        if user is not None:
            user.end_sessions(at=datetime.now(UTC))
            self.save(user, *audit_note(actor, "auth.logout", "account", user.username))
