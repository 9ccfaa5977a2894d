"""Process settings from HOTLINE_* environment variables."""

from __future__ import annotations

import base64
from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlparse

from pydantic import field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.common.vocabulary import RISK_LEVELS
from services.common.web.proxies import parse_networks

# Development-only keys: fine on a laptop, refused anywhere else.
DEV_DATA_KEY = base64.b64encode(b"hotline-dev-data-key-32-bytes!!!").decode()
DEV_HASH_KEY = base64.b64encode(b"hotline-dev-hash-key-32-bytes!!!").decode()
DEV_TOKEN_KEY = base64.b64encode(b"hotline-dev-token-key-32-bytes!!").decode()

DEFAULT_ACK_SLA = "red=900,orange=7200,yellow=86400,blue=259200"


def parse_ack_sla(text: str) -> dict[str, int]:
    """Parse 'red=900,orange=7200,...' into seconds per risk level."""
    result: dict[str, int] = {}
    for part in text.split(","):
        level, sep, seconds = part.strip().partition("=")
        if not sep or level not in RISK_LEVELS or not seconds.isdigit() or int(seconds) <= 0:
            raise ValueError(
                f"HOTLINE_ACK_SLA_SECONDS entry {part!r} must look like 'red=900' "
                f"with a level in {RISK_LEVELS} and a positive whole number of seconds"
            )
        result[level] = int(seconds)
    missing = [level for level in RISK_LEVELS if level not in result]
    if missing:
        raise ValueError(f"HOTLINE_ACK_SLA_SECONDS lacks levels: {', '.join(missing)}")
    return result


class Settings(BaseSettings):
    """Everything a process needs to know about its environment."""

    model_config = SettingsConfigDict(env_prefix="HOTLINE_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    var_dir: Path = Path("var")
    host: str = "127.0.0.1"
    port: int = 8000
    # Empty: embedded wiring on SQLite files under var_dir; a libpq URL: PostgreSQL.
    database_url: str = ""
    kafka_bootstrap_servers: str = ""
    data_key: str = DEV_DATA_KEY
    hash_key: str = DEV_HASH_KEY
    token_key: str = DEV_TOKEN_KEY
    token_ttl_seconds: int = 3600
    ack_sla_seconds: str = DEFAULT_ACK_SLA
    kafka_partitions: int = 6
    log_level: str = "INFO"
    # Addresses or networks of reverse proxies whose X-Forwarded-For/-Proto are believed.
    trusted_proxies: str = ""

    @field_validator("ack_sla_seconds")
    @classmethod
    def _check_sla(cls, value: str) -> str:
        parse_ack_sla(value)
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: str) -> str:
        parse_networks(value)
        return value

    @field_validator("data_key", "hash_key", "token_key")
    @classmethod
    def _check_key(cls, value: str) -> str:
        try:
            raw = base64.b64decode(value, validate=True)
        except ValueError as exc:
            raise ValueError("keys must be base64 (e.g. `openssl rand -base64 32`)") from exc
        if len(raw) != 32:
            raise ValueError("keys must decode to 32 bytes (e.g. `openssl rand -base64 32`)")
        return value

    @model_validator(mode="after")
    def _refuse_dev_keys_outside_development(self) -> Settings:
        if self.environment != "development":
            dev = {DEV_DATA_KEY, DEV_HASH_KEY, DEV_TOKEN_KEY}
            if {self.data_key, self.hash_key, self.token_key} & dev:
                raise ValueError(
                    "HOTLINE_DATA_KEY, HOTLINE_HASH_KEY and HOTLINE_TOKEN_KEY must be set to "
                    "secret values (openssl rand -base64 32) "
                    f"when HOTLINE_ENVIRONMENT={self.environment}"
                )
        return self

    @cached_property
    def ack_sla(self) -> dict[str, int]:
        return parse_ack_sla(self.ack_sla_seconds)

    @property
    def distributed(self) -> bool:
        return bool(self.database_url)

    def postgres_env(self) -> dict[str, str]:
        """eventsourcing's POSTGRES_* variables from the libpq URL."""
        url = urlparse(self.database_url)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": url.path.lstrip("/"),
            "POSTGRES_HOST": url.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": unquote(url.username or ""),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
            "POSTGRES_POOL_SIZE": "4",
            "POSTGRES_MAX_OVERFLOW": "8",
            "POSTGRES_CONNECT_TIMEOUT": "10",
        }
