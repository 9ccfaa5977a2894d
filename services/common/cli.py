"""`hotline`: admin commands and the entry point of every service process."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import structlog

from services.common.bootstrap import (
    Hotline,
    bootstrap,
    process_handler,
    projection_handler,
)
from services.common.logging import configure_logging
from services.common.messages import CASES_TOPIC, REFERRALS_TOPIC, REPORTS_TOPIC
from services.common.settings import Settings

log = structlog.get_logger("cli")

DEMO_PASSWORD = "demo-password-1"
DEMO_USERS = (
    ("operator1", "operator", None),
    ("teacher1", "reporter", None),
    ("supervisor1", "supervisor", None),
    ("police-desk", "desk", "police-441823"),
    ("hospital-desk", "desk", "hospital-441823"),
    ("civil-desk", "desk", "civil-441823"),
    ("edu-desk", "desk", "edu-441823"),
    ("auditor1", "auditor", None),
    ("admin1", "admin", None),
)


def load_stack_env(var_dir: Path) -> None:
    """Let admin commands reach what `make up` started: its settings fill the gaps."""
    stack_env = var_dir / "stack.env"
    if stack_env.exists():
        for line in stack_env.read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep and key.startswith(("HOTLINE_", "KAFKA_")):
                os.environ.setdefault(key, value)


def _out(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def cmd_setup(settings: Settings, _: argparse.Namespace) -> int:
    """Create every application's tables once (PostgreSQL); services then run with CREATE_TABLE=n."""
    from eventsourcing.persistence import InfrastructureFactory
    from eventsourcing.utils import Environment

    from services.common.bootstrap import app_env

    h = bootstrap(settings, create_tables=True)
    h.close()
    for app_name in RELAYS:
        env = app_env(settings, f"relay_{app_name}", h.store, create_tables=True)
        factory = InfrastructureFactory.construct(env=Environment(f"relay_{app_name}", env))
        factory.tracking_recorder()
        factory.close()
    log.info("tables ready", store=h.store)
    return 0


def cmd_users_add(settings: Settings, args: argparse.Namespace) -> int:
    from services.intake.accounts import AccountError

    h = bootstrap(settings, parts=("accounts",))
    try:
        assert h.accounts is not None
        principal = h.accounts.add_user(
            args.username, args.password, args.role, args.agency, args.sentinel
        )
    except AccountError as exc:
        sys.stderr.write(f"hotline: {exc}\n")
        return 2
    finally:
        h.close()
    _out({"username": principal.subject, "role": principal.role,
          "agency_id": principal.agency_id, "sentinel_id": principal.sentinel_id})
    return 0


def cmd_erase(settings: Settings, args: argparse.Namespace) -> int:
    """Crypto-shred one report's personal data; the erasure is recorded as an event."""
    from uuid import UUID

    from services.intake.application import ReportNotFound

    h = bootstrap(settings, parts=("intake", "audit"))
    try:
        assert h.intake is not None and h.audit is not None
        report = h.intake.erase(UUID(args.report), reason=args.reason, by=args.by)
        h.audit.record(actor=args.by, role="admin", action="report.erase",
                       resource_type="report", resource_id=args.report, client="cli")
    except (ValueError, ReportNotFound) as exc:
        sys.stderr.write(f"hotline: cannot erase {args.report}: {exc}\n")
        return 2
    finally:
        h.close()
    _out({"report_id": str(report.id), "erased_at": report.erased_at.isoformat()
          if report.erased_at else None})
    return 0


def cmd_audit_verify(settings: Settings, _: argparse.Namespace) -> int:
    """Walk the audit chain; exit 1 at the first altered, missing or reordered entry."""
    h = bootstrap(settings, parts=("audit",))
    try:
        assert h.audit is not None
        ok, checked, problem = h.audit.verify()
    finally:
        h.close()
    _out({"ok": ok, "entries_checked": checked, "problem": problem or None})
    return 0 if ok else 1


def cmd_agencies_list(settings: Settings, _: argparse.Namespace) -> int:
    h = bootstrap(settings, parts=())
    _out([a.public() for a in h.directory.agencies])
    return 0


def ensure_demo_users(h: Hotline) -> list[tuple[str, str, str | None]]:
    assert h.accounts is not None
    for username, role, agency in DEMO_USERS:
        if h.accounts.find(username) is None:
            h.accounts.add_user(username, DEMO_PASSWORD, role, agency)
    return list(DEMO_USERS)


def cmd_demo_users(settings: Settings, _: argparse.Namespace) -> int:
    h = bootstrap(settings, parts=("accounts",))
    try:
        users = ensure_demo_users(h)
    finally:
        h.close()
    _print_demo_users(users)
    return 0


