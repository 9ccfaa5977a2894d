"""The account requests as asked: one by id, and all of them (newest first, by status)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.utils import get_topic

from services.accounts.requests import STATUSES, AccountRequest
from services.common import store
from services.common.errors import FieldError, NotFound


class RequestLog(Application[UUID]):
    """The accounts application's reads of account requests."""

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
        found = store.find(self.repository, request_id, AccountRequest)
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
