"""The auditor's filters as a person fills them: whole Beijing days within one range, a case id
however it was typed (spaces, dashes, upper case), the case's reports found with it, the filters
in force said back, and which account request an entry is about."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from services.api.pages.security_text import KIND_TEXT as REQUEST_KIND_TEXT
from services.common.errors import NotFound
from services.common.labels import RESOURCE_TEXT, ROLE_TEXT
from services.common.numbers import fold
from services.common.vocabulary import BEIJING
from services.oversight.filters import filters_label

REQUEST_ACTIONS = ("account.request", "account.approve", "account.reject", "account.withdraw")
MATCH_SECONDS = 5.0  # a request and its entry are written in one transaction, moments apart

HEX = re.compile(r"[0-9a-f]{8}|[0-9a-f]{32}")  # the 8 the pages show, or the whole id
SEPARATORS = re.compile(r"[\s\-‐‑–—－_]+")
RECEIPT = re.compile(r"[0-9]{8}[0-9a-z]{10}")  # 20261207-24KY2HT7J9 without its dash
PERSONAL = re.compile(r"[0-9]{9,}x?")  # an id card's or a phone's digits: never a case's


class LooksPersonal(ValueError):
    """Digits that read as an id card or phone number: not searched for, not kept."""


class NoSuchCase(ValueError):
    """An id no case, report or referral has."""


class NoSuchReceipt(ValueError):
    """A receipt number no report (yet linked to a case) has."""


def case_id(typed: str) -> str:
    """'A2F3 6106' → 'a2f36106'; 32 hex digits (with or without dashes) → the full id; '' when
    nothing was typed. ValueError when it is not a case id (LooksPersonal for a long number)."""
    digits = SEPARATORS.sub("", fold(typed)).lower()
    if not digits:
        return ""
    if not HEX.fullmatch(digits):
        raise LooksPersonal(typed) if PERSONAL.fullmatch(digits) else ValueError("not a case id")
    parts = (digits[:8], digits[8:12], digits[12:16], digits[16:20], digits[20:])
    return "-".join(p for p in parts if p)


def named_case(container: Any, typed: str) -> tuple[str, str]:
    """What the 案件 box names, and how it was read: a case id ('' said), a receipt number (its
    report's case), or the short id of a report or referral the trail shows (its case) when no
    case on the trail starts so. Errors as `case_id`, and NoSuchReceipt."""
    folded = SEPARATORS.sub("", fold(typed)).lower()
    if RECEIPT.fullmatch(folded) and not HEX.fullmatch(folded):
        report = container.intake.report_id_for_receipt(fold(typed).strip())
        link = container.view.case_for_report(report) if report else None
        if link is not None:
            return str(link["case_id"]), f"受理编号 {fold(typed).strip().upper()} 所在的案件"
        if not folded.isdigit():
            raise NoSuchReceipt(typed)
    case = case_id(typed)
    if not case or container.audit.case_ids(case):
        return case, ""
    records = container.view.cases_of_records(case)
    if any(what == "case" for what, _ in records):  # a case with nothing on the trail yet
        return case, ""
    if len(case) == 8 and len({c for _, c in records}) == 1:
        what = "报告" if records[0][0] == "report" else "转介"
        return records[0][1], f"{what} {case} 所在的案件"
    # A slip of one character read as "nobody looked" (the auditor's second review, stop 61).
    raise NoSuchCase(case)


EARLIEST_DAY = date(2000, 1, 1)


class OutOfRange(ValueError):
    """A real date outside the days the pages take (a typing slip: 1999, 2206)."""


def latest_day(today: date) -> date:
    """The last day a date picker offers: a year from today (planning a window ahead is fine)."""
    return today + timedelta(days=366)


def range_text(today: date) -> str:
    return f"日期须在 {EARLIEST_DAY.isoformat()} 至 {latest_day(today).isoformat()} 之间。"


def in_range(day: date, today: date) -> date:
    if not EARLIEST_DAY <= day <= latest_day(today):
        raise OutOfRange(day.isoformat())
    return day


def day_bound(text: str, *, until: bool, today: date | None = None) -> datetime | None:
    """A Beijing day: from its 00:00 (起始日期), or up to the next day's 00:00 (截止日期, the day
    included). A date with a time (older links) is that moment. ValueError when impossible,
    OutOfRange when outside the pages' days."""
    text = text.strip()
    if not text:
        return None
    today = today or datetime.now(BEIJING).date()
    if "T" in text:
        moment = datetime.fromisoformat(text)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=BEIJING)
        try:
            in_range(moment.astimezone(BEIJING).date(), today)
        except OverflowError:
            raise OutOfRange(text) from None
        return moment
    day = in_range(date.fromisoformat(text), today)
    start = datetime(day.year, day.month, day.day, tzinfo=BEIJING)
    return start + timedelta(days=1) if until else start


FILTER_CHIPS = {"actor": "操作人或所涉账号以“{}”开头", "case": "案件 {}"}