def _print_demo_users(users: list[tuple[str, str, str | None]]) -> None:
    sys.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):\n")
    for username, role, agency in users:
        sys.stdout.write(f"  {username:<14} {role:<11} {agency or ''}\n")
    sys.stdout.flush()


def _serve(app: Any, settings: Settings) -> None:
    import uvicorn

    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None, access_log=False)


def cmd_run(settings: Settings, _: argparse.Namespace) -> int:
    """Embedded wiring: SQLite files, in-process runner, API; one foreground process."""
    from services.common.embedded import EmbeddedRunner, edges_of
    from services.intake.web import create_app

    if settings.distributed:
        sys.stderr.write("hotline run is the embedded wiring; unset HOTLINE_DATABASE_URL\n")
        return 2
    h = bootstrap(settings)
    if settings.environment == "development":
        _print_demo_users(ensure_demo_users(h))
    from services.dispatch.scheduler import EscalationScheduler

    runner = EmbeddedRunner(edges_of(h))
    runner.start()
    assert h.dispatch is not None and h.view is not None
    scheduler = EscalationScheduler(h.dispatch, h.view)
    scheduler_thread = threading.Thread(target=scheduler.run, name="scheduler", daemon=True)
    scheduler_thread.start()

    def runner_check() -> tuple[str, bool, str]:
        ok = runner.is_alive() and runner.error is None and scheduler_thread.is_alive()
        return "workers", ok, "embedded runner and scheduler " + (
            "running" if ok else f"failed: {runner.error!r}")

    app = create_app(h, [runner_check])
    sys.stdout.write(f"Hotline API on http://{settings.host}:{settings.port} (docs at /docs)\n")
    sys.stdout.flush()
    try:
        _serve(app, settings)
    finally:
        scheduler.stop()
        runner.stop()
        h.close()
    return 0


def cmd_serve(settings: Settings, _: argparse.Namespace) -> int:
    """Distributed wiring: the API process alone (workers run as their own processes)."""
    from services.common.kafka_admin import broker_count
    from services.intake.web import create_app

    # The API also hosts triage and dispatch for supervisor and desk commands (no consuming).
    h = bootstrap(settings, parts=("intake", "accounts", "view", "triage", "dispatch", "audit"))
    run_dir = Path(settings.var_dir) / "run"

    def broker_check() -> tuple[str, bool, str]:
        n = broker_count(settings.kafka_bootstrap_servers.split(","), timeout_ms=2000)
        return "broker", n >= 1, f"{n} broker(s)"

    def workers_check() -> tuple[str, bool, str]:
        down = [name for name in WORKERS if not _pid_alive(run_dir / f"{name}.pid")]
        return "workers", not down, "all running" if not down else f"not running: {', '.join(down)}"

    app = create_app(h, [broker_check, workers_check])
    try:
        _serve(app, settings)
    finally:
        h.close()
    return 0


WORKERS = ("relay-intake", "relay-triage", "relay-dispatch", "triage", "dispatch", "projection-desk",
           "scheduler")


def _pid_alive(path: Path) -> bool:
    try:
        os.kill(int(path.read_text().strip()), 0)
    except (OSError, ValueError):
        return False
    return True


def _run_until_signalled(worker: Any) -> None:
    stop = threading.Event()

    def handle(signum: int, _: Any) -> None:
        log.info("stopping", signal=signum)
        worker.stop()
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    worker.run()


RELAYS = {"intake": REPORTS_TOPIC, "triage": CASES_TOPIC, "dispatch": REFERRALS_TOPIC}


def build_relay(settings: Settings, app_name: str, producer: Any = None) -> tuple[Hotline, Any]:
    from eventsourcing.persistence import InfrastructureFactory
    from eventsourcing.utils import Environment

    from services.common.bootstrap import app_env
    from services.common.relay import OutboxRelay, make_producer

    h = bootstrap(settings, parts=(app_name,))
    leader = getattr(h, app_name)
    position_env = app_env(settings, f"relay_{app_name}", h.store, create_tables=False)
    position = InfrastructureFactory.construct(
        env=Environment(f"relay_{app_name}", position_env)
    ).tracking_recorder()
    relay = OutboxRelay(
        leader=leader,
        translate=h.translators[app_name],
        producer=producer or make_producer(settings.kafka_bootstrap_servers, f"relay-{app_name}"),
        topic=RELAYS[app_name],
        position=position,
    )
    return h, relay


