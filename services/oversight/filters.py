"""Oversight reads on the trail (contract §10, "Oversight reads"): the filters of a statistics,
ledger, case-list or audit-log read, as one short text in the entry's `resource_id` (codes,
dates and levels only: no personal data is ever a filter of these reads), and that text for people."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import Enum
from urllib.parse import quote, unquote, urlencode

from services.common.labels import (
    ACTION_GROUP_TEXT,
    ACTION_TEXT,
    CASE_STATUS_TEXT,
    LEVEL_TEXT,
    ROLE_TEXT,
)
from services.common.vocabulary import BEIJING

TYPED_MAX = 40  # what a refused read keeps of each field as typed (a whole case id: 36)
TYPED_KEEP = re.compile(r"[^0-9A-Za-z:+./\-]")  # a date typed 2026/12/01 kept too (stop 50's review)
LONG_NUMBER = re.compile(r"[0-9]{9,}")  # longer than any date: a phone or id number typed by mistake


def filters_text(**filters: object) -> str:
    """'region=441823&since=2026-11-01T00:00:00+08:00' (the filters given, by name); '-' for none.
    Spaces are %20, so a '+' read back is a '+' (an offset), never a space."""
    def text(value: object) -> str:
        if isinstance(value, datetime):
            return value.isoformat()
        return str(value.value if isinstance(value, Enum) else value)
    given = {name: text(value) for name, value in sorted(filters.items()) if value not in (None, "")}
    return urlencode(given, safe=":+", quote_via=quote) or "-"


def typed_text(**typed: str | None) -> str:
    """The fields of a refused read as typed: bounded, and only the characters of dates and codes
    (anything else is '?', a run of 9+ digits '#': nothing personal is carried into the trail);
    empty is '空'."""
    kept = {name: (LONG_NUMBER.sub("#", TYPED_KEEP.sub("?", value.strip()[:TYPED_MAX])) or "空")
            for name, value in typed.items() if value is not None}
    return filters_text(**kept)


def parse(text: str) -> list[tuple[str, str]]:
    """The filters of an entry; a '+' stays a '+' (entries written before spaces were %20 too)."""
    pairs = []
    for part in text.split("&"):
        name, _, value = part.partition("=")
        pairs.append((unquote(name), unquote(value)))
    return pairs


FILTER_TEXT = {"region": "地区", "month": "月份", "format": "格式", "risk_level": "等级",
               "status": "状态", "role": "角色", "action": "操作", "case": "案件",
               "from": "开始日期", "to": "结束日期", "first_day": "起始日期", "last_day": "截止日期",
               "since": "起", "until": "止", "group": "分组"}
VALUE_TEXT = {"risk_level": LEVEL_TEXT, "status": CASE_STATUS_TEXT, "role": ROLE_TEXT,
              "action": {**ACTION_TEXT, **{k: f"{v}（全部）" for k, v in ACTION_GROUP_TEXT.items()}},
              "format": {"csv": "文本表格", "xlsx": "Excel"}, "group": {"region": "按下级区划"}}


def _moment(value: str) -> datetime | None:
    try:
        found = datetime.fromisoformat(value)
        return (found if found.tzinfo else found.replace(tzinfo=BEIJING)).astimezone(BEIJING)
    except (ValueError, OverflowError):
        return None


def _midnight(moment: datetime) -> bool:
    return (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0)


def window_text(since: datetime | None, until: datetime | None) -> str:
    """'2026-11-03 至 2026-12-02（含）' for whole days, as they were chosen; moments otherwise."""
    days = all(m is None or _midnight(m) for m in (since, until))
    first = (since.strftime("%Y-%m-%d") if days else since.strftime("%Y-%m-%d %H:%M:%S")) if since else ""
    if until is None:
        last = ""
    elif days:
        last = f"{(until - timedelta(days=1)).strftime('%Y-%m-%d')}（含）"
    else:
        last = f"{until.strftime('%Y-%m-%d %H:%M:%S')}（不含）"
    if first and last:
        return f"{first} 至 {last}"
    return f"{first} 起" if first else f"至 {last}"


def filters_label(text: str, place_name: Callable[[str], str] | None = None) -> str:
    """The filters of an entry for people, in Chinese: '时段 2026-11-01 至 2026-11-30（含） 地区 三江镇'."""
    if text == "-":
        return "全部"
    pairs = parse(text)
    found = dict(pairs)
    since, until = _moment(found.get("since", "")), _moment(found.get("until", ""))
    parts = [f"时段 {window_text(since, until)}"] if since or until else []
    for name, value in pairs:
        if name in ("since", "until") and (since if name == "since" else until):
            continue
        if name == "actor":
            parts.append(f"操作人或所涉账号以“{value}”开头")
        elif name == "hide_own":
            parts.append("不含本人的查看")
        elif name == "region" and place_name is not None and place_name(value):
            parts.append(f"地区 {place_name(value).replace(' ', '')}")
        else:
            parts.append(f"{FILTER_TEXT.get(name, name)} {VALUE_TEXT.get(name, {}).get(value, value)}")
    return " ".join(parts)
