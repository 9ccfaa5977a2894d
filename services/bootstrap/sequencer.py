"""The audit sequencer's container: the trail's single writer (a process of its own under
`make up`, threads of the embedded process under `make run`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.audit.checkpoints import Checkpointer
from services.audit.follower import AuditFollower
from services.audit.trail import AuditTrail
from services.bootstrap.wiring import Wiring

# The services whose actions leave notes.
AUDITED = ("intake", "accounts", "triage", "dispatch", "notify", "callbacks")


@dataclass
class SequencerContainer:
    """The audit trail's single writer: chains queued entries and notes, checkpoints the head."""

    trail: AuditTrail
    follower: AuditFollower
    checkpointer: Checkpointer
    owned: tuple[Any, ...] = ()

    def start(self) -> None:
        self.follower.start()
        self.checkpointer.start()

    def stop(self) -> None:
        self.follower.stop()  # every queued entry and note is in the chain
        self.checkpointer.stop()  # the head as it is at shutdown, signed and published

    def close(self) -> None:
        sink_close = getattr(self.checkpointer.sink, "close", None)
        if sink_close is not None:
            sink_close()
        for part in self.owned:
            part.close()


def sequencer_of(w: Wiring, trail: AuditTrail, sources: dict[str, Any],
                 owned: tuple[Any, ...] = ()) -> SequencerContainer:
    return SequencerContainer(trail, AuditFollower(trail, sources), w.checkpointer(trail), owned)


def bootstrap_sequencer(w: Wiring) -> SequencerContainer:
    """The distributed wiring's `audit` process: each service's log read with the event key only."""
    trail = w.audit()
    sources = {name: w.log_reader(name) for name in AUDITED}
    return sequencer_of(w, trail, sources, (trail, *sources.values()))
