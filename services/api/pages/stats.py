"""The statistics page (/stats, 统计分析) for supervisors and auditors: the figures of a date range
and region drawn as charts in the page, with the sentinel points that have gone silent."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.api.deps import AuditDep, ContainerDep
from services.api.guard import Page, page_guard
from services.api.pages.audit_filters import EARLIEST_DAY, OutOfRange, in_range, latest_day, range_text
from services.api.web import BEIJING, render
from services.common.auditnote import within
from services.common.errors import FieldError
from services.common.labels import (
    CHANNEL_TEXT,
    CONCERN_TEXT,
    KIND_TEXT,
    LEVEL_TEXT,
    SENTINEL_KIND_TEXT,
    STATUS_TEXT,
)
from services.dispatch.routing import Directory
from services.oversight.callback_figures import CALLBACK_RATE_RULE, SATISFIED_RATE_RULE
from services.oversight.filters import filters_text, typed_text
from services.oversight.regions_text import region_label, region_trail, unit_county
from services.oversight.statistics import AUDITOR_WINDOW, figures

router = APIRouter(tags=["pages"], include_in_schema=False)
SILENT_DAYS = 30
LABELS = {"channel": CHANNEL_TEXT, "concern": CONCERN_TEXT, "level": LEVEL_TEXT, "kind": KIND_TEXT,
          "status": STATUS_TEXT}


CHARTS = (("c-day", "每日报告（按渠道）"), ("c-level", "案件风险等级"), ("c-concern", "案件问题类型"),
          ("c-kind", "转介（按机构类型）"), ("c-status", "转介（按办理状态）"),
          ("c-ack", "接收用时与时限（分钟）"), ("c-follow", "随访帮扶"))


AUDITOR_WHY = AUDITOR_WINDOW  # the same words for a date with a moment typed into a box
TIME_OF_DAY = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d")


def _day(q: Any, name: str, default: date, errors: dict[str, str], today: date,
         auditor: bool) -> tuple[str, date | None]:
    """What the field holds (as typed, to show it again) and its date; absent → the default."""
    if name not in q:
        return default.isoformat(), default
    text = q[name].strip()
    if not text:
        errors[name] = "请选择开始日期。" if name == "from" else "请选择结束日期。"
        return text, None
    if TIME_OF_DAY.match(text):  # a date with a moment: a link, never the picker
        errors[name] = AUDITOR_WHY if auditor else "请只选择日期，不带具体时刻。"
        return text, None
    try:
        return text, in_range(date.fromisoformat(text), today)
    except OutOfRange:
        errors[name] = range_text(today)
    except ValueError:
        errors[name] = "日期格式不正确，请用日期选择器选择（如 2026-12-01）。"
    return text, None


def _moments(q: Any, errors: dict[str, str],
             today: date) -> tuple[datetime | None, datetime | None, str, str]:
    """`since` and `until` as the API takes them (a link, a bookmark): the moments, and the days
    the pickers show for them (the last day included). An auditor's partial days are refused
    with why by the statistics' own rule."""
    found: list[tuple[datetime | None, str]] = []
    for name, field, back in (("since", "from", timedelta()), ("until", "to", timedelta(microseconds=1))):
        try:
            moment = datetime.fromisoformat(q.get(name, "").strip())
            moment = moment if moment.tzinfo else moment.replace(tzinfo=BEIJING)
            shown = in_range((moment - back).astimezone(BEIJING).date(), today)
            found.append((moment, shown.isoformat()))
        except (OutOfRange, OverflowError):
            found.append((None, ""))
            errors[field] = range_text(today)
        except ValueError:
            found.append((None, ""))
            errors[field] = "时间格式不正确，请用日期选择器选择日期。"
    (since, first), (until, last) = found
    return since, until, first, last


def quick_ranges(today: date) -> list[dict[str, str]]:
    """今天, this week (from Monday), this month, last month: Beijing calendar days."""
    month_start = today.replace(day=1)
    last_month_end = month_start - timedelta(days=1)
    return [{"text": text, "from": a.isoformat(), "to": b.isoformat()} for text, a, b in (
        ("今天", today, today), ("本周", today - timedelta(days=today.weekday()), today),
        ("本月", month_start, today), ("上月", last_month_end.replace(day=1), last_month_end))]


def months(today: date, count: int = 12) -> list[tuple[str, str]]:
    """The last `count` months, this one first: (YYYY-MM, its name)."""
    out, year, month = [], today.year, today.month
    for _ in range(count):
        out.append((f"{year:04d}-{month:02d}", f"{year}年{month}月"))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out


def empty_charts(data: dict[str, Any]) -> set[str]:
    """The charts with nothing to draw: the page says 暂无数据 instead of bare axes."""
    f, ack = data["followups"], data["ack_seconds"].values()
    return {chart for chart, empty in (
        ("c-day", not data["reports"]), ("c-level", not any(data["by_risk_level"].values())),
        ("c-concern", not data["by_concern"]), ("c-kind", not data["by_agency_kind"]),
        ("c-status", not data["by_referral_status"]), ("c-ack", not any(a.get("n") for a in ack)),
        ("c-follow", not any(f[k] for k in ("active", "due_within_7_days", "overdue", "visits_done"))),
    ) if empty}


