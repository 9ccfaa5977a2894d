"""Admin commands of the `hotline` CLI: tables, users, erasure, audit, directory."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

import structlog

from services.audit.checkpoints import verify_checkpoints
from services.bootstrap import Wiring, bootstrap_cli
from services.bootstrap.migrations import applied, migrate
from services.bootstrap.roles import ensure_kafka_principals, ensure_roles
from services.common.auditnote import Actor
from services.common.errors import DomainError
from services.common.keystore import case_key_owner
from services.common.secrets import rotate_event_key
from services.common.settings import Settings
from services.gateway import totp_cli
from services.gateway.demo import create_demo_users, print_demo_users

log = structlog.get_logger("cli")


def out(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


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


def read_password(given: str | None) -> str:
    """--password for scripts; otherwise one line from standard input (kept off the command line)."""
    if given is not None:
        return given
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass("password: ")
    return sys.stdin.readline().rstrip("\n")


def cmd_users_add(settings: Settings, args: argparse.Namespace) -> int:
    cli = bootstrap_cli(Wiring.of(settings))
    try:
        principal = cli.accounts.add_user(args.username, read_password(args.password), args.role,
                                          args.agency, args.sentinel, channel=args.channel,
                                          actor=Actor(os.environ.get("USER", "admin"), "admin",
                                                      None, "cli"))
    except DomainError as exc:
        sys.stderr.write(f"hotline: {exc}\n")
        return 2
    finally:
        cli.close()
    out({"username": principal.subject, "role": principal.role,
         "agency_id": principal.agency_id, "sentinel_id": principal.sentinel_id})
    return 0


def cmd_users_change(settings: Settings, args: argparse.Namespace) -> int:
    """disable, enable or set-password: the account's tokens stop working within a second."""
    cli = bootstrap_cli(Wiring.of(settings))
    by = os.environ.get("USER", "admin")
    try:
        accounts = cli.accounts
        actor = Actor(by, "admin", None, "cli")
        if args.users_command == "disable":
            user = accounts.disable(args.username, by=by, actor=actor)
        elif args.users_command == "enable":
            user = accounts.enable(args.username, by=by, actor=actor)
        else:
            user = accounts.set_password(args.username, read_password(None), by=by, actor=actor)
    except DomainError as exc:
        sys.stderr.write(f"hotline: {exc}\n")
        return 2
    finally:
        cli.close()
    out({"username": user.username, "disabled": user.disabled})
    return 0


def cmd_erase(settings: Settings, args: argparse.Namespace) -> int:
    """Crypto-shred one report's personal data; the erasure is recorded as an event."""
    cli = bootstrap_cli(Wiring.of(settings))
    try:
        report = cli.intake.erase(args.report, reason=args.reason, by=args.by,
                                  actor=Actor(args.by, "admin", None, "cli"))
        case_id = cli.triage.case_for_report(str(report.id))
        if case_id is not None:  # what follow-up visits found about the child goes with it
            cli.keys.destroy(case_key_owner(str(case_id)))
    except DomainError as exc:
        sys.stderr.write(f"hotline: cannot erase {args.report}: {exc}\n")
        return 2
    finally:
        cli.close()
    out({"report_id": str(report.id),
         "erased_at": report.erased_at.isoformat() if report.erased_at else None})
    return 0


def cmd_audit_verify(settings: Settings, _: argparse.Namespace) -> int:
    """Walk the audit chain; exit 1 at the first altered, missing or reordered entry."""
    w = Wiring.of(settings)
    cli = bootstrap_cli(w)
    try:
        ok, checked, problem = cli.audit.verify()
        cp_ok, last, cp_problem = verify_checkpoints(cli.audit, settings.ensure_secret("audit"),
                                                     w.checkpoint_log())
        queued = cli.audit.queued()
    finally:
        cli.close()
    out({"ok": ok and cp_ok, "entries_checked": checked, "problem": problem or cp_problem or None,
         "queued": queued,  # recorded, not yet chained (the sequencer takes them within a second)
         "last_checkpoint": {"seq": last["seq"], "at": last["at"]} if last else None})
    return 0 if ok and cp_ok else 1


def cmd_agencies_list(settings: Settings, _: argparse.Namespace) -> int:
    out([a.public() for a in Wiring.of(settings).directory.agencies])
    return 0


def cmd_demo_users(settings: Settings, _: argparse.Namespace) -> int:
    """Demo accounts for a fresh var/ (never in production)."""
    if settings.environment == "production":
        sys.stderr.write("hotline: no demo accounts in production\n")
        return 2
    cli = bootstrap_cli(Wiring.of(settings))
    try:
        made = create_demo_users(cli.accounts, settings.var_dir)
    finally:
        cli.close()
    print_demo_users(made, settings.var_dir)
    return 0


def cmd_keys_rotate(settings: Settings, _: argparse.Namespace) -> int:
    """New events under a new event key; events under the old ones stay readable."""
    if settings.event_key:
        sys.stderr.write("hotline: HOTLINE_EVENT_KEY is set: rotate where it is kept, putting the new "
                         "key first ('new,old')\n")
        return 2
    kept = rotate_event_key(settings.secrets_dir)
    out({"rotated": "event", "keys_kept": kept,
         "next": "restart the services (make down && make up) so new events use the new key"})
    return 0


def add_commands(sub: Any) -> None:
    sub.add_parser("setup", help="the same as migrate").set_defaults(fn=cmd_migrate)
    migrate_cmd = sub.add_parser("migrate", help="create tables, apply pending migrations (before services)")
    migrate_cmd.add_argument("--status", action="store_true", help="list the migrations applied")
    migrate_cmd.set_defaults(fn=cmd_migrate)
    sub.add_parser("demo-users", help="demo accounts for a fresh var/, random passwords").set_defaults(
        fn=cmd_demo_users)
    users = sub.add_parser("users").add_subparsers(dest="users_command", required=True)
    add = users.add_parser("add", help="create a user")
    add.add_argument("--username", required=True)
    add.add_argument("--password", help="omit to read it from standard input; at least 10 characters "
                                        "of 3 classes (lower, upper, digits, others)")
    add.add_argument("--role", required=True)
    add.add_argument("--agency")
    add.add_argument("--sentinel")
    add.add_argument("--channel", help="an operator's hotline line: hotline_12345, hotline_12349 or "
                                       "hotline_12355 (the console's preset)")
    add.set_defaults(fn=cmd_users_add)
    for name, text in (("disable", "refuse the account's logins and tokens"),
                       ("enable", "allow the account again"),
                       ("set-password", "a new password from standard input; old tokens end")):
        change = users.add_parser(name, help=text)
        change.add_argument("--username", required=True)
        change.set_defaults(fn=cmd_users_change)
    totp_cli.add_command(users)
    erase = sub.add_parser("erase", help="crypto-shred a report's personal data")
    erase.add_argument("--report", required=True, help="report id")
    erase.add_argument("--reason", required=True)
    erase.add_argument("--by", default=os.environ.get("USER", "admin"), help="who erases")
    erase.set_defaults(fn=cmd_erase)
    audit = sub.add_parser("audit").add_subparsers(dest="audit_command", required=True)
    audit.add_parser("verify", help="check the audit trail's hash chain").set_defaults(
        fn=cmd_audit_verify)
    agencies = sub.add_parser("agencies").add_subparsers(dest="agencies_command", required=True)
    agencies.add_parser("list", help="the agency directory as JSON").set_defaults(fn=cmd_agencies_list)
