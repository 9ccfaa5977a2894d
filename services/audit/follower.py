"""The audit trail's sequencer: takes the queued entries (reads, recorded by the API) and each
service's audit notes (saved with their actions) into the chain, exactly once and in time order:
the entries and what claims them (the queue rows' deletion, each source's new position) commit
together; a second sequencer finds them claimed and writes nothing. One runs per stack (the
`audit` process; in the embedded wiring, a thread)."""

from __future__ import annotations

from typing import Any

from services.audit.trail import AuditTrail
from services.common.auditnote import NOTE_TOPIC
from services.common.outbox import pending
from services.common.periodic import Periodic

BATCH = 500


class AuditFollower:
    def __init__(self, trail: AuditTrail, sources: dict[str, Any], *, interval: float = 0.5):
        self.trail = trail
        self.sources = sources  # name -> an eventsourcing application holding notes
        self._periodic = Periodic("audit-follower", interval, self.pump)

    def pump(self) -> int:
        """Take every queued entry and every pending note; returns how many."""
        taken = 0
        while True:
            n, full = self.round()
            taken += n
            if not full:
                return taken

    def round(self) -> tuple[int, bool]:
        """One batch from the queue and from each source, chained in one transaction: (how many
        were taken, whether any batch was full, so more may wait)."""
        queued = self.trail.pending(BATCH)
        entries = [entry for _, entry in queued]
        moves: list[tuple[str, int, int]] = []
        full = len(queued) == BATCH
        for name, app in self.sources.items():
            position = self.trail.position(name)
            # Up to the log's head, so the position passes the other events too: a log with few
            # notes (triage's) is not read from its last note to its end every round.
            batch, covered = pending(app, position, BATCH, (NOTE_TOPIC,))
            if covered > position:
                entries.extend(app.mapper.to_domain_event(n).entry for n in batch)
                moves.append((name, position, covered))
                full = full or len(batch) == BATCH
        if not self.trail.take(entries, queued=[i for i, _ in queued], moves=moves):
            return 0, True  # another sequencer took some first: read again
        return len(entries), full

    def start(self) -> None:
        self._periodic.start()

    def stop(self) -> None:
        """Stops the rounds and takes whatever is still pending (shutdown)."""
        self._periodic.stop()
