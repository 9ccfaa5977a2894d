"""Dual control of account changes (contract §10): what an admin changes directly, what waits
for a security officer's approval, and the approval that applies it exactly once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from services.accounts.domain import USERNAME, User, user_id_for
from services.accounts.passwords import generate_password
from services.accounts.requests import (
    EFFECT_ACTION,
    KINDS,
    STATUSES,
    AccountRequest,
    needs_approval,
    request_id_for,
)
from services.common import aggregates
from services.common.auditnote import Actor
from services.common.auditnote import note as audit_note
from services.common.errors import Conflict, FieldError, NotFound
from services.common.vocabulary import HOTLINE_CHANNELS, ROLES, Role

if TYPE_CHECKING:
    from argon2 import PasswordHasher

    from services.common.principal import Principal


@dataclass(frozen=True)
class Outcome:
    """What an account change did: a password to show once, or a request now pending."""

    username: str
    password: str | None = None
    request: AccountRequest | None = None
    disabled: bool | None = None


class DualControl(Application[UUID]):
    """The accounts application's admin and security-officer commands."""

    if TYPE_CHECKING:  # defined by AccountsApplication
        hasher: PasswordHasher
        known_agencies: set[str] | None

        def find(self, username: str) -> User | None: ...
        def _user(self, username: str) -> User: ...
        def sentinel_exists(self, sentinel_id: str) -> bool: ...
        def add_user(self, username: str, password: str, role: str, agency_id: str | None = None,
                     sentinel_id: str | None = None, *, channel: str | None = None,
                     actor: Actor | None = None) -> Principal: ...
        def disable(self, username: str, *, by: str, actor: Actor | None = None) -> User: ...
        def enable(self, username: str, *, by: str, actor: Actor | None = None) -> User: ...
        def set_password(self, username: str, password: str, *, by: str,
                         actor: Actor | None = None) -> User: ...

    def check_new_account(self, username: str, role: str, agency_id: str | None,
                          sentinel_id: str | None, channel: str | None) -> None:
        """Refuse a new account's fields (FieldError naming the field) or a taken name."""
        if not USERNAME.match(username):
            raise FieldError("username", "3-64 letters, digits, '.', '_' or '-'")
        if role not in ROLES:
            raise FieldError("role", f"role must be one of {', '.join(ROLES)}")
        if role == Role.desk and not agency_id:
            raise FieldError("agency_id", "a desk user needs --agency (the agency unit they work for)")
        if agency_id and self.known_agencies is not None and agency_id not in self.known_agencies:
            raise FieldError("agency_id", f"unknown agency {agency_id!r}; see `hotline agencies list`")
        if sentinel_id and role != Role.reporter:
            raise FieldError("sentinel_id", "only a reporter can be bound to a sentinel point")
        if sentinel_id and not self.sentinel_exists(sentinel_id):
            raise FieldError("sentinel_id",
                             f"unknown sentinel point {sentinel_id!r}; register it with POST /v1/sentinels")
        if channel and (role != Role.operator or channel not in HOTLINE_CHANNELS):
            raise FieldError("channel", "only an operator has a hotline line: one of "
                             + ", ".join(sorted(HOTLINE_CHANNELS)))
        if self.find(username) is not None:
            raise Conflict(f"user {username!r} exists already")

    def admin_add_user(self, username: str, role: str, agency_id: str | None = None,
                       sentinel_id: str | None = None, channel: str | None = None, *,
                       actor: Actor) -> Outcome:
        """An admin creates an account with a generated password, or asks to (privileged roles)."""
        self.check_new_account(username, role, agency_id, sentinel_id, channel)
        if needs_approval("create", role):
            return Outcome(username, request=self._ask("create", username, role, actor, agency_id=agency_id,
                                                       sentinel_id=sentinel_id, channel=channel))
        password = generate_password()
        self.add_user(username, password, role, agency_id, sentinel_id, channel=channel, actor=actor)
        return Outcome(username, password=password, disabled=False)

    def admin_change(self, username: str, kind: str, *, actor: Actor) -> Outcome:
        """An admin disables, enables or resets an account, or asks to (contract §10's list)."""
        if kind not in KINDS or kind == "create":
            raise NotFound(f"no account action {kind!r}")
        user = self._user(username)
        if kind == "disable" and user.username == actor.subject:
            raise Conflict("you cannot disable the account you are using")
        if needs_approval(kind, user.role):
            return Outcome(user.username, request=self._ask(kind, user.username, user.role, actor))
        password = None
        if kind == "disable":
            self.disable(user.username, by=actor.subject, actor=actor)
        elif kind == "enable":
            self.enable(user.username, by=actor.subject, actor=actor)
        else:
            password = generate_password()
            self.set_password(user.username, password, by=actor.subject, actor=actor)
        return Outcome(user.username, password=password, disabled=kind == "disable")

    def _ask(self, kind: str, username: str, role: str, actor: Actor,
             **unit: str | None) -> AccountRequest:
        """A pending request; the same change asked again while one is pending is that one."""
        now = datetime.now(UTC)
        same = [r for r in self.list_requests() if r.kind == kind and r.username.lower() == username.lower()]
        pending = next((r for r in same if r.status(now) == "pending"), None)
        if pending is not None:
            if (pending.role, pending.agency_id, pending.sentinel_id, pending.channel) != (
                    role, unit.get("agency_id"), unit.get("sentinel_id"), unit.get("channel")):
                raise Conflict(f"another request for {username!r} is pending; it is decided first")
            return pending
        request = AccountRequest(id=request_id_for(kind, username, len(same)), kind=kind, username=username,
                                 role=role, agency_id=unit.get("agency_id"),
                                 sentinel_id=unit.get("sentinel_id"), channel=unit.get("channel"),
                                 asked_by=actor.subject, asked_at=now)
        try:
            self.save(request, *audit_note(actor, "account.request", "account", username))
        except IntegrityError:  # the same change asked at the same moment (a double click)
            return self.get_request(request.id)
        return request

    def approve_request(self, request_id: str | UUID, *, actor: Actor) -> Outcome:
        """Apply a pending request, once; a new password is made here and shown only to the caller."""
        if actor.role != Role.security:
            raise Conflict("only a security officer approves account requests")
        request = self.get_request(request_id)
        now = datetime.now(UTC)
        request.approve(by=actor.subject, at=now)
        password = None
        if request.kind == "create":
            self.check_new_account(request.username, request.role, request.agency_id,
                                   request.sentinel_id, request.channel)
            password = generate_password()
            user = User(id=user_id_for(request.username), username=request.username,
                        password_hash=self.hasher.hash(password), role=request.role,
                        agency_id=request.agency_id, sentinel_id=request.sentinel_id, channel=request.channel)
        else:
            user = self._user(request.username)
            if request.kind == "disable":
                user.disable(by=actor.subject, at=now)
            elif request.kind == "enable":
                user.enable(by=actor.subject, at=now)
            else:
                password = generate_password()
                user.change_password(password_hash=self.hasher.hash(password), by=actor.subject, at=now)
        try:
            self.save(request, user, *audit_note(actor, "account.approve", "account", request.username),
                      *audit_note(actor, EFFECT_ACTION[request.kind], "account", request.username))
        except IntegrityError:
            raise Conflict("this request was decided by someone else at the same moment") from None
        return Outcome(request.username, password=password, request=request, disabled=user.disabled)

    def reject_request(self, request_id: str | UUID, *, actor: Actor,
                       reason: str | None = None) -> AccountRequest:
        if actor.role != Role.security:
            raise Conflict("only a security officer rejects account requests")
        request = self.get_request(request_id)
        request.reject(by=actor.subject, at=datetime.now(UTC), reason=(reason or "").strip() or None)
        try:
            self.save(request, *audit_note(actor, "account.reject", "account", request.username))
        except IntegrityError:
            raise Conflict("this request was decided by someone else at the same moment") from None
        return request

    def originators(self, topic: str) -> list[Any]:
        """The aggregates created by events of this topic, oldest first (from the notification
        log: a registry aggregate would make concurrent additions conflict)."""
        ids: list[Any] = []
        start = 1
        while True:
            batch = self.recorder.select_notifications(start=start, limit=500, topics=[topic])
            ids.extend(n.originator_id for n in batch)
            if len(batch) < 500:
                break
            start = batch[-1].id + 1
        return ids

    def get_request(self, request_id: str | UUID) -> AccountRequest:
        found = aggregates.find(self.repository, request_id, AccountRequest)
        if found is None:
            raise NotFound("no such account request")
        return found

    def list_requests(self, status: str | None = None) -> list[AccountRequest]:
        """Every request, newest first; with `status`, those in it now (expiry is read lazily)."""
        if status is not None and status not in STATUSES:
            raise FieldError("status", f"one of {', '.join(STATUSES)}", where="query")
        ids = self.originators(get_topic(AccountRequest.Asked))  # type: ignore[attr-defined]
        now = datetime.now(UTC)
        found: list[AccountRequest] = [self.repository.get(i) for i in reversed(ids)]
        return [r for r in found if status is None or r.status(now) == status]
