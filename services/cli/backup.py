"""`hotline backup`, `hotline restore`, `hotline republish`: the stores and the key store,
consistent with each other, into a folder and back; Kafka topics re-derived from the outboxes.

Consistency: the database is copied first, the data keys after. A report's key is durable
before the report is, so every report in the copy has its key in the later key copy; a key
destroyed in between (an erasure) is missing from the copy, which keeps that report unreadable,
as it should be. The master keys (var/secrets) are not copied: they are kept apart, like any
secret, and a restore needs the same ones."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import psycopg
import structlog

from services.bootstrap import CONSUMERS, RELAYS, Wiring
from services.bootstrap.topology import TRACKING_TABLES
from services.cli.output import out
from services.cli.progress import progress
from services.cli.setup import cmd_migrate
from services.common.kafka.offsets import end_offsets
from services.common.settings import Settings

log = structlog.get_logger("backup")
FORMAT = 1
# Consumer positions are rows named "topic:partition" in these tables (Kafka offsets).
CONSUMER_TRACKING = tuple(TRACKING_TABLES.values())


def pg_tool(name: str) -> str:
    """pg_dump / pg_restore matching the server (infra/postgres.sh installs PostgreSQL 15)."""
    folder = os.environ.get("HOTLINE_PG_BIN", "/usr/lib/postgresql/15/bin")
    found = Path(folder) / name
    return str(found) if found.exists() else (shutil.which(name) or name)


def pg_args(url: str) -> tuple[list[str], dict[str, str]]:
    """Connection arguments, the password in the environment (not on the command line)."""
    u = urlparse(url)
    args = ["--host", u.hostname or "127.0.0.1", "--port", str(u.port or 5432),
            "--username", unquote(u.username or ""), "--dbname", u.path.lstrip("/")]
    return args, {**os.environ, "PGPASSWORD": unquote(u.password or "")}


def _copy_keys(source: Path, target: Path) -> int:
    target.mkdir(parents=True, exist_ok=True)
    os.chmod(target, 0o700)
    copied = 0
    for key in sorted(source.iterdir()) if source.exists() else []:
        if key.is_file():
            shutil.copy2(key, target / key.name)
            os.chmod(target / key.name, 0o600)
            copied += 1
    return copied


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    """Database (pg_dump, or each SQLite file), then the data keys, then the audit checkpoints."""
    target = Path(args.out)
    if target.exists() and any(target.iterdir()):
        sys.stderr.write(f"hotline: {target} is not empty; back up into a new folder\n")
        return 2
    target.mkdir(parents=True, exist_ok=True)
    os.chmod(target, 0o700)
    w = Wiring.of(settings)
    var = Path(settings.var_dir)
    manifest: dict[str, Any] = {"format": FORMAT, "store": w.store,
                                "created_at": datetime.now(UTC).isoformat()}
    # The trail's head, signed, before the copy: the restored chain verifies up to at least here.
    trail = w.audit()
    try:
        w.checkpointer(trail).checkpoint()
    finally:
        trail.close()
    with progress() as bar:
        task = bar.add_task("backing up", total=3)
        if w.store == "postgres":
            conn, env = pg_args(settings.database_url)
            subprocess.run([pg_tool("pg_dump"), *conn, "--format=custom", "--file",
                            str(target / "database.dump")], env=env, check=True)
            bar.advance(task)
            manifest["keys"] = _copy_keys(var / "keys", target / "keys")
        else:
            (target / "sqlite").mkdir()
            files = sorted(var.glob("*.sqlite"))
            for db in files:  # SQLite's online backup: a consistent copy while the product runs
                with sqlite3.connect(db) as src, sqlite3.connect(target / "sqlite" / db.name) as dst:
                    src.backup(dst)
            bar.advance(task)
            manifest["keys"] = "keys.sqlite" if (var / "keys.sqlite").exists() else 0
            manifest["sqlite"] = [db.name for db in files]
        bar.advance(task)
        checkpoints = w.checkpoint_log().read_all()
        (target / "checkpoints.jsonl").write_text("".join(json.dumps(c, sort_keys=True) + "\n"
                                                          for c in checkpoints))
        manifest["checkpoints"] = len(checkpoints)
        bar.advance(task)
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2))
    private(target)
    out({"backup": str(target), **manifest})
    return 0


def private(folder: Path) -> None:
    """The backup is its owner's alone (contract §10): folders 0700, files 0600, whatever the
    umask of the process or of pg_dump was."""
    os.chmod(folder, 0o700)
    for path in folder.rglob("*"):
        os.chmod(path, 0o700 if path.is_dir() else 0o600)


def _database_empty(url: str) -> bool:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM information_schema.tables"
                           " WHERE table_schema = 'public'").fetchone()
    return row is not None and row[0] == 0


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    """Into a fresh database (and var/): the stores, the keys, the checkpoints; then roles and
    grants as `hotline migrate` makes them. Run `hotline republish` next, then start the services."""
    source = Path(args.from_)
    manifest = json.loads((source / "manifest.json").read_text())
    w = Wiring.of(settings)
    var = Path(settings.var_dir)
    if manifest.get("format") != FORMAT or manifest.get("store") != w.store:
        sys.stderr.write(f"hotline: {source} holds a {manifest.get('store')} backup (format "
                         f"{manifest.get('format')}); this installation uses {w.store}\n")
        return 2
    with progress() as bar:
        task = bar.add_task("restoring", total=3)
        if w.store == "postgres":
            if not _database_empty(settings.database_url):
                sys.stderr.write("hotline: the database already has tables; restore into a fresh one\n")
                return 2
            if (var / "keys").exists() and any((var / "keys").iterdir()):
                sys.stderr.write(f"hotline: {var / 'keys'} already holds keys; restore into a fresh var/\n")
                return 2
            conn, env = pg_args(settings.database_url)
            subprocess.run([pg_tool("pg_restore"), *conn, "--no-owner", "--no-privileges",
                            "--exit-on-error", str(source / "database.dump")], env=env, check=True)
            bar.advance(task)
            keys = _copy_keys(source / "keys", var / "keys")
        else:
            present = [n for n in manifest["sqlite"] if (var / n).exists()]
            if present:
                sys.stderr.write(f"hotline: {var} already holds {', '.join(present)}; "
                                 "restore into a fresh var/\n")
                return 2
            var.mkdir(parents=True, exist_ok=True)
            for name in manifest["sqlite"]:
                shutil.copy2(source / "sqlite" / name, var / name)
            bar.advance(task)
            keys = manifest["keys"]
        bar.advance(task)
        sink = w.checkpoint_log()
        published = 0
        if not sink.read_all():
            for line in (source / "checkpoints.jsonl").read_text().splitlines():
                if line.strip():
                    sink.publish(json.loads(line))
                    published += 1
        bar.advance(task)
    if w.store == "postgres":
        cmd_migrate(settings, args)  # roles, grants and any table or migration a newer version adds
    out({"restored_from": str(source), "store": w.store, "keys": keys, "checkpoints": published,
         "next": "hotline republish, then start the services" if w.store == "postgres"
         else "start the product (make run)"})
    return 0


def cmd_republish(settings: Settings, args: argparse.Namespace) -> int:
    """Fresh topics from the outboxes: every relay starts again from its application's first
    event and every consumer from each partition's start. The consumers' effects are idempotent,
    so what they had applied is applied once. Refused while the topics hold messages (unless
    --force): run it with the services stopped, on fresh topics."""
    if not settings.distributed:
        sys.stderr.write("hotline: republish concerns Kafka (the distributed wiring)\n")
        return 2
    topics = sorted({t for topics, _ in CONSUMERS.values() for t in topics})
    held = {f"{t}:{p}": n for (t, p), n in end_offsets(settings.kafka_bootstrap_servers, topics,
                                                       settings.kafka_security()).items() if n}
    if held and not args.force:
        sys.stderr.write(f"hotline: the topics hold messages ({sum(held.values())}); republish is for "
                         "fresh topics after a restore (--force to reset positions anyway)\n")
        return 2
    with psycopg.connect(settings.database_url, autocommit=False) as conn:
        for app in RELAYS:
            conn.execute(f"DELETE FROM relay_{app}_tracking")
        for table in CONSUMER_TRACKING:
            conn.execute(f"DELETE FROM {table} WHERE application_name LIKE %s", ("hotline.%",))
        conn.commit()
    out({"relays": sorted(RELAYS), "reset_consumers": list(CONSUMER_TRACKING),
         "next": "start the services (make up): the relays publish every event again"})
    return 0


def add_commands(sub: Any) -> None:
    backup = sub.add_parser("backup", help="the database and the key store, consistent, into a folder")
    backup.add_argument("--out", required=True, help="a new folder")
    backup.set_defaults(fn=cmd_backup)
    restore = sub.add_parser("restore", help="a backup into a fresh database and var/")
    restore.add_argument("--from", dest="from_", required=True, help="the backup folder")
    restore.set_defaults(fn=cmd_restore)
    republish = sub.add_parser("republish", help="replay the outboxes into fresh Kafka topics")
    republish.add_argument("--force", action="store_true", help="even if the topics hold messages")
    republish.set_defaults(fn=cmd_republish)
