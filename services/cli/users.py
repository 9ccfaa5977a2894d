"""`hotline users add|disable|enable|set-password|totp` and `hotline demo-users`: accounts from
the command line, each change audited with the operating-system user as its actor."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from services.bootstrap import Wiring, bootstrap_cli
from services.cli import totp
from services.cli.output import out
from services.common.auditnote import Actor
from services.common.errors import DomainError
from services.common.settings import Settings
from services.runtime.demo import create_demo_users, print_demo_users


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
                                          region=args.region,
                                          actor=Actor(os.environ.get("USER", "admin"), "admin",
                                                      None, "cli"))
    except DomainError as exc:
        sys.stderr.write(f"hotline: {exc}\n")
        return 2
    finally:
        cli.close()
    out({"username": principal.subject, "role": principal.role,
         "agency_id": principal.agency_id, "sentinel_id": principal.sentinel_id,
         "region": principal.region})
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


def add_commands(sub: Any) -> None:
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
    add.add_argument("--region", help="a supervisor's or auditor's jurisdiction: 2 digits a province, "
                                      "4 a city, 6 a county (left out: everywhere)")
    add.set_defaults(fn=cmd_users_add)
    for name, text in (("disable", "refuse the account's logins and tokens"),
                       ("enable", "allow the account again"),
                       ("set-password", "a new password from standard input; old tokens end")):
        change = users.add_parser(name, help=text)
        change.add_argument("--username", required=True)
        change.set_defaults(fn=cmd_users_change)
    totp.add_command(users)
