"""Takes each service's audit notes (saved with their actions) into the trail, exactly once:
the entries and the source's new position commit together; a redelivery or a second process
finds the position moved and writes nothing."""

from __future__ import annotations

from typing import Any

from services.audit.trail import AuditTrail
from services.common.auditnote import NOTE_TOPIC
from services.common.periodic import Periodic


class AuditFollower:
    def __init__(self, trail: AuditTrail, sources: dict[str, Any], *, interval: float = 1.0):
        self.trail = trail
        self.sources = sources  # name -> an eventsourcing application holding notes
        self._periodic = Periodic("audit-follower", interval, self.pump)

    def pump(self, only: str | None = None) -> int:
        """Take every pending note (of one source, or all); returns how many."""
        taken = 0
        for name, app in self.sources.items():
            if only is not None and name != only:
                continue
            while True:
                position = self.trail.position(name)
                batch = app.recorder.select_notifications(
                    start=position, limit=200, topics=[NOTE_TOPIC], inclusive_of_start=False)
                if not batch:
                    break
                entries = [app.mapper.to_domain_event(n).entry for n in batch]
                if self.trail.append_from(name, position, batch[-1].id, entries):
                    taken += len(batch)
                    if len(batch) < 200:
                        break  # all taken; no need to ask again
        return taken

    def start(self) -> None:
        self._periodic.start()

    def stop(self) -> None:
        """Stops the rounds and takes whatever is still pending (shutdown)."""
        self._periodic.stop()
