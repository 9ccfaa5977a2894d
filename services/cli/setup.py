"""`hotline setup|migrate`, `hotline keys env|rotate`, `hotline agencies list`: the tables, the
services' roles and principals, the keys, and the agency directory a deployment starts from."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import structlog

from services.bootstrap import Wiring
from services.bootstrap.migrations import applied, migrate
from services.bootstrap.roles import ensure_kafka_principals, ensure_roles
from services.cli.output import out
from services.common.secrets import rotate_event_key
from services.common.settings import Settings
from services.common.suites import SUITES
from services.runtime.workers import cmd_keys_env

log = structlog.get_logger("cli")


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    """Create the tables and apply the migrations not yet recorded (PostgreSQL: once, before the
    services start, which run with CREATE_TABLE=n); then the services' roles and principals."""
    w = Wiring.of(settings, create_tables=True)
    if getattr(args, "status", False):
        out(applied(w))
        return 0
    done = migrate(w)
    if w.store == "postgres":
        ensure_roles(settings.database_url, settings.secrets_dir)
    if settings.kafka_bootstrap_servers and settings.kafka_principals:
        ensure_kafka_principals(settings.kafka_bootstrap_servers, settings.kafka_security(),
                                settings.secrets_dir)
    log.info("tables ready", store=w.store, migrated=done)
    return 0


def cmd_keys_rotate(settings: Settings, args: argparse.Namespace) -> int:
    """New events under a new event key; events under the old ones stay readable. With --suite:
    instead, every data key wrapped again under that suite (contract §14)."""
    if args.suite:
        return reseal_data_keys(settings, args.suite)
    if settings.event_key:
        sys.stderr.write("hotline: HOTLINE_EVENT_KEY is set: rotate where it is kept, putting the new "
                         "key first ('new,old')\n")
        return 2
    kept = rotate_event_key(settings.secrets_dir)
    out({"rotated": "event", "keys_kept": kept,
         "next": "restart the services (make down && make up) so new events use the new key"})
    return 0


def reseal_data_keys(settings: Settings, suite: str) -> int:
    """Each wrapped data key opened and sealed again under the suite; a re-run finishes a run cut
    short (those already under it are left as they are)."""
    keys = Wiring.of(settings).keystore(suite)
    try:
        resealed, kept = keys.reseal()
    finally:
        keys.close()
    switch = f"set HOTLINE_CRYPTO_SUITE={suite} for every process and restart them (new data under it)"
    out({"resealed": "data keys", "suite": suite, "count": resealed, "already_under_suite": kept,
         "next": "" if settings.crypto_suite == suite else switch})
    return 0


def cmd_agencies_list(settings: Settings, _: argparse.Namespace) -> int:
    out([a.public() for a in Wiring.of(settings).directory.agencies])
    return 0


def add_commands(sub: Any) -> None:
    sub.add_parser("setup", help="the same as migrate").set_defaults(fn=cmd_migrate)
    migrate_cmd = sub.add_parser("migrate", help="create tables, apply pending migrations (before services)")
    migrate_cmd.add_argument("--status", action="store_true", help="list the migrations applied")
    migrate_cmd.set_defaults(fn=cmd_migrate)
    keys = sub.add_parser("keys").add_subparsers(dest="keys_command", required=True)
    env = keys.add_parser("env", help="the HOTLINE_*_KEY lines one process needs, and no others")
    env.add_argument("--process", required=True, help="a name from `hotline processes`")
    env.set_defaults(fn=cmd_keys_env)
    rotate = keys.add_parser("rotate", help="a new event key; old events stay readable")
    rotate.add_argument("--suite", choices=sorted(SUITES),
                        help="instead: re-seal every data key under this suite (aes, sm)")
    rotate.set_defaults(fn=cmd_keys_rotate)
    agencies = sub.add_parser("agencies").add_subparsers(dest="agencies_command", required=True)
    agencies.add_parser("list", help="the agency directory as JSON").set_defaults(fn=cmd_agencies_list)