def active_filters(q: dict[str, str], bounds: dict[str, datetime | None], hide_own: bool,
                   names: dict[str, str]) -> list[dict[str, str]]:
    """Every filter in force, for people, each with the link that drops it (a time from a link
    included: the date boxes cannot show one)."""
    base = {k: v for k, v in q.items() if v and k != "before"}
    chips = []
    for key, value in base.items():
        if key in ("since", "until"):
            moment = bounds.get(key)
            if moment is None:
                continue
            if "T" in value:
                shown = moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")
                text = f"起 {shown}" if key == "since" else f"止 {shown}（不含）"
            else:
                text = f"起始日期 {value}" if key == "since" else f"截止日期 {value}（含）"
        elif key in FILTER_CHIPS:
            text = FILTER_CHIPS[key].format(value)
        else:
            text = names.get(value, value)
        rest = {k: v for k, v in base.items() if k != key}
        chips.append({"key": key, "text": text, "href": "/audit?" + urlencode(
            {**rest, "form": "1", **({"hide_own": "1"} if hide_own else {})})})
    return chips


def account_requests(container: Any, entries: list[dict[str, Any]]) -> dict[int, str]:
    """seq → '重置密码 · 申请 1a2b3c4d' for the entries of account requests and their decisions:
    the request found by its account, who acted and when (the entry names the account only)."""
    wanted = [e for e in entries if e.get("action") in REQUEST_ACTIONS]
    if not wanted:
        return {}
    requests = container.accounts.list_requests()
    out: dict[int, str] = {}
    for e in wanted:
        at = e["at"] if isinstance(e["at"], datetime) else datetime.fromisoformat(str(e["at"]))
        asking = e["action"] == "account.request"
        near = [(abs(((r.asked_at if asking else r.decided_at) - at).total_seconds()), r) for r in requests
                if r.username == e.get("resource_id")
                and (r.asked_by if asking else r.decided_by) == e.get("actor")
                and (r.asked_at if asking else r.decided_at) is not None]
        near = [n for n in near if n[0] < MATCH_SECONDS]
        if near:
            found = min(near, key=lambda n: n[0])[1]
            out[e["seq"]] = f"{REQUEST_KIND_TEXT.get(found.kind, '变更')} · 申请 {str(found.id)[:8]}"
    return out


def reports_of_cases(container: Any, case: str) -> dict[str, str]:
    """report id → case id, for the cases a (short or full) id names, from the read model."""
    ids = [case] if len(case) == 36 else container.audit.case_ids(case)
    out: dict[str, str] = {}
    for found in ids:
        row = container.view.get_case(found)
        for report_id in (row or {}).get("report_ids", []):
            out[report_id] = found
    return out


SEARCHES = ("stats", "ledger", "cases", "audit")  # entries whose id is the filters a read used


def resource_said(e: dict[str, Any], places: dict[str, str]) -> tuple[str, str, bool]:
    """What an entry is about, in the page's words (the page and the export both): the kind, its
    id (a search's filters said in words) and whether it is a page's or an interface's path."""
    kind, rid = str(e.get("resource_type") or ""), str(e.get("resource_id") or "")
    if kind.startswith("/"):
        return "页面或接口", rid, True
    if kind in SEARCHES and ("=" in rid or rid == "-"):
        rid = filters_label(rid, lambda code: places.get(code, ""))
    return RESOURCE_TEXT.get(kind, "其他"), rid, False


def receipts_of(container: Any, report_case: dict[str, str]) -> dict[str, str]:
    """receipt number → case id, for the reports found with a case: a failed lookup of one is
    recorded under the number typed, not the case (it never reads whether the receipt exists)."""
    out = {}
    for report_id, case in report_case.items():
        try:
            out[container.intake.get_report(report_id).receipt_no] = case
        except NotFound:  # a report the case names but its store no longer holds has no receipt
            continue
    return out


def details(container: Any, entries: list[dict[str, Any]]) -> dict[int, str]:
    """seq → what an entry's detail says, for people: the account's role, unit and region, the
    request's kind and 申请说明, the rejection's reason (entries from stop 61 on carry one)."""
    places = dict(container.directory.places)

    def unit(unit_id: str) -> str:
        agency = container.directory.get(unit_id)
        point = None if agency else container.accounts.sentinel(unit_id)
        return agency.name if agency else (f"{point.name}（监测哨点）" if point else "未登记单位")

    said: dict[str, Callable[[str], str]] = {
        "request": lambda v: f"申请 {v[:8]}", "kind": lambda v: REQUEST_KIND_TEXT.get(v, v),
        "role": lambda v: f"角色：{ROLE_TEXT.get(v, v)}", "unit": lambda v: f"单位：{unit(v)}",
        "region": lambda v: f"辖区：{places.get(v, v)}", "note": lambda v: f"申请说明：{v}",
        "reason": lambda v: f"驳回理由：{v}"}
    return {e["seq"]: "；".join(said[k](str(v)) for k, v in e["detail"].items() if k in said and v)
            for e in entries if isinstance(e.get("detail"), dict)}
