"""Process settings from HOTLINE_* environment variables."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.common.clocks import (
    DEFAULT_ACK_SLA,
    DEFAULT_FIRST_VISIT_HOURS,
    DEFAULT_VISIT_INTERVAL_DAYS,
    parse_ack_sla,
    parse_per_level,
    parse_visit_clock,
)
from services.common.database_url import libpq_tls, postgres_env
from services.common.kafka.security import sasl
from services.common.networks import parse_networks
from services.common.outbound import AddressGuard, parse_allowed
from services.common.secrets import PURPOSES, MissingKey, check_key, ensure_keys, key_file, read_key
from services.common.setting_checks import (
    BOUNDS,
    TOTP_DEFAULT_ROLES,
    bounded,
    check_suite,
    check_supervisor_webhook,
    package_version,
    parse_totp_roles,
)

__all__ = ["TOTP_DEFAULT_ROLES", "Settings", "package_version", "parse_totp_roles"]


class Settings(BaseSettings):
    """Everything a process needs to know about its environment."""

    model_config = SettingsConfigDict(env_prefix="HOTLINE_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    # What this process runs, in /healthz and hotline_build_info: the package's version unless
    # a deployment names its release (a rolling upgrade watches each process report the new one).
    release: str = Field(default_factory=lambda: package_version())
    var_dir: Path = Path("var")
    # A consumer's static group membership (make up sets one per process; unique in its group).
    consumer_instance: str = ""
    # Members per consumer group in the distributed wiring, e.g. `triage=2,dispatch=2,desk=1`.
    consumers: str = ""
    # The outbox relays as one process (`one`), or a process per application (`each`).
    relays: Literal["one", "each"] = "one"
    # API worker processes (distributed wiring); 0: half the cores, at least one (serve.worker_count).
    api_workers: int = Field(default=0, ge=0, le=32)
    # After a relay publishes or a consumer applies something, it waits this long before it looks
    # again, so what arrives meanwhile travels and commits together. A lone report goes through at
    # once; under load each hop adds at most this. 50 ms: CPU per report at one client 32.8–35.4 →
    # 20.2–23.6 ms, POST p50 16–17 → 9.5–10.4 ms (#31); 0 looks again at once.
    pipeline_gather_ms: int = 50
    # The relays, consumers and audit sequencer run this much nicer (lower CPU priority) than the
    # API and the scheduler: when the cores are full, a report is taken first and handled later.
    # Off by default: at 10, 50 clients posted 13 % more a second, but reports reached the desks
    # slower at 100-130/s and the sustained rate fell from 130 to 120 (#31, stop 54's A/B).
    pipeline_nice: int = Field(default=0, ge=0, le=19)
    # /readyz says "degraded" when an outbox backlog or a consumer's lag exceeds this.
    lag_threshold: int = 1000
    # `make chaos` only: faults armed by files under var/faults (ignored in production).
    fault_injection: bool = False
    host: str = "127.0.0.1"
    port: int = 8000
    # Empty: embedded wiring on SQLite files under var_dir; a libpq URL: PostgreSQL.
    database_url: str = ""
    kafka_bootstrap_servers: str = ""
    # Keys (services/common/secrets.py): from here, or else from var/secrets/<purpose>.key.
    event_key: str = ""
    data_key: str = ""
    hash_key: str = ""
    receipt_key: str = ""
    token_key: str = ""
    audit_key: str = ""
    # Whether key files under var/secrets are read (and, outside production, created when
    # missing). `make up` turns it off for services: each gets only its keys, in its environment.
    key_files: bool = True
    token_ttl_seconds: int = 3600
    # A page session nobody uses ends after this many minutes (contract §10).
    session_idle_minutes: int = Field(default=30, ge=1, le=1440)
    # Who may read the API's /metrics without a token: these addresses or networks (Prometheus).
    metrics_allowed_networks: str = "127.0.0.1/32,::1/128"
    ack_sla_seconds: str = DEFAULT_ACK_SLA
    first_visit_hours: str = DEFAULT_FIRST_VISIT_HOURS
    visit_interval_days: str = DEFAULT_VISIT_INTERVAL_DAYS
    # SASL_PLAINTEXT with SCRAM in make up, SASL_SSL on a cluster with TLS: each service its own
    # principal (see roles.py). The CA file checks the brokers' certificates (system CAs if empty).
    kafka_security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SSL", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: str = "SCRAM-SHA-512"
    kafka_sasl_username: str = ""
    kafka_sasl_password: str = ""
    kafka_ssl_cafile: str = ""
    log_level: str = "INFO"
    # Addresses or networks of reverse proxies whose X-Forwarded-For/-Proto are believed.
    trusted_proxies: str = ""
    # A worker process's own /healthz and /metrics (0: none); `make up` and the systemd units
    # give each worker its own, from HOTLINE_METRICS_BASE_PORT up, in `hotline processes` order.
    metrics_port: int = Field(default=0, ge=0, le=65535)
    metrics_base_port: int = Field(default=9400, ge=1024, le=65000)
    # Where people open the desk: the link in every notification (default http://host:port).
    public_url: str = ""
    # The supervisors' webhook (contract §8): told of every escalation, signed with its secret.
    supervisor_webhook: str = ""
    supervisor_webhook_secret: str = ""
    supervisor_webhook_format: Literal["json", "wecom", "dingtalk"] = "json"
    # The upward report of major incidents (重大事项, contract §12), signed like §8 with its secret.
    upward_webhook: str = ""
    upward_webhook_secret: str = ""
    upward_webhook_format: Literal["json", "wecom", "dingtalk"] = "json"
    # Each webhook attempt's limit, and how many run at once (contract §11).
    webhook_timeout_seconds: float = 5.0
    webhook_concurrency: int = 16
    # Inside networks (loopback, private…) a webhook may reach all the same, as CIDRs (contract
    # §10): none by default; the tests and the demo set 127.0.0.0/8 for their local receivers.
    webhook_allowed_networks: str = ""
    # Distinct children one operator may look up by the repeat check in an hour (contract §10).
    repeat_checks_per_hour: int = 120
    # Days the caller history (来电弹屏, contract §13) reaches back; older entries are dropped.
    caller_history_days: int = 365
    # Days a closed case's reporter waits for a callback (回访, contract §13).
    callback_days: int = 3
    # The suite of new sealed data, keyed hashes and audit entries (contract §14): aes or sm (国密).
    crypto_suite: Annotated[str, AfterValidator(check_suite)] = "aes"
    # Roles that log in with a TOTP code as well (contract §10); unset: TOTP_DEFAULT_ROLES in
    # production, none elsewhere.
    totp_roles: str | None = None

    @field_validator("ack_sla_seconds")
    @classmethod
    def _check_sla(cls, value: str) -> str:
        parse_ack_sla(value)
        return value

    @field_validator("first_visit_hours", "visit_interval_days")
    @classmethod
    def _check_visit_clock(cls, value: str, info: ValidationInfo) -> str:
        unit = "hours" if info.field_name == "first_visit_hours" else "days"
        parse_per_level(value, f"HOTLINE_{str(info.field_name).upper()}", unit)
        return value

    @field_validator(*BOUNDS, mode="before")
    @classmethod
    def _check_bounded(cls, value: Any, info: ValidationInfo) -> float:
        kind, low, high, unit = BOUNDS[str(info.field_name)]
        return bounded(value, f"HOTLINE_{str(info.field_name).upper()}", kind, low, high, unit)

    @field_validator("totp_roles")
    @classmethod
    def _check_totp_roles(cls, value: str | None) -> str | None:
        if value is not None:
            parse_totp_roles(value, "development")
        return value

    @field_validator("trusted_proxies", "metrics_allowed_networks")
    @classmethod
    def _check_networks(cls, value: str, info: ValidationInfo) -> str:
        parse_networks(value, f"HOTLINE_{str(info.field_name).upper()}")
        return value

    @field_validator(*(f"{p}_key" for p in PURPOSES))
    @classmethod
    def _check_key(cls, value: str, info: ValidationInfo) -> str:
        return check_key(value, f"HOTLINE_{str(info.field_name).upper()}") if value else value

    @field_validator("kafka_ssl_cafile")
    @classmethod
    def _check_cafile(cls, value: str) -> str:
        if value and not Path(value).is_file():
            raise ValueError(f"HOTLINE_KAFKA_SSL_CAFILE: no file at {value} (the CA that signed the"
                             " brokers' certificates, PEM)")
        return value

    @field_validator("webhook_allowed_networks")
    @classmethod
    def _check_webhook_networks(cls, value: str) -> str:
        parse_allowed(value)
        return value

    @model_validator(mode="after")
    def _check_supervisor_webhook(self) -> Settings:
        if self.supervisor_webhook:
            check_supervisor_webhook(self.supervisor_webhook, self.supervisor_webhook_secret,
                                     self.webhook_guard)
        if self.upward_webhook:
            check_supervisor_webhook(self.upward_webhook, self.upward_webhook_secret,
                                     self.webhook_guard, "HOTLINE_UPWARD_WEBHOOK")
        return self

    @cached_property
    def webhook_guard(self) -> AddressGuard:
        """The webhook address rule with HOTLINE_WEBHOOK_ALLOWED_NETWORKS, parsed once."""
        return AddressGuard(parse_allowed(self.webhook_allowed_networks))

    @property
    def desk_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"

    def kafka_security(self) -> dict[str, Any]:
        return sasl(self.kafka_security_protocol, self.kafka_sasl_mechanism,
                    self.kafka_sasl_username, self.kafka_sasl_password, self.kafka_ssl_cafile)

    @property
    def kafka_principals(self) -> bool:
        """Whether the broker knows principals by SASL (then each service gets its own)."""
        return self.kafka_security_protocol.startswith("SASL_") and bool(self.kafka_sasl_username)

    @property
    def secrets_dir(self) -> Path:
        return Path(self.var_dir) / "secrets"

    def ensure_secret(self, purpose: str) -> str:
        """A key by purpose: the environment first, then its key file; else the process stops
        with a message saying how to provide it (production never makes keys up)."""
        value = str(getattr(self, f"{purpose}_key"))
        if value:
            return value
        if self.key_files:
            if self.environment != "production":
                ensure_keys(self.secrets_dir)
            found = read_key(self.secrets_dir, purpose)
            if found:
                return found
        raise MissingKey(
            f"no {purpose} key: set HOTLINE_{purpose.upper()}_KEY (openssl rand -base64 32) or put "
            f"it in {key_file(self.secrets_dir, purpose)}; it {PURPOSES[purpose]}")

    @cached_property
    def ack_sla(self) -> dict[str, int]:
        return parse_ack_sla(self.ack_sla_seconds)

    @cached_property
    def second_factor_roles(self) -> frozenset[str]:
        """The roles that must give a TOTP code with their password (HOTLINE_TOTP_ROLES)."""
        return parse_totp_roles(self.totp_roles, self.environment)

    @property
    def visit_clock(self) -> tuple[dict[str, float], dict[str, float]]:
        """(first visit hours, visit interval days) per risk level."""
        return parse_visit_clock(self.first_visit_hours, self.visit_interval_days)

    @property
    def distributed(self) -> bool:
        return bool(self.database_url)

    def libpq_tls(self) -> dict[str, str]:
        """TLS settings in the database URL's query as libpq's environment variables."""
        return libpq_tls(self.database_url)

    def postgres_env(self) -> dict[str, str]:
        """eventsourcing's POSTGRES_* variables from the libpq URL."""
        return postgres_env(self.database_url)
