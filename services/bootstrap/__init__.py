"""The one composition root: settings in, a typed container per process kind out.
Entry points (services.api, services.cli, services.runtime) call it; nothing below imports it."""

from services.bootstrap.cli_container import CliContainer, bootstrap_cli
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
    edges_of,
    process_batch_handler,
    process_handler,
    setup_tables,
)
from services.bootstrap.sequencer import (
    AUDITED,
    SequencerContainer,
    bootstrap_sequencer,
    sequencer_of,
)
from services.bootstrap.topology import CONSUMERS, RELAYS
from services.bootstrap.wiring import Overrides, Store, Wiring

__all__ = [
    "AUDITED", "CONSUMERS", "RELAYS", "TRANSLATORS", "ApiContainer", "CliContainer",
    "ConsumerContainer", "EmbeddedContainer", "Overrides", "RelayContainer", "SchedulerContainer",
    "SequencerContainer", "Store", "Wiring",
    "bootstrap_api", "bootstrap_cli", "bootstrap_consumer", "bootstrap_embedded",
    "bootstrap_relay", "bootstrap_scheduler", "bootstrap_sequencer", "edges_of",
    "process_batch_handler", "process_handler", "sequencer_of", "setup_tables",
]
