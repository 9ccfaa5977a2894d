"""The pipeline's operator commands: lag and backlogs, dead letters, the desk view checked
against the event stores and rebuilt (docs/operations.md)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from projections.desk.rebuild import differences, messages, positions, rebuild, swap
from services.bootstrap import TRANSLATORS, Wiring
from services.cli.output import out
from services.cli.progress import counted, progress
from services.common.kafka.deadletters import DeadLetters
from services.common.settings import Settings
from services.runtime.status import pipeline_status


def cmd_dlq(settings: Settings, args: argparse.Namespace) -> int:
    """Dead letters: where each came from and why; replay one to its topic after a fix."""
    letters = DeadLetters(settings.kafka_bootstrap_servers, security=settings.kafka_security())
    try:
        if args.dlq_command == "list":
            out(letters.list())
            return 0
        replayed = letters.replay(args.topic, args.partition, args.offset)
    finally:
        letters.close()
    out({"replayed": replayed})
    return 0 if replayed else 1


def cmd_consumers_status(settings: Settings, _: argparse.Namespace) -> int:
    """Per consumer group and partition: end offset, committed offset, tracked position and lag;
    each outbox's backlog; overdue referrals (distributed wiring)."""
    if not settings.distributed or not settings.kafka_bootstrap_servers:
        sys.stderr.write("hotline: consumers exist only in the distributed wiring (make up)\n")
        return 2
    view = Wiring.of(settings).view()
    try:
        status = pipeline_status(settings, view.sql, view, with_committed=True)
    finally:
        view.datastore.close()
    out({"outboxes": status.outboxes, "consumers": status.consumers,
         "referrals_overdue": status.overdue, "max_lag": status.max_lag})
    return 0


def cmd_projection_check(settings: Settings, _: argparse.Namespace) -> int:
    """Rebuild the desk view from the event stores (in memory) and compare it with the live one;
    exit 1 when they differ (wait until the projection has caught up before trusting that)."""
    w = Wiring.of(settings)
    scratch = Wiring.of(settings, "memory").view()
    scratch.create_table()  # type: ignore[attr-defined]
    live, readers = w.view(), [w.log_reader("triage"), w.log_reader("dispatch")]
    try:
        applied = rebuild(scratch, [(r.name, messages(r, TRANSLATORS[r.name])) for r in readers])
        found = differences(live.sql, scratch.sql)
    finally:
        for view in (live, scratch):
            view.datastore.close()
        for reader in readers:
            reader.close()
    out({"messages": applied, "equal": not found, "differences": found})
    return 0 if not found else 1


def cmd_projection_rebuild(settings: Settings, _: argparse.Namespace) -> int:
    """Rebuild the desk view from the event stores and swap it in atomically; the old view
    serves until the swap, and the projection resumes from where it stood before."""
    w = Wiring.of(settings)
    live = w.view()
    scratch = Wiring.of(settings, "memory").view()
    scratch.create_table()  # type: ignore[attr-defined]
    readers = [w.log_reader("triage"), w.log_reader("dispatch")]
    try:
        resume_at = positions(live)  # before the stores are read: nothing falls in between
        total = sum(r.recorder.max_notification_id() or 0 for r in readers)
        with progress() as bar:
            task = bar.add_task("rebuilding the desk view", total=total)
            streams = [(r.name, counted(messages(r, TRANSLATORS[r.name]), bar, task)) for r in readers]
            applied = rebuild(scratch, streams)
            bar.update(task, completed=total, description="swapping it in")
            copied = swap(live, scratch.sql, resume_at)
    finally:
        for view in (live, scratch):
            view.datastore.close()
        for reader in readers:
            reader.close()
    out({"messages": applied, "rows": copied, "resumed_at": dict(resume_at)})
    return 0


def add_commands(sub: Any) -> None:
    dlq = sub.add_parser("dlq").add_subparsers(dest="dlq_command", required=True)
    dlq.add_parser("list", help="dead letters: origin and reason (distributed wiring)").set_defaults(
        fn=cmd_dlq)
    replay = dlq.add_parser("replay", help="publish one dead letter to its topic again")
    replay.add_argument("--topic", required=True)
    replay.add_argument("--partition", type=int, required=True)
    replay.add_argument("--offset", type=int, required=True)
    replay.set_defaults(fn=cmd_dlq)
    consumers = sub.add_parser("consumers").add_subparsers(dest="consumers_command", required=True)
    consumers.add_parser("status", help="lag per group and partition, outbox backlogs, overdue referrals"
                         ).set_defaults(fn=cmd_consumers_status)
    projection = sub.add_parser("projection").add_subparsers(dest="projection_command", required=True)
    projection.add_parser("check", help="compare the desk view with one rebuilt from the event stores"
                          ).set_defaults(fn=cmd_projection_check)
    projection.add_parser("rebuild", help="rebuild the desk view from the event stores, swap it in"
                          ).set_defaults(fn=cmd_projection_rebuild)
