"""`hotline crypto info` (contract §14): for the IT office and the 密评 assessor, the suite of new
data and how many stored items each suite holds."""

from __future__ import annotations

import argparse
from typing import Any

from services.bootstrap import Wiring
from services.cli.output import out
from services.common.settings import Settings
from services.oversight.crypto_info import inventory


def cmd_crypto_info(settings: Settings, _: argparse.Namespace) -> int:
    """The suite of new data, each suite's algorithms and formats, and the stored items per suite."""
    out(inventory(Wiring.of(settings)))
    return 0


def add_commands(sub: Any) -> None:
    crypto = sub.add_parser("crypto").add_subparsers(dest="crypto_command", required=True)
    crypto.add_parser("info", help="the suite of new data and the stored items of each suite").set_defaults(
        fn=cmd_crypto_info)
