"""What the notifier derives from notify's log, as of a position in it: the deliveries still owed
(when each is due, to whom), the urgent referrals that may need a reminder, and each receiver's
health (failures in a row, the last delivery taken, failures per hour); and how each event of the
log (deliveries planned and attempted, watches) is told to it. Kept as one document between starts
(`LedgerStore`): one row in `notify_state` beside notify's events (the in-memory store's
dictionary in tests), sealed like the events (it names contacts), written by the notifier alone
and read by it at start and by the API for the health view (no attempt waits on it), so a restart
reads it and only the log after its position."""

from __future__ import annotations

import base64
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from eventsourcing.application import Repository

from services.common.store import Sql
from services.notify.domain import HOOKS, URGENT, Delivery, Watch, receiver_of

DAY_HOURS = 24
SETTLED = float("inf")  # an attempt took it or gave it up; the log's event removes it


@dataclass
class Owed:
    """One delivery still owed, as the notifier schedules it (times in epoch seconds)."""

    receiver: str
    next_at: float
    planned_at: float
    attempts: int = 0
    red_first: bool = False  # a red referral's dispatch: the alert watches how long it waits

    @property
    def fresh(self) -> bool:
        return self.attempts == 0


@dataclass
class Health:
    """One receiver's record, derived from the attempts on its deliveries."""

    agency_id: str
    consecutive_failures: int = 0
    last_success_at: float | None = None
    failures: dict[int, int] = field(default_factory=dict)  # hour since the epoch → failures

    def note(self, error: str | None, at: float) -> None:
        if error is None:
            self.consecutive_failures = 0
            self.last_success_at = max(at, self.last_success_at or at)
            return
        self.consecutive_failures += 1
        hour = int(at // 3600)
        self.failures[hour] = self.failures.get(hour, 0) + 1
        for old in [h for h in self.failures if h <= hour - DAY_HOURS]:
            del self.failures[old]

    def failures_24h(self, now: float) -> int:
        return sum(n for h, n in self.failures.items() if h > int(now // 3600) - DAY_HOURS)


@dataclass
class Ledger:
    position: int = 0
    owed: dict[str, Owed] = field(default_factory=dict)  # delivery id → its schedule
    watching: dict[str, tuple[str, float]] = field(default_factory=dict)  # watch → referral, remind at
    receivers: dict[str, Health] = field(default_factory=dict)
    # No watch is due before this (a lower bound, not saved): a round looks through the watches
    # only when one may be due, not at every commit (#31).
    remind_floor: float = field(init=False, default=SETTLED, compare=False)

    def __post_init__(self) -> None:
        self.remind_floor = min((at for _, at in self.watching.values()), default=SETTLED)

    def watch(self, key: str, referral_id: str, remind_at: float) -> None:
        self.watching[key] = (referral_id, remind_at)
        self.remind_floor = min(self.remind_floor, remind_at)

    def due_watches(self, now: float) -> list[tuple[str, str]]:
        """The watches whose reminder is due (watch, referral); the floor moves to the next one."""
        if now < self.remind_floor:
            return []
        due = [(key, referral) for key, (referral, at) in self.watching.items() if at <= now]
        self.remind_floor = min((at for _, at in self.watching.values() if at > now), default=SETTLED)
        return due

    def plan(self, delivery_id: str, *, agency_id: str, receiver: str, planned_at: datetime,
             red_first: bool) -> None:
        at = planned_at.timestamp()
        self.owed.setdefault(delivery_id, Owed(receiver, at, at, red_first=red_first))
        self.receivers.setdefault(receiver, Health(agency_id))

    def attempted(self, delivery_id: str, receiver: str, agency_id: str, *, error: str | None,
                  at: datetime, next_at: datetime, last: bool) -> None:
        self.receivers.setdefault(receiver, Health(agency_id)).note(error, at.timestamp())
        owed = self.owed.get(delivery_id)
        if owed is None:
            return
        if error is None or last:
            del self.owed[delivery_id]
        else:
            owed.attempts += 1
            owed.next_at = next_at.timestamp()

    def due(self, now: float, running: set[str] | dict[str, str]) -> list[tuple[str, Owed]]:
        return [(i, o) for i, o in self.owed.items() if o.next_at <= now and i not in running]

    def pending(self) -> Counter[str]:
        return Counter(o.receiver for o in self.owed.values() if o.next_at != SETTLED)

    def oldest_due_seconds(self, now: float) -> float:
        return max((now - o.next_at for o in self.owed.values() if o.next_at <= now), default=0.0)

    def oldest_pending_seconds(self, now: float) -> float:
        return max((now - o.planned_at for o in self.owed.values() if o.next_at != SETTLED), default=0.0)

    def oldest_red_first_seconds(self, now: float) -> float:
        return max((now - o.planned_at for o in self.owed.values() if o.red_first), default=0.0)

    def health(self, now: float) -> dict[str, dict[str, Any]]:
        """Per receiver, what `GET /v1/notifications/health` shows."""
        pending = self.pending()
        return {key: {"agency_id": h.agency_id, "consecutive_failures": h.consecutive_failures,
                      "last_success_at": _iso(h.last_success_at), "pending": pending.get(key, 0),
                      "failures_24h": h.failures_24h(now)} for key, h in self.receivers.items()}

    def to_json(self) -> dict[str, Any]:
        return {"position": self.position, "watching": self.watching,
                # Its fields are flat: a copy of each, not asdict's deep copy (a ledger of 5,000
                # owed to a dead receiver: 39 → 3 ms of the second's save, #31).
                "owed": {i: dict(vars(o)) for i, o in self.owed.items() if o.next_at != SETTLED},
                "receivers": {k: {**asdict(h), "failures": {str(k2): v for k2, v in h.failures.items()}}
                              for k, h in self.receivers.items()}}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Ledger:
        return cls(position=int(doc["position"]),
                   watching={k: (r, at) for k, (r, at) in doc["watching"].items()},
                   owed={i: Owed(**o) for i, o in doc["owed"].items()},
                   receivers={k: Health(h["agency_id"], h["consecutive_failures"], h["last_success_at"],
                                        {int(k2): v for k2, v in h["failures"].items()})
                              for k, h in doc["receivers"].items()})


def _iso(at: float | None) -> str | None:
    return datetime.fromtimestamp(at, UTC).isoformat() if at is not None else None


def unit_of(receiver: str) -> str:
    """The metrics' label: a unit (its contacts together: no names in metrics) or the supervisors."""
    return receiver if receiver in HOOKS else receiver.split("/", 1)[0]


PLANNED, ATTEMPTED = Delivery.Planned, Delivery.Attempted  # type: ignore[attr-defined]  # made by @event
OPENED, RAISED = Watch.Opened, Watch.Raised  # type: ignore[attr-defined]
WATCH_CHANGES = (":Watch.Opened", ":Watch.Settled", ":Watch.Reminded", ":Watch.Escalated", ":Watch.Raised")


def track_delivery(ledger: Ledger, event: Any, repository: Repository) -> None:
    """A delivery's plan or attempt onto the ledger."""
    key = str(event.originator_id)
    if isinstance(event, PLANNED):
        ledger.plan(key, agency_id=event.agency_id, receiver=receiver_of(event.agency_id, event.contact),
                    planned_at=event.planned_at, red_first=event.event_name == "referral.dispatched"
                    and event.payload.get("risk_level") == "red")
    elif isinstance(event, ATTEMPTED):
        owed = ledger.owed.get(key)
        if owed is None:  # planned before the saved position and already settled: health only
            delivery: Delivery = repository.get(event.originator_id)
            receiver, agency = receiver_of(delivery.agency_id, delivery.contact), delivery.agency_id
        else:
            receiver, agency = owed.receiver, ledger.receivers[owed.receiver].agency_id
        ledger.attempted(key, receiver, agency, error=event.error, at=event.at, next_at=event.next_at,
                         last=event.last)


def track_watch(ledger: Ledger, event: Any) -> None:
    """An urgent referral is watched from its dispatch until it is reminded, escalated or
    settled; a raise moves its reminder, or starts one (the events say so: no watch is read back)."""
    key = str(event.originator_id)
    if isinstance(event, OPENED):
        if event.risk_level in URGENT:
            ledger.watch(key, event.referral_id,
                         (event.dispatched_at + (event.due_at - event.dispatched_at) / 2).timestamp())
    elif isinstance(event, RAISED) and event.remind_at is not None:
        ledger.watch(key, event.referral_id, event.remind_at.timestamp())
    else:
        ledger.watching.pop(key, None)


DDL = ("CREATE TABLE IF NOT EXISTS notify_state (name TEXT PRIMARY KEY, position BIGINT NOT NULL,"
       " body TEXT NOT NULL, saved_at TEXT NOT NULL)")
UPSERT = ("INSERT INTO notify_state (name, position, body, saved_at) VALUES (?, ?, ?, ?)"
          " ON CONFLICT (name) DO UPDATE SET position = excluded.position, body = excluded.body,"
          " saved_at = excluded.saved_at")
NAME = "notifier"


class LedgerStore:
    """Saves and loads the notifier's ledger, sealed with the application's cipher."""

    def __init__(self, app: Any, *, create: bool):
        datastore = getattr(app.recorder, "datastore", None)
        self.sql = Sql(datastore) if datastore is not None else None
        self.mapper = app.mapper
        self._memory: dict[str, str] = {}
        self.reads = 0  # how many times the ledger was read (tests count them)
        if self.sql is not None and create:
            self.create_table()

    def create_table(self) -> None:
        if self.sql is not None:
            with self.sql.transaction(commit=True) as c:
                self.sql.execute(c, DDL)

    def save(self, ledger: Ledger) -> None:
        body = self._seal(json.dumps(ledger.to_json(), separators=(",", ":")).encode())
        if self.sql is None:
            self._memory[NAME] = body
            return
        self.sql.run(UPSERT, (NAME, ledger.position, body, datetime.now(UTC).isoformat()))

    def load(self) -> Ledger | None:
        self.reads += 1
        if self.sql is None:
            body = self._memory.get(NAME)
        else:
            row = self.sql.one("SELECT body FROM notify_state WHERE name = ?", (NAME,))
            body = str(row["body"]) if row else None
        return Ledger.from_json(json.loads(self._open(body))) if body else None

    def _seal(self, data: bytes) -> str:
        if self.mapper.compressor:
            data = self.mapper.compressor.compress(data)
        if self.mapper.cipher:
            data = self.mapper.cipher.encrypt(data)
        return base64.b64encode(data).decode()

    def _open(self, body: str) -> bytes:
        data = base64.b64decode(body)
        if self.mapper.cipher:
            data = self.mapper.cipher.decrypt(data)
        if self.mapper.compressor:
            data = self.mapper.compressor.decompress(data)
        return data
