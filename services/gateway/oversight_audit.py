"""Oversight reads on the trail (contract §10, "Oversight reads"): the filters of a statistics,
ledger or case-list read, as one short text in the entry's `resource_id` (codes, dates and
levels only: no personal data is ever a filter of these reads)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from urllib.parse import urlencode


def filters_text(**filters: object) -> str:
    """'region=441823&since=2026-11-01T00:00:00+08:00' (the filters given, by name); '-' for none."""
    def text(value: object) -> str:
        if isinstance(value, datetime):
            return value.isoformat()
        return str(value.value if isinstance(value, Enum) else value)
    given = {name: text(value) for name, value in sorted(filters.items()) if value not in (None, "")}
    return urlencode(given, safe=":+") or "-"
