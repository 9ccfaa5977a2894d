"""Admin commands of the `hotline` CLI: tables, users, erasure, audit, directory."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

import structlog

from projections.desk.rebuild import differences, messages, positions, rebuild, swap
from services.audit.checkpoints import verify_checkpoints
from services.bootstrap import TRANSLATORS, Wiring, bootstrap_cli, setup_tables
from services.bootstrap.roles import ensure_kafka_principals, ensure_roles
from services.common.auditnote import Actor
from services.common.errors import DomainError
from services.common.kafka.deadletters import DeadLetters
from services.common.secrets import rotate_event_key
from services.common.settings import Settings
from services.gateway.demo import create_demo_users, print_demo_users
from services.gateway.progress import counted, progress
from services.gateway.status import pipeline_status

log = structlog.get_logger("cli")


def out(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def cmd_setup(settings: Settings, _: argparse.Namespace) -> int:
    """Create every application's tables once (PostgreSQL); services then run with CREATE_TABLE=n."""
    w = Wiring.of(settings, create_tables=True)
    setup_tables(w)
    if w.store == "postgres":
        ensure_roles(settings.database_url, settings.secrets_dir)
    if settings.kafka_bootstrap_servers and settings.kafka_security():
        ensure_kafka_principals(settings.kafka_bootstrap_servers, settings.kafka_security(),
                                settings.secrets_dir)
    log.info("tables ready", store=w.store)
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
        cp_ok, last, cp_problem = verify_checkpoints(cli.audit, settings.secret("audit"),
                                                     w.checkpoint_log())
    finally:
        cli.close()
    out({"ok": ok and cp_ok, "entries_checked": checked, "problem": problem or cp_problem or None,
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


def cmd_dlq(settings: Settings, args: argparse.Namespace) -> int:
    """Dead letters: where each came from and why; replay one to its topic after a fix."""
    letters = DeadLetters(settings.kafka_bootstrap_servers, security=settings.kafka_security())
    try:
        if args.dlq_command == "list":
            out(letters.list())
            return 0
        replayed = letters.replay(args.topic, args.partition, args.offset)
    finally:
        letters.close()
    out({"replayed": replayed})
    return 0 if replayed else 1


def cmd_consumers_status(settings: Settings, _: argparse.Namespace) -> int:
    """Per consumer group and partition: end offset, committed offset, tracked position and lag;
    each outbox's backlog; overdue referrals (distributed wiring)."""
    if not settings.distributed or not settings.kafka_bootstrap_servers:
        sys.stderr.write("hotline: consumers exist only in the distributed wiring (make up)\n")
        return 2
    view = Wiring.of(settings).view()
    try:
        status = pipeline_status(settings, view.sql, view, with_committed=True)
    finally:
        view.datastore.close()
    out({"outboxes": status.outboxes, "consumers": status.consumers,
         "referrals_overdue": status.overdue, "max_lag": status.max_lag})
    return 0


def cmd_projection_check(settings: Settings, _: argparse.Namespace) -> int:
    """Rebuild the desk view from the event stores (in memory) and compare it with the live one;
    exit 1 when they differ (wait until the projection has caught up before trusting that)."""
    w = Wiring.of(settings)
    scratch = Wiring.of(settings, "memory").view()
    scratch.create_table()  # type: ignore[attr-defined]
    live, readers = w.view(), [w.log_reader("triage"), w.log_reader("dispatch")]
    try:
        applied = rebuild(scratch, [(r.name, messages(r, TRANSLATORS[r.name])) for r in readers])
        found = differences(live.sql, scratch.sql)
    finally:
        for view in (live, scratch):
            view.datastore.close()
        for reader in readers:
            reader.close()
    out({"messages": applied, "equal": not found, "differences": found})
    return 0 if not found else 1


def cmd_projection_rebuild(settings: Settings, _: argparse.Namespace) -> int:
    """Rebuild the desk view from the event stores and swap it in atomically; the old view
    serves until the swap, and the projection resumes from where it stood before."""
    w = Wiring.of(settings)
    live = w.view()
    scratch = Wiring.of(settings, "memory").view()
    scratch.create_table()  # type: ignore[attr-defined]
    readers = [w.log_reader("triage"), w.log_reader("dispatch")]
    try:
        resume_at = positions(live)  # before the stores are read: nothing falls in between
        total = sum(r.recorder.max_notification_id() or 0 for r in readers)
        with progress() as bar:
            task = bar.add_task("rebuilding the desk view", total=total)
            streams = [(r.name, counted(messages(r, TRANSLATORS[r.name]), bar, task)) for r in readers]
            applied = rebuild(scratch, streams)
            bar.update(task, completed=total, description="swapping it in")
            copied = swap(live, scratch.sql, resume_at)
    finally:
        for view in (live, scratch):
            view.datastore.close()
        for reader in readers:
            reader.close()
    out({"messages": applied, "rows": copied, "resumed_at": dict(resume_at)})
    return 0


def add_commands(sub: Any) -> None:
    sub.add_parser("setup", help="create tables once (before services start)").set_defaults(fn=cmd_setup)
    sub.add_parser("demo-users", help="demo accounts for a fresh var/, random passwords").set_defaults(
        fn=cmd_demo_users)
    users = sub.add_parser("users").add_subparsers(dest="users_command", required=True)
    add = users.add_parser("add", help="create a user")
    add.add_argument("--username", required=True)
    add.add_argument("--password", help="omit to read it from standard input")
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
    erase = sub.add_parser("erase", help="crypto-shred a report's personal data")
    erase.add_argument("--report", required=True, help="report id")
    erase.add_argument("--reason", required=True)
    erase.add_argument("--by", default=os.environ.get("USER", "admin"), help="who erases")
    erase.set_defaults(fn=cmd_erase)
    audit = sub.add_parser("audit").add_subparsers(dest="audit_command", required=True)
    audit.add_parser("verify", help="check the audit trail's hash chain").set_defaults(
        fn=cmd_audit_verify)
    dlq = sub.add_parser("dlq").add_subparsers(dest="dlq_command", required=True)
    dlq.add_parser("list", help="dead letters: origin and reason (distributed wiring)").set_defaults(
        fn=cmd_dlq)
    replay = dlq.add_parser("replay", help="publish one dead letter to its topic again")
    replay.add_argument("--topic", required=True)
    replay.add_argument("--partition", type=int, required=True)
    replay.add_argument("--offset", type=int, required=True)
    replay.set_defaults(fn=cmd_dlq)
    consumers = sub.add_parser("consumers").add_subparsers(dest="consumers_command", required=True)
    consumers.add_parser("status", help="lag per group and partition, outbox backlogs, overdue referrals"
                         ).set_defaults(fn=cmd_consumers_status)
    projection = sub.add_parser("projection").add_subparsers(dest="projection_command", required=True)
    projection.add_parser("check", help="compare the desk view with one rebuilt from the event stores"
                          ).set_defaults(fn=cmd_projection_check)
    projection.add_parser("rebuild", help="rebuild the desk view from the event stores, swap it in"
                          ).set_defaults(fn=cmd_projection_rebuild)
    agencies = sub.add_parser("agencies").add_subparsers(dest="agencies_command", required=True)
    agencies.add_parser("list", help="the agency directory as JSON").set_defaults(fn=cmd_agencies_list)
