"""Sentinel points (哨点): registered with their first reporter, handed to another, closed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from services.accounts.domain import REGISTRY_ID, Sentinel, SentinelRegistry, User, sentinel_id_for
from services.common import store
from services.common.auditnote import Actor
from services.common.auditnote import note as audit_note
from services.common.errors import Conflict, FieldError, NotFound
from services.common.vocabulary import Role


class SentinelPoints:
    """Mixed into AccountsApplication beside `DualControl`."""

    repository: Any
    save: Callable[..., Any]
    find: Callable[[str], User | None]
    list_users: Callable[[], list[User]]

    def register_sentinel(
        self, *, name: str, kind: str, region_code: str, first_reporter: str,
        actor: Actor | None = None,
    ) -> Sentinel:
        """Register a sentinel point and bind its first reporter (a reporter account) to it."""
        user = self.find(first_reporter)
        if user is None or user.role != Role.reporter:
            raise FieldError(
                "first_reporter",
                f"no reporter account named {first_reporter!r}; "
                "create it with `hotline users add --role reporter` first",
            )
        sentinel = Sentinel(id=sentinel_id_for(region_code, name), name=name, kind=kind,
                            region_code=region_code, first_reporter=user.username)
        registry = (store.find(self.repository, REGISTRY_ID, SentinelRegistry)
                    or SentinelRegistry(id=REGISTRY_ID))
        registry.add(str(sentinel.id))
        user.bind_sentinel(str(sentinel.id))
        try:
            self.save(sentinel, registry, user,
                      *audit_note(actor, "sentinel.register", "sentinel", str(sentinel.id)))
        except IntegrityError:
            if store.find(self.repository, sentinel.id, Sentinel) is not None:
                raise Conflict(f"a sentinel point {name!r} exists in {region_code}") from None
            raise  # a concurrent registration moved the registry on; the caller may retry
        return sentinel

    def change_first_reporter(self, sentinel_id: str, first_reporter: str, *, by: str,
                              actor: Actor | None = None) -> Sentinel:
        """Hand a sentinel point to another reporter account (staff change)."""
        sentinel = self._active_sentinel(sentinel_id)
        user = self.find(first_reporter)
        if user is None or user.role != Role.reporter:
            raise FieldError("first_reporter", f"no reporter account named {first_reporter!r}")
        if user.username == sentinel.first_reporter:
            return sentinel
        at = datetime.now(UTC)
        previous = self.find(sentinel.first_reporter)
        sentinel.change_first_reporter(first_reporter=user.username, previous=sentinel.first_reporter,
                                       by=by, at=at)
        user.bind_sentinel(str(sentinel.id))
        changed: list[Any] = [sentinel, user]
        if previous is not None and previous.sentinel_id == str(sentinel.id):
            previous.unbind_sentinel(sentinel_id=str(sentinel.id), at=at)
            changed.append(previous)
        self.save(*changed, *audit_note(actor, "sentinel.first-reporter", "sentinel", str(sentinel.id)))
        return sentinel

    def deactivate_sentinel(self, sentinel_id: str, *, reason: str, by: str,
                            actor: Actor | None = None) -> Sentinel:
        """Close a sentinel point: every account bound to it is unbound (and its tokens end)."""
        if not reason.strip():
            raise FieldError("reason", "say why the sentinel point is closed")
        sentinel = self._active_sentinel(sentinel_id)
        at = datetime.now(UTC)
        sentinel.deactivate(reason=reason.strip(), by=by, at=at)
        bound = [u for u in self.list_users() if u.sentinel_id == str(sentinel.id)]
        for user in bound:
            user.unbind_sentinel(sentinel_id=str(sentinel.id), at=at)
        self.save(sentinel, *bound, *audit_note(actor, "sentinel.deactivate", "sentinel", str(sentinel.id)))
        return sentinel

    def _active_sentinel(self, sentinel_id: str) -> Sentinel:
        sentinel = store.find(self.repository, sentinel_id, Sentinel)
        if sentinel is None:
            raise NotFound(f"no sentinel point {sentinel_id!r}")
        if not sentinel.active:
            raise Conflict(f"sentinel point {sentinel.name!r} is closed already")
        return sentinel

    def list_sentinels(self) -> list[Sentinel]:
        registry = store.find(self.repository, REGISTRY_ID, SentinelRegistry)
        if registry is None:
            return []
        return [self.repository.get(UUID(sid)) for sid in registry.sentinel_ids]

    def sentinel(self, sentinel_id: str) -> Sentinel | None:
        """The point, closed or not (a report it filed names it still)."""
        return store.find(self.repository, sentinel_id, Sentinel)

    def sentinel_exists(self, sentinel_id: str) -> bool:
        """Registered and not closed."""
        found = store.find(self.repository, sentinel_id, Sentinel)
        return found is not None and found.active
