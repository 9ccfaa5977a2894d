"""`hotline stats monthly`: the report the county office sends upward, written from the command
line (the same file as GET /v1/stats/monthly); `hotline stats show`: the figures as JSON (the
same as GET /v1/stats), `--group region` with one level below."""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.bootstrap import Wiring, bootstrap_cli
from services.common.auditnote import Principal
from services.common.errors import DomainError
from services.common.settings import Settings
from services.oversight.filters import filters_text
from services.oversight.incidents import incidents_of
from services.oversight.ledger import MONTH_PATTERN, month_bounds
from services.oversight.monthly import as_csv, as_xlsx, tables
from services.oversight.statistics import figures

MONTH = re.compile(MONTH_PATTERN)
REGION = re.compile(r"^[0-9]{2,12}$")


def cmd_stats_monthly(settings: Settings, args: argparse.Namespace) -> int:
    """The month's statistical report as xlsx (or csv, by the file's suffix)."""
    if not MONTH.match(args.month) or (args.region and not REGION.match(args.region)):
        sys.stderr.write("hotline: --month is YYYY-MM; --region is 2 to 12 digits\n")
        return 2
    cli = bootstrap_cli(Wiring.of(settings))
    try:
        since, until = month_bounds(args.month)
        found = figures(cli.view, cli.accounts, settings.ack_sla, since=since, until=until,
                        region=args.region, group="region", directory=cli.directory, callbacks=cli.callbacks)
        units = cli.view.unit_figures(since, until, datetime.now(UTC), args.region)
        listed = incidents_of(cli, Principal(args.by, "admin", region=args.region),  # type: ignore[arg-type]
                              cli.view.major_incidents(since, until))
        cli.audit.record(actor=args.by, role="admin", unit=None, action="stats.monthly",
                         resource_type="stats", resource_id=args.month, case_id=None, client="cli")
    except DomainError as exc:
        sys.stderr.write(f"hotline: {exc}\n")
        return 2
    finally:
        cli.close()
    report = tables(found, args.month, args.region, cli.directory, units, listed)
    out = Path(args.out)
    out.write_bytes(as_csv(report) if out.suffix.lower() == ".csv" else as_xlsx(report))
    sys.stdout.write(f"{out}: {found['reports']} reports, {found['cases']} cases in {args.month}\n")
    return 0


def cmd_stats_show(settings: Settings, args: argparse.Namespace) -> int:
    """The figures of a month (or all time) as JSON, optionally per region one level below."""
    if (args.month and not MONTH.match(args.month)) or (args.region and not REGION.match(args.region)):
        sys.stderr.write("hotline: --month is YYYY-MM; --region is 2 to 12 digits\n")
        return 2
    cli = bootstrap_cli(Wiring.of(settings))
    try:
        since, until = month_bounds(args.month) if args.month else (None, None)
        found = figures(cli.view, cli.accounts, settings.ack_sla, since=since, until=until,
                        region=args.region, group=args.group, directory=cli.directory,
                        callbacks=cli.callbacks)
        cli.audit.record(actor=args.by, role="admin", unit=None, action="stats.read", resource_type="stats",
                         resource_id=filters_text(month=args.month, region=args.region, group=args.group),
                         case_id=None, client="cli")
    except DomainError as exc:
        sys.stderr.write(f"hotline: {exc}\n")
        return 2
    finally:
        cli.close()
    sys.stdout.write(json.dumps(found, ensure_ascii=False, indent=2, default=str) + "\n")
    return 0


def add_commands(sub: Any) -> None:
    stats = sub.add_parser("stats").add_subparsers(dest="stats_command", required=True)
    monthly = stats.add_parser("monthly", help="the monthly statistical report (xlsx, or csv)")
    monthly.add_argument("--month", required=True, help="YYYY-MM (Beijing time)")
    monthly.add_argument("--region", help="a region code or its leading digits")
    monthly.add_argument("--out", required=True, help="FILE.xlsx or FILE.csv")
    monthly.add_argument("--by", default="cli", help="who asks (for the audit trail)")
    monthly.set_defaults(fn=cmd_stats_monthly)
    show = stats.add_parser("show", help="the figures as JSON (as GET /v1/stats)")
    show.add_argument("--month", help="YYYY-MM (Beijing time); all time when left out")
    show.add_argument("--region", help="a region code or its leading digits")
    show.add_argument("--group", choices=["region"], help="region: the same figures one level below")
    show.add_argument("--by", default="cli", help="who asks (for the audit trail)")
    show.set_defaults(fn=cmd_stats_show)

