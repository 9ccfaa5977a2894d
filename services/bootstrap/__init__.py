"""The one composition root: settings in, a typed container per process kind out.
Entry points (services.api, services.cli, services.runtime) call it; nothing below imports it.
Each name is imported when first asked for, so a process that reads only the topology (the
API's supervisor, `hotline processes`) loads none of the rooms (#31)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from services.bootstrap.cli_container import CliContainer, bootstrap_cli
    from services.bootstrap.handlers import edges_of, process_batch_handler, process_handler
    from services.bootstrap.outboxes import TRANSLATORS
    from services.bootstrap.processes import (
        ApiContainer,
        ConsumerContainer,
        EmbeddedContainer,
        RelayContainer,
        SchedulerContainer,
        bootstrap_api,
        bootstrap_consumer,
        bootstrap_embedded,
        bootstrap_relay,
        bootstrap_scheduler,
        setup_tables,
    )
    from services.bootstrap.sequencer import AUDITED, SequencerContainer, bootstrap_sequencer, sequencer_of
    from services.bootstrap.topology import CONSUMERS, RELAYS
    from services.bootstrap.wiring import Overrides, Store, Wiring

_WHERE = {
    "cli_container": ("CliContainer", "bootstrap_cli"),
    "handlers": ("edges_of", "process_batch_handler", "process_handler"),
    "outboxes": ("TRANSLATORS",),
    "processes": ("ApiContainer", "ConsumerContainer", "EmbeddedContainer", "RelayContainer",
                  "SchedulerContainer", "bootstrap_api", "bootstrap_consumer", "bootstrap_embedded",
                  "bootstrap_relay", "bootstrap_scheduler", "setup_tables"),
    "sequencer": ("AUDITED", "SequencerContainer", "bootstrap_sequencer", "sequencer_of"),
    "topology": ("CONSUMERS", "RELAYS"),
    "wiring": ("Overrides", "Store", "Wiring"),
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}

__all__ = [
    "AUDITED", "CONSUMERS", "RELAYS", "TRANSLATORS", "ApiContainer", "CliContainer",
    "ConsumerContainer", "EmbeddedContainer", "Overrides", "RelayContainer", "SchedulerContainer",
    "SequencerContainer", "Store", "Wiring",
    "bootstrap_api", "bootstrap_cli", "bootstrap_consumer", "bootstrap_embedded",
    "bootstrap_relay", "bootstrap_scheduler", "bootstrap_sequencer", "edges_of",
    "process_batch_handler", "process_handler", "sequencer_of", "setup_tables",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
