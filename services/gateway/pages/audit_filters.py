"""The auditor's filters as a person fills them: whole Beijing days, a case id however it was
typed (spaces, dashes, upper case), and the case's reports found with it."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from services.common.vocabulary import BEIJING

HEX = re.compile(r"[0-9a-f]{8,32}")
SEPARATORS = re.compile(r"[\s\-‐‑–—－_]+")


def case_id(typed: str) -> str:
    """'A2F3 6106' → 'a2f36106'; 32 hex digits (with or without dashes) → the full id; '' when
    nothing was typed. ValueError when it is not the start of a case id."""
    digits = SEPARATORS.sub("", typed).lower()
    if not digits:
        return ""
    if not HEX.fullmatch(digits):
        raise ValueError("not a case id")
    parts = (digits[:8], digits[8:12], digits[12:16], digits[16:20], digits[20:])
    return "-".join(p for p in parts if p)


def day_bound(text: str, *, until: bool) -> datetime | None:
    """A Beijing day: from its 00:00 (起始日期), or up to the next day's 00:00 (截止日期, the day
    included). A date with a time (older links) is that moment. ValueError when impossible."""
    text = text.strip()
    if not text:
        return None
    if "T" in text:
        moment = datetime.fromisoformat(text)
        if not 2000 <= moment.year <= 2100:
            raise ValueError("out of range")
        return moment if moment.tzinfo else moment.replace(tzinfo=BEIJING)
    day = date.fromisoformat(text)
    if not 2000 <= day.year <= 2100:
        raise ValueError("out of range")
    start = datetime(day.year, day.month, day.day, tzinfo=BEIJING)
    return start + timedelta(days=1) if until else start


def reports_of_cases(container: Any, case: str) -> dict[str, str]:
    """report id → case id, for the cases a (short or full) id names, from the read model."""
    ids = [case] if len(case) == 36 else container.audit.case_ids(case)
    out: dict[str, str] = {}
    for found in ids:
        row = container.view.get_case(found)
        for report_id in (row or {}).get("report_ids", []):
            out[report_id] = found
    return out
