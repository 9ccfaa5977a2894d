"""`hotline erase` and `hotline audit verify`: crypto-shredding one report's personal data, and
checking the audit trail's chain and signed checkpoints (contract §10)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from services.audit.checkpoints import verify_checkpoints
from services.bootstrap import Wiring, bootstrap_cli
from services.cli.output import out
from services.common.auditnote import Actor
from services.common.errors import DomainError
from services.common.keystore import case_key_owner
from services.common.settings import Settings


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


def add_commands(sub: Any) -> None:
    erase = sub.add_parser("erase", help="crypto-shred a report's personal data")
    erase.add_argument("--report", required=True, help="report id")
    erase.add_argument("--reason", required=True)
    erase.add_argument("--by", default=os.environ.get("USER", "admin"), help="who erases")
    erase.set_defaults(fn=cmd_erase)
    audit = sub.add_parser("audit").add_subparsers(dest="audit_command", required=True)
    audit.add_parser("verify", help="check the audit trail's hash chain").set_defaults(
        fn=cmd_audit_verify)
