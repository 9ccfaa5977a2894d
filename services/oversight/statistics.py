"""Statistics for people (contract §7): the figures of a window, with the rules that guard them
(an auditor's window is at least a day), shared by the API, the /stats page and the CLI."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from projections.desk.view import DeskView
from services.accounts.application import AccountsApplication
from services.common.errors import FieldError
from services.common.principal import Principal
from services.common.vocabulary import BEIJING

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


def sentinels_of(accounts: AccountsApplication) -> list[dict[str, Any]]:
    """The active sentinel points, as the statistics need them."""
    return [{"sentinel_id": str(s.id), "name": s.name, "kind": s.kind, "region_code": s.region_code,
             "registered_at": s.created_on}
            for s in accounts.list_sentinels() if getattr(s, "active", True)]


def figures(view: DeskView, accounts: AccountsApplication, sla: Mapping[str, int], *,
            since: datetime | None, until: datetime | None, region: str | None,
            principal: Principal | None = None) -> dict[str, Any]:
    now = datetime.now(UTC)
    check_window(principal, since, until, now)
    return view.stats(since, until, now, region=region, sla=sla, sentinels=sentinels_of(accounts))
