"""`hotline users totp`: enrol an account's second factor (contract §10). The URI holds the secret:
it goes to this terminal only, never to a log, a file or a page."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import segno

from services.accounts.totp import SecondFactor
from services.bootstrap import Wiring, bootstrap_cli
from services.common.auditnote import Actor
from services.common.errors import DomainError
from services.common.settings import Settings


def cmd_users_totp(settings: Settings, args: argparse.Namespace) -> int:
    """A new secret for the account; its otpauth:// URI and a QR code for the owner's phone."""
    cli = bootstrap_cli(Wiring.of(settings))
    try:
        factor = SecondFactor(cli.accounts, cli.keys, settings.second_factor_roles)
        link = factor.enrol(args.username, reset=args.reset,
                            actor=Actor(os.environ.get("USER", "admin"), "admin", None, "cli"))
        user = cli.accounts.find(args.username)
    except DomainError as exc:
        sys.stderr.write(f"hotline: {exc}\n")
        return 2
    finally:
        cli.close()
    if not args.no_qr:
        segno.make(link, error="m").terminal(out=sys.stdout, compact=True)
    sys.stdout.write(f"{link}\n")
    if user is not None and not factor.required(user.role):
        sys.stderr.write("hotline: note: this account's role is not in HOTLINE_TOTP_ROLES: its logins "
                         "do not ask for the code\n")
    return 0


def add_command(users: Any) -> None:
    totp = users.add_parser("totp", help="enrol the account's second factor; prints its otpauth:// URI")
    totp.add_argument("--username", required=True)
    totp.add_argument("--reset", action="store_true",
                      help="replace an enrolled secret (the old one stops working, sessions end)")
    totp.add_argument("--no-qr", action="store_true", help="the URI only, without the terminal QR code")
    totp.set_defaults(fn=cmd_users_totp)
