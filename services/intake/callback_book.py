"""Every callback as a row, folded from the callbacks' notification log after the position read
last (a registry aggregate would make the policy's additions conflict)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eventsourcing.application import Application
from eventsourcing.utils import get_topic

from services.intake.callback import Callback

OPENED = get_topic(Callback.Opened)  # type: ignore[attr-defined]
RECORDED = get_topic(Callback.Recorded)  # type: ignore[attr-defined]
SUPERSEDED = get_topic(Callback.Superseded)  # type: ignore[attr-defined]


@dataclass
class CallbackRow:
    callback_id: str
    report_id: str
    case_id: str
    receipt_no: str
    region_code: str
    opened_at: datetime
    due_at: datetime
    status: str = "due"  # due, done, or superseded (withdrawn by 重办, no result: not a call to make)
    reached: bool | None = None
    satisfaction: str | None = None
    done_at: datetime | None = None
    by: str | None = None  # who recorded the result


class CallbackBook:
    """The rows, kept per process and moved on to the log's end at each read."""

    def __init__(self, app: Application[Any]):
        self.app = app
        self.rows: dict[str, CallbackRow] = {}
        self.position = 0
        self.lock = threading.Lock()

    def read(self, *, superseded: bool = False) -> list[CallbackRow]:
        """The rows; those withdrawn by 重办 only when asked (they count nowhere)."""
        with self.lock:
            while True:
                batch = self.app.recorder.select_notifications(
                    start=self.position, limit=500, topics=[OPENED, RECORDED, SUPERSEDED],
                    inclusive_of_start=False)
                for n in batch:
                    self._apply(self.app.mapper.to_domain_event(n))
                if batch:
                    self.position = batch[-1].id
                if len(batch) < 500:
                    return [r for r in self.rows.values() if superseded or r.status != "superseded"]

    def _apply(self, e: Any) -> None:
        key = str(e.originator_id)
        if isinstance(e, Callback.Opened):  # type: ignore[attr-defined]
            self.rows[key] = CallbackRow(key, e.report_id, e.case_id, e.receipt_no, e.region_code,
                                         e.opened_at, e.due_at)
        elif key in self.rows and isinstance(e, Callback.Superseded):  # type: ignore[attr-defined]
            self.rows[key].status, self.rows[key].done_at = "superseded", e.at
        elif key in self.rows:
            row = self.rows[key]
            row.status, row.reached, row.satisfaction, row.done_at = "done", e.reached, e.satisfaction, e.at
            row.by = e.by
