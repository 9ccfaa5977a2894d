"""Statistics for people (contract §7): the figures of a window, with the rules that guard them
(an auditor's window is at least a day; a region caller counts only inside their region, §12),
and the roll-up one level below the region, shared by the API, the /stats page and the CLI."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from projections.desk.view import DeskView
from services.accounts.application import AccountsApplication
from services.common.auditnote import Principal, within
from services.common.errors import FieldError, NotFound
from services.common.vocabulary import BEIJING
from services.dispatch.routing import Directory
from services.intake.callbacks import CallbacksApplication
from services.oversight.callback_figures import COUNTY_DIGITS, callback_figures
from services.oversight.incidents import incident_counts
from services.oversight.jurisdiction import Outside, narrow
from services.oversight.regions_text import LEVELS, region_label

# Narrower windows would let a reader pick out one report's concerns (small counts); so would
# two windows differing by a moment (until=T-1s, until=T+1s): an auditor's are whole days.
MIN_AUDITOR_WINDOW = timedelta(days=1)
AUDITOR_WINDOW = ("审计人员的统计时段须为整日（北京时间0点起止），且至少一天，"
                  "以免从两个时间段的差推断出单份报告的内容。")


def _whole_day(value: datetime) -> bool:
    try:
        local = value.astimezone(BEIJING)
    except OverflowError:  # year 1 or 9999 with an offset: no day of ours
        return False
    return (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0)


def check_window(principal: Principal | None, since: datetime | None, until: datetime | None,
                 now: datetime) -> None:
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise FieldError(name, "时间须带时区，如 +08:00", where="query")
    if since is not None and until is not None and until <= since:
        raise FieldError("until", "截止时间应晚于开始时间。", where="query")
    if principal is not None and principal.role == "auditor":
        for name, value in (("since", since), ("until", until)):
            if value is None or not _whole_day(value):
                raise FieldError(name, AUDITOR_WINDOW, where="query")
        assert since is not None and until is not None
        if until - since < MIN_AUDITOR_WINDOW:
            raise FieldError("until", AUDITOR_WINDOW, where="query")


GROUPS = ("region",)
# The roll-up's last group (code null): what was placed above the level it splits by, so that
# the groups add up to the whole (a report placed at the county only, in a county's towns).
REST_TEXT = {2: "未细化到省份", 4: "未细化到地市", 6: "未细化到县区", 9: "未细化到乡镇",
             12: "未细化到村（社区）"}
OUTSIDE = "不在本账号的辖区内，无法查看该地区的统计。"


def scoped_region(principal: Principal | None, region: str | None) -> str | None:
    """The region counted (jurisdiction's one rule), refused with the statistics' own words."""
    try:
        return narrow(principal.region if principal is not None else None, region)
    except Outside:
        raise NotFound(OUTSIDE) from None


def group_digits(region: str | None) -> int | None:
    """The level one below a region's: none → provinces, a province → cities, a city →
    counties, a county → townships, a township → villages; a village has none."""
    return next((d for d in LEVELS if d > len(region or "")), None)


def sentinels_of(accounts: AccountsApplication) -> list[dict[str, Any]]:
    """The active sentinel points, as the statistics need them."""
    return [{"sentinel_id": str(s.id), "name": s.name, "kind": s.kind, "region_code": s.region_code,
             "registered_at": s.created_on}
            for s in accounts.list_sentinels() if getattr(s, "active", True)]


def figures(view: DeskView, accounts: AccountsApplication, sla: Mapping[str, int], *,
            since: datetime | None, until: datetime | None, region: str | None,
            principal: Principal | None = None, group: str | None = None,
            directory: Directory | None = None,
            callbacks: CallbacksApplication | None = None) -> dict[str, Any]:
    """The figures of the window in the region (within the caller's); with `callbacks`, theirs
    (回访, §13: `callback_figures`, with `group` per county and the dissatisfied cases); with `group="region"`
    also `groups`: the same figures for each region one level below, with its code and name,
    and last those placed above that level (code null), so that the groups add up."""
    now = datetime.now(UTC)
    check_window(principal, since, until, now)
    if group is not None and group not in GROUPS:
        raise FieldError("group", "分组方式只能是 region（按下级区划）。", where="query")
    region = scoped_region(principal, region)
    sentinels = sentinels_of(accounts)
    found = view.stats(since, until, now, region=region, sla=sla, sentinels=sentinels)
    found["major_incidents"] = incident_counts(view, since, until, region)  # by reason (§12)
    if callbacks is not None:
        counties = [c for c, _ in directory.places if len(c) == COUNTY_DIGITS and within(c, region)] \
            if directory else []
        found["callbacks"] = callback_figures(callbacks, region, since, until, counties=counties,
                                              detail=group == "region", view=view)
    if group == "region":
        found["group"], digits = group, group_digits(region)
        found["groups"] = [
            {"code": code, "name": _group_name(directory, code, region),
             **view.stats(since, until, now, region=code, sla=sla, sentinels=sentinels)}
            for code in subregions(found, region, directory)]
        if digits is not None:
            rest = view.stats(since, until, now, region=region, sla=sla, sentinels=sentinels,
                              shallower=digits)
            if rest["reports"] or rest["cases"] or rest["sentinels"] or any(rest["followups"].values()):
                found["groups"].append({"code": None, "name": REST_TEXT[digits], **rest})
    return found


def _group_name(directory: Directory | None, code: str, region: str | None) -> str:
    """A sub-region's name as shown inside the region ("" when the directory lacks it)."""
    return region_label(directory, code, region) if directory and directory.region_name(code) else ""


def subregions(found: Mapping[str, Any], region: str | None, directory: Directory | None) -> list[str]:
    """The regions one level below: those the directory knows and those with cases counted."""
    digits = group_digits(region)
    if digits is None:
        return []
    known = directory.subregions(region, digits) if directory else []
    counted = {code[:digits] for code in found["by_region"] if len(code) >= digits}
    return sorted(set(known) | counted)
