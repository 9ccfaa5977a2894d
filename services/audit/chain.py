"""The chain's shape: what each entry's hash covers, and a head (length and newest hash)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
FIELDS = ("seq", "at", "actor", "role", "unit", "action", "resource_type", "resource_id",
          "case_id", "client")


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """Each entry's hash covers its fields and the previous entry's hash."""
    canonical = json.dumps({k: fields.get(k) for k in FIELDS}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{prev_hash}\x1f{canonical}".encode()).hexdigest()


@dataclass(frozen=True)
class Head:
    """A chain's length and its newest entry's hash."""

    length: int
    head: str
