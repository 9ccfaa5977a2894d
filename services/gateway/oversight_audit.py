"""Oversight reads on the trail (contract §10, "Oversight reads"): the filters of a statistics,
ledger or case-list read, as one short text in the entry's `resource_id` (codes, dates and
levels only: no personal data is ever a filter of these reads)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from urllib.parse import parse_qsl, urlencode

from services.common.vocabulary import BEIJING, CASE_STATUS_TEXT, LEVEL_TEXT


def filters_text(**filters: object) -> str:
    """'region=441823&since=2026-11-01T00:00:00+08:00' (the filters given, by name); '-' for none."""
    def text(value: object) -> str:
        if isinstance(value, datetime):
            return value.isoformat()
        return str(value.value if isinstance(value, Enum) else value)
    given = {name: text(value) for name, value in sorted(filters.items()) if value not in (None, "")}
    return urlencode(given, safe=":+") or "-"


FILTER_TEXT = {"since": "起", "until": "止", "region": "地区", "month": "月份", "format": "格式",
               "risk_level": "等级", "status": "状态"}
VALUE_TEXT = {"risk_level": LEVEL_TEXT, "status": CASE_STATUS_TEXT,
              "format": {"csv": "文本表格", "xlsx": "Excel"}}


def filters_label(text: str) -> str:
    """The filters of an entry for people, in Chinese: '起 2026-11-01 00:00 止 … 地区 441823'."""
    if text == "-":
        return "全部"
    parts = []
    for name, value in parse_qsl(text):
        if name in ("since", "until"):
            try:
                value = datetime.fromisoformat(value).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")
            except (ValueError, OverflowError):
                pass
        parts.append(f"{FILTER_TEXT.get(name, name)} {VALUE_TEXT.get(name, {}).get(value, value)}")
    return " ".join(parts)
