"""`hotline`: the entry point of every process and of the admin commands."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pydantic import ValidationError

from services.common.logging import configure_logging
from services.common.secrets import MissingKey
from services.common.settings import Settings
from services.runtime import workers


def load_stack_env(var_dir: Path) -> None:
    """Let admin commands reach what `make up` started: its settings fill the gaps."""
    stack_env = var_dir / "stack.env"
    if stack_env.exists():
        for line in stack_env.read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep and key.startswith(("HOTLINE_", "KAFKA_")):
                os.environ.setdefault(key, value)


# The long-running processes of `make up` (the API's supervisor among them): their parser holds
# only the process commands, so they never import the administrators' commands (workbooks, the
# web app: ~30 MiB of each process, #31).
WORKERS = frozenset({"consume", "relay", "scheduler", "audit-sequence", "serve"})


def parser(lean: bool = False) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hotline", description="Minor-protection hotline backend")
    sub = p.add_subparsers(dest="command", required=True)
    workers.add_commands(sub)
    if lean:
        return p
    from services.cli import backup, crypto, deploy, oncall, pipeline, privacy, setup, stats, users

    setup.add_commands(sub)
    users.add_commands(sub)
    privacy.add_commands(sub)
    backup.add_commands(sub)
    pipeline.add_commands(sub)
    stats.add_commands(sub)
    oncall.add_commands(sub)
    deploy.add_commands(sub)
    crypto.add_commands(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    # What any command writes (var/, logs, backups, exports) is its owner's alone (contract §10).
    umask = os.umask(0o077)
    try:
        return _main(argv)
    finally:
        os.umask(umask)  # for a caller in the same process (the tests)


def _main(argv: list[str] | None) -> int:
    given = sys.argv[1:] if argv is None else argv
    args = parser(lean=bool(given) and given[0] in WORKERS).parse_args(given)
    var_dir = Path(os.environ.get("HOTLINE_VAR_DIR", "var"))
    if args.command not in ("run", "processes"):
        load_stack_env(var_dir)
    try:
        settings = Settings()
    except ValidationError as exc:  # what is wrong, never the values (keys and secrets among them)
        why = "\n".join(f"  {'HOTLINE_' + str(e['loc'][0]).upper() + ': ' if e['loc'] else ''}{e['msg']}"
                        for e in exc.errors(include_url=False, include_input=False))
        sys.stderr.write(f"hotline: invalid settings:\n{why}\n")
        return 2
    except ValueError as exc:
        sys.stderr.write(f"hotline: invalid settings:\n{exc}\n")
        return 2
    configure_logging(settings.log_level)
    try:
        return int(args.fn(settings, args))
    except MissingKey as exc:  # production without its keys: refuse to start, say how to fix it
        sys.stderr.write(f"hotline: {exc}\n")
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
