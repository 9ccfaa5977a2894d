"""How one process reaches its stores: eventsourcing environments, the key store, the view."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from argon2 import PasswordHasher
from eventsourcing.application import Application
from eventsourcing.persistence import InfrastructureFactory, TrackingRecorder
from eventsourcing.utils import Environment

from services.bootstrap.environments import NotificationLog, Store, environment, store_environment
from services.common import pgpool
from services.common.crypto import UPWARD_SUMMARY, Hasher, Sealer
from services.common.faults import FaultFile, never
from services.common.keystore import FileKeys, KeyBackend, KeyStore, SQLiteKeys
from services.common.messages import AUDIT_CHECKPOINTS_TOPIC
from services.common.settings import Settings
from services.common.store import Sql

# The rooms are imported by the method that builds one: a process loads only those it runs (a
# relay none of them, a consumer its own: about 7 MiB less of each process, #31).
if TYPE_CHECKING:
    from projections.desk.view import DeskView
    from services.accounts.application import AccountsApplication
    from services.audit.checkpoints import Checkpointer, CheckpointLog
    from services.audit.trail import AuditTrail
    from services.common.throttle import Throttle
    from services.dispatch.application import DispatchApplication
    from services.dispatch.routing import Directory, ReferralMatrix
    from services.intake.application import IntakeApplication
    from services.intake.callbacks import CallbacksApplication
    from services.intake.callers import CallerIndex
    from services.notify.application import NotifyApplication
    from services.notify.notifier import Notifier
    from services.triage.application import TriageApplication
    from services.triage.assessment import RiskRules



pgpool.install()


@dataclass(frozen=True)
class Overrides:
    """What tests may replace: rule data, the directory, a cheap password hasher."""

    rules: RiskRules | None = None
    matrix: ReferralMatrix | None = None
    directory: Directory | None = None
    password_hasher: PasswordHasher | None = None


@dataclass
class Wiring:
    """Settings turned into stores; each application its own tables or SQLite file."""

    settings: Settings
    store: Store
    create_tables: bool
    overrides: Overrides = field(default_factory=Overrides)

    @classmethod
    def of(cls, settings: Settings, store: Store | None = None, *, create_tables: bool | None = None,
           overrides: Overrides | None = None) -> Wiring:
        store = store or ("postgres" if settings.distributed else "sqlite")
        # PostgreSQL tables are created once by `hotline migrate`, never by running services.
        create = store != "postgres" if create_tables is None else create_tables
        return cls(settings, store, create, overrides or Overrides())

    def prepare_environment(self, name: str, *, events: bool = True) -> dict[str, str]:
        """eventsourcing's environment for one application or view (`environments.py`)."""
        return environment(self.settings, self.store, name, create_tables=self.create_tables, events=events)

    def _store_env(self, name: str) -> dict[str, str]:
        return store_environment(self.settings, self.store, name, create_tables=self.create_tables)

    def fault(self, name: str) -> Callable[[], None]:
        """A crash point for `make chaos` (var/faults/<name>), or nothing outside it."""
        if not self.settings.fault_injection or self.settings.environment == "production":
            return never
        return FaultFile(Path(self.settings.var_dir) / "faults" / name).crash_if_armed

    def factory(self, name: str) -> Any:
        return InfrastructureFactory.construct(env=Environment(name, self._store_env(name)))

    @cached_property
    def directory(self) -> Directory:
        from services.dispatch.routing import Directory

        return self.overrides.directory or Directory.load()

    def keystore(self, suite: str | None = None) -> KeyStore:
        """Data keys in a store of their own: SQLite (embedded, in memory for unit tests) or,
        with PostgreSQL, files under var/keys (never in the database with the events); wrapped
        under HOTLINE_CRYPTO_SUITE's suite, or the one given (`hotline keys rotate --suite`)."""
        backend: KeyBackend
        if self.store == "postgres":
            backend = FileKeys(Path(self.settings.var_dir) / "keys")
        else:
            backend = SQLiteKeys(self.factory("keys").datastore)
        return KeyStore(backend, self.settings.ensure_secret("data"), suite or self.settings.crypto_suite)

    def throttle(self) -> Throttle:
        from services.common.throttle import Throttle

        throttle = Throttle(Sql(self.factory("throttle").datastore))
        if self.create_tables or self.store != "postgres":
            throttle.create_tables()
        return throttle

    def view(self) -> DeskView:
        from projections.desk.postgres import PostgresDeskView
        from projections.desk.sqlite import SQLiteDeskView

        view_class = PostgresDeskView if self.store == "postgres" else SQLiteDeskView
        return cast("DeskView", self.factory("desk").tracking_recorder(view_class))

    def position_recorder(self, name: str) -> TrackingRecorder:
        """Where a relay records how far it has published (its own tracking table)."""
        env = self.prepare_environment(name, events=False)
        if self.store == "postgres":  # committed without waiting for the disk
            env["TRACKING_RECORDER_TOPIC"] = "services.common.kafka.relay:RelayPositions"
        factory = InfrastructureFactory.construct(env=Environment(name, env))
        return cast(TrackingRecorder, factory.tracking_recorder())

    def log_reader(self, name: str) -> Application[Any]:
        """An application's notification log, readable without its keys or rules (relays)."""
        return NotificationLog(name, self.prepare_environment(name))

    def intake(self, keys: KeyStore) -> IntakeApplication:
        from services.intake.application import IntakeApplication

        env = self.prepare_environment("intake")
        # The caller index in the report's own transaction (not in memory: no SQL there).
        recorder = {"postgres": "IntakeRecorder", "sqlite": "SQLiteIntakeRecorder"}.get(self.store)
        if recorder:
            env["APPLICATION_RECORDER_TOPIC"] = f"services.intake.callers:{recorder}"
        intake = IntakeApplication(env, hasher=self.hasher("receipt"), keys=keys)
        intake.callers, intake.callers_in_save = self.callers(intake), recorder is not None
        return intake

    def callers(self, intake: Application[Any]) -> CallerIndex:
        """The caller history's index (§13), under the hash key with a purpose of its own; in
        intake's own file embedded (a file of its own before #31: its rows taken in, it goes)."""
        from services.intake.callers import CallerIndex

        sqlite = self.store == "sqlite"
        store = cast(Any, intake.recorder) if sqlite else self.factory("callers")
        index = CallerIndex(Sql(store.datastore), self.hasher("hash"), self.settings.caller_history_days)
        if self.create_tables or self.store != "postgres":
            index.create_table()
        if sqlite and (old := Path(self.settings.var_dir) / "callers.sqlite").exists():
            index.adopt(Sql(self.factory("callers").datastore), old)
        return index

    def callbacks(self, keys: KeyStore, reports: Application[Any] | None = None) -> CallbacksApplication:
        """Reads intake's reports (its own store when not given) and opens the reporter's phone
        with the data key: a callback is opened only for a reporter who can be called."""
        from services.intake.callbacks import CallbacksApplication

        return CallbacksApplication(self.prepare_environment("callbacks"),
                                    reports=reports or self.log_reader("intake"), keys=keys,
                                    days=self.settings.callback_days)

    def accounts(self) -> AccountsApplication:
        from services.accounts.application import AccountsApplication

        return AccountsApplication(
            self.prepare_environment("accounts"),
            known_agencies={a.agency_id for a in self.directory.agencies},
            password_hasher=self.overrides.password_hasher)

    def triage(self, keys: KeyStore) -> TriageApplication:
        """With the hash key: the consumer matches reports about one child with it, the API
        answers the operators' repeat checks."""
        from services.triage.application import TriageApplication

        return TriageApplication(self.prepare_environment("triage"), rules=self.overrides.rules, keys=keys,
                                 hasher=self.hasher("hash"), summaries=self.upward_summaries())

    def dispatch(self) -> DispatchApplication:
        from services.dispatch.application import DispatchApplication
        from services.dispatch.followups import VisitClock

        return DispatchApplication(self.prepare_environment("dispatch"), ack_sla=self.settings.ack_sla,
                                   matrix=self.overrides.matrix, directory=self.directory,
                                   visit_clock=VisitClock(*self.settings.visit_clock))

    def upward_summaries(self) -> Sealer:
        """A supervisor's major-incident summary on the wire: under the event key's subkey for it
        (triage seals, notify opens; no data key in the process that talks to the outside)."""
        return Sealer(self.settings.ensure_secret("event"), suite=self.settings.crypto_suite,
                      info=UPWARD_SUMMARY)

    def hasher(self, purpose: str) -> Hasher:
        """Keyed hashes under the key of that purpose, in the suite of HOTLINE_CRYPTO_SUITE."""
        return Hasher(self.settings.ensure_secret(purpose), self.settings.crypto_suite)

    def notify(self) -> NotifyApplication:
        """Without the data key: it opens a supervisor's major-incident summary with the event key's
        subkey for it (contract §10, least privilege)."""
        from services.notify.application import NotifyApplication, SupervisorHook

        s = self.settings
        hook = (SupervisorHook(s.supervisor_webhook, s.supervisor_webhook_secret, s.supervisor_webhook_format)
                if s.supervisor_webhook else None)
        upward = (SupervisorHook(s.upward_webhook, s.upward_webhook_secret, s.upward_webhook_format)
                  if s.upward_webhook else None)
        return NotifyApplication(self.prepare_environment("notify"), desk_url=s.desk_url, supervisors=hook,
                                 guard=s.webhook_guard, upward_hook=upward,
                                 summaries=self.upward_summaries())

    def notifier(self, app: NotifyApplication) -> Notifier:
        """The attempts' limits from the settings (HOTLINE_WEBHOOK_TIMEOUT_SECONDS, _CONCURRENCY)."""
        from services.notify.notifier import PROBE_EVERY, Notifier

        return Notifier(app, timeout=self.settings.webhook_timeout_seconds,
                        concurrency=self.settings.webhook_concurrency, probe_every=PROBE_EVERY)

    def audit(self) -> AuditTrail:
        """The trail in a store of its own (sealed under the event key), new entries sealed and
        chained in the suite of HOTLINE_CRYPTO_SUITE."""
        from services.audit.trail import AuditTrail

        trail = AuditTrail(Sql(self.factory("audit").datastore), self.settings.ensure_secret("event"),
                           self.settings.crypto_suite)
        if self.create_tables or self.store != "postgres":
            trail.create_tables()
        return trail

    def checkpoint_log(self) -> CheckpointLog:
        """Outside the database: a Kafka topic (distributed) or a file under var/ (embedded)."""
        from services.audit.checkpoints import FileCheckpointLog
        from services.common.kafka.log import KafkaTopicLog

        if self.store == "postgres" and self.settings.kafka_bootstrap_servers:
            return KafkaTopicLog(self.settings.kafka_bootstrap_servers, AUDIT_CHECKPOINTS_TOPIC,
                                 client_id="hotline-audit-checkpoints",
                                 security=self.settings.kafka_security())
        return FileCheckpointLog(Path(self.settings.var_dir) / "audit" / "checkpoints.jsonl")

    def checkpointer(self, audit: AuditTrail) -> Checkpointer:
        from services.audit.checkpoints import Checkpointer

        return Checkpointer(audit, self.settings.ensure_secret("audit"), self.checkpoint_log())