def regions(directory: Directory, mine: str | None = None) -> list[dict[str, Any]]:
    """The places to filter by, inside the caller's region: each county (in the directory's
    order) first, then its townships and villages by code, named below the county; `whole`, its
    own 全县/全区 choice, unless the county is the caller's region (the first choice already)."""
    counties = [c for c, _ in directory.places if len(c) == 6 and within(c, mine)]
    out = []
    for code in counties:
        under = sorted(c for c, _ in directory.places if c.startswith(code) and c != code)
        out.append({"code": code, "name": region_label(directory, code), "codes": [code, *under],
                    "whole": code != mine,
                    "places": [(c, region_label(directory, c, code), len(c) > 9) for c in under]})
    return out


def wider(directory: Directory, mine: str | None) -> list[tuple[str, str]]:
    """The regions above the counties (a province, a city) inside and below the caller's."""
    return [(c, region_label(directory, c)) for c, _ in directory.areas
            if len(c) > len(mine or "") and within(c, mine)]


def crumbs(directory: Directory, region: str | None, mine: str | None) -> list[tuple[str, str]]:
    """The way back up (清远市 › 连南瑶族自治县 › 三江镇): from the caller's own region, the page
    without a region (code ""), down to the one shown; none when that is the caller's own."""
    if not region or region == mine:
        return []
    return [("", region_label(directory, mine) if mine else "全部地区"),
            *((c, n) for c, n in region_trail(directory, region, mine) if len(c) > len(mine or ""))]


StatsReader = Annotated[Page, Depends(page_guard(("supervisor", "auditor"), "/stats",
                                                 "此页面供督办人员和审计人员使用。"))]


def took(seconds: float | None) -> str:
    """A mean time to take a referral on, as a person says it."""
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    if minutes >= 60:
        return f"{minutes // 60}小时{minutes % 60}分"
    return f"{max(minutes, 1) if seconds else 0}分钟"


@router.get("/stats")
def stats_page(request: Request, page: StatsReader, container: ContainerDep, audit: AuditDep) -> Response:
    principal, q = page.principal, request.query_params
    today = datetime.now(BEIJING).date()
    errors: dict[str, str] = {}
    auditor = principal.role == "auditor"
    first_text, first = _day(q, "from", today - timedelta(days=29), errors, today, auditor)
    last_text, last = _day(q, "to", today, errors, today, auditor)
    region = (q.get("region") or "").strip() or None
    directory = container.directory
    if region is not None and not principal.sees_region(region):
        errors["region"] = "该地区不在您的辖区内。"
    elif region is not None and region not in {*dict(directory.places), *dict(directory.areas)}:
        errors["region"] = "请从列表中选择地区。"
    if first and last and first > last:
        errors["to"] = "结束日期不能早于开始日期。"
    data = None
    since = until = None
    if not errors and first and last:
        since = datetime.combine(first, time(), BEIJING)
        until = datetime.combine(last + timedelta(days=1), time(), BEIJING)  # the last day included
    if "since" in q or "until" in q:  # a link with the API's bounds: the pickers show their days
        since, until, first_text, last_text = _moments(q, errors, today)
    if not errors and since and until:
        try:
            data = figures(container.view, container.accounts, container.dispatch.ack_sla, since=since,
                           until=until, region=region, principal=principal, group="region",
                           directory=directory, callbacks=container.callbacks)
        except FieldError as exc:
            errors["from" if exc.field == "since" else "to"] = exc.message
    chosen = region if "region" not in errors else None  # never what was typed, unchecked
    if errors:  # someone may be probing narrow windows: what was asked, as typed (dates and codes)
        asked = typed_text(**{k: q.get(k) for k in ("from", "to", "since", "until")})
        if region is not None:  # a place by its code when it is one; never what was typed otherwise
            asked = "&".join(p for p in (asked, f"region={chosen or '?'}") if p != "-")
        audit(principal, "stats.refused", "stats", asked)
    else:
        read = filters_text(since=since, until=until, region=chosen)
        audit(principal, "stats.read", "stats", read)
    silent = [s for s in (data or {}).get("sentinels", []) if s["silent_days"] >= SILENT_DAYS]
    # Which unit is late (stop 58's city supervisor: only counties and kinds were counted).
    units = container.view.unit_figures(since, until, datetime.now(BEIJING), chosen or principal.region) \
        if data is not None else []
    picker, above = regions(directory, principal.region), wider(directory, principal.region)
    context: dict[str, Any] = {
        "principal": principal, "username": principal.subject, "errors": errors, "data": data,
        "first": first_text, "last": last_text, "region": region or "", "chosen_region": chosen or "",
        "silent": silent, "silent_days": SILENT_DAYS, "sentinel_kind_text": SENTINEL_KIND_TEXT,
        "labels": LABELS, "regions": picker, "wider": above,
        "picker_codes": {c for r in picker for c in r["codes"]} | {c for c, _ in above},
        "mine": region_label(directory, principal.region) if principal.region else "",
        "region_label": partial(region_label, directory), "charts": CHARTS,
        "crumbs": crumbs(directory, chosen, principal.region),
        "empty": empty_charts(data) if data else set(), "months": months(today),
        "quick": quick_ranges(today), "messages": list(dict.fromkeys(errors.values())),
        "date_min": EARLIEST_DAY.isoformat(), "date_max": latest_day(today).isoformat(),
        "auditor_why": AUDITOR_WHY, "rules": (CALLBACK_RATE_RULE, SATISFIED_RATE_RULE),
        "units": units, "took": took,
        "unit_county": {u["agency_id"]: unit_county(directory, u["agency_id"]) for u in units},
    }
    return render(request, "stats.html", context, 422 if errors else 200)
