"""Dual control of account changes (contract §10): what an admin changes directly, what waits
for a security officer's approval, and the approval that applies it exactly once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from services.accounts.domain import USERNAME, User, user_id_for
from services.accounts.passwords import generate_password
from services.accounts.regions import clean_region
from services.accounts.request_log import RequestLog
from services.accounts.requests import (
    EFFECT_ACTION,
    KINDS,
    NOTE_MAX,
    AccountRequest,
    FormUse,
    Outcome,
    form_use_id,
    held,
    needs_approval,
    noted,
    request_id_for,
)
from services.common import store
from services.common.auditnote import Actor
from services.common.errors import Conflict, FieldError, NotFound
from services.common.vocabulary import HOTLINE_CHANNELS, ROLES, Role

if TYPE_CHECKING:
    from argon2 import PasswordHasher

    from services.common.auditnote import Principal


class DualControl(RequestLog):
    """The accounts application's admin and security-officer commands."""

    if TYPE_CHECKING:  # defined by AccountsApplication
        hasher: PasswordHasher
        known_agencies: set[str] | None

        def find(self, username: str) -> User | None: ...
        def _user(self, username: str) -> User: ...
        def sentinel_exists(self, sentinel_id: str) -> bool: ...
        def add_user(self, username: str, password: str, role: str, agency_id: str | None = None,
                     sentinel_id: str | None = None, *, channel: str | None = None,
                     region: str | None = None, actor: Actor | None = None) -> Principal: ...
        def disable(self, username: str, *, by: str, actor: Actor | None = None) -> User: ...
        def enable(self, username: str, *, by: str, actor: Actor | None = None) -> User: ...
        def set_password(self, username: str, password: str, *, by: str,
                         actor: Actor | None = None) -> User: ...

    def check_new_account(self, username: str, role: str, agency_id: str | None,
                          sentinel_id: str | None, channel: str | None, region: str | None = None) -> None:
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
        if region is not None and clean_region(region, role) != region:
            raise FieldError("region", "give the region folded: 2, 4 or 6 ASCII digits")
        if self.find(username) is not None:
            raise Conflict(f"user {username!r} exists already")

    def form_use(self, form_id: str | None, kind: str, username: str) -> FormUse | None:
        """The earlier use of this page form for this change, if it acted already."""
        if not form_id:
            return None
        return store.find(self.repository, form_use_id(form_id, kind, username), FormUse)

    def _once(self, form_id: str | None, kind: str, username: str, actor: Actor, *changed: Any,
              request_id: str | None = None) -> FormUse | None:
        """Save the change with its form's use (one transaction); the earlier use if resubmitted."""
        use = [FormUse(id=form_use_id(form_id, kind, username), kind=kind, username=username,
                       by=actor.subject, at=datetime.now(UTC), request_id=request_id)] if form_id else []
        if not changed and not use:
            return None
        try:
            self.save(*changed, *use)
        except IntegrityError:
            earlier = self.form_use(form_id, kind, username)
            if earlier is None:
                raise
            return earlier
        return None

    def admin_add_user(self, username: str, role: str, agency_id: str | None = None,
                       sentinel_id: str | None = None, channel: str | None = None, *,
                       actor: Actor, note: str | None = None, form_id: str | None = None,
                       region: str | None = None) -> Outcome:
        """An admin creates an account with a generated password, or asks to (privileged roles);
        `note` (申请说明) travels with a request; a page form acts once (`form_id`)."""
        if (earlier := self.form_use(form_id, "create", username)) is not None:
            return Outcome(username, already=earlier)
        if note is not None and len(note) > NOTE_MAX:
            raise FieldError("note", f"at most {NOTE_MAX} characters")
        region = clean_region(region, role)
        self.check_new_account(username, role, agency_id, sentinel_id, channel, region)
        if needs_approval("create", role):
            request, duplicate = self._ask("create", username, role, actor, note, form_id,
                                           agency_id=agency_id, sentinel_id=sentinel_id, channel=channel,
                                           region=region)
            return Outcome(username, request=request, duplicate=duplicate)
        password = generate_password()
        user = User(id=user_id_for(username), username=username, password_hash=self.hasher.hash(password),
                    role=role, agency_id=agency_id, sentinel_id=sentinel_id, channel=channel, region=region)
        user.require_password_change(by=actor.subject, at=datetime.now(UTC))
        try:
            earlier = self._once(form_id, "create", username, actor, user,
                                 *noted(actor, "account.add", username, held(user)))
        except IntegrityError:
            raise Conflict(f"user {username!r} exists already") from None
        if earlier is not None:
            return Outcome(username, already=earlier)
        return Outcome(username, password=password, disabled=False)

    def admin_change(self, username: str, kind: str, *, actor: Actor, form_id: str | None = None,
                     note: str | None = None) -> Outcome:
        """An admin disables, enables or resets an account, or asks to (contract §10's list), a
        request with its `note` (申请说明); a page form acts once (`form_id`): a reload never resets
        a password twice."""
        if kind not in KINDS or kind == "create":
            raise NotFound(f"no account action {kind!r}")
        if note is not None and len(note) > NOTE_MAX:
            raise FieldError("note", f"at most {NOTE_MAX} characters")
        user = self._user(username)
        if (earlier := self.form_use(form_id, kind, user.username)) is not None:
            return Outcome(user.username, already=earlier, disabled=user.disabled)
        if kind == "disable" and user.username == actor.subject:
            raise Conflict("you cannot disable the account you are using")
        if needs_approval(kind, user.role):
            request, duplicate = self._ask(kind, user.username, user.role, actor, note, form_id)
            return Outcome(user.username, request=request, duplicate=duplicate)
        password, now, changed = None, datetime.now(UTC), True
        if kind == "disable":
            changed = bool(user.disable(by=actor.subject, at=now))
        elif kind == "enable":
            changed = bool(user.enable(by=actor.subject, at=now))
        else:
            password = generate_password()
            user.issue_password(password_hash=self.hasher.hash(password), by=actor.subject, at=now)
        effect = [user, *noted(actor, EFFECT_ACTION[kind], user.username, held(user))] if changed else []
        try:
            earlier = self._once(form_id, kind, user.username, actor, *effect)
        except IntegrityError:
            raise Conflict("this account was changed by someone else at the same moment; try again") from None
        if earlier is not None:
            return Outcome(user.username, already=earlier, disabled=user.disabled)
        return Outcome(user.username, password=password, disabled=user.disabled)

    def _ask(self, kind: str, username: str, role: str, actor: Actor, note: str | None,
             form_id: str | None, **unit: str | None) -> tuple[AccountRequest, bool]:
        """A pending request, and whether the same change was pending already (then it is that one)."""
        now = datetime.now(UTC)
        same = [r for r in self.list_requests() if r.kind == kind and r.username.lower() == username.lower()]
        pending = next((r for r in same if r.status(now) == "pending"), None)
        if pending is not None:
            if (pending.role, pending.agency_id, pending.sentinel_id, pending.channel, pending.region) != (
                    role, unit.get("agency_id"), unit.get("sentinel_id"), unit.get("channel"),
                    unit.get("region")):
                raise Conflict(f"another request for {username!r} is pending; it is decided first")
            return pending, True
        request = AccountRequest(id=request_id_for(kind, username, len(same)), kind=kind, username=username,
                                 role=role, agency_id=unit.get("agency_id"),
                                 sentinel_id=unit.get("sentinel_id"), channel=unit.get("channel"),
                                 asked_by=actor.subject, asked_at=now)
        if unit.get("region"):
            request.give_region(str(unit["region"]))
        if note and note.strip():
            request.explain(note.strip())
        try:
            asked = noted(actor, "account.request", username, request.asked())
            self._once(form_id, kind, username, actor, request, *asked, request_id=str(request.id))
        except IntegrityError:  # the same change asked at the same moment (a double click)
            return self.get_request(request.id), True
        return request, False

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
                                   request.sentinel_id, request.channel, request.region)
            password = generate_password()
            user = User(id=user_id_for(request.username), username=request.username,
                        password_hash=self.hasher.hash(password), role=request.role,
                        agency_id=request.agency_id, sentinel_id=request.sentinel_id, channel=request.channel,
                        region=request.region)
            user.require_password_change(by=actor.subject, at=now)
        else:
            user = self._user(request.username)
            if request.kind == "disable":
                user.disable(by=actor.subject, at=now)
            elif request.kind == "enable":
                user.enable(by=actor.subject, at=now)
            else:
                password = generate_password()
                user.issue_password(password_hash=self.hasher.hash(password), by=actor.subject, at=now)
        try:
            self.save(request, user, *noted(actor, "account.approve", request.username, request.asked()),
                      *noted(actor, EFFECT_ACTION[request.kind], request.username,
                             {**held(user), "request": str(request.id)}))
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
            self.save(request, *noted(actor, "account.reject", request.username,
                                      {**request.asked(), "reason": request.reason}))
        except IntegrityError:
            raise Conflict("this request was decided by someone else at the same moment") from None
        return request
