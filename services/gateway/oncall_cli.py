"""`hotline oncall set|show`: a unit's on-call roster from the command line (the same checks and
the same audit entry as PUT /v1/agencies/{agency_id}/oncall)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from services.bootstrap import Wiring, bootstrap_cli
from services.common.auditnote import Actor
from services.common.errors import DomainError
from services.common.settings import Settings
from services.gateway.admin import out
from services.gateway.routes.notifications import roster_out


def cmd_oncall_set(settings: Settings, args: argparse.Namespace) -> int:
    """From a JSON file shaped like the API's body: {"contacts": [...], "secret": "..."}."""
    try:
        body = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"hotline: cannot read {args.file}: {exc}\n")
        return 2
    cli = bootstrap_cli(Wiring.of(settings))
    by = os.environ.get("USER", "admin")
    try:
        if args.agency not in {a.agency_id for a in cli.directory.agencies}:
            sys.stderr.write(f"hotline: no agency unit {args.agency} (hotline agencies list)\n")
            return 2
        cli.notify.set_roster(args.agency, body.get("contacts") if isinstance(body, dict) else None,
                              body.get("secret") if isinstance(body, dict) else None, by=by,
                              actor=Actor(by, "admin", None, "cli"))
        shown = roster_out(cli.notify, args.agency)
    except DomainError as exc:
        sys.stderr.write(f"hotline: {exc}\n")
        return 2
    finally:
        cli.close()
    out(shown)
    return 0


def cmd_oncall_show(settings: Settings, args: argparse.Namespace) -> int:
    cli = bootstrap_cli(Wiring.of(settings))
    try:
        shown = roster_out(cli.notify, args.agency)
    finally:
        cli.close()
    out(shown)
    return 0


def add_commands(sub: Any) -> None:
    oncall = sub.add_parser("oncall", help="units' on-call rosters").add_subparsers(
        dest="oncall_command", required=True)
    put = oncall.add_parser("set", help="replace a unit's roster from a JSON file")
    put.add_argument("--agency", required=True, help="agency unit id (hotline agencies list)")
    put.add_argument("--file", required=True, help='{"contacts": [...], "secret": "..."}')
    put.set_defaults(fn=cmd_oncall_set)
    show = oncall.add_parser("show", help="a unit's roster (without its secret)")
    show.add_argument("--agency", required=True)
    show.set_defaults(fn=cmd_oncall_show)
