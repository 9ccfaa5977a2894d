"""The chain's shape: what each entry's hash covers, and a head (length and newest hash)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from services.common.suites import suite

GENESIS = "0" * 64
FIELDS = ("seq", "at", "actor", "role", "unit", "action", "resource_type", "resource_id",
          "case_id", "client")


def entry_hash(prev_hash: str, fields: dict[str, Any], suite_name: str = "aes") -> str:
    """Each entry's hash covers its fields (its detail too, when it has one) and the previous
    entry's hash, under the entry's own suite (aes: SHA-256, sm: SM3; both 64 hex digits, so
    a chain may switch between entries)."""
    covered = {k: fields.get(k) for k in FIELDS}
    if fields.get("detail") is not None:  # entries with a detail (stop 61); those before hash as they did
        covered["detail"] = fields["detail"]
    canonical = json.dumps(covered, sort_keys=True, ensure_ascii=False)
    return suite(suite_name).hash(f"{prev_hash}\x1f{canonical}".encode()).hex()


@dataclass(frozen=True)
class Head:
    """A chain's length and its newest entry's hash."""

    length: int
    head: str