def cmd_relay(settings: Settings, args: argparse.Namespace) -> int:
    h, relay = build_relay(settings, args.app)
    structlog.contextvars.bind_contextvars(service=f"relay-{args.app}")
    try:
        _run_until_signalled(relay)
    finally:
        relay.producer.close(timeout=10)
        h.close()
    return 0


CONSUMERS = {
    "triage": ((REPORTS_TOPIC,), "hotline-triage"),
    "dispatch": ((CASES_TOPIC,), "hotline-dispatch"),
    "desk": ((CASES_TOPIC, REFERRALS_TOPIC), "hotline-projection-desk"),
}


def build_consumer(settings: Settings, service: str, name: str = "") -> tuple[Hotline, Any]:
    from eventsourcing.persistence import TrackingRecorder

    from services.common.consumer import ConsumerLoop

    topics, group = CONSUMERS[service]
    if service == "desk":
        h = bootstrap(settings, parts=("view",))
        assert h.view is not None and isinstance(h.view, TrackingRecorder)
        handler, tracker = projection_handler(h.view), h.view
    else:
        h = bootstrap(settings, parts=(service,))
        app = getattr(h, service)
        handler, tracker = process_handler(app), app.recorder
    loop = ConsumerLoop(
        name=name or f"{service}-{os.getpid()}",
        topics=topics,
        group_id=group,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        handler=handler,
        tracker=tracker,
    )
    return h, loop


def cmd_consume(settings: Settings, args: argparse.Namespace) -> int:
    h, loop = build_consumer(settings, args.service)
    structlog.contextvars.bind_contextvars(service=args.service)
    try:
        _run_until_signalled(loop)
    finally:
        h.close()
    return 0


def cmd_scheduler(settings: Settings, _: argparse.Namespace) -> int:
    """The SLA scheduler process of the distributed wiring."""
    from services.dispatch.scheduler import EscalationScheduler

    h = bootstrap(settings, parts=("dispatch", "view"))
    assert h.dispatch is not None and h.view is not None
    structlog.contextvars.bind_contextvars(service="scheduler")
    try:
        _run_until_signalled(EscalationScheduler(h.dispatch, h.view))
    finally:
        h.close()
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hotline", description="Minor-protection hotline backend")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("setup", help="create tables once (before services start)").set_defaults(fn=cmd_setup)
    sub.add_parser("run", help="embedded wiring in one process").set_defaults(fn=cmd_run)
    sub.add_parser("serve", help="API process of the distributed wiring").set_defaults(fn=cmd_serve)
    relay = sub.add_parser("relay", help="outbox relay of one application")
    relay.add_argument("--app", choices=sorted(RELAYS), required=True)
    relay.set_defaults(fn=cmd_relay)
    consume = sub.add_parser("consume", help="Kafka consumer of one service")
    consume.add_argument("service", choices=sorted(CONSUMERS))
    consume.set_defaults(fn=cmd_consume)
    sub.add_parser("scheduler", help="SLA escalation scheduler").set_defaults(fn=cmd_scheduler)
    sub.add_parser("demo-users", help="create and print the demo accounts").set_defaults(
        fn=cmd_demo_users
    )
    users = sub.add_parser("users").add_subparsers(dest="users_command", required=True)
    add = users.add_parser("add", help="create a user")
    add.add_argument("--username", required=True)
    add.add_argument("--password", required=True)
    add.add_argument("--role", required=True)
    add.add_argument("--agency")
    add.add_argument("--sentinel")
    add.set_defaults(fn=cmd_users_add)
    erase = sub.add_parser("erase", help="crypto-shred a report's personal data")
    erase.add_argument("--report", required=True, help="report id")
    erase.add_argument("--reason", required=True)
    erase.add_argument("--by", default=os.environ.get("USER", "admin"), help="who erases")
    erase.set_defaults(fn=cmd_erase)
    audit = sub.add_parser("audit").add_subparsers(dest="audit_command", required=True)
    audit.add_parser("verify", help="check the audit trail's hash chain").set_defaults(
        fn=cmd_audit_verify)
    agencies = sub.add_parser("agencies").add_subparsers(dest="agencies_command", required=True)
    agencies.add_parser("list", help="the agency directory as JSON").set_defaults(
        fn=cmd_agencies_list
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    var_dir = Path(os.environ.get("HOTLINE_VAR_DIR", "var"))
    if args.command != "run":
        load_stack_env(var_dir)
    try:
        settings = Settings()
    except ValueError as exc:
        sys.stderr.write(f"hotline: invalid settings:\n{exc}\n")
        return 2
    configure_logging(settings.log_level)
    return int(args.fn(settings, args))


if __name__ == "__main__":
    raise SystemExit(main())
