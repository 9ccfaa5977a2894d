"""Account requests (三员分立): a privileged account change an admin asks for, which takes effect
only when a security officer (安全管理员) other than the asker approves it within 24 hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.common.auditnote import note as audit_note
from services.common.errors import Conflict
from services.common.vocabulary import Role

REQUEST_NS = uuid5(NAMESPACE_URL, "urn:hotline:account-request")
FORM_NS = uuid5(NAMESPACE_URL, "urn:hotline:account-form")
NOTE_MAX = 200  # 申请说明: real name, unit, area, why
REQUEST_TTL = timedelta(hours=24)
# Accounts that can read everything, grant anything or approve: changes to them need approval.
PRIVILEGED = frozenset({Role.supervisor, Role.auditor, Role.admin, Role.security})
# Disabling these would silence the ones who watch or approve: that needs approval too.
GUARDED_FROM_DISABLE = frozenset({Role.auditor, Role.security})
KINDS = ("create", "enable", "disable", "reset-password")
STATUSES = ("pending", "approved", "rejected", "expired", "withdrawn")
# What each kind does once approved, as the audit trail names it.
EFFECT_ACTION = {"create": "account.add", "enable": "account.enable", "disable": "account.disable",
                 "reset-password": "account.set-password"}


def needs_approval(kind: str, role: str) -> bool:
    """Whether an admin's change of this kind to an account of this role waits for approval."""
    if kind == "disable":
        return role in GUARDED_FROM_DISABLE
    return role in PRIVILEGED


def request_id_for(kind: str, username: str, attempt: int) -> UUID:
    """The same change asked again (a retry, a double click) names the same request."""
    return uuid5(REQUEST_NS, f"{kind}\x1f{username.lower()}\x1f{attempt}")


def form_use_id(form_id: str, kind: str, username: str) -> UUID:
    """A page form's one-time id as the command's idempotency: a resubmission names the same use."""
    return uuid5(FORM_NS, f"{form_id}\x1f{kind}\x1f{username.lower()}")


class FormUse(Aggregate):
    """A page form acted on once (saved with the change it made): a reload finds it and says so."""

    @event("Used")
    def __init__(self, id: UUID, *, kind: str, username: str, by: str, at: datetime,  # noqa: A002
                 request_id: str | None = None):
        self.kind = kind
        self.username = username
        self.by = by
        self.at = at
        self.request_id = request_id


def noted(actor: Any, action: str, username: str, detail: dict[str, str | None]) -> list[Any]:
    """The audit note of an action on an account, with what it was beyond the account's name."""
    return audit_note(actor, action, "account", username, detail=detail)


def held(user: Any) -> dict[str, str | None]:
    """What an account holds, for its entries on the trail: role, unit, region."""
    return {"role": user.role, "unit": user.agency_id or user.sentinel_id, "region": user.region}


@dataclass(frozen=True)
class Outcome:
    """What an account change did: a password to show once, or a request now pending (`duplicate`:
    the same change was pending already); `already`: this form had acted before (a reload)."""

    username: str
    password: str | None = None
    request: AccountRequest | None = None
    disabled: bool | None = None
    already: FormUse | None = None
    duplicate: bool = False


class AccountRequest(Aggregate):
    """One privileged change: who asked, what, for whom; then who approved or rejected it."""

    @event("Asked")
    def __init__(
        self,
        id: UUID,  # noqa: A002
        *,
        kind: str,
        username: str,
        role: str,
        agency_id: str | None,
        sentinel_id: str | None,
        channel: str | None,
        asked_by: str,
        asked_at: datetime,
    ):
        self.kind = kind
        self.username = username
        self.role = role
        self.agency_id = agency_id
        self.sentinel_id = sentinel_id
        self.channel = channel
        self.region: str | None = None  # a supervisor's or auditor's (RegionGiven), else everywhere
        self.asked_by = asked_by
        self.asked_at = asked_at
        self.note: str | None = None  # 申请说明 (Explained): kept in the encrypted events, never logged
        self.decision: str | None = None
        self.decided_by: str | None = None
        self.decided_at: datetime | None = None
        self.reason: str | None = None

    @event("Explained")
    def explain(self, note: str) -> None:
        """The admin's 申请说明: whom the account is for (name, unit, area) and why."""
        self.note = note

    @event("RegionGiven")
    def give_region(self, region: str) -> None:
        """The region of the supervisor or auditor to be created (contract §12); a request asked
        before regions existed has none, as every account then had."""
        self.region = region

    def status(self, now: datetime) -> str:
        """pending, approved, rejected, or expired (pending for 24 hours: lazily, on reading)."""
        if self.decision is not None:
            return self.decision
        return "expired" if now >= self.asked_at + REQUEST_TTL else "pending"

    def _check_decidable(self, by: str, now: datetime) -> None:
        state = self.status(now)
        if state == "expired":
            raise Conflict("this request expired (24 hours after it was made); ask again")
        if state != "pending":
            raise Conflict(f"this request was {state} already")
        if by == self.asked_by:
            raise Conflict("the one who asked cannot decide their own request")
        if by.lower() == self.username.lower():
            raise Conflict("a request about your own account is decided by another security officer")

    def approve(self, *, by: str, at: datetime) -> None:
        self._check_decidable(by, at)
        self._approved(by=by, at=at)

    @event("Approved")
    def _approved(self, *, by: str, at: datetime) -> None:
        self.decision, self.decided_by, self.decided_at = "approved", by, at

    def reject(self, *, by: str, at: datetime, reason: str | None = None) -> None:
        self._check_decidable(by, at)
        self._rejected(by=by, at=at, reason=reason)

    @event("Rejected")
    def _rejected(self, *, by: str, at: datetime, reason: str | None) -> None:
        self.decision, self.decided_by, self.decided_at, self.reason = "rejected", by, at, reason

    def withdraw(self, *, by: str, at: datetime) -> None:
        """The asking admin takes the request back before a security officer decides it."""
        self._check_withdrawable(by, at)
        self._withdrawn(by=by, at=at)

    def _check_withdrawable(self, by: str, now: datetime) -> None:
        state = self.status(now)
        if state != "pending":
            raise Conflict(f"this request was {state} already")
        if by != self.asked_by:
            raise Conflict("only the one who asked can withdraw this request")

    @event("Withdrawn")
    def _withdrawn(self, *, by: str, at: datetime) -> None:
        self.decision, self.decided_by, self.decided_at = "withdrawn", by, at

    def asked(self) -> dict[str, str | None]:
        """What was asked, for the trail's entries of it and of its decision."""
        return {"request": str(self.id), "kind": self.kind, "role": self.role,
                "unit": self.agency_id or self.sentinel_id, "region": self.region, "note": self.note}

    def public(self, now: datetime) -> dict[str, object]:
        return {"request_id": str(self.id), "kind": self.kind, "username": self.username,
                "role": self.role, "agency_id": self.agency_id, "sentinel_id": self.sentinel_id,
                "channel": self.channel, "region": self.region, "note": self.note, "asked_by": self.asked_by,
                "asked_at": self.asked_at.isoformat(),
                "expires_at": (self.asked_at + REQUEST_TTL).isoformat(),
                "status": self.status(now), "decided_by": self.decided_by,
                "decided_at": self.decided_at.isoformat() if self.decided_at else None,
                "reason": self.reason}
