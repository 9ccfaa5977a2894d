"""`hotline oncall set|show`: a unit's on-call roster from the command line (the same body, checks
and audit entry as PUT /v1/agencies/{agency_id}/oncall; the format: docs/oncall.md)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from services.bootstrap import Wiring, bootstrap_cli
from services.cli.output import out
from services.common.auditnote import Actor
from services.common.errors import DomainError
from services.common.settings import Settings
from services.oversight.rosters import RosterIn, roster_out


def cmd_oncall_set(settings: Settings, args: argparse.Namespace) -> int:
    """From a JSON file shaped like the API's body: {"contacts": [...], "secret": "..."}."""
    try:
        text = Path(args.file).read_text(encoding="utf-8")
    except OSError as exc:
        sys.stderr.write(f"hotline: cannot read {args.file}: {exc}\n")
        return 2
    cli = bootstrap_cli(Wiring.of(settings))
    by = os.environ.get("USER", "admin")
    try:
        if args.agency not in {a.agency_id for a in cli.directory.agencies}:
            sys.stderr.write(f"hotline: no agency unit {args.agency} (hotline agencies list)\n")
            return 2
        body = RosterIn.model_validate_json(text)
        cli.notify.set_roster(args.agency, [c.raw() for c in body.contacts], body.secret, by=by,
                              actor=Actor(by, "admin", None, "cli"))
        shown = roster_out(cli.notify, args.agency)
    except ValidationError as exc:  # the API's own checks, each error named by its place
        for e in exc.errors():
            where = ".".join(str(part) for part in e["loc"]) or "file"
            sys.stderr.write(f"hotline: {args.file}: {where}: {e['msg']}\n")
        return 2
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
    put.add_argument("--file", required=True,
                     help='{"contacts": [...], "secret": "..."} (docs/oncall.md)')
    put.set_defaults(fn=cmd_oncall_set)
    show = oncall.add_parser("show", help="a unit's roster (without its secret)")
    show.add_argument("--agency", required=True)
    show.set_defaults(fn=cmd_oncall_show)
