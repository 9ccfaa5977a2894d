"""`hotline deploy systemd --out DIR` and `hotline deploy prometheus --out DIR`: the files that run
the distributed wiring on hosts of its own (services/deploy writes them)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from services.cli.output import out
from services.common.settings import Settings
from services.deploy.prometheus import FILES, write_monitoring
from services.deploy.systemd import write_units


def cmd_deploy_systemd(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.distributed or not settings.kafka_bootstrap_servers:
        sys.stderr.write("hotline: set HOTLINE_DATABASE_URL (the owner's) and"
                         " HOTLINE_KAFKA_BOOTSTRAP_SERVERS: the units are for the distributed wiring\n")
        return 2
    target = Path(args.out)
    try:
        env_dir, units = write_units(settings, target, Path(args.prefix),
                                     Path(args.env_dir) if args.env_dir else None, args.user)
    except ValueError as exc:
        sys.stderr.write(f"hotline: {exc}\n")
        return 2
    out({"out": str(target), "units": units,
         "env_dir": str(env_dir), "next": f"copy the units to /etc/systemd/system and {target}/env to"
                                          f" {env_dir}; systemctl enable --now hotline.target"})
    return 0


def cmd_deploy_prometheus(settings: Settings, args: argparse.Namespace) -> int:
    target = Path(args.out)
    try:
        hosts = dict(pair.split("=", 1) for pair in args.host_of)
        write_monitoring(settings, target, hosts, args.host)
    except ValueError as exc:
        sys.stderr.write(f"hotline: {exc} (--host-of takes NAME=HOST)\n")
        return 2
    out({"out": str(target), "files": list(FILES),
         "check": f"promtool check config {target}/prometheus.yml"})
    return 0


def add_commands(sub: Any) -> None:
    deploy = sub.add_parser("deploy", help="files to run the distributed wiring on hosts").add_subparsers(
        dest="deploy_command", required=True)
    systemd = deploy.add_parser("systemd", help="one systemd unit and environment file per process")
    systemd.add_argument("--out", required=True, help="a folder for the units and env/")
    systemd.add_argument("--prefix", default=str(Path(__file__).resolve().parents[2]),
                         help="where the project is installed (its .venv/bin/hotline)")
    systemd.add_argument("--env-dir", help="where the env files will be (default: OUT/env)")
    systemd.add_argument("--user", default="hotline", help="the system user the services run as")
    systemd.set_defaults(fn=cmd_deploy_systemd)
    prometheus = deploy.add_parser("prometheus", help="scrape configuration, alert rules, Grafana dashboard")
    prometheus.add_argument("--out", required=True)
    prometheus.add_argument("--host", default="127.0.0.1", help="where the processes run")
    prometheus.add_argument("--host-of", action="append", default=[], metavar="NAME=HOST",
                            help="a process on another host (repeatable)")
    prometheus.set_defaults(fn=cmd_deploy_prometheus)
