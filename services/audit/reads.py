"""Reading the audit trail: its head, entries by case, a filtered search, the chain's check."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from services.audit.chain import GENESIS, Head, entry_hash
from services.common.crypto import Sealer
from services.common.store import Sql

# An auditor's own page views, which the auditor's page can leave out of the list.
OWN_READS = frozenset({"audit.read", "stats.read"})


class TrailReads:
    """The audit trail's reads (AuditTrail's base); entries are sealed, so opened here."""

    sql: Sql
    _sealer: Sealer

    def head(self) -> Head | None:
        """The newest entry's position and hash (None before the first entry)."""
        row = self.sql.one("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        return Head(int(row["seq"]), str(row["hash"])) if row else None

    def _rows(self, where: str = "1 = 1", params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        after = 0
        while True:
            batch = self.sql.rows(f"SELECT seq, sealed, prev_hash, hash, suite FROM audit_log WHERE {where}"
                                  " AND seq > ? ORDER BY seq LIMIT 1000", (*params, after))
            out.extend(batch)
            if len(batch) < 1000:
                return out
            after = int(batch[-1]["seq"])

    def entries(self, case_id: str | None = None) -> list[dict[str, Any]]:
        rows = self._rows("case_id = ?", (case_id,)) if case_id else self._rows()
        return [{**self._sealer.open(r["sealed"]), "hash": r["hash"]} for r in rows]

    def case_ids(self, prefix: str, limit: int = 20) -> list[str]:
        """The full ids of the cases on the trail whose id starts with `prefix` (hex and dashes)."""
        if not re.fullmatch(r"[0-9a-f-]+", prefix):
            return []
        rows = self.sql.rows("SELECT DISTINCT case_id FROM audit_log WHERE case_id LIKE ?"
                             " ORDER BY case_id LIMIT ?", (f"{prefix}%", limit))
        return [str(r["case_id"]) for r in rows]

    def search(self, *, actor: str | None = None, role: str | None = None, action: str | None = None,
               case_id: str | None = None, since: datetime | None = None,
               until: datetime | None = None, before: int | None = None, limit: int = 50,
               scan: int = 20000, case_prefix: str | None = None,
               report_ids: Collection[str] = (), hide_reads_of: str | None = None,
               receipts: Collection[str] = (), or_account: bool = False,
               ) -> tuple[list[dict[str, Any]], int | None]:
        """Entries matching every filter given, newest first, at most `limit`; and the position to
        continue from (older entries), or None when there are none. Fields other than the case
        are sealed, so entries are opened and filtered here, scanning at most `scan` per call.
        `actor` matches the start of the name, in any case (with `or_account`, also the account an
        entry is about); with a case, `report_ids` adds the entries about its reports recorded
        without the case (a report filed before the case existed) and `receipts` the lookups of its
        receipt numbers that failed; `hide_reads_of` leaves out that person's own reading of the
        trail and statistics."""
        found: list[dict[str, Any]] = []
        cursor = before if before is not None else (self.head() or Head(0, GENESIS)).length + 1
        where, params = ("case_id = ?", (case_id,)) if case_id else ("", ())
        if case_prefix is not None:  # the short case id the pages show (hex digits and dashes only)
            if not re.fullmatch(r"[0-9a-f-]+", case_prefix):
                return [], None
            where, params = "case_id LIKE ?", (f"{case_prefix}%",)
        if where and (report_ids or receipts):
            where = f"({where} OR case_id IS NULL)"
        where = f"{where} AND seq < ?" if where else "seq < ?"
        wanted_actor = actor.lower() if actor else None
        scanned = 0
        # Entries are appended in time order, give or take the follower's batches: a margin.
        floor = since - timedelta(minutes=5) if since else None
        while scanned < scan:
            batch = self.sql.rows(f"SELECT seq, sealed, hash FROM audit_log WHERE {where}"
                                  " ORDER BY seq DESC LIMIT 500", (*params, cursor))
            if not batch:
                return found, None
            for row in batch:
                scanned += 1
                cursor = int(row["seq"])
                entry = {**self._sealer.open(row["sealed"]), "hash": row["hash"]}
                at = datetime.fromisoformat(entry["at"])
                if floor and at < floor:
                    return found, None
                kind, rid = entry.get("resource_type"), entry.get("resource_id")
                if (report_ids or receipts) and entry.get("case_id") is None and not (
                        (kind == "report" and rid in report_ids) or (kind == "receipt" and rid in receipts)):
                    continue
                about = str(entry.get("resource_id") or "").lower() if or_account and entry.get(
                    "resource_type") == "account" else ""
                if ((wanted_actor and not str(entry.get("actor") or "").lower().startswith(wanted_actor)
                     and not about.startswith(wanted_actor))
                        or (role and entry.get("role") != role)
                        or (action and not str(entry.get("action", "")).startswith(action))
                        or (hide_reads_of and entry.get("actor") == hide_reads_of
                            and entry.get("action") in OWN_READS)
                        or (since and at < since) or (until and at >= until)):
                    continue
                found.append(entry)
                if len(found) == limit:
                    return found, cursor
            if len(batch) < 500:
                return found, None
        return found, cursor

    def entry_hashes(self) -> list[str]:
        """Each entry's hash, entry 1 first."""
        return [str(r["hash"]) for r in self._rows()]

    def verify(self) -> tuple[bool, int, str]:
        """(ok, entries checked, problem): altered, removed or reordered entries, each entry's hash
        under its own row's suite. A cut tail leaves a consistent chain; the signed checkpoints
        (checkpoints.py) catch that."""
        prev = GENESIS
        rows = self._rows()
        for n, row in enumerate(rows, start=1):
            try:
                fields = self._sealer.open(row["sealed"])
            except ValueError:
                return False, n - 1, f"entry {n}: cannot be opened (altered)"
            if int(row["seq"]) != n or fields.get("seq") != n:
                return False, n - 1, f"entry {n}: sequence is {row['seq']} (missing entry?)"
            if row["prev_hash"] != prev:
                return False, n - 1, f"entry {n}: does not follow entry {n - 1}"
            if entry_hash(prev, fields, str(row["suite"])) != row["hash"]:
                return False, n - 1, f"entry {n}: content does not match its hash (altered)"
            prev = row["hash"]
        return True, len(rows), ""
