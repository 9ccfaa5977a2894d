"""eventsourcing's environment for each application and view: its store (its own tables or
SQLite file), the event key and suite, compression, the aggregate cache, and the prepared process
(the var dir, libpq's TLS variables)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any, Literal

from eventsourcing.application import Application

from services.common.crypto import SUITE_ENV
from services.common.settings import Settings

Store = Literal["sqlite", "postgres", "memory"]


class NotificationLog(Application[Any]):
    """Reads one application's stored events in notification order, under its name and tables."""

    def __init__(self, name: str, env: dict[str, str]):
        self.name = name
        super().__init__(env)


def environment(settings: Settings, store: Store, name: str, *, create_tables: bool,
                events: bool = True) -> dict[str, str]:
    """eventsourcing environment for one application (or view) with its own tables or file;
    only stores of events are encrypted (and so need the event key). Prepares the process too:
    makes the var dir (SQLite) or sets libpq's TLS variables in os.environ (PostgreSQL)."""
    env = {"CREATE_TABLE": "y" if create_tables else "n"}
    if events:
        env.update({
            "CIPHER_TOPIC": "services.common.crypto:RotatingCipher",
            "CIPHER_KEY": settings.ensure_secret("event"),
            SUITE_ENV: settings.crypto_suite,  # the suite of new events (RotatingCipher)
            "COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor",
            # Aggregates read again (a roster, a watch, a delivery, a case) are kept, and each
            # read only asks the store for events after the kept version: no event is opened
            # twice (#31). Fast-forwarding keeps them current with other processes' writes.
            "AGGREGATE_CACHE_MAXSIZE": "500",
        })
    if store == "postgres":
        env.update(settings.postgres_env())
        os.environ.update(settings.libpq_tls())  # every connection of the process
    elif store == "sqlite":
        Path(settings.var_dir).mkdir(parents=True, exist_ok=True)
        env["PERSISTENCE_MODULE"] = "eventsourcing.sqlite"
        # Each application its own file: eventsourcing's SQLite tracking table has a fixed name.
        env["SQLITE_DBNAME"] = str(Path(settings.var_dir) / f"{name}.sqlite")
    else:
        env["PERSISTENCE_MODULE"] = "eventsourcing.popo"
    return env


def store_environment(settings: Settings, store: Store, name: str, *, create_tables: bool
                      ) -> dict[str, str]:
    """A store without events (a view, an index, positions): no event key."""
    if store == "memory":
        # A shared-cache URI, unique per instance, so all pooled connections see one database.
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": f"file:{name}-{uuid.uuid4().hex}?mode=memory&cache=shared"}
    return environment(settings, store, name, create_tables=create_tables, events=False)
