"""The trail by API (contract §10, "The trail by API"): filters checked before anything is read
(a time or number out of range is a 422 naming it, never a 500), newest first, bounded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from services.audit.trail import AuditTrail
from services.common.errors import FieldError

BEIJING = timezone(timedelta(hours=8))
FIELDS = ("seq", "at", "actor", "role", "unit", "action", "resource_type", "resource_id", "case_id")
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000
MAX_SEQ = 2**62  # a paging position beyond any trail
# The product's own years: anything outside is a typing slip (and year 1 overflows the search).
EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=BEIJING), datetime(2101, 1, 1, tzinfo=BEIJING)


def moment(name: str, value: datetime | None) -> datetime | None:
    """A filter's time; without an offset it is Beijing time. FieldError when out of range."""
    if value is None:
        return None
    value = value if value.tzinfo else value.replace(tzinfo=BEIJING)
    if not EARLIEST <= value < LATEST:
        raise FieldError(name, "time out of range: between 2000-01-01 and 2100-12-31", where="query")
    return value


@dataclass(frozen=True)
class TrailQuery:
    actor: str | None = None  # the start of the account name, any case
    role: str | None = None
    action: str | None = None  # a prefix: `case.` is every case action
    case_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = DEFAULT_LIMIT
    before: int | None = None  # entries older than this position (paging)

    def checked(self) -> TrailQuery:
        since, until = moment("since", self.since), moment("until", self.until)
        if since is not None and until is not None and until <= since:
            raise FieldError("until", "until must be after since", where="query")
        if not 1 <= self.limit <= MAX_LIMIT:
            raise FieldError("limit", f"limit must be 1 to {MAX_LIMIT}", where="query")
        if self.before is not None and not 0 < self.before < MAX_SEQ:
            raise FieldError("before", "before must be a position on the trail", where="query")
        return TrailQuery(self.actor or None, self.role or None, self.action or None, self.case_id or None,
                          since, until, self.limit, self.before)


def read(trail: AuditTrail, query: TrailQuery) -> tuple[list[dict[str, Any]], int | None]:
    """The entries (the contract's fields only), and the position to ask `before` for older ones
    (None when there are none)."""
    q = query.checked()
    entries, older = trail.search(actor=q.actor, role=q.role, action=q.action, case_id=q.case_id,
                                  since=q.since, until=q.until, before=q.before, limit=q.limit,
                                  scan=max(20000, q.limit * 20))
    return [{k: e.get(k) for k in FIELDS} for e in entries], older
