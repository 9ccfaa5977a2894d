"""`hotline crypto info` (contract §14): the suite of new data, each suite's algorithms, and how
many stored items each suite holds, each counted by what the item itself names (an event's magic,
a wrapped key's prefix, a keyed hash's prefix, an audit row's suite column, a checkpoint's field),
never by trying keys. Nothing is opened: the command needs no key but the store's."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from services.bootstrap.topology import EVENT_STORES
from services.bootstrap.wiring import Wiring
from services.common.crypto import EVENT_MAGIC, HASH_PREFIX, SEALED_PREFIX, sealed_suite
from services.common.store import Sql
from services.common.suites import SUITES

LEGACY = "legacy"  # sealed before v1.1 (AES, no suite named): opened as AES
APPLICATIONS = tuple(table.removesuffix("_events") for table in EVENT_STORES)
# Tables of keyed hashes (column, and the prefix a value carries before its family's).
HASH_TABLES = {"caller_reports": ("intake", "caller", ""),  # in intake's store (#31)
               "repeat_checks": ("throttle", "fingerprint", "fp-")}


def _empty(*more: str) -> dict[str, int]:
    return {name: 0 for name in (*SUITES, *more)}


def _present(sql: Sql, table: str) -> bool:
    if sql.postgres:
        row = sql.one("SELECT to_regclass(?) IS NOT NULL AS present", (table,))
    else:
        row = sql.one("SELECT COUNT(*) > 0 AS present FROM sqlite_master WHERE type = 'table' AND name = ?",
                      (table,))
    return bool(row and row["present"])


def _store(w: Wiring, name: str) -> Sql | None:
    """The SQL of one store, or None when the embedded wiring never made its file."""
    if w.store == "sqlite" and not (Path(w.settings.var_dir) / f"{name}.sqlite").exists():
        return None
    return Sql(w.factory(name).datastore)


def _by_magic(w: Wiring, name: str, purpose: str) -> dict[str, int]:
    """Stored events (or snapshots) of one application by the magic in front of their state."""
    counts = _empty(LEGACY)
    sql = _store(w, name)
    if sql is None:
        return counts
    try:
        table = f"{name}_{purpose}" if sql.postgres else f"stored_{purpose}"
        if not _present(sql, table):
            return counts
        size = len(next(iter(EVENT_MAGIC.values())))
        for row in sql.rows(f"SELECT substr(state, 1, {size}) AS magic, COUNT(*) AS n"
                            f" FROM {table} GROUP BY 1"):
            magic = bytes(row["magic"])
            found = next((s for s, m in EVENT_MAGIC.items() if m == magic), LEGACY)
            counts[found] += int(row["n"])
        return counts
    finally:
        sql.datastore.close()


def _hashes(w: Wiring, table: str, store: str, column: str, lead: str) -> dict[str, int]:
    """Keyed hashes by family: HMAC-SM3 ones carry a prefix, HMAC-SHA256 ones none."""
    counts = _empty()
    sql = _store(w, store)
    if sql is None:
        return counts
    try:
        if not _present(sql, table):
            return counts
        row = sql.one(f"SELECT COUNT(*) AS n, SUM(CASE WHEN {column} LIKE ? THEN 1 ELSE 0 END) AS sm"
                      f" FROM {table}", (f"{lead}{HASH_PREFIX['sm']}%",))
        total, sm = (int(row["n"]), int(row["sm"] or 0)) if row else (0, 0)
        counts.update(sm=sm, aes=total - sm)
        return counts
    finally:
        sql.datastore.close()


def _data_keys(w: Wiring) -> dict[str, int]:
    """Wrapped data keys by the suite their prefix names, through the key backend (file, SQLite or
    a key device behind the same interface)."""
    counts: Counter[str] = Counter(_empty(LEGACY))
    keys = w.keystore()
    try:
        for owner in keys.backend.owners():
            wrapped = keys.backend.get(owner)
            if wrapped is not None:  # erased between the listing and the read
                counts[sealed_suite(wrapped) or LEGACY] += 1
    finally:
        keys.close()
    return dict(counts)


def _audit(w: Wiring) -> tuple[dict[str, int], dict[str, int]]:
    """Audit entries by their row's suite, and the published checkpoints by theirs."""
    entries = _empty()
    trail = w.audit()
    try:
        for row in trail.sql.rows("SELECT suite, COUNT(*) AS n FROM audit_log GROUP BY suite"):
            entries[str(row["suite"])] = int(row["n"])
    finally:
        trail.close()
    checkpoints: Counter[str] = Counter(_empty())
    for checkpoint in w.checkpoint_log().read_all():
        checkpoints[str(checkpoint.get("suite", "aes"))] += 1  # written before #30: aes
    return entries, dict(checkpoints)


def inventory(w: Wiring) -> dict[str, Any]:
    """What `hotline crypto info` prints."""
    entries, checkpoints = _audit(w)
    return {
        "suite": w.settings.crypto_suite,
        "suites": {name: {"algorithms": s.label, "sealed_prefix": SEALED_PREFIX[name],
                          "event_magic": repr(EVENT_MAGIC[name])[2:-1],
                          "hash_prefix": HASH_PREFIX[name]} for name, s in SUITES.items()},
        "events": {name: _by_magic(w, name, "events") for name in APPLICATIONS},
        "snapshots": {"triage": _by_magic(w, "triage", "snapshots")},
        "data_keys": _data_keys(w),
        "keyed_hashes": {table: _hashes(w, table, *where) for table, where in HASH_TABLES.items()},
        "audit_entries": entries,
        "audit_checkpoints": checkpoints,
    }
