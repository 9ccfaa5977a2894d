"""One bootstrap per process: wires settings into applications, views and translators."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from eventsourcing.application import Application
from eventsourcing.persistence import InfrastructureFactory, Tracking, TrackingRecorder
from eventsourcing.utils import Environment

from projections.desk import DeskProjection, DeskViewMixin, PostgresDeskView, SQLiteDeskView
from services.common.audit import AuditApplication
from services.common.crypto import Hasher, derive_key
from services.common.keystore import KeyStore
from services.common.messages import Message
from services.common.settings import Settings
from services.dispatch.application import DispatchApplication
from services.dispatch.routing import Directory, ReferralMatrix
from services.dispatch.translate import dispatch_translator
from services.intake.accounts import AccountsApplication
from services.intake.application import IntakeApplication
from services.intake.disclosure import Disclosure
from services.intake.translate import IntakeTranslator
from services.triage.application import TriageApplication
from services.triage.rules import RiskRules
from services.triage.translate import triage_translator

Store = Literal["sqlite", "postgres", "memory"]
Translator = Callable[[Any], Message | None]
Handler = Callable[[Message | None, Tracking], None]


def store_of(settings: Settings) -> Store:
    return "postgres" if settings.distributed else "sqlite"


def app_env(settings: Settings, name: str, store: Store, *, create_tables: bool) -> dict[str, str]:
    """eventsourcing environment for one application (or view) with its own tables or file."""
    env = {
        "CIPHER_TOPIC": "eventsourcing.cipher:AESCipher",
        "CIPHER_KEY": derive_key(settings.data_key, "events"),
        "COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor",
        "CREATE_TABLE": "y" if create_tables else "n",
    }
    if store == "postgres":
        env.update(settings.postgres_env())
    elif store == "sqlite":
        Path(settings.var_dir).mkdir(parents=True, exist_ok=True)
        env["PERSISTENCE_MODULE"] = "eventsourcing.sqlite"
        # Each application its own file: eventsourcing's SQLite tracking table has a fixed name.
        env["SQLITE_DBNAME"] = str(Path(settings.var_dir) / f"{name}.sqlite")
    else:
        env["PERSISTENCE_MODULE"] = "eventsourcing.popo"
    return env


@dataclass
class Hotline:
    """The wired parts one process needs; absent parts are None."""

    settings: Settings
    store: Store
    hasher: Hasher
    directory: Directory
    intake: IntakeApplication | None = None
    accounts: AccountsApplication | None = None
    triage: TriageApplication | None = None
    dispatch: DispatchApplication | None = None
    view: DeskViewMixin | None = None
    keys: KeyStore | None = None
    audit: AuditApplication | None = None
    disclosure: Disclosure = field(default_factory=Disclosure.load)
    translators: dict[str, Translator] = field(default_factory=dict)

    def close(self) -> None:
        for app in (self.intake, self.accounts, self.triage, self.dispatch, self.audit):
            if app is not None:
                app.close()
        if self.view is not None:
            self.view.datastore.close()
        if self.keys is not None:
            self.keys.datastore.close()


ALL_PARTS = ("intake", "accounts", "triage", "dispatch", "view", "audit")


def bootstrap(
    settings: Settings | None = None,
    *,
    parts: tuple[str, ...] = ALL_PARTS,
    store: Store | None = None,
    create_tables: bool | None = None,
    rules: RiskRules | None = None,
    matrix: ReferralMatrix | None = None,
    directory: Directory | None = None,
    password_hasher: Any = None,
) -> Hotline:
    settings = settings or Settings()
    store = store or store_of(settings)
    if create_tables is None:
        # PostgreSQL tables are created once by `hotline setup`, never by running services.
        create_tables = store != "postgres"
    hasher = Hasher(settings.hash_key)
    directory = directory or Directory.load()
    h = Hotline(settings=settings, store=store, hasher=hasher, directory=directory)
    h.translators = {
        "intake": IntakeTranslator(),
        "triage": triage_translator,
        "dispatch": dispatch_translator,
    }

    def env(name: str) -> dict[str, str]:
        return app_env(settings, name, store, create_tables=create_tables)

    if {"intake", "triage"} & set(parts):
        h.keys = build_keystore(settings, store, create_tables=create_tables)
    if "intake" in parts:
        assert h.keys is not None
        h.intake = IntakeApplication(env("intake"), hasher=hasher, keys=h.keys)
    if "accounts" in parts:
        h.accounts = AccountsApplication(
            env("accounts"),
            known_agencies={a.agency_id for a in directory.agencies},
            password_hasher=password_hasher,
        )
    if "triage" in parts:
        h.triage = TriageApplication(env("triage"), rules=rules, keys=h.keys)
    if "dispatch" in parts:
        h.dispatch = DispatchApplication(
            env("dispatch"), ack_sla=settings.ack_sla, matrix=matrix, directory=directory
        )
    if "audit" in parts:
        h.audit = AuditApplication(env("audit"))
    if "view" in parts:
        h.view = build_view(settings, store, create_tables=create_tables)
    return h


def _store_env(settings: Settings, name: str, store: Store, *, create_tables: bool) -> dict[str, str]:
    if store == "memory":
        # A shared-cache URI, unique per instance, so all pooled connections see one database.
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": f"file:{name}-{uuid.uuid4().hex}?mode=memory&cache=shared"}
    return app_env(settings, name, store, create_tables=create_tables)


def build_keystore(settings: Settings, store: Store, *, create_tables: bool) -> KeyStore:
    factory: Any = InfrastructureFactory.construct(
        env=Environment("keys", _store_env(settings, "keys", store, create_tables=create_tables))
    )
    keys = KeyStore(factory.datastore, derive_key(settings.data_key, "kek"),
                    placeholder="%s" if store == "postgres" else "?")
    if create_tables or store != "postgres":
        keys.create_table()
    return keys


def build_view(settings: Settings, store: Store, *, create_tables: bool) -> DeskViewMixin:
    # In memory (unit tests) the view lives in a private in-memory SQLite database.
    view_class: type[TrackingRecorder] = PostgresDeskView if store == "postgres" else SQLiteDeskView
    store_env = _store_env(settings, "desk", store, create_tables=create_tables)
    factory = InfrastructureFactory.construct(env=Environment("desk", store_env))
    view = factory.tracking_recorder(view_class)
    assert isinstance(view, DeskViewMixin)
    return view


def process_handler(app: Application[Any]) -> Handler:
    def handle(message: Message | None, tracking: Tracking) -> None:
        app.process_event(message, tracking)  # type: ignore[attr-defined,arg-type]

    return handle


def projection_handler(view: DeskViewMixin) -> Handler:
    return DeskProjection(view).process_event
